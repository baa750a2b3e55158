"""Reports computed from result rows alone: leaderboards and the deep-vs-classical summary in every format, and plots.

``sources`` (run folders and result files read, checked and merged), ``summary`` (leaderboards,
representatives, the comparison and the verdict), ``significance`` (McNemar, the bootstrap, Friedman),
the formats (``markdown``, ``html``, ``latex``, ``tabular``; ``builtin_formats`` registers them as a
plugin), ``plots``, ``publishing`` (``--publish``) and ``compare`` (the regression gate).

May import: :mod:`dlbench.results` and the leaf helpers; pandas, matplotlib, scipy, scikit-posthocs.
"""

from __future__ import annotations

from typing import Callable, Dict

import pandas as pd

from dlbench.reports.html import render_html
from dlbench.reports.latex import render_latex
from dlbench.reports.markdown import comparison_markdown, curves_markdown, leaderboard_markdown, render_markdown
from dlbench.reports.plots import PLOT_FILES, make_plots, write_plots
from dlbench.reports.sources import merge_predictions, merge_sources, read_source
from dlbench.reports.summary import Summary
from dlbench.reports.tabular import render_csv, render_json

FORMATS = ("markdown", "html", "latex", "csv", "json")
EXTENSIONS = {"markdown": ".md", "html": ".html", "latex": ".tex", "csv": ".csv", "json": ".json"}


def render(summary: Summary, format: str, trials: pd.DataFrame) -> str:
    """The report in ``format`` (one of :data:`FORMATS`); HTML embeds the plots made from ``trials``."""
    renderers: Dict[str, Callable[[], str]] = {
        "markdown": lambda: render_markdown(summary), "latex": lambda: render_latex(summary),
        "csv": lambda: render_csv(summary), "json": lambda: render_json(summary),
        "html": lambda: render_html(summary, {PLOT_FILES[name]: png for name, png in
                                              make_plots(summary, trials).items()}),
    }
    return renderers[format]()


__all__ = ["EXTENSIONS", "FORMATS", "PLOT_FILES", "Summary", "comparison_markdown", "curves_markdown", "leaderboard_markdown",
           "make_plots", "merge_predictions", "merge_sources", "read_source", "render", "write_plots"]
