"""What predict returns is checked in trials, refits and dlbench.testing: a wrong label fails, in one line."""

from __future__ import annotations

import re

import numpy as np
import pytest

from dlbench import Model, Task, TaskInfo
from dlbench.runs.runner import refit_and_score, refit_rows, tuning_split
from dlbench.testing import ContractError, check_model
from dlbench.training.outputs import InvalidPredictions, checked_labels
from dlbench.tuning.studies import tune

# each fault turns the nearest-centroid labels into what a broken plugin's predict might return
FAULTS = {
    "none": lambda labels: labels,
    "integer-floats": lambda labels: labels.astype(np.float64),
    "plus-100": lambda labels: labels + 100,
    "minus-10": lambda labels: labels - 10,
    "nan": lambda labels: np.where(np.arange(len(labels)) == 0, np.nan, labels),
    "halves": lambda labels: labels + 0.5,
    "one-short": lambda labels: labels[:-1],
    "scalar": lambda labels: labels[0],
    "single": lambda labels: labels[:1],
    "booleans": lambda labels: labels > 4,
    "strings": lambda labels: labels.astype(str),
}


class Centroids:
    """Nearest class mean; ``fault`` spoils its labels, always or (``at="refit"``) only when fitted without
    validation data, as the refit is."""

    def __init__(self, fault: str, at: str) -> None:
        self.fault, self.at = fault, at

    def fit(self, X, y, X_val=None, y_val=None):
        flat = X.reshape(len(X), -1).astype(np.float32)
        self.classes_ = np.unique(y)
        self.means_ = np.stack([flat[y == label].mean(axis=0) for label in self.classes_])
        self.refitted_ = X_val is None
        return self

    def predict(self, X):
        flat = X.reshape(len(X), -1).astype(np.float32)
        labels = self.classes_[((flat[:, None, :] - self.means_[None]) ** 2).sum(axis=-1).argmin(axis=1)]
        return labels if self.at == "refit" and not self.refitted_ else FAULTS[self.fault](labels)


def _model(faults, at="always", name="bad"):
    return Model(name=name, family="classical", build=lambda params, task: Centroids(params["fault"], params["at"]),
                 defaults={"fault": faults[0], "at": at}, portfolio=tuple({"fault": f, "at": at} for f in faults[1:]),
                 search_space=lambda trial: {"fault": trial.suggest_categorical("fault", tuple(FAULTS)),
                                             "at": trial.suggest_categorical("at", ("always", "refit"))})


INFO = TaskInfo("digits", (1, 8, 8), 10, tuple("0123456789"), 0)


@pytest.fixture(scope="module")
def tuning(tiny_digits):
    return tuning_split(tiny_digits, seed=0)


@pytest.mark.parametrize("predictions, expected", [
    ([2, 0, 9], [2, 0, 9]),
    (np.array([2.0, 0.0, 9.0]), [2, 0, 9]),
    (np.array([7, 1, 0], dtype=np.uint8), [7, 1, 0]),
])
def test_integer_labels_in_range_come_back_as_int64(predictions, expected):
    labels = checked_labels("m", predictions, 3, 10)
    assert labels.dtype == np.int64 and labels.tolist() == expected


@pytest.mark.parametrize("predictions, message", [
    ([0, 1, 12], "label 12, outside 0 … 9 (1 of 3 labels)"),
    ([-1, 0, -3], "label -1, outside 0 … 9 (2 of 3 labels)"),
    ([0, np.nan, np.nan], "label NaN, not an integer label in 0 … 9 (2 of 3 labels)"),
    ([0, 2.5, 1], "label 2.5, not an integer label in 0 … 9 (1 of 3 labels)"),
    ([0, np.inf, 1], "label inf, not an integer label in 0 … 9 (1 of 3 labels)"),
    ([0, 1], "2 labels for 3 images"),
    ([4], "1 label for 3 images"),
    (np.int64(4), "1 label for 3 images"),
    ([[0], [1], [2]], "an array of shape (3, 1); expected 3 labels, one per image"),
    ([True, False, True], "booleans; expected 3 integer labels in 0 … 9"),
    (["0", "1", "2"], "strings; expected 3 integer labels in 0 … 9"),
    ([0, 1j, 2], "complex numbers; expected 3 integer labels in 0 … 9"),
    (np.array([0, 1, 2], dtype="datetime64[D]"), "datetime64[D] values; expected 3 integer labels in 0 … 9"),
    (None, "None; expected 3 integer labels in 0 … 9"),
])
def test_wrong_labels_raise_one_line_naming_the_model(predictions, message):
    with pytest.raises(InvalidPredictions) as raised:
        checked_labels("m", predictions, 3, 10)
    assert str(raised.value) == f"model 'm' predict returned {message}"
    assert isinstance(raised.value, ValueError)


def test_a_ragged_list_is_not_an_array_of_labels():
    with pytest.raises(InvalidPredictions, match="^model 'm' predict returned list, which is not an array of labels: "):
        checked_labels("m", [[0, 1], [2]], 3, 10)


def test_each_wrong_predict_fails_its_trial_with_the_reason(tuning):
    split = tuning[1]
    n = len(split.x_val)
    outcome = tune(_model(tuple(FAULTS)), INFO, split, n_trials=len(FAULTS), timeout=None, seed=0)
    rows = {row["params"]: row for row in outcome.trials}
    row = {fault: rows[f'{{"at": "always", "fault": "{fault}"}}'] for fault in FAULTS}
    assert [row[fault]["state"] for fault in FAULTS] == ["complete"] * 2 + ["fail"] * (len(FAULTS) - 2)
    assert row["none"]["val_accuracy"] == row["integer-floats"]["val_accuracy"] > 0.8
    expected = {
        "plus-100": rf"label 1\d\d, outside 0 … 9 \({n} of {n} labels\)",
        "minus-10": rf"label -\d+, outside 0 … 9 \({n} of {n} labels\)",
        "nan": rf"label NaN, not an integer label in 0 … 9 \(1 of {n} labels\)",
        "halves": rf"label \d\.5, not an integer label in 0 … 9 \({n} of {n} labels\)",
        "one-short": rf"{n - 1} labels for {n} images",
        "scalar": rf"1 label for {n} images",
        "single": rf"1 label for {n} images",
        "booleans": rf"booleans; expected {n} integer labels in 0 … 9",
        "strings": rf"strings; expected {n} integer labels in 0 … 9",
    }
    for fault, reason in expected.items():
        assert re.fullmatch(rf"InvalidPredictions: model 'bad' predict returned {reason}", row[fault]["error"]), fault


def test_a_model_whose_every_trial_predicts_wrong_is_a_failed_row(tuning):
    data, split = tuning
    task = Task(name="digits", tags=(), class_names=INFO.class_names, load=lambda: data)
    model = _model(("plus-100", "scalar"))
    outcome = tune(model, INFO, split, n_trials=2, timeout=None, seed=0)
    assert outcome.best_params is None
    [row] = refit_rows(model, task, INFO, data, outcome, seeds=[0])
    assert row["status"] == "failed" and row["trials_failed"] == 2
    assert re.fullmatch(r"every trial failed; first error: InvalidPredictions: model 'bad' predict returned label "
                        r"1\d\d, outside 0 … 9 \(\d+ of \d+ labels\)", row["error"])


def test_a_refit_whose_predict_is_wrong_is_a_failed_row_with_the_reason(tuning):
    data, split = tuning
    task = Task(name="digits", tags=(), class_names=INFO.class_names, load=lambda: data)
    model = _model(("plus-100",), at="refit", name="refit-bad")
    outcome = tune(model, INFO, split, n_trials=1, timeout=None, seed=0)
    assert [row["state"] for row in outcome.trials] == ["complete"] and outcome.best_val_accuracy > 0.8
    kept = []
    rows = refit_rows(model, task, INFO, data, outcome, seeds=[0, 1], keep=lambda seed, p: kept.append(seed))
    n = len(data.x_test)
    assert [row["status"] for row in rows] == ["failed", "failed"] and kept == []
    for row in rows:
        assert re.fullmatch(rf"refit failed: InvalidPredictions: model 'refit-bad' predict returned label 1\d\d, "
                            rf"outside 0 … 9 \({n} of {n} labels\)", row["error"])
        assert row["test_accuracy"] is None and row["val_accuracy"] == outcome.best_val_accuracy


def test_a_refit_keeps_integer_valued_floats_as_int64_labels(tuning):
    data = tuning[0]
    good, good_kept = refit_and_score(_model(("none",)), {"fault": "none", "at": "always"}, INFO, data)
    floats, floats_kept = refit_and_score(_model(("integer-floats",)), {"fault": "integer-floats", "at": "always"},
                                          INFO, data)
    assert floats_kept.y_pred.dtype == np.int64 and floats_kept.y_pred.tolist() == good_kept.y_pred.tolist()
    assert floats["test_accuracy"] == good["test_accuracy"] > 0.8
    with pytest.raises(InvalidPredictions, match=r"^model 'bad' predict returned \d+ labels for \d+ images$"):
        refit_and_score(_model(("one-short",)), {"fault": "one-short", "at": "always"}, INFO, data)


@pytest.mark.parametrize("fault, reason", [
    ("plus-100", r"label 10\d, outside 0 … 2 \(60 of 60 labels\)"),
    ("nan", r"label NaN, not an integer label in 0 … 2 \(1 of 60 labels\)"),
    ("halves", r"label \d\.5, not an integer label in 0 … 2 \(60 of 60 labels\)"),
    ("one-short", r"59 labels for 60 images"),
    ("scalar", r"1 label for 60 images"),
    ("booleans", r"booleans; expected 60 integer labels in 0 … 2"),
])
def test_check_model_raises_the_hosts_reason(fault, reason):
    with pytest.raises(ContractError) as raised:
        check_model(_model((fault,)))
    assert re.fullmatch(f"model 'bad' predict returned {reason}", str(raised.value))


def test_check_model_accepts_integer_valued_floats():
    assert check_model(_model(("integer-floats",))) >= 0.8
