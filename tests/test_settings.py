"""A run's settings travel with it (in TaskInfo and DataSettings), so two runs in one process never share them."""

from __future__ import annotations

import json
import textwrap

import pytest

import dlbench
from dlbench.cli import main
from dlbench.results.checks import read_results_csv
from dlbench.training.devices import cpu_cores
from dlbench.training.options import run_precision

RECORDING_PLUGIN = '''
import json
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from dlbench import Model, SklearnClassifier, Task, TaskData, hookimpl

RECORD = Path({record!r})


def _record(**seen):
    with open(RECORD, "a") as handle:
        handle.write(json.dumps(seen) + "\\n")


def load(settings):
    _record(data_dir=str(settings.data_dir), progress=settings.progress)
    rng = np.random.default_rng(0)
    x = rng.random((60, 1, 4, 4)).astype(np.float32)
    y = np.arange(60) % 2
    x[y == 1] += 0.5
    return TaskData(np.clip(x[:40], 0, 1), y[:40], np.clip(x[40:], 0, 1), y[40:])


def build(params, task):
    _record(precision=task.training.precision, compile=task.training.compile, threads=task.training.threads)
    return SklearnClassifier(LogisticRegression())


@hookimpl
def register_models(register):
    register(Model(name="recorder", family="classical", search_space=lambda trial: {{}}, defaults={{}}, build=build))


@hookimpl
def register_tasks(register):
    register(Task("recorded", ("images",), ("a", "b"), load))
'''


def run_by_cli(tasks, models, *, plugins_dir=(), data_dir=None, precision=None, compile=False, jobs=None,
               quiet=False, output):
    """``dlbench run`` of these options, through the command line."""
    argv = ["run", "--task", *tasks, "--model", *models, "--trials", "1", "--budget", "none", "--output", str(output)]
    for folder in plugins_dir:
        argv += ["--plugins-dir", str(folder)]
    argv += ["--data-dir", str(data_dir)] if data_dir else []
    argv += ["--precision", precision] if precision else []
    argv += ["--jobs", str(jobs)] if jobs else []
    argv += ["--compile"] * compile + ["--quiet"] * quiet
    assert main(argv) == 0


def run_by_api(tasks, models, **options):
    """The same run through the Python API."""
    dlbench.run(tasks=tasks, models=models, trials=1, budget=None, **options)


@pytest.mark.parametrize("run", [run_by_cli, run_by_api], ids=["cli", "api"])
def test_two_runs_in_one_process_keep_their_own_settings(run, tmp_path, monkeypatch):
    monkeypatch.setenv("DLBENCH_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.delenv("DLBENCH_PLUGINS_DIR", raising=False)
    monkeypatch.delenv("DLBENCH_DATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # the default data directory is made under it
    plugins, record = tmp_path / "plugins", tmp_path / "record.jsonl"
    plugins.mkdir()
    (plugins / "recording.py").write_text(textwrap.dedent(RECORDING_PLUGIN.format(record=str(record))))
    first_data = tmp_path / "first-data"
    first_data.mkdir()
    common = dict(plugins_dir=[plugins], output=tmp_path / "runs")
    run(["recorded"], ["recorder"], data_dir=first_data, precision="bf16-mixed", compile=True, jobs=1, quiet=True,
        **common)
    first = [json.loads(line) for line in record.read_text().splitlines()]
    record.unlink()
    run(["recorded"], ["recorder"], **common)  # defaults: the default data directory, progress shown, this machine's
    # precision
    second = [json.loads(line) for line in record.read_text().splitlines()]

    loads = [seen for seen in first if "data_dir" in seen]
    builds = [seen for seen in first if "precision" in seen]
    assert loads and all(seen == {"data_dir": str(first_data), "progress": False} for seen in loads)
    assert builds and all(seen["precision"] == "bf16-mixed" and seen["compile"] is True for seen in builds)
    default_data = str(tmp_path / "home" / ".cache" / "dlbench")
    assert all(seen == {"data_dir": default_data, "progress": True} for seen in second if "data_dir" in seen)
    assert all(seen["precision"] == run_precision() and seen["compile"] is False for seen in second
               if "precision" in seen)  # resolved before training: never None
    assert {seen["threads"] for seen in first + second if "threads" in seen} == {cpu_cores()}  # one worker: every core
    with pytest.raises(dlbench.DlbenchError, match="unknown model 'recorder'"):  # nor do their plugin folders
        dlbench.run(tasks=["digits"], models=["recorder"], trials=1, output=tmp_path / "runs")


def test_a_run_of_tasks_that_read_no_files_needs_no_data_directory(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DLBENCH_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.setenv("DLBENCH_DATA", str(tmp_path / "nowhere"))  # looked up only by a loader that asks
    assert main(["run", "--task", "digits", "--model", "logistic", "--trials", "1", "--budget", "none", "--quiet",
                 "--output", str(tmp_path / "runs")]) == 0
    assert main(["run", "--task", "digits", "--model", "logistic", "--data-dir", str(tmp_path / "missing"),
                 "--output", str(tmp_path / "runs")]) == 2  # a --data-dir given is checked before any work
    assert capsys.readouterr().err.endswith(f"data directory {str(tmp_path / 'missing')!r} does not exist; create it "
                                            "or pass an existing folder\n")


TORCH_PLUGIN = '''
import json
from pathlib import Path

from torch import nn

from dlbench import Model, TorchClassifier, hookimpl

RECORD = Path({record!r})


class Recording(TorchClassifier):
    """A linear network that records, at every fit, its own precision and the run's it was handed."""

    def fit(self, X, y, X_val=None, y_val=None):
        with open(RECORD, "a") as handle:
            handle.write(json.dumps({{"own": self.precision, "run": self.training.precision}}) + "\\n")
        return super().fit(X, y, X_val, y_val)


def build(params, task):
    channels, height, width = task.input_shape
    return Recording(lambda: nn.Sequential(nn.Flatten(), nn.Linear(channels * height * width, task.n_classes)),
                     epochs=1, seed=task.seed)


@hookimpl
def register_models(register):
    register(Model(name="torch-recorder", family="deep", search_space=lambda trial: {{}}, defaults={{}}, build=build))
'''


def test_a_new_run_records_the_precision_its_deep_models_train_in(tmp_path, monkeypatch):
    monkeypatch.setenv("DLBENCH_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.delenv("DLBENCH_PLUGINS_DIR", raising=False)
    plugins, record = tmp_path / "plugins", tmp_path / "record.jsonl"
    plugins.mkdir()
    (plugins / "torch_recording.py").write_text(TORCH_PLUGIN.format(record=str(record)))
    assert main(["run", "--task", "digits", "--model", "torch-recorder", "logistic", "--trials", "1",
                 "--budget", "none", "--quiet", "--plugins-dir", str(plugins), "--output", str(tmp_path / "runs")]) == 0
    here = run_precision()
    assert here in ("32", "bf16-mixed")  # this machine's default, in dlbench's spelling
    (run_dir,) = (tmp_path / "runs").iterdir()
    assert json.loads((run_dir / "run.json").read_text())["settings"]["precision"] == here
    assert json.loads((run_dir / "environment.json").read_text())["precision"] == here
    rows = read_results_csv(run_dir / "results.csv")  # every cell as written
    assert dict(zip(rows["model"], rows["precision"])) == {"torch-recorder": here, "logistic": ""}
    seen = [json.loads(line) for line in record.read_text().splitlines()]
    assert len(seen) == 2 and all(fit == {"own": None, "run": here} for fit in seen)  # the trial and the refit
