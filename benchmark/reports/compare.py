"""``dlbench compare``: a regression gate between two runs, matched task x model (means over seeds).

It must not cry wolf, or it gets switched off: a fit slower than the factor counts only when it takes
longer than an absolute floor (short fits are all noise), and, when both runs kept their test
predictions, an accuracy drop counts only when McNemar's exact test on the paired predictions calls it
significant (see :mod:`dlbench.reports.significance`).

Nor may it pass on nothing: damaged results files stop it (:mod:`dlbench.results.checks`), a task x model x
seed of the baseline that the new run lacks counts (unless ``allow_missing``), and so does a seed that worked
in the baseline and failed in the new run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pandas as pd

from dlbench.reports.markdown import escape
from dlbench.reports.significance import ALPHA, paired_p_value
from dlbench.reports.sources import read_source
from dlbench.reports.summary import summarize
from dlbench.results.predictions import Predictions, load_run_predictions, paired_labels
from dlbench.timing import NOISE_FLOOR_SECONDS

KEY = ["task", "model"]


@dataclass(frozen=True)
class Bounds:
    """What counts as a regression: an accuracy drop beyond ``max_accuracy_drop`` (absolute, 0.01 = one point),
    significant at ``alpha`` by McNemar's test when both runs kept predictions (unless not ``significance``), or
    a fit beyond ``max_slowdown`` times the baseline's and more than ``min_seconds`` longer; a seed that
    worked in the baseline and failed in the new run; and, unless ``allow_missing``, a task x model x seed of
    the baseline that the new run lacks."""

    max_accuracy_drop: float = 0.01
    max_slowdown: float = 1.5
    min_seconds: float = NOISE_FLOOR_SECONDS
    alpha: float = ALPHA
    significance: bool = True
    allow_missing: bool = False


SeedPredictions = Dict[Tuple[str, str], List[Predictions]]


def _predictions(source: Path) -> SeedPredictions:
    """A run folder's kept test predictions by task × model (one per seed); empty for other sources."""
    by_study: SeedPredictions = {}
    if Path(source).is_dir():
        for (task, model, _seed), kept in sorted(load_run_predictions(source).items()):
            by_study.setdefault((task, model), []).append(kept)
    return by_study


def drop_p_value(base: List[Predictions], new: List[Predictions]) -> Optional[float]:
    """McNemar's p-value of new against baseline on the same test images; None when they cannot be paired."""
    pairs = paired_labels(new, base)
    return None if pairs is None else paired_p_value(*pairs)


def _side(results: pd.DataFrame) -> pd.DataFrame:
    summary = summarize(results)[[*KEY, "test_accuracy", "fit_seconds"]]
    # floats even with no ok row (then empty object columns, whose x / 0 raises instead of giving inf)
    summary = summary.astype({"test_accuracy": float, "fit_seconds": float})
    failed = results.loc[results["status"] != "ok", KEY].drop_duplicates()
    failed = failed.merge(summary[KEY], how="left", indicator=True)
    failed = failed[failed["_merge"] == "left_only"].drop(columns="_merge").assign(failed=True)
    return pd.concat([summary.assign(failed=False), failed], ignore_index=True)


SeedGaps = Dict[Tuple[str, str], Tuple[List[int], List[int]]]


def _seed_gaps(base: pd.DataFrame, new: pd.DataFrame) -> SeedGaps:
    """For each task x model with rows on both sides: the baseline's seeds that the new run lacks, and the seeds
    that were ok in the baseline and failed in the new run."""
    def seeds(rows: pd.DataFrame) -> Dict[Tuple[str, str], Tuple[set, set]]:
        return {key: ({int(seed) for seed in group["seed"]},
                      {int(seed) for seed in group.loc[group["status"] == "ok", "seed"]})
                for key, group in rows.groupby(KEY, sort=False)}

    before, after = seeds(base), seeds(new)
    return {key: (sorted(every - after[key][0]), sorted((ok - after[key][1]) & after[key][0]))
            for key, (every, ok) in before.items() if key in after}


def _seeds(seeds: List[int]) -> str:
    return ("seed " if len(seeds) == 1 else "seeds ") + ", ".join(map(str, seeds))


def _verdict(row: pd.Series, gaps: SeedGaps, bounds: Bounds) -> str:
    if pd.isna(row["failed_base"]):
        return "only in new"
    if pd.isna(row["failed_new"]):
        return "only in baseline" if bounds.allow_missing else "REGRESSION: only in baseline"
    missing, lost = gaps[(row["task"], row["model"])]
    state, problems, notes = "ok", [], []
    if row["failed_new"] and not row["failed_base"]:
        problems.append("failed")
    elif row["failed_new"]:
        state = "failed in both"
    elif row["failed_base"]:
        notes.append("failed in baseline")
    else:
        problems, notes = _changes(row, bounds)
        if lost:
            problems.append(f"{_seeds(lost)} failed")
    if missing:
        (notes if bounds.allow_missing else problems).append(f"{_seeds(missing)} only in baseline")
    if problems:
        return "REGRESSION: " + " and ".join(problems)
    return state + (f" ({'; '.join(notes)})" if notes else "")


def _changes(row: pd.Series, bounds: Bounds) -> Tuple[List[str], List[str]]:
    """The regressions (accuracy, slowdown) of a task x model that worked on both sides, and notes on the changes
    that do not count."""
    problems: List[str] = []
    notes: List[str] = []
    if row["accuracy_base"] - row["accuracy_new"] > bounds.max_accuracy_drop:
        if not bounds.significance or pd.isna(row["p_value"]) or row["p_value"] < bounds.alpha:
            problems.append("accuracy")
        else:
            notes.append(f"accuracy drop not significant, p = {row['p_value']:.2g}")
    if row["fit_seconds_base"] > 0 and row["fit_seconds_new"] / row["fit_seconds_base"] > bounds.max_slowdown:
        if row["fit_seconds_new"] - row["fit_seconds_base"] > bounds.min_seconds:
            problems.append("slowdown")
        else:
            notes.append(f"slower, but by under {bounds.min_seconds:g} s")
    return problems, notes


def compare(baseline: Path, new: Path, bounds: Bounds) -> pd.DataFrame:
    """One row per task x model on either side: both accuracies and fit times, their change, McNemar's p-value of
    the accuracy change where both runs kept predictions, and a verdict. Damaged results files raise a one-line
    DlbenchError naming the file and its first bad row."""
    base_rows, new_rows = read_source(baseline)[0], read_source(new)[0]
    base, latest = _side(base_rows), _side(new_rows)
    table = base.merge(latest, on=KEY, how="outer", suffixes=("_base", "_new"), sort=False)
    table = table.rename(columns={"test_accuracy_base": "accuracy_base", "test_accuracy_new": "accuracy_new"})
    table["accuracy_change"] = table["accuracy_new"] - table["accuracy_base"]
    table["slowdown"] = table["fit_seconds_new"] / table["fit_seconds_base"]
    base_predictions, new_predictions = _predictions(baseline), _predictions(new)
    table["p_value"] = [drop_p_value(base_predictions.get(key, []), new_predictions.get(key, [])) if
                        bounds.significance else None for key in zip(table["task"], table["model"])]
    table["p_value"] = table["p_value"].astype(float)
    gaps = _seed_gaps(base_rows, new_rows)
    table["verdict"] = [_verdict(row, gaps, bounds) for _, row in table.iterrows()]
    return table


def regressions(table: pd.DataFrame) -> int:
    """How many rows regressed."""
    return int(table["verdict"].str.startswith("REGRESSION").sum())


def _number(value: float, pattern: str) -> str:
    return "" if pd.isna(value) else pattern.format(value)


def comparison_table(table: pd.DataFrame) -> str:
    """The diff as a Markdown table."""
    cells = pd.DataFrame({
        "task": table["task"].map(escape), "model": table["model"].map(escape),
        "baseline acc": table["accuracy_base"].map(lambda v: _number(v, "{:.4f}")),
        "new acc": table["accuracy_new"].map(lambda v: _number(v, "{:.4f}")),
        "Δ acc (points)": (table["accuracy_change"] * 100).map(lambda v: _number(v, "{:+.2f}")),
        "baseline fit s": table["fit_seconds_base"].map(lambda v: _number(v, "{:.2f}")),
        "new fit s": table["fit_seconds_new"].map(lambda v: _number(v, "{:.2f}")),
        "slowdown": table["slowdown"].map(lambda v: _number(v, "{:.2f}×")),
        "McNemar p": table["p_value"].map(lambda v: _number(v, "{:.3g}")),
        "verdict": table["verdict"]})
    return cells.to_markdown(index=False, disable_numparse=True,
                             colalign=["left", "left"] + ["right"] * 7 + ["left"])
