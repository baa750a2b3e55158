"""The check on what a model's ``predict`` returns, wherever dlbench calls it: trials, refits and
:func:`dlbench.testing.check_model`.

numpy compares a wrong-length, scalar or out-of-range prediction with the true labels without complaint
(a scalar broadcasts, a label of 109 is simply never right), so such a model would be scored instead of
failing. :func:`checked_labels` lets through only one integer label in ``0 … n_classes - 1`` per image.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_KINDS = {"b": "booleans", "U": "strings", "S": "bytes", "O": "Python objects", "c": "complex numbers"}  # dtype kinds


class InvalidPredictions(ValueError):
    """A model's ``predict`` returned something other than one integer label in range per image."""


def checked_labels(model_name: str, predictions: Any, n_images: int, n_classes: int) -> np.ndarray:
    """``predictions`` as an int64 array of ``n_images`` labels in ``0 … n_classes - 1``; else raise
    :class:`InvalidPredictions` with one line naming the model and what was wrong.

    Integer-valued floats (``2.0``) are accepted and converted; booleans, strings, NaN, fractions, other
    shapes and other lengths are not.
    """
    where = f"model {model_name!r} predict returned"
    valid = f"0 … {n_classes - 1}"
    try:
        labels = np.asarray(predictions)
    except Exception as error:  # a ragged list, or an object numpy cannot read
        raise InvalidPredictions(f"{where} {type(predictions).__name__}, which is not an array of labels: "
                                 f"{error}".splitlines()[0]) from None
    if predictions is None or labels.dtype.kind not in "iuf":
        what = "None" if predictions is None else _KINDS.get(labels.dtype.kind, f"{labels.dtype.name} values")
        raise InvalidPredictions(f"{where} {what}; expected {n_images} integer labels in {valid}")
    if labels.ndim == 0:
        raise InvalidPredictions(f"{where} 1 label for {n_images} images")
    if labels.ndim != 1:
        raise InvalidPredictions(f"{where} an array of shape {labels.shape}; expected {n_images} labels, one per image")
    if len(labels) != n_images:
        noun = "label" if len(labels) == 1 else "labels"
        raise InvalidPredictions(f"{where} {len(labels)} {noun} for {n_images} images")
    if labels.dtype.kind == "f":
        not_integer = ~np.isfinite(labels) | (labels != np.floor(labels))  # NaN, inf, 2.5
        if not_integer.any():
            raise _wrong_label(where, labels, not_integer, f", not an integer label in {valid}")
    outside = (labels < 0) | (labels >= n_classes)
    if outside.any():
        raise _wrong_label(where, labels, outside, f", outside {valid}")
    return labels.astype(np.int64)


def _wrong_label(where: str, labels: np.ndarray, wrong: np.ndarray, why: str) -> InvalidPredictions:
    """The error naming the first wrong label and how many are wrong."""
    first = labels[np.argmax(wrong)].item()
    shown = "NaN" if first != first else int(first) if float(first).is_integer() else first
    count = int(wrong.sum())
    return InvalidPredictions(f"{where} label {shown}{why} ({count} of {len(labels)} labels)")
