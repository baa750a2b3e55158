"""The Python API (dlbench.run, load, resume, compare, Task.from_arrays) against the files and the command line."""

from __future__ import annotations

import inspect
import io
import json
import re
import sys
import textwrap
import types

import numpy as np
import pandas as pd
import pytest

import dlbench
from dlbench.cli import main
from dlbench.progress import Progress
from dlbench.results.checks import read_results_csv
from test_resume import INTERRUPTING_PLUGIN  # its second tuning fit is a Ctrl-C, the notebook's stop button

FAST = dict(trials=2, budget=None, seed=0, quiet=True)


@pytest.fixture(autouse=True)
def builtins_only(monkeypatch):
    monkeypatch.setenv("DLBENCH_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.delenv("DLBENCH_PLUGINS_DIR", raising=False)


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory):
    """One small run of a classical and a deep model on digits, through the API."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DLBENCH_DISABLE_PLUGIN_AUTOLOAD", "1")
        return dlbench.run(tasks=["digits"], models=["logistic", "mlp"], output=tmp_path_factory.mktemp("runs"),
                           **FAST)


def test_run_returns_the_run_folder_s_numbers_as_data_frames(digits_run):
    run = digits_run
    files = pd.read_csv(run.run_dir / "results.csv")
    assert sorted(run.results["model"]) == sorted(files["model"]) == ["logistic", "mlp"]
    for column in ("test_accuracy", "val_accuracy", "macro_f1", "fit_seconds"):
        merged = run.results.merge(files, on=["task", "model", "seed"], suffixes=("", "_file"))
        assert np.allclose(merged[column].astype(float), merged[f"{column}_file"].astype(float)), column
    trials = pd.read_csv(run.run_dir / "trials.csv")
    assert len(run.trials) == len(trials) == 4 and list(run.trials["val_accuracy"]) == list(trials["val_accuracy"])
    board = run.leaderboard.set_index("model")
    for _, row in files.iterrows():
        assert board.loc[row["model"], "test_accuracy"] == pytest.approx(row["test_accuracy"])
    assert list(run.leaderboard["rank"]) == [1.0, 2.0] and run.leaderboard["best_of_family"].all()
    assert set(run.comparison["task"]) == {"digits"} and run.comparison.iloc[0]["winner"] in ("deep", "classical", "tie")
    assert list(run.overall["model"]) == list(run.leaderboard["model"])
    assert run.environment["seed"] == 0 and run.environment["command"].startswith("dlbench run --task digits")
    assert set(run.figures) == {"accuracy_vs_fit_time", "optimisation_history"}
    assert all(path.is_file() and path.read_bytes().startswith(b"\x89PNG") for path in run.figures.values())
    assert run.verdict in (run.run_dir / "comparison.md").read_text()


def test_a_run_s_report_is_the_command_line_s_report(digits_run, capsys, tmp_path):
    capsys.readouterr()
    assert main(["report", str(digits_run.run_dir), "--format", "latex"]) == 0
    assert digits_run.report("latex") == capsys.readouterr().out
    out = digits_run.report("markdown", out=tmp_path / "report.md")
    assert out == tmp_path / "report.md" and out.read_text() == digits_run.report("markdown")
    with pytest.raises(dlbench.DlbenchError, match="unknown format 'docx'; valid formats: csv, html"):
        digits_run.report("docx")


def test_in_jupyter_a_run_shows_its_self_contained_html_report(digits_run):
    page = digits_run._repr_html_()
    assert page.startswith("<!DOCTYPE html>") and "digits" in page and 'src="data:image/png;base64,' in page
    assert "http://" not in page and "https://" not in page  # nothing to fetch: works offline


def test_load_gives_the_same_run_and_merges_folders(digits_run, tmp_path):
    loaded = dlbench.load(digits_run.run_dir)
    pd.testing.assert_frame_equal(loaded.leaderboard, digits_run.leaderboard)
    pd.testing.assert_frame_equal(loaded.comparison, digits_run.comparison)
    other = dlbench.run(tasks=["digits"], models=["svm"], output=tmp_path, **FAST)
    merged = dlbench.load(digits_run.run_dir, other.run_dir)
    assert sorted(merged.leaderboard["model"]) == ["logistic", "mlp", "svm"]
    with pytest.raises(dlbench.DlbenchError, match="is not a run folder"):
        dlbench.load(tmp_path / "nothing-here")


def test_compare_returns_the_diff_its_regressions_and_ok(digits_run, tmp_path):
    same = dlbench.compare(digits_run.run_dir, digits_run.run_dir)
    assert same.ok and same.regressions.empty and len(same.diff) == 2
    assert (same.diff["accuracy_change"] == 0).all()
    worse = tmp_path / "worse.csv"
    rows = pd.read_csv(digits_run.run_dir / "results.csv")
    rows.loc[rows["model"] == "logistic", "test_accuracy"] -= 0.2  # 20 points lost
    rows.to_csv(worse, index=False)
    comparison = dlbench.compare(digits_run.run_dir / "results.csv", worse)
    assert not comparison.ok and list(comparison.regressions["model"]) == ["logistic"]
    assert "REGRESSION" in comparison.to_markdown()
    with pytest.raises(dlbench.DlbenchError, match=r"max_slowdown=0.5 is not valid; expected a factor >= 1"):
        dlbench.compare(worse, worse, max_slowdown=0.5)


def images_and_labels(n=240, seed=0):
    """Real images (digits, 8 x 8 grey, as N x H x W uint8) with string labels."""
    from dlbench.tasks import digits

    data = digits.load()
    x = (data.x_train[:n, 0] * 255).round().astype(np.uint8)
    y = np.array([f"digit-{label}" for label in data.y_train[:n]])
    return x, y


def test_arrays_in_memory_become_a_task_with_their_labels_as_class_names(tmp_path):
    x, y = images_and_labels()
    run = dlbench.run(data={"my-digits": (x, y)}, models=["logistic"], output=tmp_path, **FAST)
    (result,) = run.results.itertuples()
    assert result.task == "my-digits" and result.test_accuracy > 0.8
    kept = np.load(run.run_dir / "data" / "task-0.npz", allow_pickle=False)
    assert list(kept["class_names"]) == [f"digit-{d}" for d in range(10)]
    assert len(kept["y_test"]) == 48 and len(kept["y_train"]) == 192  # a stratified 80/20 split
    assert np.bincount(kept["y_test"]).min() >= 4
    assert kept["x_train"].shape[1:] == (1, 8, 8) and kept["x_train"].dtype == np.uint8


def test_augment_declares_the_transforms_of_tasks_that_declare_none(tmp_path, catalogue):
    from dlbench.api.running import declared_transforms

    x, y = images_and_labels()
    mine, digits = dlbench.Task.from_arrays("mine", x, y), catalogue.task("digits")
    assert not mine.augmentation.active and digits.augmentation == dlbench.Augmentation(shift=1)
    given, kept = declared_transforms([mine, digits], "shift=2,hflip")
    assert given.augmentation == dlbench.Augmentation(shift=2, hflip=True) and kept.augmentation == digits.augmentation
    run = dlbench.run(data={"mine": (x, y)}, models=["logistic"], output=tmp_path,
                      augment=dlbench.Augmentation(hflip=True), **FAST)
    assert json.loads((run.run_dir / "run.json").read_text())["settings"]["augment"] == "hflip"


def test_layouts_and_label_types_are_read_as_documented():
    x, y = images_and_labels(60)
    nhwc = np.repeat(x[..., None], 3, axis=3)  # N x H x W x C
    a = dlbench.Task.from_arrays("a", nhwc, y, nhwc[:20], y[:20]).load()
    b = dlbench.Task.from_arrays("b", nhwc.transpose(0, 3, 1, 2), y, nhwc[:20].transpose(0, 3, 1, 2), y[:20],
                                 layout="NCHW").load()
    assert a.x_train.shape == (60, 3, 8, 8) and np.array_equal(a.x_train, b.x_train)
    numbers = dlbench.Task.from_arrays("n", x, np.array([7, 5, 9] * 20))
    assert numbers.class_names == ("5", "7", "9") and set(numbers.load().y_train) == {0, 1, 2}
    floats = dlbench.Task.from_arrays("f", x / 255.0, y).load()
    assert floats.x_train.dtype == np.float32 and floats.x_train.max() <= 1


BAD_ARRAYS = {
    "flat": (lambda x, y: (x.reshape(len(x), -1), y), "is not images"),
    "nan": (lambda x, y: (np.where(x > 100, np.nan, x / 255.0), y), "NaN or infinite"),
    "float range": (lambda x, y: (x.astype(float), y), "float pixels must lie in [0, 1], got 0 to 255"),
    "int range": (lambda x, y: (x.astype(int) - 1, y), "integer pixels must lie in 0-255, got -1"),
    "labels": (lambda x, y: (x, y[:-1]), "59 labels for 60 images"),
    "one class": (lambda x, y: (x, np.zeros(len(x))), "1 class(es)"),
    "layout": (lambda x, y: (np.repeat(x[:, None], 3, axis=1), y), "looks like N x C x H x W"),
    "unhashable": (lambda x, y: (x, [[label] for label in y]), "labels must be one per image"),
    "unseen test label": (lambda x, y: (x, y, x, np.array(["cat"] * len(x))), "y_test has label(s) that y lacks"),
    "half a test part": (lambda x, y: (x, y, x, None), "give both x_test and y_test"),
}


@pytest.mark.parametrize("case", sorted(BAD_ARRAYS))
def test_bad_arrays_are_one_value_error_naming_the_problem_before_any_training(case, tmp_path):
    make, message = BAD_ARRAYS[case]
    x, y = images_and_labels(60)
    with pytest.raises(ValueError, match=re.escape(message)) as raised:
        dlbench.run(data={"bad": make(x, y)}, models=["logistic"], output=tmp_path / "runs", **FAST)
    assert isinstance(raised.value, dlbench.DlbenchError) and "\n" not in str(raised.value)
    assert not (tmp_path / "runs").exists()  # no run folder: nothing was started


@pytest.mark.parametrize("options, message", [
    (dict(trials=0), "trials=0: 0 is too small; expected an integer >= 1"),
    (dict(seeds="3"), "seeds='3': '3' is not a whole number"),
    (dict(budget=-5), "budget=-5: -5 is not valid; expected seconds > 0 or none"),
    (dict(pruner="sometimes"), "pruner='sometimes': 'sometimes' is not one of median, hyperband, none"),
    (dict(layout="CHWN"), "layout 'CHWN' is not valid; expected one of NHWC, NCHW"),
    (dict(augment="shift=2,mirror"), "augment='shift=2,mirror': cannot read 'mirror'"),
    (dict(models=["no-such-model"]), "unknown model 'no-such-model'"),
])
def test_bad_options_are_one_line_errors_before_any_work(options, message, tmp_path):
    x, y = images_and_labels(60)
    with pytest.raises(dlbench.DlbenchError) as raised:
        dlbench.run(**{"data": {"mine": (x, y)}, "models": ["logistic"], "output": tmp_path / "runs", **options})
    assert message in str(raised.value) and "\n" not in str(raised.value)
    assert not (tmp_path / "runs").exists()


def test_a_stopped_run_raises_run_interrupted_and_resume_finishes_it_with_its_arrays(tmp_path):
    plugins, stop = tmp_path / "plugins", tmp_path / "stop"
    plugins.mkdir()
    (plugins / "interrupting.py").write_text(textwrap.dedent(INTERRUPTING_PLUGIN.format(stop=str(stop))))
    stop.write_text("")
    x, y = images_and_labels()
    with pytest.raises(dlbench.RunInterrupted) as raised:
        dlbench.run(data={"mine": (x, y)}, models=["interrupting"], trials=3, budget=None, quiet=True,
                    plugins_dir=[plugins], output=tmp_path / "runs")
    run_dir = raised.value.run_dir
    assert isinstance(raised.value, KeyboardInterrupt) and f"dlbench.resume({str(run_dir)!r})" in str(raised.value)
    assert not (run_dir / "results.csv").exists() or read_results_csv(run_dir / "results.csv").empty
    with pytest.raises(dlbench.DlbenchError, match="used plugins from --plugins-dir"):
        dlbench.resume(run_dir)  # a run folder does not choose which plugin code runs
    run = dlbench.resume(run_dir, plugins_dir=[plugins])
    assert run.run_dir == run_dir and list(run.results["task"]) == ["mine"]
    trials = run.trials
    assert (trials.state == "complete").sum() == 3 and (trials.state == "interrupted").sum() == 1
    assert run.results.iloc[0]["test_accuracy"] > 0.8  # trained on the kept arrays


def test_quiet_prints_nothing_and_a_notebook_gets_progress_widgets(tmp_path, capfd, monkeypatch):
    dlbench.run(tasks=["digits"], models=["logistic"], output=tmp_path, **FAST)
    assert capfd.readouterr() == ("", "")
    kernel = types.SimpleNamespace(config={"IPKernelApp": {}})
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: kernel))
    assert Progress(total_studies=1, trials=2, stream=io.StringIO()).bars  # not a terminal, yet bars (widgets)
    assert not Progress(total_studies=1, trials=2, stream=io.StringIO(), disabled=True).bars


def test_every_public_name_is_listed_typed_and_documented():
    assert {"run", "resume", "load", "compare", "Run", "Comparison", "RunInterrupted", "DlbenchError",
            "ContractError", "Task"} <= set(dlbench.__all__)
    for name in dlbench.__all__:
        value = getattr(dlbench, name)
        if name.startswith("__"):
            continue
        assert inspect.getdoc(value), name
        if inspect.isfunction(value):
            signature = inspect.signature(value)
            assert signature.return_annotation is not inspect.Signature.empty, name
            assert all(p.annotation is not inspect.Parameter.empty for p in signature.parameters.values()
                       if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)), name
    assert issubclass(dlbench.ContractError, dlbench.DlbenchError)


def test_the_run_options_are_the_command_line_s_under_the_same_names():
    from dlbench.cli import build_parser

    run_parser = build_parser()._subparsers._group_actions[0].choices["run"]
    flags = {action.dest for action in run_parser._actions} - {"help", "resume", "helper", "task", "model",
                                                                "plugin_args"}
    api = set(inspect.signature(dlbench.run).parameters)
    assert flags <= api, flags - api
    assert {"tasks", "models", "plugins", "data", "layout"} <= api
    assert json.loads(json.dumps(list(api)))  # plain names


@pytest.mark.parametrize("damage", ["npz", "index"])
def test_a_run_folder_whose_kept_arrays_are_damaged_is_refused_in_one_line(damage, tmp_path, capsys):
    x, y = images_and_labels(60)
    run = dlbench.run(data={"mine": (x, y)}, models=["logistic"], output=tmp_path, trials=1, budget=None, quiet=True)
    kept = run.run_dir / "data" / ("task-0.npz" if damage == "npz" else "tasks.json")
    kept.write_bytes(b"not what dlbench wrote")
    results = (run.run_dir / "results.csv").read_bytes()
    capsys.readouterr()
    assert main(["run", "--resume", str(run.run_dir), "--quiet"]) == 2
    stderr = capsys.readouterr().err
    assert stderr.startswith("dlbench: error: ") and len(stderr.splitlines()) == 1 and "Traceback" not in stderr
    assert ("cannot read the arrays of task 'mine'" if damage == "npz" else "lacks the arrays") in stderr
    assert (run.run_dir / "results.csv").read_bytes() == results  # nothing finished is lost
