"""Test-set scores of a fitted estimator."""

from __future__ import annotations

from typing import Dict

import numpy as np


def classification_scores(y_true: np.ndarray, y_pred: np.ndarray) -> Dict[str, float]:
    """Accuracy, balanced accuracy and macro-averaged F1."""
    from sklearn.metrics import accuracy_score, balanced_accuracy_score, f1_score

    return {"test_accuracy": float(accuracy_score(y_true, y_pred)),
            "balanced_accuracy": float(balanced_accuracy_score(y_true, y_pred)),
            "macro_f1": float(f1_score(y_true, y_pred, average="macro"))}


def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Fraction of labels predicted correctly."""
    return float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))
