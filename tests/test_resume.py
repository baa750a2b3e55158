"""Resuming a run that was killed (SIGKILL) or interrupted (Ctrl-C): nothing finished is repeated or lost."""

from __future__ import annotations

import json
import shlex
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend

from commands import default_sigint, dlbench
from dlbench.api.running import resume_command
from dlbench.cli import main
from dlbench.progress import Progress
from dlbench.results.checks import read_results_csv
from dlbench.results.predictions import file_name, load_run_predictions
from dlbench.runs import runner
from dlbench.tuning.storage import JOURNAL_FILE

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
    kept = run_dir / "predictions" / file_name("digits", "logistic", 0)
    kept_before = (kept.read_bytes(), kept.stat().st_mtime_ns)  # the finished study's refit predictions
    if stop == signal.SIGKILL:  # as if killed in the middle of writing a journal entry
        with open(run_dir / JOURNAL_FILE, "ab") as journal:
            journal.write(b'{"op_code": 6, "worker_id": "x", "trial_id": 3')

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
    assert (kept.read_bytes(), kept.stat().st_mtime_ns) == kept_before  # kept across the resume, untouched
    assert set(load_run_predictions(run_dir)) == {("digits", "logistic", 0), ("digits", "svm", 0)}


def test_resuming_a_finished_run_changes_nothing(tmp_path):
    result = dlbench("run", "--task", "digits", "--model", "logistic", "--trials", "2", "--output", str(tmp_path),
                     "--quiet")
    assert result.returncode == 0, result.stderr
    (run_dir,) = tmp_path.iterdir()
    results, run_file = (run_dir / "results.csv").read_text(), (run_dir / "run.json").read_text()
    again = dlbench("run", "--resume", str(run_dir), "--quiet")
    assert again.returncode == 0, again.stderr
    assert (run_dir / "results.csv").read_text() == results and (run_dir / "run.json").read_text() == run_file
    assert len(list(tmp_path.iterdir())) == 1
    plugins = json.loads(run_file)["plugins"]  # the resume re-records the plugins it ran with: the same ones
    assert [plugin["name"] for plugin in plugins] == ["dlbench.plugins.logistic", "dlbench.tasks.digits"]
    assert json.loads((run_dir / "environment.json").read_text())["plugins"] == plugins


def test_runs_started_at_once_with_one_output_get_their_own_folders(tmp_path):
    command = [sys.executable, "-m", "dlbench.cli", "run", "--task", "digits", "--model", "logistic", "--trials", "1",
               "--output", str(tmp_path), "--quiet"]
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    outputs = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0], [stderr for _, stderr in outputs]
    folders = sorted(stdout.strip().removeprefix("results: ") for stdout, _ in outputs)
    assert len(set(folders)) == 3 and sorted(map(str, tmp_path.iterdir())) == folders
    for folder in map(Path, folders):
        assert json.loads((folder / "environment.json").read_text())["finished"] is True
        assert len(pd.read_csv(folder / "trials.csv")) == 1 and len(pd.read_csv(folder / "results.csv")) == 1


GATED_PLUGIN = '''
    import time
    from pathlib import Path
    from dlbench import Model, hookimpl
    from dlbench.plugins.logistic import build as build_logistic, search_space

    GATE = Path({gate!r})

    class Gated:
        """Logistic regression whose fit waits until the test opens the gate: a run that stays alive."""

        def __init__(self, estimator):
            self.estimator = estimator

        def fit(self, *args, **kwargs):
            while not GATE.exists():
                time.sleep(0.05)
            self.estimator.fit(*args, **kwargs)
            return self

        def predict(self, X):
            return self.estimator.predict(X)

    @hookimpl
    def register_models(register):
        register(Model(name="gated", family="classical", defaults={{"C": 1.0}}, search_space=search_space,
                       build=lambda params, task: Gated(build_logistic(params, task))))
'''


def test_a_live_run_cannot_be_resumed_a_second_time(tmp_path):
    plugins, gate = tmp_path / "plugins", tmp_path / "gate"
    plugins.mkdir()
    (plugins / "gated.py").write_text(textwrap.dedent(GATED_PLUGIN.format(gate=str(gate))))
    process = subprocess.Popen([sys.executable, "-m", "dlbench.cli", "run", "--task", "digits", "--model", "gated",
                                "--trials", "1", "--plugins-dir", str(plugins), "--output", str(tmp_path / "out"),
                                "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_until(lambda: (tmp_path / "out").exists() and any((tmp_path / "out").glob("*/" + JOURNAL_FILE)))
    (run_dir,) = (tmp_path / "out").iterdir()
    second = dlbench("run", "--resume", str(run_dir), "--plugins-dir", str(plugins))
    assert second.returncode == 2 and "Traceback" not in second.stderr and second.stderr.count("\n") == 1
    assert f"is in use by a running dlbench (pid {process.pid} on " in second.stderr
    gate.touch()
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr
    assert pd.read_csv(run_dir / "results.csv").status.tolist() == ["ok"]  # the refused resume changed nothing
    assert len(pd.read_csv(run_dir / "trials.csv")) == 1


RECORDED_PLUGIN = '''
    from pathlib import Path
    from dlbench import Model, hookimpl
    from dlbench.plugins.logistic import build as build_logistic, search_space

    LOG, STOP = Path({log!r}), Path({stop!r})

    class Recorded:
        """Logistic regression that logs the seed of every refit (a fit without validation data) and, while
        STOP exists, is interrupted by Ctrl-C in the refit with seed 2."""

        def __init__(self, estimator, seed):
            self.estimator, self.seed = estimator, seed

        def fit(self, X, y, X_val=None, y_val=None):
            if X_val is None:
                with LOG.open("a") as log:
                    log.write(f"{{self.seed}}\\n")
                if self.seed == 2 and STOP.exists():
                    raise KeyboardInterrupt
            self.estimator.fit(X, y)
            return self

        def predict(self, X):
            return self.estimator.predict(X)

    @hookimpl
    def register_models(register):
        register(Model(name="recorded", family="classical", defaults={{"C": 1.0}}, search_space=search_space,
                       build=lambda params, task: Recorded(build_logistic(params, task), task.seed)))
'''


@pytest.fixture
def recorded(tmp_path, monkeypatch):
    """(plugins folder, refit log, stop file) of the ``recorded`` model, the stop file in place."""
    plugins, log, stop = tmp_path / "plugins", tmp_path / "refits.log", tmp_path / "stop"
    plugins.mkdir()
    (plugins / "recorded.py").write_text(textwrap.dedent(RECORDED_PLUGIN.format(log=str(log), stop=str(stop))))
    stop.touch()
    monkeypatch.setenv("DLBENCH_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.delenv("DLBENCH_PLUGINS_DIR", raising=False)
    return plugins, log, stop


def _run_recorded(plugins: Path, output: Path, *options: str) -> int:
    return main(["run", "--task", "digits", "--model", "recorded", "--trials", "1", "--seeds", "3", "--budget", "none",
                 "--quiet", "--plugins-dir", str(plugins), "--output", str(output), *options])


def _printed_resume(stderr: str) -> list:
    """The command line of the one-line hint of an interrupted run, split as a shell would."""
    (line,) = stderr.strip().splitlines()
    assert line.startswith("dlbench: interrupted; finished work is saved in ") and "Traceback" not in stderr
    return shlex.split(line.split("; resume with: ", 1)[1])


def test_an_interrupted_refit_keeps_its_finished_seeds_and_the_resume_refits_only_the_rest(tmp_path, recorded,
                                                                                            monkeypatch, capsys):
    plugins, log, stop = recorded
    statuses: list = []
    monkeypatch.setattr(Progress, "status", lambda self, text: statuses.append(text))
    assert _run_recorded(plugins, tmp_path / "out") == 130
    (run_dir,) = (tmp_path / "out").iterdir()
    command = _printed_resume(capsys.readouterr().err)
    assert command == ["dlbench", "run", "--resume", str(run_dir), "--plugins-dir", str(plugins)]
    assert log.read_text().split() == ["0", "1", "2"]  # Ctrl-C in the refit with seed 2
    assert [text for text in statuses if text.startswith("refitting")] == [
        f"refitting digits × recorded, seed {seed} ({seed + 1} of 3)" for seed in range(3)]
    kept = pd.read_csv(run_dir / "results.csv")
    assert kept.seed.tolist() == [0, 1] and set(kept.status) == {"ok"}  # saved as each seed finished
    assert json.loads((run_dir / "environment.json").read_text())["finished"] is False

    stop.unlink()
    statuses.clear()
    assert main(command[1:]) == 0  # the command as printed
    assert log.read_text().split() == ["0", "1", "2", "2"]  # seeds 0 and 1 are not refitted again
    assert [text for text in statuses if text.startswith("refitting")] == [
        "refitting digits × recorded, seed 2 (3 of 3)"]
    results = pd.read_csv(run_dir / "results.csv")
    assert results.seed.tolist() == [0, 1, 2] and set(results.status) == {"ok"}
    assert results.iloc[:2].equals(kept)  # the saved rows, untouched
    assert results.best_params.nunique() == 1 and results.n_trials.tolist() == [1, 1, 1]  # not tuned again
    assert len(pd.read_csv(run_dir / "trials.csv")) == 1
    assert set(load_run_predictions(run_dir)) == {("digits", "recorded", seed) for seed in range(3)}
    assert json.loads((run_dir / "environment.json").read_text())["finished"] is True


def test_a_second_ctrl_c_while_the_files_are_written_stops_at_once_and_the_run_resumes(tmp_path, recorded,
                                                                                       monkeypatch, capsys):
    plugins, log, stop = recorded
    storage = f"journal:{tmp_path / 'shared.journal'}"
    real_write = runner.write_run_files

    def interrupted_write(*args, **kwargs):
        if kwargs.get("plots"):  # the final files, written while the first Ctrl-C is handled
            raise KeyboardInterrupt
        return real_write(*args, **kwargs)

    monkeypatch.setattr(runner, "write_run_files", interrupted_write)
    assert _run_recorded(plugins, tmp_path / "out", "--storage", storage, "--study-name", "shared") == 130
    (run_dir,) = (tmp_path / "out").iterdir()
    command = _printed_resume(capsys.readouterr().err)  # one line, no traceback
    assert command == ["dlbench", "run", "--resume", str(run_dir), "--plugins-dir", str(plugins), "--storage", storage]
    assert "finished" not in json.loads((run_dir / "environment.json").read_text())  # the writing stopped there

    monkeypatch.setattr(runner, "write_run_files", real_write)
    stop.unlink()
    assert main(command[1:]) == 0  # the command as printed: the folder is unlocked and resumable
    assert log.read_text().split() == ["0", "1", "2", "2"]
    results = pd.read_csv(run_dir / "results.csv")
    assert results.seed.tolist() == [0, 1, 2] and set(results.status) == {"ok"}
    assert json.loads((run_dir / "environment.json").read_text())["finished"] is True


def test_the_resume_hint_quotes_what_the_shell_would_split_and_hides_a_password():
    hint = resume_command(Path("runs/my run"), [Path("/opt/my plugins")], "postgresql://me:secret@db/dlbench")
    assert hint == ("dlbench run --resume 'runs/my run' --plugins-dir '/opt/my plugins' "
                    "--storage 'postgresql://me:***@db/dlbench'")
    assert resume_command(Path("results/x"), [], None) == "dlbench run --resume results/x"


STOPPABLE_PLUGIN = '''
    import threading
    import time
    from pathlib import Path
    from dlbench import Model, SklearnClassifier, hookimpl

    STOP = Path({stop!r})
    LOCK = threading.Lock()  # trials run side by side, one per core

    def search_space(trial):
        return {{"alpha": trial.suggest_float("alpha", 1e-3, 1e3, log=True),
                 "components": trial.suggest_int("components", 2, 40)}}

    class Stoppable(SklearnClassifier):
        """PCA then a ridge classifier (a cheap fit, two params). While STOP exists, the ninth tuning fit to start
        (when trials run one or two at a time, a trial TPE samples after it sampled others) stops the run as STOP
        says: "ctrl-c" raises KeyboardInterrupt, "kill" creates STOP.blocked and waits to be killed."""

        def fit(self, X, y, X_val=None, y_val=None):
            if X_val is not None and STOP.exists():
                with LOCK:
                    log = Path(str(STOP) + ".fits")
                    with log.open("a") as fits:
                        fits.write("fit\\n")
                    started = len(log.read_text().split())
                if started == 9 and STOP.read_text() == "ctrl-c":
                    raise KeyboardInterrupt
                if started == 9:
                    Path(str(STOP) + ".blocked").touch()
                    while True:
                        time.sleep(1)
            return super().fit(X, y, X_val, y_val)

    def build(params, task):
        from sklearn.decomposition import PCA
        from sklearn.linear_model import RidgeClassifier
        from sklearn.pipeline import make_pipeline

        return Stoppable(make_pipeline(PCA(params["components"], svd_solver="full"),
                                       RidgeClassifier(alpha=params["alpha"])))

    @hookimpl
    def register_models(register):
        register(Model(name="stoppable", family="classical", defaults={{"alpha": 1.0, "components": 20}},
                       search_space=search_space, build=build, single_threaded=True))
'''
REPLAYED = 12  # the defaults, 5 random trials, then TPE: the stop comes once TPE sampled some
SCORES = ["status", "test_accuracy", "balanced_accuracy", "macro_f1", "val_accuracy", "n_params", "n_trials",
          "trials_completed", "trials_pruned", "trials_failed", "best_params"]


def _counted_trials(run_dir: Path) -> list:
    """(params, validation accuracy) of the run's trials.csv rows, in order, the interrupted ones left out."""
    trials = pd.read_csv(run_dir / "trials.csv")
    counted = trials[trials.state != "interrupted"]
    return list(zip(counted.params, counted.val_accuracy))


@pytest.mark.parametrize("stop", ["ctrl-c", "kill"])
def test_a_resumed_run_makes_the_trials_and_results_of_the_undisturbed_run(tmp_path, monkeypatch, stop):
    plugins, stop_file = tmp_path / "plugins", tmp_path / "stop"
    plugins.mkdir()
    (plugins / "stoppable.py").write_text(textwrap.dedent(STOPPABLE_PLUGIN.format(stop=str(stop_file))))
    monkeypatch.setenv("DLBENCH_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.delenv("DLBENCH_PLUGINS_DIR", raising=False)
    command = ["run", "--task", "digits", "--model", "stoppable", "--trials", str(REPLAYED), "--budget", "none",
               "--quiet", "--plugins-dir", str(plugins)]
    assert main([*command, "--output", str(tmp_path / "undisturbed")]) == 0
    (undisturbed,) = (tmp_path / "undisturbed").iterdir()

    stop_file.write_text(stop)
    if stop == "ctrl-c":
        assert main([*command, "--output", str(tmp_path / "stopped")]) == 130
    else:
        process = subprocess.Popen([sys.executable, "-m", "dlbench.cli", *command, "--output",
                                    str(tmp_path / "stopped")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _wait_until(lambda: Path(str(stop_file) + ".blocked").exists())
        finally:  # also when it never got there: the process would wait forever
            process.kill()
            process.wait(timeout=60)
    (run_dir,) = (tmp_path / "stopped").iterdir()
    states = [state for _, state, _, _ in _finished_trials(run_dir, "stoppable")]
    assert 1 <= states.count("COMPLETE") <= 8  # stopped in the middle of the sampled trials
    stop_file.unlink()
    assert main(["run", "--resume", str(run_dir), "--plugins-dir", str(plugins), "--quiet"]) == 0

    trials = pd.read_csv(run_dir / "trials.csv")
    assert (trials.state == "interrupted").sum() >= 1 and len(trials) > REPLAYED
    assert _counted_trials(run_dir) == _counted_trials(undisturbed)  # the same params and scores, in order
    assert len(set(trials[trials.state != "interrupted"].params)) == REPLAYED  # nothing tried twice
    results, expected = pd.read_csv(run_dir / "results.csv"), pd.read_csv(undisturbed / "results.csv")
    assert results[SCORES].equals(expected[SCORES])


INTERRUPTING_PLUGIN = '''
from pathlib import Path

from sklearn.linear_model import RidgeClassifier

from dlbench import Model, SklearnClassifier, hookimpl

STOP = Path({stop!r})  # while it exists, the second tuning fit is a Ctrl-C


class Interrupting(SklearnClassifier):
    def fit(self, X, y, X_val=None, y_val=None):
        if X_val is not None and STOP.exists():
            fits = len(STOP.read_text()) + 1
            STOP.write_text("x" * fits)
            if fits == 2:
                STOP.unlink()
                raise KeyboardInterrupt
        return super().fit(X, y, X_val, y_val)


@hookimpl
def register_models(register):
    register(Model(name="interrupting", family="classical", defaults={{"alpha": 1.0}},
                   search_space=lambda trial: {{"alpha": trial.suggest_float("alpha", 1e-3, 1e3, log=True)}},
                   build=lambda params, task: Interrupting(RidgeClassifier(alpha=params["alpha"]))))
'''


def test_a_resume_keeps_the_settings_the_run_started_with_when_a_preset_changes(tmp_path, monkeypatch):
    from dlbench.api import options

    monkeypatch.setenv("DLBENCH_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.delenv("DLBENCH_PLUGINS_DIR", raising=False)
    plugins, stop = tmp_path / "plugins", tmp_path / "stop"
    plugins.mkdir()
    (plugins / "interrupting.py").write_text(textwrap.dedent(INTERRUPTING_PLUGIN.format(stop=str(stop))))
    stop.write_text("")
    assert main(["run", "--task", "digits", "--model", "interrupting", "--preset", "quick", "--plugins-dir",
                 str(plugins), "--output", str(tmp_path / "runs"), "--quiet"]) == 130
    (run_dir,) = (tmp_path / "runs").iterdir()
    settings = json.loads((run_dir / "run.json").read_text())["settings"]
    assert (settings["trials"], settings["budget"]) == options.PRESETS["quick"] == (3, 180.0)  # resolved from the preset

    monkeypatch.setitem(options.PRESETS, "quick", (6, 60.0))  # a newer dlbench changed the preset
    assert main(["run", "--resume", str(run_dir), "--plugins-dir", str(plugins), "--quiet"]) == 0
    trials = pd.read_csv(run_dir / "trials.csv")
    assert (trials.state == "complete").sum() == 3 and (trials.state == "interrupted").sum() == 1  # not 6
    assert json.loads((run_dir / "run.json").read_text())["settings"] == settings


def test_a_run_file_with_settings_this_dlbench_does_not_know_is_refused_in_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DLBENCH_DISABLE_PLUGIN_AUTOLOAD", "1")
    assert main(["run", "--task", "digits", "--model", "logistic", "--trials", "1", "--budget", "none", "--quiet",
                 "--output", str(tmp_path)]) == 0
    (run_dir,) = tmp_path.iterdir()
    document = json.loads((run_dir / "run.json").read_text())
    document["settings"]["bogus"] = 1  # written by a newer dlbench
    (run_dir / "run.json").write_text(json.dumps(document))
    results = (run_dir / "results.csv").read_bytes()
    capsys.readouterr()
    assert main(["run", "--resume", str(run_dir), "--quiet"]) == 2
    assert capsys.readouterr().err == ("dlbench: error: run.json stores settings this dlbench does not know (bogus); "
                                       "resume it with the dlbench version that started it\n")
    assert (run_dir / "results.csv").read_bytes() == results  # nothing finished is lost


PRECISE_PLUGIN = '''
    from pathlib import Path

    from torch import nn

    from dlbench import Model, TorchClassifier, hookimpl

    LOG, STOP = Path({log!r}), Path({stop!r})

    class Precise(TorchClassifier):
        """A linear network that logs the run's precision at every fit; while STOP exists, a fit is a Ctrl-C."""

        def fit(self, X, y, X_val=None, y_val=None):
            if STOP.exists():
                STOP.unlink()
                raise KeyboardInterrupt
            with LOG.open("a") as log:
                log.write(self.training.precision + "\\n")
            return super().fit(X, y, X_val, y_val)

    def build(params, task):
        channels, height, width = task.input_shape
        return Precise(lambda: nn.Sequential(nn.Flatten(), nn.Linear(channels * height * width, task.n_classes)),
                       epochs=1, seed=task.seed)

    @hookimpl
    def register_models(register):
        register(Model(name="precise", family="deep", defaults={{}}, search_space=lambda trial: {{}}, build=build))
'''


@pytest.fixture
def cpu_without_bf16(monkeypatch):
    """This machine as a CPU without native bfloat16 (no GPU, no AVX512-BF16, no AMX): its default precision is 32."""
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    for check in ("_is_avx512_bf16_supported", "_is_amx_tile_supported"):
        monkeypatch.setattr(torch.cpu, check, lambda: False, raising=False)
    monkeypatch.setenv("DLBENCH_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.delenv("DLBENCH_PLUGINS_DIR", raising=False)


def _record_precision(run_dir: Path, precision) -> None:
    """Make ``run_dir``'s run.json record ``precision`` (None: as a dlbench that recorded none)."""
    document = json.loads((run_dir / "run.json").read_text())
    document["settings"]["precision"] = precision
    (run_dir / "run.json").write_text(json.dumps(document))


def test_a_resume_goes_on_in_the_recorded_precision_and_says_this_machine_would_choose_another(
        tmp_path, cpu_without_bf16, capsys):
    plugins, log, stop = tmp_path / "plugins", tmp_path / "fits.log", tmp_path / "stop"
    plugins.mkdir()
    (plugins / "precise.py").write_text(textwrap.dedent(PRECISE_PLUGIN.format(log=str(log), stop=str(stop))))
    stop.touch()
    command = ["run", "--task", "digits", "--model", "precise", "--trials", "1", "--budget", "none", "--quiet",
               "--plugins-dir", str(plugins)]
    assert main([*command, "--output", str(tmp_path / "runs")]) == 130  # Ctrl-C in the first trial
    (run_dir,) = (tmp_path / "runs").iterdir()
    assert json.loads((run_dir / "run.json").read_text())["settings"]["precision"] == "32"  # this machine's default
    _record_precision(run_dir, "bf16-mixed")  # as if started on a machine with native bfloat16
    capsys.readouterr()

    assert main(["run", "--resume", str(run_dir), "--plugins-dir", str(plugins), "--quiet"]) == 0
    assert capsys.readouterr().err == (f"dlbench: warning: run folder {str(run_dir)!r} goes on in precision "
                                       "bf16-mixed, as its run.json records, though this machine's default is 32\n")
    assert log.read_text().split() == ["bf16-mixed", "bf16-mixed"]  # the trial and the refit
    assert read_results_csv(run_dir / "results.csv")["precision"].tolist() == ["bf16-mixed"]  # what it trained in
    assert json.loads((run_dir / "environment.json").read_text())["precision"] == "bf16-mixed"
    assert json.loads((run_dir / "run.json").read_text())["settings"]["precision"] == "bf16-mixed"


@pytest.mark.parametrize("recorded", ["16-mixed", None])
def test_a_resume_refuses_a_recorded_precision_this_machine_cannot_run_and_resolves_a_missing_one(
        tmp_path, cpu_without_bf16, capsys, recorded):
    assert main(["run", "--task", "digits", "--model", "logistic", "--trials", "1", "--budget", "none", "--quiet",
                 "--output", str(tmp_path)]) == 0
    (run_dir,) = tmp_path.iterdir()
    _record_precision(run_dir, recorded)
    results = (run_dir / "results.csv").read_bytes()
    capsys.readouterr()
    if recorded is None:  # a run.json from before dlbench recorded it: this machine's default, silently
        assert main(["run", "--resume", str(run_dir), "--quiet"]) == 0
        assert capsys.readouterr().err == ""
        assert json.loads((run_dir / "environment.json").read_text())["precision"] == "32"
    else:
        environment = (run_dir / "environment.json").read_bytes()
        assert main(["run", "--resume", str(run_dir), "--quiet"]) == 2
        assert capsys.readouterr().err == (
            f"dlbench: error: run folder {str(run_dir)!r} trains its deep models in precision 16-mixed (its "
            "run.json), which cannot run on this machine: 16-mixed needs a GPU and none is visible (the CPU has no "
            "16-bit mixed precision); valid here: 32, bf16-mixed; resume it where 16-mixed runs\n")
        assert (run_dir / "environment.json").read_bytes() == environment  # the folder untouched
    assert (run_dir / "results.csv").read_bytes() == results  # nothing finished is lost
