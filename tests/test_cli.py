"""The command line end to end: a real run whose files agree with each other, and clean errors."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from commands import default_sigint, dlbench
from dlbench.cli import main
from dlbench.results.predictions import load_run_predictions
from dlbench.results.schema import RESULT_COLUMNS, TRIAL_COLUMNS
from test_progress import FakeTerminal


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs")
    result = dlbench("run", "--task", "digits", "--model", "cnn", "logistic", "decision-tree",
                     "--trials", "3", "--seed", "1", "--output", str(out))
    assert result.returncode == 0, result.stderr
    (run_dir,) = out.iterdir()
    return result, run_dir


def test_run_writes_every_file(digits_run):
    _, run_dir = digits_run
    assert sorted(p.name for p in run_dir.iterdir()) == [".lock", "accuracy_vs_fit_time.png", "comparison.md", "environment.json",
                                                        "leaderboard.md", "optimisation_history.png",
                                                        "optuna.journal", "predictions", "results.csv", "run.json",
                                                        "trials.csv"]


def test_every_refit_keeps_its_test_predictions_and_they_give_its_scores(digits_run, digits_data):
    _, run_dir = digits_run
    results = pd.read_csv(run_dir / "results.csv")
    kept = load_run_predictions(run_dir)
    assert set(kept) == {("digits", model, 1) for model in results["model"]}
    for row in results.itertuples():
        predictions = kept[("digits", row.model, 1)]
        assert np.array_equal(predictions.y_true, digits_data.y_test)
        assert np.mean(predictions.y_pred == predictions.y_true) == pytest.approx(row.test_accuracy)
        assert predictions.proba.shape == (len(digits_data.y_test), 10)  # all three give probabilities
        assert np.allclose(predictions.proba.sum(axis=1), 1, atol=1e-4)
    assert all(path.suffix == ".npz" for path in (run_dir / "predictions").iterdir())  # nothing half-written left


def test_results_and_trials_agree(digits_run):
    _, run_dir = digits_run
    results = pd.read_csv(run_dir / "results.csv")
    trials = pd.read_csv(run_dir / "trials.csv")
    assert list(results.columns) == RESULT_COLUMNS and list(trials.columns) == TRIAL_COLUMNS
    assert len(results) == 3 and set(results["status"]) == {"ok"}
    assert len(trials) == 9
    for _, row in results.iterrows():
        studied = trials[(trials.task == row.task) & (trials.model == row.model)]
        assert row.n_trials == len(studied) == 3
        assert row.val_accuracy == pytest.approx(studied.val_accuracy.max())
        best = studied.loc[studied.val_accuracy.idxmax()]
        assert json.loads(row.best_params) == json.loads(best.params)
        assert 0.1 + 0.5 < row.test_accuracy <= 1.0
        assert row.fit_seconds > 0 and row.predict_seconds_per_1k > 0 and row.n_params > 0


def test_tables_hold_the_numbers_of_results_csv(digits_run):
    stdout, run_dir = digits_run[0].stdout, digits_run[1]
    results = pd.read_csv(run_dir / "results.csv").sort_values("test_accuracy", ascending=False)
    leaderboard = (run_dir / "leaderboard.md").read_text()
    ranked_models = re.findall(r"^\|\s*\d+\s*\|\s*(?:\*\*)?([\w-]+)(?:\*\*)?\s*\|", leaderboard, re.M)
    assert ranked_models == list(results.model)
    for _, row in results.iterrows():
        assert f"{row.test_accuracy:.4f}" in leaderboard
    comparison = (run_dir / "comparison.md").read_text()
    deep = results[results.family == "deep"].iloc[0]
    classical = results[results.family == "classical"].iloc[0]
    gap = (deep.test_accuracy - classical.test_accuracy) * 100
    assert f"| digits | {deep.model}" in comparison and f"{gap:+.1f}" in comparison
    assert leaderboard.strip() in stdout  # the terminal shows the leaderboard


def test_environment_records_the_run(digits_run):
    _, run_dir = digits_run
    env = json.loads((run_dir / "environment.json").read_text())
    assert env["seed"] == 1 and env["device"] == "cpu" and env["finished"] is True
    assert env["packages"]["torch"].startswith("2.") and env["packages"]["dlbench"]
    assert "--trials 3" in env["command"] and env["cpu_count"] >= 1
    split = env["time_split"]
    assert split["fit_share"] + split["predict_share"] + split["other_share"] == pytest.approx(1.0, abs=1e-3)
    trials, results = pd.read_csv(run_dir / "trials.csv"), pd.read_csv(run_dir / "results.csv")
    inside = split["fit_seconds"] + split["predict_seconds"]
    assert results.fit_seconds.sum() < inside < trials.fit_seconds.sum() + results.fit_seconds.sum() + 5
    assert split["predict_seconds"] > 0 and split["wall_seconds"] <= env["duration_seconds"] + 10


def test_the_terminal_shows_where_the_time_went(digits_run):
    stdout, run_dir = digits_run[0].stdout, digits_run[1]
    split = json.loads((run_dir / "environment.json").read_text())["time_split"]
    assert (f"time: {split['wall_seconds']:.0f} s in all; model fit {split['fit_share']:.1%}, "
            f"predict {split['predict_share']:.1%}, everything else {split['other_share']:.1%}") in stdout


def test_off_a_terminal_each_study_prints_one_plain_line_on_stderr(digits_run):
    stderr, run_dir = digits_run[0].stderr, digits_run[1]
    assert "\r" not in stderr and "█" not in stderr and "\x1b" not in stderr
    results = pd.read_csv(run_dir / "results.csv")
    lines = stderr.splitlines()
    assert len(lines) == len(results) == 3
    for line, row in zip(lines, results.itertuples()):
        assert re.fullmatch(rf"study digits/{row.model}: 3 trials, best val acc {row.val_accuracy:.4f}, \d+\.\d s",
                            line), line


def test_on_a_terminal_a_run_draws_progress_bars(tmp_path, monkeypatch, capsys):
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["run", "--task", "digits", "--model", "logistic", "--trials", "2", "--output", str(tmp_path)]) == 0
    text = terminal.getvalue()
    assert "\r" in text and "studies: 100%" in text and "digits × logistic" in text and "study digits/" not in text
    assert capsys.readouterr().out.strip().endswith(f"results: {next(tmp_path.iterdir())}")


def test_same_seed_gives_the_same_table(digits_run, tmp_path):
    _, first_dir = digits_run
    result = dlbench("run", "--task", "digits", "--model", "cnn", "logistic", "decision-tree",
                     "--trials", "3", "--seed", "1", "--output", str(tmp_path), "--quiet")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("results: ") and "|" not in result.stdout and not result.stderr.strip()
    (second_dir,) = tmp_path.iterdir()
    stable = ["task", "model", "test_accuracy", "balanced_accuracy", "macro_f1", "val_accuracy", "n_params", "best_params"]
    first, second = (pd.read_csv(d / "results.csv")[stable] for d in (first_dir, second_dir))
    pd.testing.assert_frame_equal(first, second)
    trial_keys = ["task", "model", "trial", "params", "val_accuracy"]
    pd.testing.assert_frame_equal(pd.read_csv(first_dir / "trials.csv")[trial_keys],
                                  pd.read_csv(second_dir / "trials.csv")[trial_keys])


@pytest.mark.parametrize("args, message", [
    (["run", "--task", "nope"], "unknown task or tag 'nope'; valid tasks: cifar10, cifar100, digits, fashion-mnist, mnist, mnist-5k, shapes; valid tags:"),
    (["run", "--task", "digits", "--model", "transformer"],
     "unknown model 'transformer'; valid models: cnn, decision-tree, extra-trees, hist-gradient-boosting, hog-svm, knn, "
     "logistic, mlp, random-forest, resnet, svm"),
    (["run", "--task", "digits", "--trials", "0"], "argument --trials: 0 is too small; expected an integer >= 1"),
    (["run", "--task", "digits", "--trials", "many"], "argument --trials: 'many' is not a whole number"),
    (["run", "--task", "digits", "--timeout", "-5"], "argument --timeout: -5 is not valid; expected seconds > 0 or none"),
    (["run", "--task", "digits", "--seed", "-1"], "argument --seed: -1 is too small; expected an integer from 0 to 4294967295"),
    (["run", "--task", "digits", "--pruner", "sometimes"], "argument --pruner: invalid choice: 'sometimes'"),
    (["run", "--task", "digits", "--preset", "fast"], "argument --preset: invalid choice: 'fast'"),
    (["run", "--task", "digits", "--seeds", "0"], "argument --seeds: 0 is too small; expected an integer >= 1"),
    (["run", "--task", "digits", "--image-size", "0"], "argument --image-size: 0 is too small; expected an integer >= 1"),
    (["run", "--task", "digits", "--color", "blue"], "argument --color: invalid choice: 'blue'"),
    (["run", "--task", "digits", "--data-dir", "/nonexistent/dlbench"], "data directory '/nonexistent/dlbench' does not exist"),
    (["run", "--task", "digits", "--budget", "soon"], "argument --budget: 'soon' is not a number"),
    (["run"], "the following arguments are required: --task"),
    (["fly"], "argument COMMAND: invalid choice: 'fly'"),
])
def test_bad_input_is_one_line_and_exit_code_2(args, message, tmp_path):
    result = dlbench(*args, "--output", str(tmp_path / "out")) if args[0] == "run" and len(args) > 1 else dlbench(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@pytest.mark.parametrize("args, message", [
    (["run", "--task", "digits", "--jobs", "999"], "--jobs 999 is more than the"),
    (["run", "--task", "digits", "--devices", "99"], "--devices 99: "),
    (["run", "--task", "digits", "--storage", "runs.db", "--study-name", "x"],
     "storage 'runs.db' is not a storage URL; valid forms: journal:PATH"),
    (["run", "--task", "digits", "--storage", "sqlite:///runs.db"], "--storage needs --study-name"),
    (["run", "--task", "digits", "--storage", "postgresql://me:secret@127.0.0.1:9/db", "--study-name", "x"],
     "cannot open storage 'postgresql://me:***@127.0.0.1:9/db'"),
    (["run", "--resume", "no-such-run"], "'no-such-run' is not a dlbench run folder (it has no run.json)"),
    (["run", "--resume", ".", "--trials", "3", "--seed", "2"],
     "--resume continues a run with its own options; --seed, --trials cannot be given with it (valid with --resume: "
     "--quiet, --jobs, --devices, --storage, --plugins-dir, --publish)"),
    (["run", "--task", "digits", "--helper", "1"], "--helper is internal"),
    (["report", "no-such-run"], "'no-such-run' is not a run folder, a results.csv or a report JSON file"),
    (["report", "--refresh", "."], "'.' is not a dlbench run folder (it has no run.json)"),
    (["report", ".", "--format", "pdf"], "unknown format 'pdf'; valid formats: csv, html, json, latex, markdown"),
    (["report"], "the following arguments are required: RUN_DIR"),
])
def test_bad_run_and_report_options_are_one_line_and_exit_code_2(args, message, tmp_path):
    result = dlbench(*args, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and "secret" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []  # no run folder, no results/


def test_unwritable_output_is_a_clean_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = dlbench("run", "--task", "digits", "--model", "logistic", "--trials", "1", "--output", str(blocker / "x"))
    assert result.returncode == 2 and "cannot create output folder" in result.stderr
    assert "Traceback" not in result.stderr


def test_list_shows_models_tasks_and_their_plugins():
    result = dlbench("list")
    assert result.returncode == 0
    for name in ["cnn", "mlp", "logistic", "svm", "decision-tree", "digits", "mnist-5k", "shapes"]:
        assert f"  {name} " in result.stdout
    assert "dlbench.plugins.svm (built-in)" in result.stdout
    assert "  folder:" in result.stdout and "dlbench.tasks.folder (built-in)" in result.stdout


def test_list_shows_entry_point_plugins_with_their_distribution(tmp_path):
    from test_registry import install_fake_entry_point_plugin

    install_fake_entry_point_plugin(tmp_path)
    result = dlbench("list", env={"PYTHONPATH": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert "fake-knn" in result.stdout and "fake (fake-dlbench-plugin 1.2.3)" in result.stdout


def test_help_and_list_do_not_import_lightning():
    code = ("import sys; from dlbench.cli import main\n"
            "try:\n    main(['list'])\nexcept SystemExit:\n    pass\n"
            "assert 'pytorch_lightning' not in sys.modules and 'torch' not in sys.modules, 'slow import'")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_ctrl_c_keeps_finished_studies_and_writes_the_tables(tmp_path):
    import signal

    process = subprocess.Popen([sys.executable, "-m", "dlbench.cli", "run", "--task", "digits", "--model", "logistic",
                                "svm", "--trials", "500", "--timeout", "8", "--budget", "none", "--output", str(tmp_path),
                                "--quiet"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=default_sigint)
    deadline = time.time() + 300
    while not list(tmp_path.glob("*/results.csv")) and time.time() < deadline:  # logistic's study is done
        time.sleep(0.2)
    time.sleep(2.0)  # now inside svm's study, which runs for at least 8 s
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    (run_dir,) = tmp_path.iterdir()
    assert "Traceback" not in stderr
    assert stderr.strip().endswith(f"interrupted; finished work is saved in {run_dir}; "
                                   f"resume with: dlbench run --resume {run_dir}")
    results = pd.read_csv(run_dir / "results.csv")
    assert list(results.model) == ["logistic"]
    assert re.search(r"\|\s*1\s*\|\s*\*\*logistic\*\*\s*\|", (run_dir / "leaderboard.md").read_text())
    assert json.loads((run_dir / "environment.json").read_text())["finished"] is False


def test_seeds_give_one_row_per_seed_and_mean_and_std_in_the_table(tmp_path):
    result = dlbench("run", "--task", "digits", "--model", "mlp", "logistic", "--trials", "1", "--seeds", "3",
                     "--seed", "5", "--output", str(tmp_path), "--quiet")
    assert result.returncode == 0, result.stderr
    (run_dir,) = tmp_path.iterdir()
    results = pd.read_csv(run_dir / "results.csv")
    assert list(zip(results.model, results.seed)) == [("mlp", 5), ("mlp", 6), ("mlp", 7),
                                                       ("logistic", 5), ("logistic", 6), ("logistic", 7)]
    mlp = results[results.model == "mlp"].test_accuracy
    assert mlp.nunique() > 1  # the seeds really train differently
    leaderboard = (run_dir / "leaderboard.md").read_text()
    assert f"{mlp.mean():.4f} ± {mlp.std(ddof=1):.4f}" in leaderboard
    assert json.loads((run_dir / "environment.json").read_text())["finished"] is True


def test_a_reader_that_stops_early_ends_the_listing_quietly():
    import subprocess
    import sys

    listing = subprocess.Popen([sys.executable, "-m", "dlbench.cli", "list"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    listing.stdout.readline()  # like `dlbench list | head -1`
    listing.stdout.close()
    assert listing.wait(timeout=120) == 0
    assert b"Traceback" not in listing.stderr.read()
