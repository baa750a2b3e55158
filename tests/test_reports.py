"""Reports from a real run: every format holds the run's numbers, several folders merge, plots are drawn."""

from __future__ import annotations

import io
import json
import shutil
import subprocess

import pandas as pd
import pytest
from commands import dlbench

from dlbench.reports import Summary, merge_sources, render
from dlbench.reports.latex import escape as latex_escape
from dlbench.reports.plots import pareto_front
from dlbench.reports.summary import overall_ranks, summarize

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
    assert "Deep learning wins on" in report.stdout and "median margin" in report.stdout


def test_csv_and_json_hold_the_run_numbers_unrounded(seeded_run, tmp_path):
    results = pd.read_csv(seeded_run / "results.csv")
    out = tmp_path / "report.csv"
    assert dlbench("report", str(seeded_run), "--format", "csv", "--out", str(out)).returncode == 0
    table = pd.read_csv(out).set_index("model")
    means = results.groupby("model")[["test_accuracy", "macro_f1", "fit_seconds"]].mean()
    pd.testing.assert_frame_equal(table.loc[means.index, means.columns], means, check_names=False)
    assert list(table.n_seeds) == [2, 2, 2] and sorted(table["rank"]) == [1, 2, 3]
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
    changed = pd.read_csv(copy / "results.csv")
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
