"""HTML: one self-contained page (styles inline, plots embedded as data URIs; nothing loaded from the network)."""

from __future__ import annotations

import base64
import html
from typing import Dict, List

import pandas as pd

from dlbench.reports.formatting import (COMPARISON_INTRO, CONFLICTS_INTRO, CURVES_INTRO, LEADERBOARD_INTRO,
                                        OVERALL_INTRO, comparison_cells, conflict_lines, cost_cells, crossover_cells,
                                        curve_cells, curve_tasks, failure_lines, leaderboard_cells, overall_cells,
                                        right_aligned)
from dlbench.reports.summary import Summary

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2rem auto; max-width: 72rem;
       padding: 0 1rem; color: #1f2328; background: #ffffff; line-height: 1.45; }
h1 { border-bottom: 2px solid #d0d7de; padding-bottom: .3rem; }
h2 { margin-top: 2.2rem; }
table { border-collapse: collapse; margin: .8rem 0 1.2rem; font-size: .92rem; }
th, td { padding: .35rem .7rem; border-bottom: 1px solid #d0d7de; }
th { background: #f6f8fa; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.best td { font-weight: 600; background: #eef6ee; }
p.verdict { font-size: 1.1rem; font-weight: 600; background: #fff8e1; padding: .6rem .9rem; border-radius: 6px; }
figure { margin: 1rem 0; } figure img { max-width: 100%; border: 1px solid #d0d7de; border-radius: 6px; }
figcaption { color: #57606a; font-size: .9rem; }
.failed { color: #b42318; }
"""


def _table(cells: pd.DataFrame, best: List[bool] = ()) -> str:
    right = right_aligned(cells)
    head = "".join(f"<th>{html.escape(str(column))}</th>" for column in cells.columns)
    body = []
    for index, row in enumerate(cells.itertuples(index=False)):
        klass = ' class="best"' if best and best[index] else ""
        tds = "".join(f'<td class="num">{html.escape(str(value))}</td>' if right[position]
                      else f"<td>{html.escape(str(value))}</td>" for position, value in enumerate(row))
        body.append(f"<tr{klass}>{tds}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _figure(name: str, png: bytes) -> str:
    data = base64.b64encode(png).decode("ascii")
    return (f'<figure><img alt="{html.escape(name)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{html.escape(name)}</figcaption></figure>")


def render_html(summary: Summary, plots: Dict[str, bytes]) -> str:
    """The whole report as one HTML page; ``plots`` maps captions to PNG bytes."""
    parts = ["<h1>dlbench leaderboard</h1>", f'<p class="verdict">{html.escape(summary.verdict)}</p>',
             f"<p>{html.escape(LEADERBOARD_INTRO)}</p>"]
    for task in summary.tasks:
        parts.append(f"<h2>{html.escape(task)}</h2>")
        table, best = leaderboard_cells(summary, task)
        if len(table):
            parts.append(_table(table, best))
        for model, seed, reason in failure_lines(summary, task):
            parts.append(f'<p class="failed"><strong>{html.escape(model)}</strong> failed (seed {html.escape(seed)}): '
                         f"{html.escape(reason)}</p>")
    if len(summary.tasks) > 1 and len(summary.overall):
        parts += ["<h2>Overall</h2>", f"<p>{html.escape(OVERALL_INTRO)}</p>", _table(overall_cells(summary))]
    if summary.tasks:
        parts.append(f"<p>{html.escape(summary.friedman_line)}</p>")
    parts += ["<h2>Deep learning vs classical ML</h2>", f"<p>{html.escape(COMPARISON_INTRO)}</p>"]
    comparison = comparison_cells(summary)
    if len(comparison):
        parts.append(_table(comparison))
    if len(summary.curves):
        parts += ["<h2>Learning curves</h2>", f"<p>{html.escape(CURVES_INTRO)}</p>"]
        for task in curve_tasks(summary):
            parts += [f"<h3>{html.escape(task)}</h3>", _table(curve_cells(summary, task))]
        parts += ["<h3>Crossover</h3>", _table(crossover_cells(summary)), "<h3>How cost grows with the data</h3>",
                  _table(cost_cells(summary))]
    if plots:
        parts.append("<h2>Plots</h2>")
        parts += [_figure(name, png) for name, png in plots.items()]
    if len(summary.conflicts):
        items = "".join(f"<li>{html.escape(line)}</li>" for line in conflict_lines(summary))
        parts += [f"<p>{html.escape(CONFLICTS_INTRO)}</p><ul>{items}</ul>"]
    body = "\n".join(parts)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>dlbench leaderboard</title><style>{STYLE}</style></head>\n<body>\n{body}\n</body></html>\n")
