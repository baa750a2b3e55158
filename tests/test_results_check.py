"""Damaged results files stop ``dlbench report`` and ``dlbench compare`` with exit code 2 and one line naming the
file and its first bad row, instead of a wrong table or a gate that passes on nothing."""

from __future__ import annotations

import json

import pytest

from dlbench.cli import main
from dlbench.reports import read_source

HEADER = "task,model,family,seed,status,test_accuracy,fit_seconds,best_params,error\n"
GOOD = ['digits,logistic,classical,0,ok,0.95,0.5,"{""C"": 1.0}",\n',
        'digits,logistic,classical,1,ok,0.96,0.5,"{""C"": 1.0}",\n']


def _run_folder(path, text):
    """A run folder whose results.csv holds ``text`` (and nothing else: no predictions); its path."""
    path.mkdir()
    (path / "results.csv").write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("third_row, problem", [
    ("digits,svm,classical,0,ok,abc,0.7,{},\n", "row 3: test_accuracy 'abc' is not a number"),
    ("digits,svm,classical,0,ok,1.7,0.7,{},\n", "row 3: test_accuracy '1.7' is outside [0, 1]"),
    ("digits,svm,classical,0,ok,nan,0.7,{},\n", "row 3: status ok but test_accuracy is missing"),
    ("digits,svm,classical,0,ok,,0.7,{},\n", "row 3: status ok but test_accuracy is missing"),
    ("digits,svm,classical,0,ok,0.9,-0.7,{},\n", "row 3: fit_seconds '-0.7' is negative"),
    ("digits,svm,classical,0,ok,0.9,inf,{},\n", "row 3: fit_seconds 'inf' is not a finite number"),
    ("digits,svm,classical,0.5,ok,0.9,0.7,{},\n", "row 3: seed '0.5' is not a whole number >= 0"),
    ("digits,svm,classical,,ok,0.9,0.7,{},\n", "row 3: seed is empty"),
    ("digits,svm,classical,0,done,0.9,0.7,{},\n", "row 3: status 'done' is not one of ok, failed"),
    ("digits,,classical,0,ok,0.9,0.7,{},\n", "row 3: model is empty"),
    ("digits,logistic,classical,1,ok,0.97,0.5,{},\n",
     "row 3: a second row for task 'digits', model 'logistic', seed 1 (the first is row 2"),
    ("digits,svm,clas", "row 3: 3 fields where the header has 9 (the row is truncated or damaged)"),
    ("digits,svm,classical,0,ok,0.9,0.7,{},,extra\n", "row 3: 10 fields where the header has 9"),
    ('digits,svm,classical,0,ok,0.98,0.7,"{""C', "row 3: unexpected end of data (the file is truncated"),
])
def test_a_damaged_row_stops_report_and_compare_naming_the_file_and_the_row(tmp_path, capsys, third_row, problem):
    good = _run_folder(tmp_path / "A", HEADER + "".join(GOOD))
    bad = _run_folder(tmp_path / "B", HEADER + "".join(GOOD) + third_row)
    for argv in (["report", str(bad)], ["compare", str(good), str(bad)], ["compare", str(bad), str(good)]):
        assert main(argv) == 2, argv
        out, err = capsys.readouterr()
        assert err.startswith(f"dlbench: error: {str(bad / 'results.csv')!r} {problem}"), (argv, err)
        assert len(err.strip().splitlines()) == 1 and "regression(s)" not in out, argv


@pytest.mark.parametrize("text, problem", [
    (HEADER, "has no result rows (only a header, or an empty list)"),
    ("", "is empty: it has no header and no result rows"),
    ("task,model,family,seed,status,fit_seconds\ndigits,svm,classical,0,ok,0.7\n",
     "lacks the result columns test_accuracy"),
    ("task,model,family,seed,status,test_accuracy,test_accuracy\ndigits,svm,classical,0,ok,0.9,0.9\n",
     "header names the column test_accuracy more than once"),
])
def test_a_results_csv_without_rows_or_columns_stops_both_commands(tmp_path, capsys, text, problem):
    good = _run_folder(tmp_path / "A", HEADER + "".join(GOOD))
    bad = _run_folder(tmp_path / "B", text)
    for argv in (["report", str(bad)], ["compare", str(good), str(bad)]):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.strip() == f"dlbench: error: {str(bad / 'results.csv')!r} {problem}", argv


def test_a_damaged_report_json_names_its_row(tmp_path, capsys):
    rows = [{"task": "digits", "model": "logistic", "family": "classical", "seed": 0, "status": "ok",
             "test_accuracy": 0.95},
            {"task": "digits", "model": "svm", "family": "classical", "seed": 0, "status": "ok",
             "test_accuracy": 1.7}]
    exported = tmp_path / "baseline.json"
    exported.write_text(json.dumps({"results": rows}), encoding="utf-8")
    good = _run_folder(tmp_path / "A", HEADER + "".join(GOOD))
    assert main(["compare", str(exported), str(good)]) == 2
    assert capsys.readouterr().err.strip() == (f"dlbench: error: {str(exported)!r} row 2: test_accuracy 1.7 is "
                                               "outside [0, 1]")
    rows[1]["test_accuracy"] = True
    exported.write_text(json.dumps({"results": rows}), encoding="utf-8")
    assert main(["report", str(exported)]) == 2
    assert "row 2: test_accuracy True is not a number" in capsys.readouterr().err
    exported.write_text(json.dumps({"results": []}), encoding="utf-8")
    assert main(["compare", str(good), str(exported)]) == 2
    assert capsys.readouterr().err.strip() == f"dlbench: error: {str(exported)!r} has no result rows (only a " \
                                              "header, or an empty list)"


def test_a_failed_row_may_lack_its_scores_and_names_stay_text(tmp_path):
    text = (HEADER + "".join(GOOD) + "digits,NA,classical,0,failed,,,,out of memory\n"
            "digits,007,classical,0,failed,NaN,0.1,,\"two\r\nlines\"\n")
    results, _ = read_source(_run_folder(tmp_path / "A", text))
    assert list(results["model"]) == ["logistic", "logistic", "NA", "007"]
    assert list(results["error"])[2:] == ["out of memory", "two\r\nlines"]
    assert results["test_accuracy"].tolist()[:2] == [0.95, 0.96] and results["test_accuracy"][2:].isna().all()
    assert results["fit_seconds"].tolist()[3] == 0.1 and list(results["seed"]) == [0, 1, 0, 0]


def test_the_precision_column_is_text_and_an_older_file_without_it_still_reports_and_compares(tmp_path, capsys):
    older = _run_folder(tmp_path / "older", HEADER + "".join(GOOD))  # written before dlbench recorded precision
    newer = _run_folder(tmp_path / "newer", "task,model,family,seed,status,test_accuracy,precision\n"
                                            "shapes,mlp,deep,0,ok,0.97,32\nshapes,cnn,deep,0,ok,0.98,bf16-mixed\n"
                                            "shapes,logistic,classical,0,ok,0.95,\n")
    assert read_source(older)[0]["precision"].tolist() == ["", ""]
    assert read_source(newer)[0]["precision"].tolist() == ["32", "bf16-mixed", ""]  # "32", never 32.0
    assert main(["report", str(older), str(newer), "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert sorted(row["precision"] for row in document["results"]) == ["", "", "", "32", "bf16-mixed"]
    assert main(["compare", str(older), str(older)]) == 0
