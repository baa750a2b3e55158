"""Markdown: leaderboard.md and comparison.md of a run folder, and ``report --format markdown``."""

from __future__ import annotations

from typing import List

import pandas as pd

from dlbench.reports.formatting import (COMPARISON_INTRO, CONFLICTS_INTRO, CURVES_INTRO, LEADERBOARD_INTRO,
                                        OVERALL_INTRO, comparison_cells, conflict_lines, cost_cells, crossover_cells,
                                        curve_cells, curve_tasks, failure_lines, leaderboard_cells, overall_cells,
                                        right_aligned)
from dlbench.reports.summary import Summary


def escape(text: str) -> str:
    """Text safe inside a Markdown table cell: pipes, emphasis and markup characters escaped."""
    for character in "\\|*_`[]<>#":
        text = text.replace(character, "\\" + character)
    return text.replace("\r", " ").replace("\n", " ")  # CommonMark ends a line at either


def _table(cells: pd.DataFrame, bold: List[bool] = ()) -> str:
    align = ["right" if right else "left" for right in right_aligned(cells)]
    cells = cells.map(lambda value: escape(str(value)))
    if bold:
        cells["model"] = [f"**{name}**" if strong else name for name, strong in zip(cells["model"], bold)]
    return cells.to_markdown(index=False, disable_numparse=True, colalign=align)


def leaderboard_markdown(summary: Summary) -> str:
    """Per task, models ranked by test accuracy (failed models listed with their reason), then the overall ranking."""
    lines = ["# Leaderboard", "", LEADERBOARD_INTRO, ""]
    for task in summary.tasks:
        lines += [f"## {escape(task)}", ""]
        table, best = leaderboard_cells(summary, task)
        if len(table):
            lines += [_table(table, best), ""]
        for model, seed, reason in failure_lines(summary, task):
            lines.append(f"- **{escape(model)}** failed (seed {seed}): {escape(reason)}")
        lines.append("")
    if len(summary.tasks) > 1 and len(summary.overall):
        lines += ["## Overall", "", OVERALL_INTRO, "", _table(overall_cells(summary)), ""]
    if summary.tasks:
        lines += [escape(summary.friedman_line), ""]
    if len(summary.conflicts):
        lines += [CONFLICTS_INTRO, ""] + [f"- {escape(line)}" for line in conflict_lines(summary)] + [""]
    return "\n".join(lines).rstrip() + "\n"


def comparison_markdown(summary: Summary) -> str:
    """The deep-versus-classical table and the one-line verdict."""
    lines = ["# Deep learning vs classical ML", "", COMPARISON_INTRO, ""]
    table = comparison_cells(summary)
    if len(table):
        lines += [_table(table), ""]
    lines.append(summary.verdict)
    return "\n".join(lines) + "\n"


def curves_markdown(summary: Summary) -> str:
    """The learning-curve section (a ``--train-sizes`` run): accuracy per size, crossovers, cost growth; "" without."""
    if not len(summary.curves):
        return ""
    lines = ["# Learning curves", "", CURVES_INTRO, ""]
    for task in curve_tasks(summary):
        lines += [f"## {escape(task)}", "", _table(curve_cells(summary, task).map(escape)), ""]
    lines += ["## Crossover", "", _table(crossover_cells(summary).map(escape)), "",
              "## How cost grows with the data", "", _table(cost_cells(summary).map(escape)), ""]
    return "\n".join(lines)


def render_markdown(summary: Summary) -> str:
    """The whole report: leaderboards, overall ranking, deep vs classical, and learning curves when run."""
    curves = curves_markdown(summary)
    return leaderboard_markdown(summary) + "\n" + comparison_markdown(summary) + ("\n" + curves if curves else "")
