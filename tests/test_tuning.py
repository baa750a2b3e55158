"""Studies: defaults first, seeded and reproducible, failures recorded with their reason."""

from __future__ import annotations

import json
import threading
import time

import numpy as np
import pytest

from dlbench import Model, TaskInfo
from dlbench.host.catalogue import Catalogue, make_plugin_manager
from dlbench.results.schema import TRIAL_COLUMNS
from dlbench.runs.runner import tuning_split
from dlbench.tuning.storage import INTERRUPTED
from dlbench.tuning.studies import busy_seconds, open_study, trial_lanes, tune

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


class _Recorded:
    """A single-threaded throwaway estimator: it sleeps ``params['pause']`` seconds and notes when, on which
    thread, and how many threads the BLAS pools allowed it."""

    log: list = []

    def __init__(self, params):
        self.params = params

    def fit(self, X, y, X_val=None, y_val=None):
        from threadpoolctl import threadpool_info

        started = time.perf_counter()
        if self.params.get("interrupt"):
            raise KeyboardInterrupt
        time.sleep(self.params["pause"])
        blas = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
        _Recorded.log.append((threading.current_thread().name, started, time.perf_counter(), blas))
        return self

    def predict(self, X):
        return np.full(len(X), int(self.params["label"]))


def _sleeper(**changes) -> Model:
    def space(trial):
        return {"pause": trial.suggest_float("pause", 0.05, 0.3), "label": trial.suggest_int("label", 0, 9)}

    return Model(name="sleeper", family="classical", search_space=space, defaults={"pause": 0.2, "label": 1},
                 build=lambda params, task: _Recorded(params), single_threaded=True, **changes)


def test_single_threaded_models_run_trials_side_by_side_on_one_blas_thread_each(split):
    assert trial_lanes(_sleeper(), 2) == 2 and trial_lanes(CATALOGUE.model("cnn"), 2) == 1
    assert trial_lanes(CATALOGUE.model("svm"), 2) == 2 and trial_lanes(CATALOGUE.model("random-forest"), 2) == 1
    _Recorded.log = []
    outcome = tune(_sleeper(), _info(), split, n_trials=5, timeout=None, seed=0, lanes=2)
    assert [row["trial"] for row in outcome.trials] == [0, 1, 2, 3, 4]  # exactly the quota, no surplus asked
    assert all(row["state"] == "complete" for row in outcome.trials)
    spans = sorted(_Recorded.log, key=lambda entry: entry[1])
    assert {name for name, *_ in spans} == {"MainThread", "dlbench-lane-1"}
    assert any(spans[i][1] < spans[i + 1][1] < spans[i][2] for i in range(len(spans) - 1))  # overlapping fits
    assert all(threads == 1 for *_, blas in spans for threads in blas)
    summed = sum(row["fit_seconds"] for row in outcome.trials)
    assert outcome.seconds < 0.9 * summed  # tuning time is wall time: side by side trials count once


def test_trials_side_by_side_are_reproducible_whichever_ends_first(split):
    runs = [tune(_sleeper(), _info(), split, n_trials=6, timeout=None, seed=5, lanes=2) for _ in range(2)]
    assert [row["params"] for row in runs[0].trials] == [row["params"] for row in runs[1].trials]


def test_ctrl_c_beside_a_running_trial_marks_both_interrupted(split):
    model = Model(name="sleeper", family="classical", search_space=_sleeper().search_space,
                  defaults={"pause": 0.05, "label": 1}, portfolio=({"pause": 0.3, "label": 2},), single_threaded=True,
                  build=lambda params, task: _Recorded({**params, "interrupt": params["label"] == 1}))
    study = open_study(model, _info(), 0, "none")
    with pytest.raises(KeyboardInterrupt):  # the defaults, on this thread, are stopped by Ctrl-C
        tune(model, _info(), split, n_trials=4, timeout=None, seed=0, lanes=2, study=study)
    trials = study.get_trials(deepcopy=False)
    assert [(t.number, t.state.name, t.user_attrs.get(INTERRUPTED)) for t in trials] == [
        (0, "FAIL", True), (1, "FAIL", True)]  # the portfolio trial beside it is not left running


def test_busy_seconds_count_overlapping_trials_once():
    import datetime as dt

    from optuna.trial import TrialState, create_trial

    def at(start, end):
        trial = create_trial(state=TrialState.COMPLETE, value=1.0)
        trial.datetime_start = dt.datetime(2026, 1, 1) + dt.timedelta(seconds=start)
        trial.datetime_complete = dt.datetime(2026, 1, 1) + dt.timedelta(seconds=end)
        return trial

    assert busy_seconds([at(0, 4), at(1, 3), at(2, 6), at(10, 11)]) == pytest.approx(7.0)
    assert busy_seconds([]) == 0.0


class _Epochs:
    """A throwaway deep estimator: ``params['epochs']`` epochs of ``params['pause']`` seconds, each reported."""

    def __init__(self, params):
        self.params = params
        self.epochs = params["epochs"]
        self.on_epoch_end = None

    def fit(self, X, y, X_val=None, y_val=None):
        for epoch in range(self.epochs):
            time.sleep(self.params["pause"])
            if self.on_epoch_end is not None:
                self.on_epoch_end(epoch, 0.5)
        return self

    def predict(self, X):
        return np.zeros(len(X), dtype=int)


def test_a_portfolio_warm_start_that_would_end_far_past_the_deadline_stops_once_an_epoch_shows_it(split):
    from dlbench.tuning.pruning import PORTFOLIO_GRACE, STOPPED

    space = lambda trial: {"epochs": trial.suggest_int("epochs", 1, 100), "pause": trial.suggest_float("pause", 0.01, 0.3)}
    model = Model(name="epochs", family="deep", search_space=space, defaults={"epochs": 2, "pause": 0.05},
                  portfolio=({"epochs": 100, "pause": 0.05},), build=lambda params, task: _Epochs(params))
    study = open_study(model, _info(), 0, "none")
    started = time.perf_counter()
    tune(model, _info(), split, n_trials=2, timeout=0.2, seed=0, study=study)
    assert time.perf_counter() - started < 0.2 * (1 + PORTFOLIO_GRACE) + 2.0  # not the portfolio's 5 s
    defaults, portfolio = study.get_trials(deepcopy=False)
    assert defaults.state.name == "COMPLETE" and defaults.user_attrs["epochs"] == 2  # the defaults, whole
    assert portfolio.state.name == "PRUNED" and portfolio.user_attrs[STOPPED] == "time"
    assert portfolio.user_attrs["epochs"] == 2  # its second epoch showed the pace: it would end ~5 s late


def test_a_sampled_deep_trial_still_training_when_the_time_is_up_stops_after_its_epoch(split):
    from dlbench.tuning.pruning import STOPPED

    space = lambda trial: {"epochs": trial.suggest_int("epochs", 1, 100), "pause": trial.suggest_float("pause", 0.01, 0.3)}
    model = Model(name="epochs", family="deep", search_space=space, defaults={"epochs": 1, "pause": 0.01},
                  portfolio=({"epochs": 10, "pause": 0.05},), build=lambda params, task: _Epochs(params))
    study = open_study(model, _info(), 0, "none")
    study.enqueue_trial({"epochs": 100, "pause": 0.05})  # not a warm start: as a sampled trial
    started = time.perf_counter()
    tune(model, _info(), split, n_trials=3, timeout=0.4, seed=0, study=study)
    trials = study.get_trials(deepcopy=False)
    assert [t.state.name for t in trials] == ["COMPLETE", "COMPLETE", "WAITING"]  # the time was up
    assert trials[1].user_attrs["epochs"] == 10  # the portfolio trained whole: past the 0.4 s, within the grace
    started = time.perf_counter()
    outcome = tune(model, _info(), split, n_trials=3, timeout=0.3, seed=0, study=study)
    assert time.perf_counter() - started < 3.0  # not the sampled trial's 5 s
    trials = study.get_trials(deepcopy=False)
    assert trials[2].state.name == "PRUNED" and trials[2].user_attrs[STOPPED] == "time"
    assert trials[2].user_attrs["epochs"] < 50
    assert outcome.best_params is not None
    last_epoch = Model(**{**model.__dict__, "portfolio": ()})
    study = open_study(last_epoch, _info(), 0, "none")
    study.enqueue_trial({"epochs": 1, "pause": 0.3})
    tune(last_epoch, _info(), split, n_trials=2, timeout=0.2, seed=0, study=study)
    assert [t.state.name for t in study.get_trials(deepcopy=False)] == ["COMPLETE", "COMPLETE"]  # its last epoch ended
