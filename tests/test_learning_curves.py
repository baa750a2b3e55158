"""--train-sizes: nested subsamples, a study per size, learning_curves.csv/.png, crossovers and cost exponents."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

import dlbench
from dlbench.cli import main
from dlbench.data.splits import nested_order
from dlbench.reports import Summary, render
from dlbench.reports.curves import cost_growth, crossovers, learning_curves
from dlbench.runs.train_sizes import parse_train_size, sized_tasks
from dlbench.types import DataSettings


@pytest.fixture(autouse=True)
def builtins_only(monkeypatch):
    monkeypatch.setenv("DLBENCH_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.delenv("DLBENCH_PLUGINS_DIR", raising=False)


def test_every_prefix_of_the_nested_order_is_stratified():
    labels = np.repeat(np.arange(4), [50, 100, 200, 650])  # unbalanced classes
    order = nested_order(labels, seed=3)
    assert sorted(order) == list(range(len(labels)))
    shares = np.bincount(labels) / len(labels)
    for n in (10, 37, 100, 333, 999):
        counts = np.bincount(labels[order[:n]], minlength=4)
        assert np.all(np.abs(counts - n * shares) <= 1.0), (n, counts)
    assert not np.array_equal(order, nested_order(labels, seed=4))  # seeded


def test_sized_tasks_are_nested_subsamples_with_the_task_s_own_test_split(catalogue):
    digits = catalogue.task("digits")
    tasks = sized_tasks([digits], [400, 100, "all", 0.5], seed=0, settings=DataSettings())
    assert [task.name for task in tasks] == ["digits@100", "digits@400", "digits@674", "digits@1347"]
    full = digits.load()
    parts = [task.load_data(DataSettings()) for task in tasks]
    rows = [{tuple(image.ravel()) for image in part.x_train} for part in parts]
    assert all(small <= large for small, large in zip(rows, rows[1:]))  # each inside the larger ones
    assert all(np.array_equal(part.x_test, full.x_test) for part in parts)
    assert [len(part.y_train) for part in parts] == [100, 400, 674, 1347]
    assert np.bincount(parts[0].y_train).min() >= 9  # ten classes, about ten each


@pytest.mark.parametrize("text, expected", [("100", 100), ("0.25", 0.25), ("all", "all"), ("ALL", "all")])
def test_train_sizes_are_counts_fractions_or_all(text, expected):
    assert parse_train_size(text) == expected


BAD_SIZES = {
    "zero": (["0"], "argument --train-sizes: 0 is not a train size; expected at least 2 images"),
    "fraction": (["1.5"], "1.5 is not a train size; expected a fraction between 0 and 1 (exclusive)"),
    "text": (["lots"], "'lots' is not a train size"),
    "too many": (["5000"], "--train-sizes 5000: task 'digits' has 1,347 training images; valid: up to 1347"),
    "repeated": (["all", "1347"], "--train-sizes 1347: 1347 images of task 'digits' is repeated"),
    "too few per class": (["12"], "12 images of task 'digits' hold fewer than two images of some class"),
}


@pytest.mark.parametrize("case", sorted(BAD_SIZES))
def test_bad_train_sizes_are_one_line_before_any_work(case, tmp_path, capsys):
    sizes, message = BAD_SIZES[case]
    try:
        code = main(["run", "--task", "digits", "--model", "logistic", "--train-sizes", *sizes, "--output",
                     str(tmp_path / "runs")])
    except SystemExit as exit_:  # argparse's own errors
        code = exit_.code
    stderr = capsys.readouterr().err
    assert code == 2 and message in stderr, stderr
    assert len(stderr.strip().splitlines()) == 1 and "Traceback" not in stderr
    assert not (tmp_path / "runs").exists()


@pytest.fixture(scope="module")
def curve_run(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DLBENCH_DISABLE_PLUGIN_AUTOLOAD", "1")
        return dlbench.run(tasks=["digits"], models=["logistic", "mlp"], trials=1, budget=None, quiet=True,
                           train_sizes=[100, 300, "all"], output=tmp_path_factory.mktemp("runs"))


def test_a_curve_run_writes_its_table_figure_and_report_sections(curve_run, capsys):
    run_dir = curve_run.run_dir
    table = pd.read_csv(run_dir / "learning_curves.csv")
    assert sorted(set(zip(table["model"], table["train_size"]))) == [
        (model, size) for model in ("logistic", "mlp") for size in (100, 300, 1347)]
    assert set(table["task"]) == {"digits"} and table["test_accuracy"].between(0, 1).all()
    results = pd.read_csv(run_dir / "results.csv")
    assert sorted(results["task"].unique()) == ["digits@100", "digits@1347", "digits@300"]
    assert (results["train_size"] == results["task"].str.split("@").str[1].astype(int)).all()
    pd.testing.assert_frame_equal(curve_run.learning_curves.reset_index(drop=True),
                                  table.astype(curve_run.learning_curves.dtypes.to_dict()), check_dtype=False)
    assert (run_dir / "learning_curves.png").read_bytes().startswith(b"\x89PNG")
    assert len(curve_run.crossovers) == 1 and len(curve_run.cost_growth) == 2
    summary = curve_run.summary
    for format in ("markdown", "html", "latex"):
        assert "Learning curves" in render(summary, format, curve_run.trials), format
    assert "learning_curve" in render(summary, "csv", curve_run.trials)
    document = json.loads(render(summary, "json", curve_run.trials))
    assert len(document["learning_curves"]["curves"]) == 6 and document["learning_curves"]["crossovers"]
    (run_dir / "learning_curves.png").unlink()
    assert main(["report", str(run_dir)]) == 0  # rebuilt from the run folder alone
    assert "# Learning curves" in capsys.readouterr().out and (run_dir / "learning_curves.png").is_file()


def _rows(accuracies, family, model, fit=lambda n: 0.01 * n):
    return [{"task": f"t@{n}", "model": model, "family": family, "seed": 0, "status": "ok", "train_size": n,
             "test_accuracy": accuracy, "fit_seconds": fit(n), "predict_seconds_per_1k": 0.1}
            for n, accuracy in accuracies.items()]


@pytest.mark.parametrize("winners, crossover, detail", [
    ({100: "classical", 300: "tie", 1000: "deep", 3000: "deep"}, 1000, "deep wins from 1,000 training images on"),
    ({100: "deep", 300: "deep", 1000: "deep", 3000: "deep"}, 100, "deep leads from the smallest size"),
    ({100: "deep", 300: "deep", 1000: "deep", 3000: "tie"}, None, "deep never overtakes within the sizes run"),
    ({100: "classical", 300: "deep", 1000: "tie", 3000: "deep"}, 3000, "deep wins from 3,000 training images on"),
    ({100: "untested", 300: "untested", 1000: "untested", 3000: "untested"}, None,
     "no crossover without a deep and a classical model (and their predictions)"),
])
def test_the_crossover_is_the_smallest_size_from_which_deep_wins_at_every_larger_one(winners, crossover, detail):
    results = pd.DataFrame(_rows({n: 0.9 for n in winners}, "deep", "net") + _rows({n: 0.8 for n in winners},
                                                                                     "classical", "svm"))
    comparison = pd.DataFrame({"task": [f"t@{n}" for n in winners], "winner": list(winners.values())})
    (row,) = crossovers(learning_curves(results), comparison).itertuples()
    assert (None if pd.isna(row.crossover) else row.crossover) == crossover and row.detail == detail


def test_the_cost_exponent_is_the_log_log_slope_of_fit_time():
    sizes = {100: 0.5, 400: 0.6, 1600: 0.7, 6400: 0.8}
    results = pd.DataFrame(_rows(sizes, "deep", "net", fit=lambda n: 0.002 * n ** 1.5)
                           + _rows(sizes, "classical", "svm", fit=lambda n: 3e-5 * n ** 2.1))
    cost = cost_growth(learning_curves(results)).set_index("model")
    assert cost.loc["net", "exponent"] == pytest.approx(1.5) and cost.loc["svm", "exponent"] == pytest.approx(2.1)
    assert cost.loc["net", "coefficient"] == pytest.approx(0.002)
    assert cost.loc["svm", "largest_fit_seconds"] == pytest.approx(3e-5 * 6400 ** 2.1)


def test_a_normal_run_has_no_learning_curves(tmp_path):
    rows = pd.DataFrame(_rows({1347: 0.9}, "deep", "net"))
    rows["task"] = "digits"
    assert learning_curves(rows).empty
    summary = Summary(rows.assign(val_accuracy=0.9), pd.DataFrame(columns=["sources"]))
    assert "Learning curves" not in render(summary, "markdown", pd.DataFrame())


def test_the_shapes_source_makes_bigger_train_splits_with_the_same_test_split(catalogue):
    from dlbench.types import TaskOptions

    (task,) = catalogue.select_tasks(["shapes:40"], TaskOptions())
    data, default = task.load(), catalogue.task("shapes").load()
    assert task.name == "shapes:40" and len(data.y_train) == 40 and np.bincount(data.y_train).tolist() == [4] * 10
    assert np.array_equal(data.x_test, default.x_test) and np.array_equal(data.y_test, default.y_test)
    with pytest.raises(dlbench.DlbenchError, match="a multiple of 10 and at least 20"):
        catalogue.select_tasks(["shapes:45"], TaskOptions())
    assert not math.isnan(float(data.x_train.mean()))


def test_the_sizes_of_a_task_share_one_task_s_budget_in_proportion_to_their_images(catalogue):
    from dlbench.runs.runner import RunConfig, study_timeout
    from dlbench.runs.train_sizes import budget_weights

    digits, shapes = catalogue.task("digits"), catalogue.task("shapes")
    tasks = sized_tasks([digits], [100, 400], seed=0, settings=DataSettings()) + [shapes]
    weights = budget_weights(tasks)
    assert weights == {"digits@100": 0.2, "digits@400": 0.8}  # shapes, without sizes, weighs 1
    config = RunConfig(tasks=tasks, models=[], budget=300.0)
    # digits@100 first: of 300 s for 2 task weights (digits' sizes together, and shapes), 0.2 of one, over 3 models
    assert study_timeout(config, 0.0, 2.0, 3, weights["digits@100"]) == pytest.approx(300 * 0.2 / 2 / 3)
    assert study_timeout(config, 0.0, 2.0, 3) == pytest.approx(50.0)  # a task without sizes: an equal share


def test_a_stopped_curve_run_resumes_every_size(tmp_path):
    import textwrap

    from test_resume import INTERRUPTING_PLUGIN

    plugins, stop = tmp_path / "plugins", tmp_path / "stop"
    plugins.mkdir()
    (plugins / "interrupting.py").write_text(textwrap.dedent(INTERRUPTING_PLUGIN.format(stop=str(stop))))
    stop.write_text("")
    with pytest.raises(dlbench.RunInterrupted) as raised:
        dlbench.run(tasks=["digits"], models=["interrupting", "logistic"], trials=2, budget=None, quiet=True,
                    train_sizes=[200, "all"], plugins_dir=[plugins], output=tmp_path / "runs")
    run = dlbench.resume(raised.value.run_dir, plugins_dir=[plugins])
    assert sorted(set(zip(run.learning_curves["model"], run.learning_curves["train_size"]))) == [
        ("interrupting", 200), ("interrupting", 1347), ("logistic", 200), ("logistic", 1347)]
    assert json.loads((run.run_dir / "run.json").read_text())["settings"]["train_sizes"] == [200, "all"]
