"""CSV and JSON: the report's numbers unrounded, for spreadsheets, dashboards and ``dlbench compare``."""

from __future__ import annotations

import json

import pandas as pd

from dlbench.reports.summary import Summary


def render_csv(summary: Summary) -> str:
    """One row per task x model: rank, best of family, means and spreads over seeds, costs; after a
    ``--train-sizes`` run also the learning-curve rows (``section`` says which)."""
    frames = [summary.leaderboard(task) for task in summary.tasks]
    frames = [frame for frame in frames if len(frame)]
    table = pd.concat(frames, ignore_index=True) if frames else summary.per_model.assign(rank=[], best_of_family=[])
    if len(summary.curves):  # a --train-sizes run: its learning-curve rows follow, told apart by ``section``
        table = pd.concat([table.assign(section="leaderboard"), summary.curves.assign(section="learning_curve")],
                          ignore_index=True)
    return table.to_csv(index=False)


def _records(frame: pd.DataFrame) -> list:
    """Rows as dicts with full precision; missing numbers (NaN) become null, which JSON has and NaN is not."""
    return frame.astype(object).where(frame.notna(), None).to_dict(orient="records")


def _plain(value: object) -> object:
    """numpy scalars as the Python numbers JSON knows."""
    return value.item() if hasattr(value, "item") else str(value)


def render_json(summary: Summary) -> str:
    """Leaderboards, overall ranking, deep vs classical, the verdict, conflicts, and the tidy result rows."""
    document = {
        "leaderboards": {task: _records(summary.leaderboard(task)) for task in summary.tasks},
        "overall": _records(summary.overall),
        "deep_vs_classical": _records(summary.comparison),
        "verdict": summary.verdict,
        "conflicts": _records(summary.conflicts),
        "results": _records(summary.results),
        "learning_curves": {"curves": _records(summary.curves), "crossovers": _records(summary.crossovers),
                            "cost_growth": _records(summary.cost_growth)},
    }
    return json.dumps(document, indent=2, ensure_ascii=False, default=_plain) + "\n"
