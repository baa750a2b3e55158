"""Test-set predictions of every refit, kept in the run folder: ``predictions/<task>__<model>__seed<k>.npz``.

Each file holds the test labels (``y_true``), the predicted labels (``y_pred``) and, where the model gives
them, the class probabilities (``proba``), compressed. Files are written atomically and read without
pickle, so a report can compute new scores, and the paired significance tests, without a rerun.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple
from urllib.parse import quote, unquote

import numpy as np

from dlbench.errors import DlbenchError
from dlbench.files import write_bytes_atomic

PREDICTIONS_DIR = "predictions"
SUFFIX = ".npz"


@dataclass(frozen=True)
class Predictions:
    """One refit's predictions on a task's test split."""

    y_true: np.ndarray
    y_pred: np.ndarray
    proba: Optional[np.ndarray] = None  # test images × classes, where the model gives probabilities


def file_name(task: str, model: str, seed: int) -> str:
    """The file of one task × model × seed; the names are %-quoted (``_`` too, so ``__`` only separates)."""
    return f"{_quoted(task)}__{_quoted(model)}__seed{seed}{SUFFIX}"


def _quoted(name: str) -> str:
    return quote(name, safe="").replace("_", "%5F")


def parse_file_name(name: str) -> Optional[Tuple[str, str, int]]:
    """``(task, model, seed)`` of a predictions file name, or None when it is not one."""
    if not name.endswith(SUFFIX):
        return None
    parts = name[:-len(SUFFIX)].split("__")
    if len(parts) != 3 or not parts[2].startswith("seed") or not parts[2][4:].isdigit():
        return None
    return unquote(parts[0]), unquote(parts[1]), int(parts[2][4:])


def save_predictions(run_dir: Path, task: str, model: str, seed: int, predictions: Predictions) -> Path:
    """Write one refit's predictions into ``run_dir/predictions/``, atomically; returns the file."""
    folder = Path(run_dir) / PREDICTIONS_DIR
    folder.mkdir(exist_ok=True)
    arrays: Dict[str, np.ndarray] = {"y_true": np.asarray(predictions.y_true), "y_pred": np.asarray(predictions.y_pred)}
    if predictions.proba is not None:
        arrays["proba"] = np.asarray(predictions.proba, dtype=np.float32)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    path = folder / file_name(task, model, seed)
    write_bytes_atomic(path, buffer.getvalue())
    return path


def load_predictions(path: Path) -> Predictions:
    """Read a predictions file (no pickle); a DlbenchError naming the file when it is damaged."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise DlbenchError(f"predictions file {str(path)!r} is damaged ({error}); delete it, or refit its study "
                           "with dlbench run --resume") from None
    y_true, y_pred, proba = arrays.get("y_true"), arrays.get("y_pred"), arrays.get("proba")
    if y_true is None or y_pred is None or y_true.ndim != 1 or y_pred.shape != y_true.shape or (
            proba is not None and (proba.ndim != 2 or len(proba) != len(y_true))):
        raise DlbenchError(f"predictions file {str(path)!r} does not hold y_true and y_pred of one length "
                           "(and proba of one row per image)")
    return Predictions(y_true, y_pred, proba)


def paired_labels(first: Sequence[Predictions], second: Sequence[Predictions]
                  ) -> Optional[Tuple[np.ndarray, List[np.ndarray], List[np.ndarray]]]:
    """The test labels and each side's predicted labels (one array per seed) when both sides predicted the same
    test images; None when a side has no predictions or their test images differ (nothing to pair)."""
    if not first or not second:
        return None
    y_true = first[0].y_true
    if any(not np.array_equal(kept.y_true, y_true) for kept in [*first, *second]):
        return None
    return y_true, [kept.y_pred for kept in first], [kept.y_pred for kept in second]


def load_run_predictions(run_dir: Path) -> Dict[Tuple[str, str, int], Predictions]:
    """Every predictions file of a run folder, by ``(task, model, seed)``; empty when it has none."""
    folder = Path(run_dir) / PREDICTIONS_DIR
    found = {}
    if folder.is_dir():
        for path in sorted(folder.iterdir()):
            key = parse_file_name(path.name)
            if key is not None:
                found[key] = load_predictions(path)
    return found
