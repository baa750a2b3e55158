"""The predictions files of a run folder: written atomically, read without pickle, damage reported."""

from __future__ import annotations

import numpy as np
import pytest

from dlbench.errors import DlbenchError
from dlbench.results.predictions import (Predictions, file_name, load_predictions, load_run_predictions,
                                         parse_file_name, save_predictions)


def test_round_trip_with_and_without_probabilities(tmp_path):
    y_true, y_pred = np.array([0, 1, 2, 1]), np.array([0, 2, 2, 1])
    proba = np.eye(3)[y_pred] * 0.9 + 0.1 / 3
    save_predictions(tmp_path, "digits", "svm", 0, Predictions(y_true, y_pred))
    save_predictions(tmp_path, "my task/with__odd name", "hog_svm", 3, Predictions(y_true, y_pred, proba))
    found = load_run_predictions(tmp_path)
    assert set(found) == {("digits", "svm", 0), ("my task/with__odd name", "hog_svm", 3)}
    assert found[("digits", "svm", 0)].proba is None
    kept = found[("my task/with__odd name", "hog_svm", 3)]
    assert np.array_equal(kept.y_true, y_true) and np.array_equal(kept.y_pred, y_pred)
    assert np.allclose(kept.proba, proba)
    assert not list((tmp_path / "predictions").glob(".*.tmp"))  # nothing half-written left behind


def test_file_names_round_trip_and_other_files_are_ignored():
    assert parse_file_name(file_name("a__b", "m_1", 12)) == ("a__b", "m_1", 12)
    assert parse_file_name("notes.txt") is None and parse_file_name("a__b.npz") is None


def test_a_damaged_file_is_one_error_naming_it(tmp_path):
    path = save_predictions(tmp_path, "digits", "svm", 0, Predictions(np.arange(5), np.arange(5)))
    path.write_bytes(path.read_bytes()[:40])
    with pytest.raises(DlbenchError, match="digits__svm__seed0.npz.*damaged"):
        load_predictions(path)


def test_a_pickled_array_is_refused(tmp_path):
    path = tmp_path / "x.npz"
    np.savez(path, y_true=np.array([object()], dtype=object), y_pred=np.array([1]))
    with pytest.raises(DlbenchError, match="damaged"):
        load_predictions(path)


def test_arrays_of_different_lengths_are_refused(tmp_path):
    path = tmp_path / "x.npz"
    np.savez(path, y_true=np.arange(3), y_pred=np.arange(4))
    with pytest.raises(DlbenchError, match="one length"):
        load_predictions(path)
