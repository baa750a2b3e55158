"""Resuming a run that was killed (SIGKILL) or interrupted (Ctrl-C): nothing finished is repeated or lost."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend

from commands import default_sigint, dlbench
from dlbench.storage import JOURNAL_FILE

TRIALS = 25


def _finished_trials(run_dir: Path, model: str) -> list:
    """(number, state, value, start time) of the study's finished trials, read from the run's journal."""
    storage = JournalStorage(JournalFileBackend(str(run_dir / JOURNAL_FILE)))
    try:
        study_id = storage.get_study_id_from_name(f"dlbench/digits/{model}")
    except KeyError:
        return []
    return [(t.number, t.state.name, t.value, t.datetime_start) for t in storage.get_all_trials(study_id)
            if t.state.is_finished()]


def _start_run(output: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "dlbench.cli", "run", "--task", "digits", "--model", "logistic",
                             "svm", "--trials", str(TRIALS), "--budget", "none", "--output", str(output), "--quiet"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=default_sigint)


def _wait_until(condition, seconds: float = 300) -> None:
    deadline = time.time() + seconds
    while not condition():
        assert time.time() < deadline, "the run never got there"
        time.sleep(0.1)


@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGINT])
def test_a_stopped_run_resumes_without_repeating_finished_work(tmp_path, stop):
    process = _start_run(tmp_path)
    _wait_until(lambda: any(tmp_path.iterdir()))
    (run_dir,) = tmp_path.iterdir()
    _wait_until(lambda: len(_finished_trials(run_dir, "svm")) >= 3)  # logistic refitted, svm's study under way
    process.send_signal(stop)
    _, stderr = process.communicate(timeout=120)
    assert "Traceback" not in stderr
    if stop == signal.SIGINT:
        assert process.returncode == 130 and f"resume with: dlbench run --resume {run_dir}" in stderr
    before = {model: _finished_trials(run_dir, model) for model in ("logistic", "svm")}
    assert len(before["logistic"]) == TRIALS and 3 <= len(before["svm"]) < TRIALS

    resumed = dlbench("run", "--resume", str(run_dir), "--quiet")
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout.strip() == f"results: {run_dir}"
    after = {model: _finished_trials(run_dir, model) for model in ("logistic", "svm")}
    assert after["logistic"] == before["logistic"]  # a finished study is not touched
    assert after["svm"][:len(before["svm"])] == before["svm"]  # nor are finished trials
    trials = pd.read_csv(run_dir / "trials.csv")
    counted = trials[trials.state != "interrupted"]
    assert counted.groupby("model").size().to_dict() == {"logistic": TRIALS, "svm": TRIALS}
    assert not trials.duplicated(["model", "trial"]).any()
    results = pd.read_csv(run_dir / "results.csv")
    assert list(results.model) == ["logistic", "svm"] and set(results.status) == {"ok"}
    assert results.set_index("model").n_trials.to_dict() == {"logistic": TRIALS, "svm": TRIALS}
    environment = json.loads((run_dir / "environment.json").read_text())
    assert environment["finished"] is True and environment["resumed"] is True


def test_resuming_a_finished_run_changes_nothing(tmp_path):
    result = dlbench("run", "--task", "digits", "--model", "logistic", "--trials", "2", "--output", str(tmp_path),
                     "--quiet")
    assert result.returncode == 0, result.stderr
    (run_dir,) = tmp_path.iterdir()
    results = (run_dir / "results.csv").read_text()
    again = dlbench("run", "--resume", str(run_dir), "--quiet")
    assert again.returncode == 0, again.stderr
    assert (run_dir / "results.csv").read_text() == results
    assert len(list(tmp_path.iterdir())) == 1
