"""The regression gate: ``dlbench compare BASELINE NEW`` against a real run and edited copies of it."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from commands import dlbench
from dlbench.reports.compare import Bounds, compare, regressions
from dlbench.results.predictions import Predictions, file_name, load_predictions, save_predictions


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    out = tmp_path_factory.mktemp("baseline")
    result = dlbench("run", "--task", "digits", "--model", "logistic", "svm", "--trials", "2", "--output", str(out),
                     "--quiet")
    assert result.returncode == 0, result.stderr
    (run_dir,) = out.iterdir()
    return run_dir


def _edited(baseline, tmp_path, edit):
    """A copy of the run with ``edit`` applied to its results.csv, and without its kept predictions (which would
    give back the scores as they are)."""
    copy = tmp_path / "new"
    shutil.copytree(baseline, copy)
    shutil.rmtree(copy / "predictions")
    results = pd.read_csv(copy / "results.csv", dtype={"status": str, "error": str})
    edit(results).to_csv(copy / "results.csv", index=False)
    return copy


def test_a_run_against_itself_passes(baseline):
    result = dlbench("compare", str(baseline), str(baseline))
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("| ok") == 2 and "0 regression(s)" in result.stdout


def test_an_accuracy_drop_beyond_the_bound_fails(baseline, tmp_path):
    def drop(results):
        results.loc[results.model == "svm", "test_accuracy"] -= 0.02
        return results

    new = _edited(baseline, tmp_path, drop)
    result = dlbench("compare", str(baseline), str(new))
    assert result.returncode == 1
    assert "REGRESSION: accuracy" in result.stdout and "-2.00" in result.stdout and "1 regression(s)" in result.stdout
    assert dlbench("compare", str(baseline), str(new), "--max-accuracy-drop", "0.03").returncode == 0


def _with_predictions_changed(baseline, tmp_path, model, wrong):
    """A copy of the run whose ``model`` predicts ``wrong`` more test images wrong (among those it got right)."""
    copy = tmp_path / "new"
    shutil.copytree(baseline, copy)
    path = copy / "predictions" / file_name("digits", model, 0)
    kept = load_predictions(path)
    y_pred = kept.y_pred.copy()
    right = np.flatnonzero(y_pred == kept.y_true)[:wrong]
    y_pred[right] = (y_pred[right] + 1) % 10
    save_predictions(copy, "digits", model, 0, Predictions(kept.y_true, y_pred))
    return copy


def test_a_model_made_five_points_worse_fails_on_its_predictions(baseline, tmp_path):
    new = _with_predictions_changed(baseline, tmp_path, "svm", 23)  # 23 of 450 test images: 5.1 points
    result = dlbench("compare", str(baseline), str(new))
    assert result.returncode == 1 and "REGRESSION: accuracy" in result.stdout and "-5.11" in result.stdout


def test_a_drop_that_is_not_significant_is_no_regression_unless_asked(baseline, tmp_path):
    new = _with_predictions_changed(baseline, tmp_path, "svm", 3)  # 3 images: 0.67 points, p = 0.25
    result = dlbench("compare", str(baseline), str(new), "--max-accuracy-drop", "0.005")
    assert result.returncode == 0, result.stdout
    assert "accuracy drop not significant, p = 0.25" in result.stdout
    assert dlbench("compare", str(baseline), str(new), "--max-accuracy-drop", "0.005",
                   "--no-significance").returncode == 1
    assert dlbench("compare", str(baseline), str(new), "--max-accuracy-drop", "0.005", "--alpha", "0.3").returncode == 1


def test_a_slowdown_beyond_the_factor_fails(baseline, tmp_path):
    def slow(results):
        results.loc[results.model == "logistic", "fit_seconds"] *= 2
        return results

    new = _edited(baseline, tmp_path, slow)
    result = dlbench("compare", str(baseline), str(new), "--min-seconds", "0")
    assert result.returncode == 1 and "REGRESSION: slowdown" in result.stdout and "2.00×" in result.stdout
    assert dlbench("compare", str(baseline), str(new), "--max-slowdown", "2.5", "--min-seconds", "0").returncode == 0


def test_a_fit_three_times_slower_above_the_floor_fails(baseline, tmp_path):
    def slow_base(results):
        results.loc[results.model == "logistic", "fit_seconds"] = [2.0]
        return results

    base = _edited(baseline, tmp_path / "base", slow_base)

    def slower(results):
        results.loc[results.model == "logistic", "fit_seconds"] = [6.0]
        return results

    new = _edited(baseline, tmp_path, slower)
    result = dlbench("compare", str(base), str(new))  # the default floor, 1 s: a 6 s fit is above it
    assert result.returncode == 1 and "REGRESSION: slowdown" in result.stdout and "3.00×" in result.stdout


def test_a_slower_fit_under_the_floor_does_not_count(baseline, tmp_path):
    def slow(results):
        results.loc[results.model == "logistic", "fit_seconds"] = [0.9]  # from about 0.05 s: noise, not a regression
        return results

    new = _edited(baseline, tmp_path, slow)
    result = dlbench("compare", str(baseline), str(new))
    assert result.returncode == 0 and "slower, but by under 1 s" in result.stdout
    assert dlbench("compare", str(baseline), str(new), "--min-seconds", "0.5").returncode == 1


def test_rows_on_one_side_are_listed_and_a_new_failure_fails(baseline, tmp_path):
    def change(results):
        results = results[results.model != "logistic"].copy()
        results.loc[results.model == "svm", ["status", "error"]] = ["failed", "every trial failed"]
        return results

    new = _edited(baseline, tmp_path, change)
    result = dlbench("compare", str(baseline), str(new))
    assert result.returncode == 1
    assert "only in baseline" in result.stdout and "REGRESSION: failed" in result.stdout


def test_exported_json_works_as_a_baseline(baseline, tmp_path):
    exported = tmp_path / "results.json"
    assert dlbench("report", str(baseline), "--format", "json", "--out", str(exported)).returncode == 0
    assert dlbench("compare", str(exported), str(baseline)).returncode == 0


@pytest.mark.parametrize("args, message", [
    (["--max-accuracy-drop", "2"], "argument --max-accuracy-drop: 2 is not valid; expected a fraction from 0 to 1"),
    (["--max-slowdown", "0.5"], "argument --max-slowdown: 0.5 is not valid; expected a factor >= 1"),
    (["--max-slowdown", "fast"], "argument --max-slowdown: 'fast' is not a number"),
])
def test_bad_bounds_are_one_line_and_exit_code_2(baseline, args, message):
    result = dlbench("compare", str(baseline), str(baseline), *args)
    assert result.returncode == 2 and message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_missing_run_is_one_line_and_exit_code_2(baseline, tmp_path):
    result = dlbench("compare", str(baseline), str(tmp_path / "nothing"))
    assert result.returncode == 2 and "is not a run folder, a results.csv or a report JSON file" in result.stderr


def test_two_runs_of_the_same_command_compare_clean_three_times_over(tmp_path):
    command = ["run", "--task", "digits", "--model", "logistic", "svm", "mlp", "--trials", "2", "--budget", "none",
               "--quiet"]
    for attempt in range(3):
        pair = []
        for side in ("baseline", "new"):
            out = tmp_path / f"{side}{attempt}"
            assert dlbench(*command, "--output", str(out)).returncode == 0
            (run_dir,) = out.iterdir()
            pair.append(run_dir)
        result = dlbench("compare", *map(str, pair))
        assert result.returncode == 0, result.stdout


HEADER = "task,model,family,seed,status,test_accuracy,fit_seconds\n"
TWO_SEEDS = "digits,logistic,classical,0,ok,0.95,0.5\ndigits,logistic,classical,1,ok,0.96,0.5\n"
SVM = "digits,svm,classical,0,ok,0.98,0.7\n"


def _results_csv(path, rows):
    """A hand-written results.csv of ``rows`` (lines under HEADER); its path."""
    path.write_text(HEADER + rows, encoding="utf-8")
    return path


def test_a_baseline_model_missing_from_the_new_run_fails_unless_allowed(tmp_path):
    base = _results_csv(tmp_path / "A.csv", TWO_SEEDS + SVM)
    new = _results_csv(tmp_path / "B.csv", TWO_SEEDS)
    result = dlbench("compare", str(base), str(new))
    assert result.returncode == 1 and "REGRESSION: only in baseline" in result.stdout, result.stdout
    assert "1 regression(s)" in result.stdout and "baseline rows missing from the new run counted" in result.stdout
    allowed = dlbench("compare", str(base), str(new), "--allow-missing")
    assert allowed.returncode == 0, allowed.stdout
    assert "| only in baseline" in allowed.stdout and "0 regression(s)" in allowed.stdout
    assert "missing from the new run not counted" in allowed.stdout


def test_a_baseline_seed_missing_from_the_new_run_fails_unless_allowed(tmp_path):
    base = _results_csv(tmp_path / "A.csv", TWO_SEEDS + SVM)
    new = _results_csv(tmp_path / "B.csv", "digits,logistic,classical,0,ok,0.95,0.5\n" + SVM)
    verdicts = compare(base, new, Bounds()).set_index("model")["verdict"]
    assert verdicts.to_dict() == {"logistic": "REGRESSION: seed 1 only in baseline", "svm": "ok"}
    verdicts = compare(base, new, Bounds(allow_missing=True)).set_index("model")["verdict"]
    assert verdicts.to_dict() == {"logistic": "ok (seed 1 only in baseline)", "svm": "ok"}
    # rows only in the new run never count; a baseline with fewer seeds compares clean
    assert regressions(compare(new, base, Bounds())) == 0


def test_a_nan_score_in_the_new_run_where_the_baseline_had_one_fails_even_with_allow_missing(tmp_path):
    base = _results_csv(tmp_path / "A.csv", TWO_SEEDS + SVM)
    new = _results_csv(tmp_path / "B.csv", "digits,logistic,classical,0,ok,0.95,0.5\n"
                                           "digits,logistic,classical,1,failed,NaN,\n" + SVM)
    table = compare(base, new, Bounds()).set_index("model")
    assert table.loc["logistic", "verdict"] == "REGRESSION: seed 1 failed"
    assert table.loc["logistic", "accuracy_new"] == 0.95  # the mean of the seeds that worked: no drop to see
    result = dlbench("compare", str(base), str(new), "--allow-missing")
    assert result.returncode == 1 and "REGRESSION: seed 1 failed" in result.stdout, result.stdout
    both_failed = _results_csv(tmp_path / "C.csv", "digits,logistic,classical,0,failed,,\n"
                                                   "digits,logistic,classical,1,failed,,\n")
    assert compare(base, both_failed, Bounds(allow_missing=True)).set_index("model")["verdict"].to_dict() == {
        "logistic": "REGRESSION: failed", "svm": "only in baseline"}
    assert compare(both_failed, both_failed, Bounds())["verdict"].tolist() == ["failed in both"]


def test_a_damaged_new_run_is_exit_code_2_not_a_pass(tmp_path):
    base = _results_csv(tmp_path / "A.csv", TWO_SEEDS + SVM)
    new = _results_csv(tmp_path / "B.csv", TWO_SEEDS + "digits,svm,classical,0,ok,abc,0.7\n")
    result = dlbench("compare", str(base), str(new))
    assert result.returncode == 2 and "regression(s)" not in result.stdout
    assert result.stderr == f"dlbench: error: {str(new)!r} row 3: test_accuracy 'abc' is not a number\n"
