"""Studies: defaults first, seeded and reproducible, failures recorded with their reason."""

from __future__ import annotations

import json

import pytest

from dlbench import Model, TaskInfo
from dlbench.registry import Catalogue, make_plugin_manager
from dlbench.runner import tuning_split
from dlbench.columns import TRIAL_COLUMNS
from dlbench.tuning import tune

CATALOGUE = Catalogue.from_plugins(make_plugin_manager(load_entrypoints=False))


@pytest.fixture(scope="module")
def split(digits_data):
    return tuning_split(digits_data, seed=0)[1]


def _info(seed=0):
    return TaskInfo("digits", (1, 8, 8), 10, tuple("0123456789"), seed)


def test_first_trial_is_the_defaults_and_rows_have_fixed_columns(split):
    model = CATALOGUE.model("decision-tree")
    outcome = tune(model, _info(), split, n_trials=4, timeout=None, seed=0)
    assert [row["trial"] for row in outcome.trials] == [0, 1, 2, 3]
    assert json.loads(outcome.trials[0]["params"]) == dict(model.defaults)
    assert all(list(row) == TRIAL_COLUMNS for row in outcome.trials)
    assert outcome.best_val_accuracy == max(row["val_accuracy"] for row in outcome.trials)
    assert all(row["state"] == "complete" and row["fit_seconds"] > 0 for row in outcome.trials)


def test_portfolio_follows_the_defaults(split):
    model = CATALOGUE.model("mlp")
    assert model.portfolio
    outcome = tune(model, _info(), split, n_trials=1 + len(model.portfolio), timeout=None, seed=0)
    assert [json.loads(row["params"]) for row in outcome.trials] == [dict(model.defaults), *map(dict, model.portfolio)]


def test_same_seed_same_trials_other_seed_other_trials(split):
    model = CATALOGUE.model("svm")
    runs = [tune(model, _info(), split, n_trials=5, timeout=None, seed=seed) for seed in (3, 3, 4)]
    keys = [[(row["params"], row["val_accuracy"]) for row in outcome.trials] for outcome in runs]
    assert keys[0] == keys[1]
    assert keys[0][1:] != keys[2][1:]


def test_failing_trials_are_recorded_with_their_reason(split):
    def build(params, task):
        raise RuntimeError("boom: the model cannot be built")

    broken = Model(name="broken", family="deep", search_space=lambda t: {"x": t.suggest_int("x", 1, 3)},
                   defaults={"x": 1}, build=build)
    outcome = tune(broken, _info(), split, n_trials=2, timeout=None, seed=0)
    assert [row["state"] for row in outcome.trials] == ["fail", "fail"]
    assert outcome.trials[0]["error"] == "RuntimeError: boom: the model cannot be built"
    assert outcome.best_params is None and "boom" in outcome.first_error


@pytest.mark.filterwarnings("ignore:.*out of (the )?range:UserWarning")  # the good warm starts lie outside the space
def test_weak_deep_trials_are_pruned_and_recorded(split):
    from dlbench import TorchClassifier
    from dlbench.plugins.mlp import make_mlp

    def build(params, task):
        return TorchClassifier(lambda: make_mlp(task.input_shape, task.n_classes), lr=params["lr"], epochs=6,
                               seed=task.seed)

    # warm starts: two good configurations and a bad one, which is never pruned; the sampler only finds bad ones
    good, bad = {"lr": 3e-3}, {"lr": 1e-7}
    model = Model(name="lr-probe", family="deep", defaults=good, portfolio=(good, bad), build=build,
                  search_space=lambda t: {"lr": t.suggest_float("lr", 1e-8, 1e-7, log=True)})
    outcome = tune(model, _info(), split, n_trials=5, timeout=None, seed=0, pruner="median")
    assert [row["state"] for row in outcome.trials] == ["complete"] * 3 + ["pruned"] * 2
    assert [row["epochs"] for row in outcome.trials] == [6, 6, 6, 3, 3]
    assert outcome.trials[2]["val_accuracy"] < 0.5  # the bad warm start ran whole
    assert all(row["val_accuracy"] < 0.5 for row in outcome.trials[3:])
    unpruned = tune(model, _info(), split, n_trials=5, timeout=None, seed=0, pruner="none")
    assert [row["state"] for row in unpruned.trials] == ["complete"] * 5
