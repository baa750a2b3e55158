"""``dlbench compare``: a regression gate between two runs, matched task x model (means over seeds)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .reports.markdown import escape
from .reports.sources import read_source
from .reports.summary import summarize

KEY = ["task", "model"]


@dataclass(frozen=True)
class Bounds:
    """What counts as a regression: an accuracy drop beyond ``max_accuracy_drop`` (absolute, 0.01 = one
    point) or a fit time beyond ``max_slowdown`` times the baseline's."""

    max_accuracy_drop: float = 0.01
    max_slowdown: float = 1.5


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
    problems = []
    if row["accuracy_base"] - row["accuracy_new"] > bounds.max_accuracy_drop:
        problems.append("accuracy")
    if row["fit_seconds_base"] > 0 and row["fit_seconds_new"] / row["fit_seconds_base"] > bounds.max_slowdown:
        problems.append("slowdown")
    return "REGRESSION: " + " and ".join(problems) if problems else "ok"


def compare(baseline: Path, new: Path, bounds: Bounds) -> pd.DataFrame:
    """One row per task x model on either side: both accuracies and fit times, their change, and a verdict."""
    base, latest = _side(baseline), _side(new)
    table = base.merge(latest, on=KEY, how="outer", suffixes=("_base", "_new"), sort=False)
    table = table.rename(columns={"test_accuracy_base": "accuracy_base", "test_accuracy_new": "accuracy_new"})
    table["accuracy_change"] = table["accuracy_new"] - table["accuracy_base"]
    table["slowdown"] = table["fit_seconds_new"] / table["fit_seconds_base"]
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
        "verdict": table["verdict"]})
    return cells.to_markdown(index=False, disable_numparse=True,
                             colalign=["left", "left"] + ["right"] * 6 + ["left"])
