"""The tidy files of a run folder: trials.csv, results.csv and the tables computed from them."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List

import pandas as pd

from .files import write_text_atomic
from .reports import comparison_markdown, leaderboard_markdown
from .tuning import TRIAL_COLUMNS

RESULT_COLUMNS = ["task", "model", "family", "seed", "status", "test_accuracy", "balanced_accuracy", "macro_f1",
                  "val_accuracy", "fit_seconds", "predict_seconds_per_1k", "n_params", "n_trials",
                  "tuning_seconds", "best_params", "error"]


class RunFiles:
    """Collects a run's rows and (re)writes its files atomically, so finished work is always on disk."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = Path(run_dir)
        self.trial_rows: List[Dict[str, Any]] = []
        self.result_rows: List[Dict[str, Any]] = []

    def add_trials(self, rows: List[Dict[str, Any]]) -> None:
        """Append a finished study's trials and rewrite ``trials.csv``."""
        self.trial_rows += rows
        self._write_csv("trials.csv", self.trial_rows, TRIAL_COLUMNS)

    def add_result(self, row: Dict[str, Any]) -> None:
        """Append one task x model x seed result and rewrite ``results.csv``."""
        self.result_rows.append(row)
        self._write_csv("results.csv", self.result_rows, RESULT_COLUMNS)

    def complete(self, expected_results: int) -> bool:
        """Whether every expected result row is written."""
        return len(self.result_rows) == expected_results

    def results(self) -> pd.DataFrame:
        """The result rows as a frame with the fixed columns."""
        return pd.DataFrame(self.result_rows, columns=RESULT_COLUMNS)

    def write_tables(self) -> None:
        """Write ``leaderboard.md`` and ``comparison.md`` from the result rows."""
        results = self.results()
        write_text_atomic(self.run_dir / "leaderboard.md", leaderboard_markdown(results))
        write_text_atomic(self.run_dir / "comparison.md", comparison_markdown(results))

    def _write_csv(self, name: str, rows: List[Dict[str, Any]], columns: List[str]) -> None:
        write_text_atomic(self.run_dir / name, pd.DataFrame(rows, columns=columns).to_csv(index=False))
