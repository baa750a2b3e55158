"""The fixed columns of a run's tidy files (automlbenchmark style: the same columns in every run)."""

from __future__ import annotations

import numpy as np
import pandas as pd

TRIAL_COLUMNS = ["task", "model", "family", "trial", "state", "val_accuracy", "fit_seconds", "epochs", "params", "error",
                 "worker"]
RESULT_COLUMNS = ["task", "model", "family", "seed", "status", "test_accuracy", "balanced_accuracy", "macro_f1",
                  "val_accuracy", "fit_seconds", "predict_seconds_per_1k", "n_params", "n_trials",
                  "trials_completed", "trials_pruned", "trials_failed", "tuning_seconds", "best_params", "error"]
TRIAL_STATE_COUNTS = ["trials_completed", "trials_pruned", "trials_failed"]  # absent from older results.csv files
COUNT_COLUMNS = ["seed", "trial", "epochs", "n_params", "n_trials", *TRIAL_STATE_COUNTS]


def integer_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its count columns as whole numbers (nullable ``Int64``, so a missing count stays missing):
    CSV and JSON then write ``41943``, never ``41943.0``. Means are rounded; text and infinities become missing."""
    counts = {}
    for column in COUNT_COLUMNS:
        if column in frame.columns:
            values = pd.to_numeric(frame[column], errors="coerce").astype(float)
            counts[column] = values.where(np.isfinite(values)).round().astype("Int64")
    return frame.assign(**counts)
