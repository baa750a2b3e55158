"""LaTeX: a complete document (booktabs tables) that compiles as it is; every plugin-provided string escaped."""

from __future__ import annotations

import re
from typing import List

import pandas as pd

from dlbench.reports.formatting import (COMPARISON_INTRO, CONFLICTS_INTRO, CURVES_INTRO, LEADERBOARD_INTRO,
                                        OVERALL_INTRO, comparison_cells, conflict_lines, cost_cells, crossover_cells,
                                        curve_cells, curve_tasks, failure_lines, leaderboard_cells, overall_cells,
                                        right_aligned)
from dlbench.reports.summary import Summary

SPECIALS = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{",
            "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "<": r"\textless{}", ">": r"\textgreater{}",
            "|": r"\textbar{}", "±": r"$\pm$", "×": r"$\times$", "Δ": r"$\Delta$", "χ": r"$\chi$", "²": r"\textsuperscript{2}",
            "α": r"$\alpha$", "−": r"$-$", "\n": " ", "\r": " "}
PATTERN = re.compile("|".join(re.escape(character) for character in SPECIALS))


def escape(text: str) -> str:
    """Text safe in LaTeX: its special characters as commands (so ``50%_best & co`` prints as written)."""
    return PATTERN.sub(lambda match: SPECIALS[match.group()], text)


def _table(cells: pd.DataFrame, best: List[bool] = ()) -> str:
    spec = "".join("r" if right else "l" for right in right_aligned(cells))
    lines = [rf"\begin{{tabular}}{{{spec}}}", r"\toprule",
             " & ".join(escape(str(column)) for column in cells.columns) + r" \\", r"\midrule"]
    for index, row in enumerate(cells.itertuples(index=False)):
        values = [escape(str(value)) for value in row]
        if best and best[index]:
            values = [rf"\textbf{{{value}}}" for value in values]
        lines.append(" & ".join(values) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    return "\n".join(lines)


def _float(table: str) -> str:
    return "\n".join([r"\begin{table}[htbp]", r"\centering", r"\resizebox{\linewidth}{!}{%", table + "}",
                      r"\end{table}"])


def render_latex(summary: Summary) -> str:
    """The whole report as a standalone article: leaderboards, overall ranking, deep vs classical, verdict."""
    parts = [r"\documentclass{article}", r"\usepackage[T1]{fontenc}", r"\usepackage[utf8]{inputenc}",
             r"\usepackage{booktabs}", r"\usepackage{graphicx}", r"\usepackage[margin=2cm]{geometry}",
             r"\begin{document}", r"\section*{dlbench leaderboard}", escape(LEADERBOARD_INTRO), ""]
    for task in summary.tasks:
        parts.append(rf"\subsection*{{{escape(task)}}}")
        table, best = leaderboard_cells(summary, task)
        if len(table):
            parts.append(_float(_table(table, best)))
        for model, seed, reason in failure_lines(summary, task):
            parts.append(rf"\textbf{{{escape(model)}}} failed (seed {escape(seed)}): {escape(reason)}\par")
    if len(summary.tasks) > 1 and len(summary.overall):
        parts += [r"\subsection*{Overall}", escape(OVERALL_INTRO), "", _float(_table(overall_cells(summary)))]
    if summary.tasks:
        parts += [escape(summary.friedman_line), ""]
    parts += [r"\section*{Deep learning vs classical ML}", escape(COMPARISON_INTRO), ""]
    comparison = comparison_cells(summary)
    if len(comparison):
        parts.append(_float(_table(comparison)))
    parts += [r"\paragraph{Verdict.} " + escape(summary.verdict), ""]
    if len(summary.curves):
        parts += [r"\section*{Learning curves}", escape(CURVES_INTRO), ""]
        for task in curve_tasks(summary):
            parts += [rf"\subsection*{{{escape(task)}}}", _float(_table(curve_cells(summary, task)))]
        parts += [r"\subsection*{Crossover}", _float(_table(crossover_cells(summary))),
                  r"\subsection*{How cost grows with the data}", _float(_table(cost_cells(summary)))]
    if len(summary.conflicts):
        parts += [escape(CONFLICTS_INTRO), r"\begin{itemize}"]
        parts += [rf"\item {escape(line)}" for line in conflict_lines(summary)] + [r"\end{itemize}"]
    parts.append(r"\end{document}")
    return "\n".join(parts) + "\n"
