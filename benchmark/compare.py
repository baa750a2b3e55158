"""``dlbench compare``: a regression gate between two runs, matched task x model (means over seeds).

It must not cry wolf, or it gets switched off: a fit slower than the factor counts only when it takes
longer than an absolute floor (short fits are all noise), and, when both runs kept their test
predictions, an accuracy drop counts only when McNemar's exact test on the paired predictions calls it
significant (see :mod:`dlbench.significance`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pandas as pd

from .predictions import Predictions, load_run_predictions, paired_labels
from .reports.markdown import escape
from .reports.sources import read_source
from .reports.summary import summarize
from .significance import ALPHA, paired_p_value
from .timing import NOISE_FLOOR_SECONDS

KEY = ["task", "model"]


@dataclass(frozen=True)
class Bounds:
    """What counts as a regression: an accuracy drop beyond ``max_accuracy_drop`` (absolute, 0.01 = one point),
    significant at ``alpha`` by McNemar's test when both runs kept predictions (unless not ``significance``), or
    a fit beyond ``max_slowdown`` times the baseline's that takes longer than ``min_seconds``."""

    max_accuracy_drop: float = 0.01
    max_slowdown: float = 1.5
    min_seconds: float = NOISE_FLOOR_SECONDS
    alpha: float = ALPHA
    significance: bool = True


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


def _side(source: Path) -> pd.DataFrame:
    results, _ = read_source(source)
    summary = summarize(results)[[*KEY, "test_accuracy", "fit_seconds"]]
    # floats even with no ok row (then empty object columns, whose x / 0 raises instead of giving inf)
    summary = summary.astype({"test_accuracy": float, "fit_seconds": float})
    failed = results.loc[results["status"] != "ok", KEY].drop_duplicates()
    failed = failed.merge(summary[KEY], how="left", indicator=True)
    failed = failed[failed["_merge"] == "left_only"].drop(columns="_merge").assign(failed=True)
    return pd.concat([summary.assign(failed=False), failed], ignore_index=True)


def _verdict(row: pd.Series, bounds: Bounds) -> str:
    if pd.isna(row["failed_base"]):
        return "only in new"
    if pd.isna(row["failed_new"]):
        return "only in baseline"
    if row["failed_new"]:
        return "failed in both" if row["failed_base"] else "REGRESSION: failed"
    if row["failed_base"]:
        return "ok (failed in baseline)"
    problems, notes = [], []
    if row["accuracy_base"] - row["accuracy_new"] > bounds.max_accuracy_drop:
        if not bounds.significance or pd.isna(row["p_value"]) or row["p_value"] < bounds.alpha:
            problems.append("accuracy")
        else:
            notes.append(f"accuracy drop not significant, p = {row['p_value']:.2g}")
    if row["fit_seconds_base"] > 0 and row["fit_seconds_new"] / row["fit_seconds_base"] > bounds.max_slowdown:
        if row["fit_seconds_new"] > bounds.min_seconds:
            problems.append("slowdown")
        else:
            notes.append(f"slower, but a fit under {bounds.min_seconds:g} s")
    if problems:
        return "REGRESSION: " + " and ".join(problems)
    return "ok" + (f" ({'; '.join(notes)})" if notes else "")


def compare(baseline: Path, new: Path, bounds: Bounds) -> pd.DataFrame:
    """One row per task x model on either side: both accuracies and fit times, their change, McNemar's p-value of
    the accuracy change where both runs kept predictions, and a verdict."""
    base, latest = _side(baseline), _side(new)
    table = base.merge(latest, on=KEY, how="outer", suffixes=("_base", "_new"), sort=False)
    table = table.rename(columns={"test_accuracy_base": "accuracy_base", "test_accuracy_new": "accuracy_new"})
    table["accuracy_change"] = table["accuracy_new"] - table["accuracy_base"]
    table["slowdown"] = table["fit_seconds_new"] / table["fit_seconds_base"]
    base_predictions, new_predictions = _predictions(baseline), _predictions(new)
    table["p_value"] = [drop_p_value(base_predictions.get(key, []), new_predictions.get(key, [])) if
                        bounds.significance else None for key in zip(table["task"], table["model"])]
    table["p_value"] = table["p_value"].astype(float)
    table["verdict"] = [_verdict(row, bounds) for _, row in table.iterrows()]
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
