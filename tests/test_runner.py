"""The run's budget: within a task every model gets the same tuning time; what a task leaves goes to later tasks."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from dlbench.cli import main
from dlbench.errors import DlbenchError
from dlbench.runs.runner import RUN_FILE, RunConfig, load_run_file, study_timeout

TIMED = '''
    import time

    import numpy as np
    from dlbench import Model, hookimpl

    class Timed:
        """Takes ``seconds`` to fit, then predicts the most common training label."""

        def __init__(self, seconds):
            self.seconds = seconds

        def fit(self, X, y, X_val=None, y_val=None):
            time.sleep(self.seconds)
            self.label_ = np.bincount(y).argmax()
            return self

        def predict(self, X):
            return np.full(len(X), self.label_)

    def model(name, family, seconds):
        return Model(name=name, family=family, defaults={"c": 0.0}, build=lambda params, task: Timed(seconds),
                     search_space=lambda trial: {"c": trial.suggest_float("c", 0.0, 1.0)})

    @hookimpl
    def register_models(register):
        register(model("cheap", "classical", 0.0))
        register(model("dear", "deep", 0.25))
'''


@pytest.mark.parametrize("elapsed, tasks_left, models, expected", [
    (0.0, 3, 5, 20.0),     # 300 s over 3 tasks, then over each task's 5 models
    (150.0, 2, 5, 15.0),   # what is left, shared the same way
    (400.0, 1, 2, 1e-3),   # spent: each study still runs its defaults
])
def test_each_study_of_a_task_gets_the_same_share_of_what_is_left(elapsed, tasks_left, models, expected):
    assert study_timeout(RunConfig(tasks=[], models=[], budget=300.0), elapsed, tasks_left, models) == expected
    capped = RunConfig(tasks=[], models=[], budget=300.0, timeout=10.0)
    assert study_timeout(capped, elapsed, tasks_left, models) == min(10.0, expected)
    assert study_timeout(RunConfig(tasks=[], models=[], budget=None, timeout=7.0), elapsed, tasks_left, models) == 7.0


SOUND_RUN_FILE = {"argv": ["run", "--task", "digits", "--model", "logistic"], "cwd": "/tmp", "study_name": "dlbench",
                  "tasks": ["digits"], "models": ["logistic"], "plugins": []}


@pytest.mark.parametrize("document, problem", [
    ({}, "has no 'argv' list (the dlbench run command line)"),
    ([1, 2], "is not a JSON object"),
    (None, "is not a JSON object"),
    ({**SOUND_RUN_FILE, "argv": ["list"]}, "has no 'argv' list (the dlbench run command line)"),
    ({**SOUND_RUN_FILE, "tasks": "digits"}, "has no 'tasks' list"),
    ({key: value for key, value in SOUND_RUN_FILE.items() if key != "models"}, "has no 'models' list"),
    ({**SOUND_RUN_FILE, "models": [3]}, "has no 'models' list"),
    ({**SOUND_RUN_FILE, "study_name": None}, "has no 'study_name' string"),
    ({**SOUND_RUN_FILE, "cwd": 7}, "has a 'cwd' that is not a string"),
])
def test_a_run_file_of_the_wrong_shape_is_refused_naming_its_first_problem(tmp_path, document, problem):
    (tmp_path / RUN_FILE).write_text(json.dumps(document))
    with pytest.raises(DlbenchError) as error:
        load_run_file(tmp_path)
    assert str(error.value).startswith(f"{str(tmp_path / RUN_FILE)!r} {problem}; restore it from a backup or start "
                                       "a new run")
    (tmp_path / RUN_FILE).write_text(json.dumps(SOUND_RUN_FILE))
    assert load_run_file(tmp_path) == SOUND_RUN_FILE


def test_a_cheap_model_does_not_hand_its_time_to_a_rival_on_its_task(tmp_path: Path, monkeypatch):
    (tmp_path / "plugins").mkdir()
    (tmp_path / "plugins" / "timed.py").write_text(textwrap.dedent(TIMED))
    monkeypatch.setenv("DLBENCH_DISABLE_PLUGIN_AUTOLOAD", "1")
    code = main(["run", "--task", "digits", "--model", "cheap", "dear", "--trials", "40", "--budget", "8",
                 "--quiet", "--plugins-dir", str(tmp_path / "plugins"), "--output", str(tmp_path / "out")])
    assert code == 0
    (run_dir,) = (tmp_path / "out").iterdir()
    rows = pd.read_csv(run_dir / "results.csv").set_index("model")
    # each study gets 8 s / 1 task / 2 models = 4 s; the cheap one finishes its 40 trials in a fraction of that, and
    # the dear one still gets only its own 4 s (and the trial running then), not the 7 s a shared pool would leave
    assert rows.loc["cheap", "n_trials"] == 40 and rows.loc["cheap", "tuning_seconds"] < 2.0
    assert 3.5 < rows.loc["dear", "tuning_seconds"] < 5.5 and rows.loc["dear", "n_trials"] < 40
