"""Reading results back: run folders, ``results.csv`` files and report JSON files, merged into one set of rows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List, Mapping, Sequence, Tuple

import pandas as pd

from dlbench.errors import DlbenchError
from dlbench.results.checks import checked_results, read_results_csv
from dlbench.results.predictions import Predictions, load_run_predictions
from dlbench.results.schema import RESULT_COLUMNS, RESULT_TEXT_COLUMNS, TRIAL_COLUMNS, integer_counts

KEY = ["task", "model", "seed"]


def _results_frame(rows: pd.DataFrame, where: str) -> pd.DataFrame:
    """The rows, checked (a DlbenchError naming ``where`` and the first bad row), with every result column."""
    frame = checked_results(rows, where).reindex(columns=RESULT_COLUMNS)
    for column in RESULT_COLUMNS:
        if column in RESULT_TEXT_COLUMNS:
            frame[column] = frame[column].astype(object).where(frame[column].notna(), "").astype(str)
        else:  # a column the file lacks
            frame[column] = pd.to_numeric(frame[column], errors="coerce")
    return integer_counts(frame)


def read_source(source: Path) -> Tuple[pd.DataFrame, pd.DataFrame]:
    """The result rows and trial rows of a run folder, a ``results.csv``, or a report JSON (``--format json``).

    A run folder's test scores are computed from its kept predictions (``predictions/``) where it has them,
    so a new metric needs no rerun."""
    source = Path(source)
    try:
        if source.is_dir():
            if not (source / "results.csv").is_file():
                raise DlbenchError(f"{str(source)!r} is not a run folder (it has no results.csv)")
            results = read_results_csv(source / "results.csv")
            trials_file = source / "trials.csv"
            trials = pd.read_csv(trials_file) if trials_file.is_file() else pd.DataFrame(columns=TRIAL_COLUMNS)
        elif source.suffix == ".json":
            document = json.loads(source.read_text(encoding="utf-8"))
            if not isinstance(document, dict) or not isinstance(document.get("results"), list):
                raise DlbenchError(f"{str(source)!r} is not a dlbench report JSON (no \"results\" list)")
            results, trials = pd.DataFrame(document["results"]), pd.DataFrame(columns=TRIAL_COLUMNS)
        elif source.suffix == ".csv" and source.is_file():
            results, trials = read_results_csv(source), pd.DataFrame(columns=TRIAL_COLUMNS)
        else:
            raise DlbenchError(f"{str(source)!r} is not a run folder, a results.csv or a report JSON file")
    except (OSError, ValueError, pd.errors.ParserError) as error:
        raise DlbenchError(f"cannot read {str(source)!r}: {str(error).splitlines()[0]}") from None
    results = _results_frame(results, repr(str(source / "results.csv" if source.is_dir() else source)))
    if source.is_dir():
        results = rescored(results, load_run_predictions(source))
    return results, trials.reindex(columns=TRIAL_COLUMNS)


def rescored(results: pd.DataFrame, predictions: Mapping[Tuple[str, str, int], Predictions]) -> pd.DataFrame:
    """The rows with their test scores computed afresh from the kept predictions, where a row has them."""
    from dlbench.results.metrics import classification_scores

    results = results.copy()
    for index, row in results.iterrows():
        kept = predictions.get((row["task"], row["model"], int(row["seed"]))) if pd.notna(row["seed"]) else None
        if kept is not None and row["status"] == "ok":
            for column, value in classification_scores(kept.y_true, kept.y_pred).items():
                results.at[index, column] = value
    return results


def merge_predictions(sources: Sequence[Path]) -> Dict[Tuple[str, str, int], Predictions]:
    """The kept test predictions of every run folder among ``sources``, by (task, model, seed)."""
    predictions: Dict[Tuple[str, str, int], Predictions] = {}
    for source in sources:
        if Path(source).is_dir():
            predictions.update(load_run_predictions(source))
    return predictions


def merge_sources(sources: Sequence[Path]) -> Tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Every source's rows in one table: identical duplicates (the same run seen from several workers' folders)
    kept once; conflicting duplicates (same task, model and seed, other numbers) left out and returned apart.

    Returns (results, trials, conflicts); conflicts has the key columns and ``sources``.
    """
    results: List[pd.DataFrame] = []
    trials: List[pd.DataFrame] = []
    for source in sources:
        rows, trial_rows = read_source(source)
        results.append(rows.assign(origin=str(source)))
        trials.append(trial_rows)
    merged = pd.concat(results, ignore_index=True)
    unique = merged.drop_duplicates(subset=RESULT_COLUMNS)
    clashing = unique.duplicated(KEY, keep=False)
    conflicts = (unique[clashing].groupby(KEY, sort=False)
                 .apply(lambda group: "; ".join(f"test accuracy {row.test_accuracy:.4f} in {row.origin}"
                                                for row in group.itertuples()), include_groups=False)
                 .rename("sources").reset_index()) if clashing.any() else pd.DataFrame(columns=[*KEY, "sources"])
    kept = unique[~clashing].drop(columns="origin").reset_index(drop=True)
    all_trials = pd.concat(trials, ignore_index=True).drop_duplicates().reset_index(drop=True)
    return kept, all_trials, conflicts
