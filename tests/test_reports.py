"""Reports from a real run: every format holds the run's numbers, several folders merge, plots are drawn."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from commands import dlbench
from dlbench.reports import Summary, merge_sources, render
from dlbench.reports.formatting import comparison_cells, leaderboard_cells
from dlbench.reports.latex import escape as latex_escape
from dlbench.reports.plots import history_figure, pareto_front
from dlbench.reports.summary import overall_ranks, summarize
from dlbench.results.predictions import Predictions
from dlbench.results.schema import RESULT_COLUMNS, TRIAL_COLUMNS
from dlbench.runs.run_files import RunFiles

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def seeded_run(tmp_path_factory):
    """A real run: three models on digits, two trials each, refitted with two seeds."""
    out = tmp_path_factory.mktemp("runs")
    result = dlbench("run", "--task", "digits", "--model", "mlp", "logistic", "decision-tree", "--trials", "2",
                     "--seeds", "2", "--output", str(out), "--quiet")
    assert result.returncode == 0, result.stderr
    (run_dir,) = out.iterdir()
    return run_dir


def test_markdown_shows_mean_and_std_and_marks_the_best_of_each_family(seeded_run):
    results = pd.read_csv(seeded_run / "results.csv")
    report = dlbench("report", str(seeded_run))
    assert report.returncode == 0, report.stderr
    for model, rows in results.groupby("model"):
        cell = f"{rows.test_accuracy.mean():.4f} ± {rows.test_accuracy.std(ddof=1):.4f}"
        assert cell in report.stdout, (model, cell)
    classical = results[results.family == "classical"].groupby("model").test_accuracy.mean()
    best, other = classical.idxmax(), classical.idxmin()
    assert f"| **{best}**" in report.stdout and "| **mlp**" in report.stdout
    assert f"| {other} " in report.stdout  # not bold: beaten inside its family
    assert re.search(r"Deep learning wins on [01] of 1 task[,;] ", report.stdout) and "task(s)" not in report.stdout
    assert "; the Δ accuracy (deep minus classical) is " in report.stdout


def test_csv_and_json_hold_the_run_numbers_unrounded(seeded_run, tmp_path):
    results = pd.read_csv(seeded_run / "results.csv")
    out = tmp_path / "report.csv"
    assert dlbench("report", str(seeded_run), "--format", "csv", "--out", str(out)).returncode == 0
    table = pd.read_csv(out).set_index("model")
    means = results.groupby("model")[["test_accuracy", "macro_f1", "fit_seconds"]].mean()
    pd.testing.assert_frame_equal(table.loc[means.index, means.columns], means, check_names=False)
    assert list(table.n_seeds) == [2, 2, 2]
    expected = results.groupby("model").test_accuracy.mean().round(12).rank(ascending=False, method="average")
    assert table["rank"].to_dict() == expected.to_dict()
    document = json.loads(dlbench("report", str(seeded_run), "--format", "json").stdout)
    assert pd.DataFrame(document["results"])[["model", "seed", "test_accuracy"]].equals(
        results[["model", "seed", "test_accuracy"]])
    comparison = document["deep_vs_classical"][0]
    mlp = results[results.model == "mlp"].test_accuracy
    best_classical = results[results.family == "classical"].groupby("model").test_accuracy.mean().max()
    assert comparison["gap_points"] == pytest.approx((mlp.mean() - best_classical) * 100)


def test_html_is_one_self_contained_file_with_its_plots(seeded_run, tmp_path):
    out = tmp_path / "report.html"
    assert dlbench("report", str(seeded_run), "--format", "html", "--out", str(out)).returncode == 0
    page = out.read_text()
    assert page.startswith("<!DOCTYPE html>") and page.count('src="data:image/png;base64,') == 2
    assert "http://" not in page and "https://" not in page and "<link" not in page and "<script" not in page
    assert (seeded_run / "accuracy_vs_fit_time.png").read_bytes().startswith(PNG_MAGIC)  # one run: its folder


def test_a_run_writes_its_plots(seeded_run):
    for name in ("accuracy_vs_fit_time.png", "optimisation_history.png"):
        png = (seeded_run / name).read_bytes()
        assert png.startswith(PNG_MAGIC) and len(png) > 10_000


def test_latex_is_a_complete_booktabs_document(seeded_run):
    tex = dlbench("report", str(seeded_run), "--format", "latex").stdout
    assert tex.startswith(r"\documentclass{article}") and tex.rstrip().endswith(r"\end{document}")
    assert r"\usepackage{booktabs}" in tex and r"\toprule" in tex and r"\bottomrule" in tex
    assert r"decision-tree" in tex and r"$\pm$" in tex


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_latex_compiles(seeded_run, tmp_path):
    (tmp_path / "report.tex").write_text(dlbench("report", str(seeded_run), "--format", "latex").stdout)
    compiled = subprocess.run(["pdflatex", "-interaction=nonstopmode", "report.tex"], cwd=tmp_path,
                              capture_output=True, text=True, timeout=120)
    assert compiled.returncode == 0, compiled.stdout[-2000:]


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_latex_with_every_special_character_compiles(tmp_path):
    nasty = "50%_best & <co> #1 $x$ {y} ~z^ \\ |"
    frame = pd.DataFrame([{"task": nasty, "model": nasty, "family": family, "seed": 0, "status": "ok",
                           "test_accuracy": accuracy, "balanced_accuracy": 0.5, "macro_f1": 0.5, "val_accuracy": 0.5,
                           "fit_seconds": 1.0, "predict_seconds_per_1k": 0.1, "n_params": 1, "n_trials": 1,
                           "tuning_seconds": 1.0, "best_params": "{}", "error": ""}
                          for family, accuracy in (("deep", 0.6), ("classical", 0.5))])
    summary = Summary(frame, pd.DataFrame(columns=["task", "model", "seed", "sources"]))
    (tmp_path / "nasty.tex").write_text(render(summary, "latex", pd.DataFrame()))
    compiled = subprocess.run(["pdflatex", "-interaction=nonstopmode", "nasty.tex"], cwd=tmp_path,
                              capture_output=True, text=True, timeout=120)
    assert compiled.returncode == 0, compiled.stdout[-2000:]


def test_latex_escapes_every_special_character():
    assert latex_escape(r"a_b & 50% #1 $x$ {y} ~z^ \ <p>|") == (
        r"a\_b \& 50\% \#1 \$x\$ \{y\} \textasciitilde{}z\textasciicircum{} \textbackslash{} "
        r"\textless{}p\textgreater{}\textbar{}")


def test_folders_of_one_run_merge_and_conflicts_are_reported(seeded_run, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(seeded_run, copy)
    results, _, conflicts = merge_sources([seeded_run, copy])
    assert len(results) == 6 and conflicts.empty  # identical rows: one run seen twice
    shutil.rmtree(copy / "predictions")  # else the report scores the copy from its predictions, as they are
    changed = pd.read_csv(copy / "results.csv", dtype={"precision": str})  # "32" stays "32", not 32.0
    changed.loc[changed.model == "logistic", "test_accuracy"] -= 0.05
    changed.to_csv(copy / "results.csv", index=False)
    report = dlbench("report", str(seeded_run), str(copy))
    assert report.returncode == 0, report.stderr
    assert "Conflicting duplicates" in report.stdout and report.stdout.count("digits × logistic × seed") == 2
    merged, _, conflicts = merge_sources([seeded_run, copy])
    assert "logistic" not in set(merged.model) and len(conflicts) == 2


def test_overall_rank_averages_each_models_rank_over_tasks():
    scores = {("a", "cnn", "deep"): (0.9, 1), ("a", "svm", "classical"): (0.8, 1), ("a", "tree", "classical"): (0.7, 1),
              ("b", "cnn", "deep"): (0.6, 1), ("b", "svm", "classical"): (0.9, 1), ("b", "tree", "classical"): (0.6, 1)}
    frame = pd.DataFrame([{"task": t, "model": m, "family": f, "seed": 0, "status": "ok", "test_accuracy": a,
                           "balanced_accuracy": a, "macro_f1": a, "val_accuracy": a, "fit_seconds": s,
                           "predict_seconds_per_1k": 0.1, "n_params": 0, "n_trials": 1}
                          for (t, m, f), (a, s) in scores.items()])
    overall = overall_ranks(summarize(frame)).set_index("model")
    assert overall.average_rank.to_dict() == {"svm": 1.5, "cnn": 1.75, "tree": 2.75}
    assert list(overall.index) == ["svm", "cnn", "tree"]


def test_a_history_has_whole_trial_ticks_and_a_line_drawn_over_another_still_shows(seeded_run):
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    trials = pd.read_csv(seeded_run / "trials.csv")
    twin = trials[trials.model == "logistic"].assign(model="logistic-twin")  # the very same best-so-far line
    figure = history_figure(pd.concat([trials, twin], ignore_index=True))
    try:
        (axis,) = [axis for axis in figure.axes if axis.get_visible()]
        assert isinstance(axis.xaxis.get_major_locator(), MaxNLocator)
        ticks = axis.get_xticks()
        assert len(ticks) >= 2 and all(float(tick).is_integer() for tick in ticks), ticks  # 2 trials: 0, 1
        lines = {line.get_label(): line for line in axis.get_lines()}
        assert set(lines) == {"mlp", "logistic", "decision-tree", "logistic-twin"}
        assert all(line.get_marker() not in (None, "", " ", "None", "none") for line in lines.values())
        assert len({(line.get_marker(), line.get_linestyle()) for line in lines.values()}) == len(lines)
        hidden, over = lines["logistic"], lines["logistic-twin"]
        assert list(hidden.get_xydata().ravel()) == list(over.get_xydata().ravel())  # drawn exactly over it
    finally:
        plt.close(figure)


def _scored_rows(scores, fit_seconds=1.0):
    """Result rows of ``{(task, model, family): [test accuracy of each seed]}``."""
    return pd.DataFrame([{"task": t, "model": m, "family": f, "seed": seed, "status": "ok", "test_accuracy": a,
                          "balanced_accuracy": a, "macro_f1": a, "val_accuracy": a, "fit_seconds": fit_seconds,
                          "predict_seconds_per_1k": 0.1, "n_params": 0, "n_trials": 1, "error": ""}
                         for (t, m, f), accuracies in scores.items() for seed, a in enumerate(accuracies)])


NO_CONFLICTS = pd.DataFrame(columns=["task", "model", "seed", "sources"])


def test_equal_accuracies_share_their_mean_rank():
    # cnn's mean of 0.9 and 0.8 is 0.8500000000000001: the same accuracy as svm's 0.85, up to float noise
    summary = Summary(_scored_rows({("t", "cnn", "deep"): [0.9, 0.8], ("t", "svm", "classical"): [0.85, 0.85],
                                    ("t", "mlp", "deep"): [0.85, 0.85], ("t", "tree", "classical"): [0.7, 0.7]}),
                      NO_CONFLICTS)
    board = summary.leaderboard("t").set_index("model")
    assert board["rank"].to_dict() == {"cnn": 2.0, "svm": 2.0, "mlp": 2.0, "tree": 4.0}
    cells, _ = leaderboard_cells(summary, "t")
    assert list(cells["rank"]) == ["2", "2", "2", "4"]
    two = Summary(_scored_rows({("t", "a", "deep"): [0.5], ("t", "b", "deep"): [0.5]}), NO_CONFLICTS)
    assert list(leaderboard_cells(two, "t")[0]["rank"]) == ["1.5", "1.5"]
    for format in ("markdown", "html", "latex"):
        assert "share their mean rank (two tied for first are both 1.5)" in render(summary, format, pd.DataFrame())


def test_each_familys_representative_is_chosen_by_validation_accuracy_not_test_accuracy():
    rows = _scored_rows({("t", "cnn", "deep"): [0.95], ("t", "mlp", "deep"): [0.90], ("t", "svm", "classical"): [0.93],
                         ("t", "knn", "classical"): [0.92], ("t", "tree", "classical"): [0.80]})
    rows["val_accuracy"] = rows["model"].map({"cnn": 0.90, "mlp": 0.96, "svm": 0.91, "knn": 0.91, "tree": 0.85})
    rows["fit_seconds"] = rows["model"].map({"cnn": 9.0, "mlp": 5.0, "svm": 2.0, "knn": 0.5, "tree": 0.1})
    summary = Summary(rows, NO_CONFLICTS)
    board = summary.leaderboard("t").set_index("model")
    assert board["best_of_family"].to_dict() == {"cnn": False, "svm": False, "knn": True, "mlp": True, "tree": False}
    (row,) = summary.comparison.itertuples()
    assert (row.deep_model, row.classical_model) == ("mlp", "knn")  # svm and knn tie on validation: knn fits faster
    for format in ("markdown", "html", "latex"):
        assert "best validation accuracy (ties: the faster fit)" in render(summary, format, pd.DataFrame())


Y_TRUE = np.arange(450) % 10


def _predictions(errors):
    """Rows and kept predictions of ``{(task, model, family): [first wrong image, images wrong]}`` (one seed)."""
    predictions, scores = {}, {}
    for (task, model, family), (first, count) in errors.items():
        y_pred = Y_TRUE.copy()
        y_pred[first:first + count] = (y_pred[first:first + count] + 1) % 10
        predictions[(task, model, 0)] = Predictions(Y_TRUE, y_pred)
        scores[(task, model, family)] = [float(np.mean(y_pred == Y_TRUE))]
    return _scored_rows(scores).assign(n_trials=10), predictions


def test_a_gap_is_a_winner_only_when_mcnemars_test_says_so():
    rows, predictions = _predictions({
        ("win", "cnn", "deep"): (0, 10), ("win", "svm", "classical"): (100, 60),     # 50 images apart: deep
        ("tie", "cnn", "deep"): (0, 10), ("tie", "svm", "classical"): (100, 13),     # 3 images: not significant
        ("loss", "cnn", "deep"): (0, 80), ("loss", "svm", "classical"): (100, 10)})  # classical
    summary = Summary(rows, NO_CONFLICTS, predictions)
    table = summary.comparison.set_index("task")
    assert table["winner"].to_dict() == {"win": "deep", "tie": "tie", "loss": "classical"}
    assert table.loc["win", "p_value"] == pytest.approx(stats.binomtest(60, 70, 0.5).pvalue)
    assert table.loc["tie", "gap_points"] == pytest.approx(300 / 450) and table.loc["tie", "p_value"] > 0.05
    assert table.loc["win", "gap_low_points"] > 0 > table.loc["loss", "gap_high_points"]
    assert summary.verdict.startswith("Deep learning wins on 1 of 3 tasks, ties on 1, loses on 1 (McNemar's test, "
                                      "α = 0.05); the median Δ accuracy (deep minus classical) is +0.7 points")
    cells = comparison_cells(summary).set_index("task")
    assert cells.loc["win", "McNemar p"] == f"{table.loc['win', 'p_value']:.3g}" and cells.loc["win", "winner"] == "deep"
    strict = Summary(rows, NO_CONFLICTS, predictions, alpha=1e-12)
    assert list(strict.comparison["winner"]) == ["tie", "tie", "classical"] and "α = 1e-12" in strict.verdict
    untested = Summary(rows, NO_CONFLICTS)  # no kept predictions: nothing to test
    assert set(untested.comparison["winner"]) == {"untested"} and "3 tasks untested" in untested.verdict


def test_under_tuned_studies_are_marked_and_weaken_the_verdict():
    rows, predictions = _predictions({("t", "cnn", "deep"): (0, 10), ("t", "svm", "classical"): (100, 60)})
    rows["trials_completed"], rows["trials_pruned"], rows["trials_failed"] = [3, 10], [1, 0], [2, 0]
    summary = Summary(rows, NO_CONFLICTS, predictions)
    cells = leaderboard_cells(summary, "t")[0].set_index("model")
    assert cells.loc["cnn", "trials"] == "4 (+2 failed), under-tuned" and cells.loc["svm", "trials"] == "10"
    assert list(summary.comparison["winner"]) == ["deep"] and list(summary.comparison["under_tuned"]) == [""]
    rows["trials_completed"] = [10, 3]  # now the losing side is the under-tuned one
    weakened = Summary(rows, NO_CONFLICTS, predictions)
    assert list(comparison_cells(weakened)["winner"]) == ["deep (svm under-tuned)"]
    assert "Under-tuned (fewer than 5 trials), so weakening the verdict: t (svm)." in weakened.verdict
    for format in ("markdown", "html", "latex", "csv", "json"):
        assert "under" in render(weakened, format, pd.DataFrame()).replace("\\_", "_")


def test_a_history_of_one_trial_still_has_whole_trial_ticks(seeded_run):
    import matplotlib.pyplot as plt

    trials = pd.read_csv(seeded_run / "trials.csv")
    figure = history_figure(trials[trials.trial == 0])
    try:
        (axis,) = [axis for axis in figure.axes if axis.get_visible()]
        ticks = [tick for tick in axis.get_xticks() if axis.get_xlim()[0] <= tick <= axis.get_xlim()[1]]
        assert ticks and all(float(tick).is_integer() for tick in ticks), ticks
    finally:
        plt.close(figure)


def test_pareto_front_keeps_only_undominated_models():
    points = pd.DataFrame({"model": ["fast", "slow-good", "dominated", "best"],
                           "fit_seconds": [0.1, 5.0, 6.0, 50.0], "test_accuracy": [0.8, 0.9, 0.85, 0.95]})
    assert list(pareto_front(points).model) == ["fast", "slow-good", "best"]


def test_special_characters_are_escaped_in_every_format():
    nasty = "<b>&amp;|*_%$#{}\\"
    frame = pd.DataFrame([{"task": nasty, "model": nasty, "family": "deep", "seed": 0, "status": "ok",
                           "test_accuracy": 0.5, "balanced_accuracy": 0.5, "macro_f1": 0.5, "val_accuracy": 0.5,
                           "fit_seconds": 1.0, "predict_seconds_per_1k": 0.1, "n_params": 1, "n_trials": 1,
                           "tuning_seconds": 1.0, "best_params": "{}", "error": ""}])
    summary = Summary(frame, pd.DataFrame(columns=["task", "model", "seed", "sources"]))
    trials = pd.DataFrame(columns=["task", "model", "trial", "state", "val_accuracy"])
    assert "<b>" not in render(summary, "html", trials) and "&lt;b&gt;&amp;amp;" in render(summary, "html", trials)
    assert r"\textless{}b\textgreater{}\&amp;\textbar{}*\_\%\$\#\{\}\textbackslash{}" in render(summary, "latex", trials)
    assert r"\<b\>&amp;\|\*\_%$\#" in render(summary, "markdown", trials)
    assert json.loads(render(summary, "json", trials))["results"][0]["model"] == nasty
    assert pd.read_csv(io.StringIO(render(summary, "csv", trials))).model[0] == nasty


def _chromium():
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(_chromium() is None, reason="Chromium is not installed (.ci/run installs Debian's chromium)")
def test_html_renders_in_a_browser(seeded_run, tmp_path):
    from PIL import Image, ImageStat

    page = tmp_path / "report.html"
    assert dlbench("report", str(seeded_run), "--format", "html", "--out", str(page)).returncode == 0
    shot = tmp_path / "shot.png"
    subprocess.run([_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1280,1600",
                    f"--screenshot={shot}", page.as_uri()], capture_output=True, timeout=120)
    image = Image.open(shot).convert("L")
    assert image.size == (1280, 1600)
    stats = ImageStat.Stat(image)
    assert stats.stddev[0] > 10  # text, tables and plots, not a blank page
    dark = sum(image.histogram()[:128]) / (image.size[0] * image.size[1])
    assert 0.005 < dark < 0.5


def _result_row(model, n_params, **numbers):
    """A successful digits result row with every column of results.csv."""
    return {**dict.fromkeys(RESULT_COLUMNS, ""), "task": "digits", "model": model, "family": "classical", "seed": 0,
            "status": "ok", "test_accuracy": 0.9, "balanced_accuracy": 0.9, "macro_f1": 0.9, "val_accuracy": 0.9,
            "fit_seconds": 1.0, "predict_seconds_per_1k": 0.1, "n_params": n_params, "n_trials": 10,
            "trials_completed": 4, "trials_pruned": 2, "trials_failed": 4, "tuning_seconds": 2.0, "train_size": 1347,
            "best_params": "{}",
            **numbers}


def test_counts_are_integers_in_the_run_files_and_in_csv_and_json_reports_even_beside_missing_ones(tmp_path):
    trial_rows = [{**dict.fromkeys(TRIAL_COLUMNS, ""), "task": "digits", "model": "knn", "family": "classical",
                   "trial": trial, "state": "complete", "val_accuracy": 0.9, "fit_seconds": 1.0, "epochs": epochs,
                   "params": "{}"} for trial, epochs in ((0, 3), (1, ""))]
    RunFiles(tmp_path).write(trial_rows, [_result_row("knn", 41943), _result_row("uncountable", None)])
    counts = ["n_params", "n_trials", "trials_completed", "trials_pruned", "trials_failed"]
    written = pd.read_csv(tmp_path / "results.csv", dtype=str, keep_default_na=False)
    assert written[counts].values.tolist() == [["41943", "10", "4", "2", "4"], ["", "10", "4", "2", "4"]]
    written = pd.read_csv(tmp_path / "trials.csv", dtype=str, keep_default_na=False)
    assert written[["trial", "epochs"]].values.tolist() == [["0", "3"], ["1", ""]]
    merged, trials, conflicts = merge_sources([tmp_path])
    summary = Summary(merged, conflicts)
    table = render(summary, "csv", trials)
    assert "41943.0" not in table and "10.0" not in table
    assert pd.read_csv(io.StringIO(table), dtype=str).set_index("model").loc[
        ["knn", "uncountable"], ["n_params", "n_trials", "trials_failed"]].fillna("").values.tolist() == [
        ["41943", "10", "4"], ["", "10", "4"]]
    document = json.loads(render(summary, "json", trials))
    board = {row["model"]: row for row in document["leaderboards"]["digits"]}
    rows = {row["model"]: row for row in document["results"]}
    for table in (board, rows):
        assert table["knn"]["n_params"] == 41943 and isinstance(table["knn"]["n_params"], int)
        assert table["uncountable"]["n_params"] is None and table["uncountable"]["trials_pruned"] == 2
    cells = leaderboard_cells(summary, "digits")[0].set_index("model")
    assert cells.loc["knn", "params"] == "41,943" and cells.loc["knn", "trials"] == "6 (+4 failed)"


def test_an_older_results_csv_without_trial_counts_by_state_still_reports(tmp_path):
    path = tmp_path / "results.csv"
    path.write_text("task,model,family,seed,status,test_accuracy,balanced_accuracy,macro_f1,val_accuracy,fit_seconds,"
                    "predict_seconds_per_1k,n_params,n_trials,tuning_seconds,best_params,error\n"
                    "digits,logistic,classical,0,ok,0.95,0.95,0.95,0.96,0.5,0.1,650,3,1.5,{},\n")
    merged, trials, conflicts = merge_sources([path])
    summary = Summary(merged, conflicts)
    cells = leaderboard_cells(summary, "digits")[0]
    assert list(cells["trials"]) == ["3, under-tuned"] and list(cells["params"]) == ["650"]  # its finished trials
    (row,) = json.loads(render(summary, "json", trials))["results"]
    assert (row["n_trials"], row["trials_completed"], row["trials_failed"]) == (3, None, None)
