"""Faults inside trials and in a task's data: each is recorded or reported in one line, and the rest goes on."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import pytest

from commands import dlbench
from dlbench import Model, TaskInfo, TorchClassifier
from dlbench.cli import main
from dlbench.runs.runner import tuning_split
from dlbench.tuning.studies import tune

FAULTS = ("nan-loss", "inf-loss", "host-memory", "gpu-memory", "crash", "none")


def _network(n_inputs: int, n_classes: int, fault: str):
    """A linear classifier; with ``nan-loss`` its logits are NaN, with ``inf-loss`` every class but 0 is impossible."""
    import torch
    from torch import nn

    class Faulty(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.linear = nn.Linear(n_inputs, n_classes)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            logits = self.linear(x.flatten(1))
            if fault == "nan-loss":
                return logits * float("nan")
            if fault == "inf-loss":
                impossible = torch.ones_like(logits, dtype=torch.bool)
                impossible[:, 0] = False
                return logits.masked_fill(impossible, float("-inf"))
            return logits

    return Faulty()


class OutOfMemory:
    """An estimator whose fit runs out of host or GPU memory, as a too-large configuration does."""

    def __init__(self, fault: str) -> None:
        self.fault = fault

    def fit(self, X, y, X_val=None, y_val=None):
        import torch

        if self.fault == "host-memory":
            raise MemoryError()
        raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")


def _build(params, task: TaskInfo):
    fault = params["fault"]
    if fault == "crash":
        raise ValueError("the plugin's model has a bug")
    if fault.endswith("memory"):
        return OutOfMemory(fault)
    n_inputs = int(np.prod(task.input_shape))
    # one batch per epoch: the diverging trials' first epoch loss is exactly NaN or inf
    return TorchClassifier(lambda: _network(n_inputs, task.n_classes, fault), lr=1e-2, batch_size=4096, epochs=30,
                           seed=task.seed)


def test_each_trial_fault_is_a_failed_trial_with_its_reason_and_the_study_goes_on(digits_data):
    split = tuning_split(digits_data, seed=0)[1]
    model = Model(name="faulty", family="deep", build=_build, defaults={"fault": FAULTS[0]},
                  portfolio=tuple({"fault": fault} for fault in FAULTS[1:]),
                  search_space=lambda trial: {"fault": trial.suggest_categorical("fault", FAULTS)})
    info = TaskInfo("digits", (1, 8, 8), 10, tuple("0123456789"), 0)
    outcome = tune(model, info, split, n_trials=len(FAULTS), timeout=None, seed=0, pruner="median")
    rows = {row["params"]: row for row in outcome.trials}
    assert [row["state"] for row in outcome.trials] == ["fail"] * 5 + ["complete"]
    reasons = [rows[f'{{"fault": "{fault}"}}']["error"] for fault in FAULTS[:5]]
    assert reasons == ["TrainingDiverged: training loss became nan in epoch 1",
                       "TrainingDiverged: training loss became inf in epoch 1",
                       "out of memory: MemoryError",
                       "out of memory: OutOfMemoryError: CUDA out of memory. Tried to allocate 20.00 GiB",
                       "ValueError: the plugin's model has a bug"]
    assert all(rows[f'{{"fault": "{fault}"}}']["fit_seconds"] < 10 for fault in FAULTS[:2])  # stopped at once
    healthy = outcome.trials[-1]
    assert healthy["val_accuracy"] > 0.5 and outcome.best_params == {"fault": "none"}  # chance is 0.1


ALWAYS_FAILS = '''
    from dlbench import Model, hookimpl

    def build(params, task):
        raise ValueError("no good configuration")

    @hookimpl
    def register_models(register):
        register(Model(name="always-fails", family="deep", defaults={"x": 1}, build=build,
                       search_space=lambda trial: {"x": trial.suggest_int("x", 1, 3)}))
'''


def test_a_model_whose_every_trial_fails_shows_failed_and_leaves_the_others_unaffected(tmp_path):
    (tmp_path / "plugins").mkdir()
    (tmp_path / "plugins" / "always_fails.py").write_text(textwrap.dedent(ALWAYS_FAILS))
    common = ["run", "--task", "digits", "--trials", "2", "--quiet", "--plugins-dir", str(tmp_path / "plugins")]
    with_failure = dlbench(*common, "--model", "logistic", "always-fails", "--output", str(tmp_path / "both"))
    alone = dlbench(*common, "--model", "logistic", "--output", str(tmp_path / "alone"))
    assert with_failure.returncode == 0 and alone.returncode == 0, with_failure.stderr + alone.stderr
    (both_dir,), (alone_dir,) = (tmp_path / "both").iterdir(), (tmp_path / "alone").iterdir()
    results = pd.read_csv(both_dir / "results.csv").set_index("model")
    assert results.loc["always-fails", "status"] == "failed"
    assert results.loc["always-fails", "error"] == "every trial failed; first error: ValueError: no good configuration"
    leaderboard = (both_dir / "leaderboard.md").read_text()
    assert ("- **always-fails** failed (seed 0): every trial failed; first error: ValueError: no good configuration"
            in leaderboard)
    trials = pd.read_csv(both_dir / "trials.csv")
    assert list(trials[trials.model == "always-fails"].state) == ["fail", "fail"]
    stable = ["status", "test_accuracy", "balanced_accuracy", "macro_f1", "val_accuracy", "best_params"]
    unaffected = pd.read_csv(alone_dir / "results.csv").set_index("model")
    pd.testing.assert_frame_equal(results.loc[["logistic"], stable], unaffected.loc[["logistic"], stable])


BAD_DATA = '''
    import numpy as np
    from dlbench import Task, TaskData, hookimpl

    def data(y_train=None, x_train=None, y_test=None):
        rng = np.random.default_rng(0)
        good_x, good_y = rng.random((12, 1, 4, 4), dtype=np.float32), np.arange(12) % 3
        return TaskData(good_x if x_train is None else x_train, good_y if y_train is None else y_train,
                        good_x[:6], good_y[:6] if y_test is None else y_test)

    BAD = {
        "labels-out-of-range": lambda: data(y_train=np.arange(12) % 3 + 1),
        "float-labels": lambda: data(y_train=(np.arange(12) % 3).astype(np.float32)),
        "empty-class": lambda: data(y_train=np.arange(12) % 2),
        "nan-pixels": lambda: data(x_train=np.full((12, 1, 4, 4), np.nan, np.float32)),
        "inf-pixels": lambda: data(x_train=np.full((12, 1, 4, 4), np.inf, np.float32)),
        "label-count": lambda: data(y_test=np.arange(5) % 3),
    }

    @hookimpl
    def register_tasks(register):
        for name, load in BAD.items():
            register(Task(name=name, tags=(), class_names=("a", "b", "c"), load=load))
'''


ONE_CLASS = '''
    from dlbench import Task, hookimpl

    @hookimpl
    def register_tasks(register):
        register(Task(name="one-class", tags=(), class_names=("only",), load=lambda: None))
'''


@pytest.mark.parametrize("task, message", [
    ("labels-out-of-range", "task 'labels-out-of-range': train labels must lie in [0, 2] (3 class names), got [1, 3]"),
    ("float-labels", "task 'float-labels': train labels must be a 1-d integer array, got float32"),
    ("empty-class", "task 'empty-class': train split has no images of class(es) c"),
    ("nan-pixels", "task 'nan-pixels': train images contain NaN or infinite values"),
    ("inf-pixels", "task 'inf-pixels': train images contain NaN or infinite values"),
    ("label-count", "task 'label-count': test has 6 images but 5 labels"),
    ("one-class", "task 'one-class' has 1 class(es); a task needs at least 2"),
])
def test_bad_data_is_one_clear_error_before_any_training(task, message, tmp_path, capsys, monkeypatch):
    (tmp_path / "plugins").mkdir()
    plugin = ONE_CLASS if task == "one-class" else BAD_DATA  # strict: any broken task of a plugin stops
    (tmp_path / "plugins" / "bad_data.py").write_text(textwrap.dedent(plugin))
    monkeypatch.setenv("DLBENCH_DISABLE_PLUGIN_AUTOLOAD", "1")
    code = main(["run", "--task", task, "--model", "logistic", "--strict-plugins", "--quiet",
                 "--plugins-dir", str(tmp_path / "plugins"), "--output", str(tmp_path / "out")])
    stderr = capsys.readouterr().err
    assert code == 2 and message in stderr, stderr
    assert len(stderr.strip().splitlines()) == 1 and "Traceback" not in stderr
    assert not (tmp_path / "out").exists()  # stopped before any run folder, so before any training


FLAKY = '''
    import numpy as np
    import optuna
    from dlbench import Model, hookimpl

    ORDER = ["fail", "complete", "fail", "pruned", "complete", "fail", "pruned", "complete", "fail", "complete"]
    OUTCOMES = ["complete", "fail", "pruned"]

    class Flaky:
        """Fails or is pruned as its params say; otherwise it predicts the most common training label."""

        def __init__(self, outcome):
            self.outcome = outcome

        def fit(self, X, y, X_val=None, y_val=None):
            if self.outcome == "fail":
                raise ValueError("this configuration breaks")
            if self.outcome == "pruned":
                raise optuna.TrialPruned()
            self.label_ = np.bincount(y).argmax()
            return self

        def predict(self, X):
            return np.full(len(X), self.label_)

    @hookimpl
    def register_models(register):
        register(Model(name="flaky", family="classical", defaults={"outcome": ORDER[0]},
                       portfolio=tuple({"outcome": outcome} for outcome in ORDER[1:]),
                       build=lambda params, task: Flaky(params["outcome"]),
                       search_space=lambda trial: {"outcome": trial.suggest_categorical("outcome", OUTCOMES)}))
'''


def test_results_count_trials_by_state_and_the_leaderboard_notes_the_failed_ones(tmp_path, monkeypatch):
    (tmp_path / "plugins").mkdir()
    (tmp_path / "plugins" / "flaky.py").write_text(textwrap.dedent(FLAKY))
    monkeypatch.setenv("DLBENCH_DISABLE_PLUGIN_AUTOLOAD", "1")
    code = main(["run", "--task", "digits", "--model", "flaky", "--trials", "10", "--quiet",
                 "--plugins-dir", str(tmp_path / "plugins"), "--output", str(tmp_path / "out")])
    assert code == 0
    (run_dir,) = (tmp_path / "out").iterdir()
    states = pd.read_csv(run_dir / "trials.csv").state.value_counts().to_dict()
    assert states == {"complete": 4, "fail": 4, "pruned": 2}
    (row,) = pd.read_csv(run_dir / "results.csv").itertuples()
    assert (row.status, row.n_trials, row.trials_completed, row.trials_pruned, row.trials_failed) == ("ok", 10, 4, 2, 4)
    assert pd.isna(row.n_params)  # the plugin's estimator does not say, and dlbench cannot count it: empty, not 0
    line = (run_dir / "results.csv").read_text().splitlines()[1]
    assert ",,10,4,2,4," in line  # the empty n_params, then the counts as integers
    assert "| 6 (+4 failed) |" in (run_dir / "leaderboard.md").read_text()  # 6 trained: 4 completed, 2 pruned
