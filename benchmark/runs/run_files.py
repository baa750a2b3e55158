"""The tidy files of a run folder: trials.csv, results.csv and the tables computed from them."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

import pandas as pd

from dlbench.files import write_text_atomic
from dlbench.reports import Summary, comparison_markdown, curves_markdown, leaderboard_markdown, write_plots
from dlbench.reports.significance import ALPHA
from dlbench.results.predictions import load_run_predictions
from dlbench.results.schema import RESULT_COLUMNS, TRIAL_COLUMNS, integer_counts
from dlbench.tuning.storage import find_study_id, saved_results, study_name
from dlbench.tuning.studies import study_outcome
from dlbench.types import Model


def collect_rows(storage: Any, base: str, tasks: Sequence[str],
                 models: Sequence[Model]) -> Tuple[List[Dict[str, Any]], List[Dict[str, Any]]]:
    """The trial rows and result rows of every task x model study of ``base`` in ``storage``, in run order.

    Rows come from every worker that shared the studies; studies not yet started are left out.
    """
    trial_rows: List[Dict[str, Any]] = []
    result_rows: List[Dict[str, Any]] = []
    for task in tasks:
        for model in models:
            study_id = find_study_id(storage, study_name(base, task, model.name))
            if study_id is None:
                continue
            trial_rows += study_outcome(model, task, storage.get_all_trials(study_id, deepcopy=False)).trials
            result_rows += saved_results(storage, study_id) or []
    return trial_rows, result_rows


class RunFiles:
    """A run folder's tidy files, always rewritten whole and atomically, so finished work is always on disk."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = Path(run_dir)

    def write(self, trial_rows: List[Dict[str, Any]], result_rows: List[Dict[str, Any]], plots: bool = False,
              alpha: float = ALPHA) -> None:
        """Write ``trials.csv``, ``results.csv``, ``leaderboard.md`` and ``comparison.md`` from the rows (and the
        folder's kept predictions, for the significance tests at ``alpha``), ``learning_curves.csv`` and ``.md``
        after a ``--train-sizes`` run, and with ``plots`` the PNG plots."""
        self._write_csv("trials.csv", trial_rows, TRIAL_COLUMNS)
        self._write_csv("results.csv", result_rows, RESULT_COLUMNS)
        summary = Summary(pd.DataFrame(result_rows, columns=RESULT_COLUMNS), pd.DataFrame(columns=["sources"]),
                          load_run_predictions(self.run_dir), alpha)
        write_text_atomic(self.run_dir / "leaderboard.md", leaderboard_markdown(summary))
        write_text_atomic(self.run_dir / "comparison.md", comparison_markdown(summary))
        if len(summary.curves):  # a --train-sizes run
            write_text_atomic(self.run_dir / "learning_curves.csv", summary.curves.to_csv(index=False))
            write_text_atomic(self.run_dir / "learning_curves.md", curves_markdown(summary))
        if plots:
            write_plots(summary, pd.DataFrame(trial_rows, columns=TRIAL_COLUMNS), self.run_dir)

    def _write_csv(self, name: str, rows: List[Dict[str, Any]], columns: List[str]) -> None:
        frame = integer_counts(pd.DataFrame(rows, columns=columns))  # 41943, not 41943.0, beside a gap
        write_text_atomic(self.run_dir / name, frame.to_csv(index=False))
