"""The columns of a run's tidy files, defined once (automlbenchmark style: the same columns in every run).

``trials.csv`` has the fields of :class:`dlbench.TrialResult`, ``results.csv`` those of :class:`ResultRow`, in
order; each field's kind (see :func:`dlbench.types.column`) says how the files are checked
(:mod:`dlbench.results.checks`), read back (:mod:`dlbench.reports.sources`) and summarised
(:mod:`dlbench.reports.summary`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Dict, List, Optional

import numpy as np
import pandas as pd

from dlbench.types import TrialResult, column


@dataclass(frozen=True)
class ResultRow:
    """One refit of a study's best configuration with one seed, scored once on the test split: a ``results.csv``
    row. A failed study or refit has ``status`` ``failed``, its ``error``, and no scores."""

    task: str = column("text")
    model: str = column("text")
    family: str = column("text")
    seed: int = column("count")
    status: str = column("text")  # ok or failed
    test_accuracy: Optional[float] = column("score", None)
    balanced_accuracy: Optional[float] = column("score", None)
    macro_f1: Optional[float] = column("score", None)
    val_accuracy: Optional[float] = column("accuracy", None)  # the study's best, which chose the configuration
    fit_seconds: Optional[float] = column("number", None)  # the refit on all train data
    predict_seconds_per_1k: Optional[float] = column("number", None)
    n_params: Optional[int] = column("count", None)
    n_trials: Optional[int] = column("count", None)  # the study's finished trials
    trials_completed: Optional[int] = column("count", None)
    trials_pruned: Optional[int] = column("count", None)
    trials_failed: Optional[int] = column("count", None)
    tuning_seconds: Optional[float] = column("number", None)  # the study's time with a trial running
    train_size: Optional[int] = column("count", None)  # the refit's training images (all of the task's train split,
    # or with --train-sizes the task TASK@N's N)
    precision: str = column("text", "")  # a deep model's training precision (32, bf16-mixed, 16-mixed); empty for a
    # classical one, and in files written before dlbench recorded it
    best_params: str = column("text", "")  # JSON
    error: str = column("text", "")

    def to_row(self) -> Dict[str, Any]:
        """The row as a dict of its columns."""
        return {item.name: getattr(self, item.name) for item in fields(self)}


SIZE_MARK = "@"  # --train-sizes names the task of N training images TASK@N


def sized_task(task: str, train_size: int) -> str:
    """The name of ``task`` run on ``train_size`` training images: ``TASK@N``."""
    return f"{task}{SIZE_MARK}{int(train_size)}"


def base_task(task: str, train_size: Optional[float]) -> str:
    """The task a ``TASK@N`` row of ``train_size`` N belongs to; any other task is its own."""
    if train_size is None or train_size != train_size:  # missing (older files): no size
        return task
    suffix = sized_task("", train_size)
    return task[:-len(suffix)] if task.endswith(suffix) and len(task) > len(suffix) else task


def _columns(row_type: type, *kinds: str) -> List[str]:
    return [item.name for item in fields(row_type) if not kinds or item.metadata["kind"] in kinds]


TRIAL_COLUMNS = _columns(TrialResult)
RESULT_COLUMNS = _columns(ResultRow)
RESULT_TEXT_COLUMNS = _columns(ResultRow, "text")
RESULT_NUMBER_COLUMNS = _columns(ResultRow, "count", "score", "accuracy", "number")
SCORE_COLUMNS = _columns(ResultRow, "score")  # the test-set scores
ACCURACY_COLUMNS = _columns(ResultRow, "score", "accuracy")  # in [0, 1]
MEASURED_COLUMNS = [name for name in RESULT_NUMBER_COLUMNS if name != "seed"]  # averaged over a study's seeds
COUNT_COLUMNS = list(dict.fromkeys(_columns(TrialResult, "count") + _columns(ResultRow, "count")))


def integer_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its count columns as whole numbers (nullable ``Int64``, so a missing count stays missing):
    CSV and JSON then write ``41943``, never ``41943.0``. Means are rounded; text and infinities become missing."""
    counts = {}
    for name in COUNT_COLUMNS:
        if name in frame.columns:
            values = pd.to_numeric(frame[name], errors="coerce").astype(float)
            counts[name] = values.where(np.isfinite(values)).round().astype("Int64")
    return frame.assign(**counts)
