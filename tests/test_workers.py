"""Parallel and distributed trials: --jobs on one machine, and independent workers sharing one --storage."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pandas as pd
import pytest

from commands import dlbench
from dlbench.errors import DlbenchError
from dlbench.runs.workers import plan_workers

POSTGRES_URL = os.environ.get("DLBENCH_TEST_POSTGRES_URL")  # .ci/run starts a server and sets it


def test_cpu_workers_share_the_cores():
    assert plan_workers(None, None, cores=2, gpus=()) == plan_workers(1, None, cores=2, gpus=())
    assert plan_workers(1, None, cores=2, gpus=()).threads == 2
    assert plan_workers(2, None, cores=2, gpus=()).threads == 1
    assert plan_workers(3, None, cores=8, gpus=()).threads == 2
    with pytest.raises(DlbenchError, match=r"--jobs 3 is more than the 2 CPU cores; valid: 1 to 2"):
        plan_workers(3, None, cores=2, gpus=())


def test_gpu_workers_take_one_device_each():
    gpus = ("0", "1", "2", "3")
    plan = plan_workers(None, None, cores=16, gpus=gpus)
    assert plan.jobs == 4 and [plan.gpu_of(worker) for worker in range(4)] == ["0", "1", "2", "3"]
    limited = plan_workers(None, 2, cores=16, gpus=gpus)
    assert limited.jobs == 2 and limited.gpus == ("0", "1") and limited.threads == 8
    with pytest.raises(DlbenchError, match="--devices 5: this machine has 4 visible GPU"):
        plan_workers(None, 5, cores=16, gpus=gpus)
    with pytest.raises(DlbenchError, match="--devices 1: no GPU is visible"):
        plan_workers(None, 1, cores=2, gpus=())


def _trials_of(run_dir: Path) -> pd.DataFrame:
    trials = pd.read_csv(run_dir / "trials.csv")
    assert not trials.duplicated(["task", "model", "trial"]).any()
    return trials


RENDEZVOUS_PLUGIN = '''
import os
import time
from pathlib import Path

from sklearn.linear_model import RidgeClassifier

from dlbench import Model, SklearnClassifier, hookimpl

MEETING = Path({meeting!r})


class Rendezvous(SklearnClassifier):
    """Its first tuning fit in each process waits (a minute at most) until a fit has started in another process:
    so both workers surely run trials, however slowly the second one starts."""

    def fit(self, X, y, X_val=None, y_val=None):
        if X_val is not None:
            (MEETING / str(os.getpid())).touch()
            deadline = time.time() + 60
            while len(list(MEETING.iterdir())) < 2 and time.time() < deadline:
                time.sleep(0.05)
        return super().fit(X, y, X_val, y_val)


@hookimpl
def register_models(register):
    register(Model(name="rendezvous", family="classical", defaults={{"alpha": 1.0}},
                   search_space=lambda trial: {{"alpha": trial.suggest_float("alpha", 1e-3, 1e3, log=True)}},
                   build=lambda params, task: Rendezvous(RidgeClassifier(alpha=params["alpha"]))))
'''


def test_jobs_run_the_requested_trials_in_parallel_workers(tmp_path):
    plugins, meeting = tmp_path / "plugins", tmp_path / "meeting"
    plugins.mkdir()
    meeting.mkdir()
    (plugins / "rendezvous.py").write_text(RENDEZVOUS_PLUGIN.format(meeting=str(meeting)))
    result = dlbench("run", "--task", "digits", "--model", "rendezvous", "logistic", "--trials", "6", "--jobs", "2",
                     "--plugins-dir", str(plugins), "--output", str(tmp_path / "runs"), "--quiet")
    assert result.returncode == 0, result.stderr
    (run_dir,) = (tmp_path / "runs").iterdir()
    trials = _trials_of(run_dir)
    assert trials.groupby("model").size().to_dict() == {"logistic": 6, "rendezvous": 6}
    assert set(trials.state) == {"complete"}
    assert trials.worker.nunique() == 2 and len(list(meeting.iterdir())) == 2  # both processes ran trials
    results = pd.read_csv(run_dir / "results.csv")
    assert list(results.model) == ["rendezvous", "logistic"] and set(results.status) == {"ok"}
    environment = json.loads((run_dir / "environment.json").read_text())
    assert environment["jobs"] == 2 and environment["torch_threads"] == 1 and environment["worker_failures"] == []


@pytest.mark.parametrize("kind", ["journal", "postgresql"])
def test_two_workers_share_one_storage_and_report_merges_them(tmp_path, kind):
    if kind == "postgresql" and not POSTGRES_URL:
        pytest.skip("set DLBENCH_TEST_POSTGRES_URL=postgresql://USER:PASSWORD@127.0.0.1/DB (.ci/run starts a server)")
    url = f"journal:{tmp_path / 'shared.journal'}" if kind == "journal" else POSTGRES_URL
    name = f"test-{uuid.uuid4().hex[:8]}"
    command = [sys.executable, "-m", "dlbench.cli", "run", "--task", "digits", "--model", "logistic", "svm",
               "--trials", "30", "--storage", url, "--study-name", name, "--quiet"]
    workers = [subprocess.Popen([*command, "--output", str(tmp_path / f"worker{index}")], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for index in (1, 2)]
    for worker in workers:
        _, stderr = worker.communicate(timeout=600)
        assert worker.returncode == 0, stderr
    folders = [next((tmp_path / f"worker{index}").iterdir()) for index in (1, 2)]
    merged = dlbench("report", *map(str, folders), "--format", "csv")  # the two folders' files, merged
    assert merged.returncode == 0, merged.stderr
    assert "conflict" not in merged.stdout.lower()
    assert sorted(pd.read_csv(io.StringIO(merged.stdout)).model) == ["logistic", "svm"]
    for folder in folders:  # each worker's folder, rebuilt from the shared storage, holds the whole run
        report = dlbench("report", "--refresh", str(folder), "--storage", url)
        assert report.returncode == 0, report.stderr
        assert re.search(r"\| (\*\*)?logistic", report.stdout) and re.search(r"\| (\*\*)?svm", report.stdout)
    trials = [_trials_of(folder) for folder in folders]
    pd.testing.assert_frame_equal(trials[0], trials[1])
    assert trials[0].groupby("model").size().to_dict() == {"logistic": 30, "svm": 30}
    assert trials[0].worker.nunique() == 2  # both workers took trials, none was run twice
    results = [pd.read_csv(folder / "results.csv") for folder in folders]
    pd.testing.assert_frame_equal(results[0], results[1])
    assert list(results[0].model) == ["logistic", "svm"] and list(results[0].n_trials) == [30, 30]
