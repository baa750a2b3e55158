"""What a run leaves, as Python objects: :class:`Run` (``dlbench.run``, ``dlbench.load``) and its report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Union

import pandas as pd

from dlbench.api.catalogues import plugin_catalogue
from dlbench.errors import DlbenchError
from dlbench.files import write_text_atomic
from dlbench.reports import PLOT_FILES, Summary, merge_predictions, merge_sources, write_plots
from dlbench.reports.significance import ALPHA

PathLike = Union[str, "Path"]


class Run:
    """One run folder (or several merged, as ``dlbench report`` merges them): its tables as pandas DataFrames,
    holding the numbers of its files, its environment, figures and report.

    :ivar results: ``results.csv``: one row per task x model x seed refit (scores from the kept predictions).
    :ivar trials: ``trials.csv``: one row per trial of every study.
    :ivar leaderboard: every task's models ranked by mean test accuracy (``leaderboard.md``), with ``task``,
        ``rank`` and ``best_of_family`` (the validation-chosen representative of its family).
    :ivar comparison: deep against classical per task: representatives, gap, McNemar's p, interval, winner.
    :ivar overall: each model's average rank over the tasks.
    :ivar verdict: the one-line deep-vs-classical verdict.
    :ivar learning_curves: a ``--train-sizes`` run's ``learning_curves.csv``: one row per task x model x train
        size x seed (empty for other runs); ``crossovers`` the size from which deep wins per task, and
        ``cost_growth`` each model's exponent b of fit seconds ≈ a·nᵇ.
    """

    def __init__(self, run_dirs: Sequence[PathLike], alpha: float = ALPHA) -> None:
        self.run_dirs: List[Path] = [Path(folder) for folder in run_dirs]
        self.alpha = alpha
        self.results, self.trials, conflicts = merge_sources(self.run_dirs)
        self.summary = Summary(self.results, conflicts, merge_predictions(self.run_dirs), alpha)
        boards = [self.summary.leaderboard(task).assign(task=task) for task in self.summary.tasks]
        self.leaderboard = pd.concat(boards, ignore_index=True) if boards else self.summary.per_model.iloc[0:0]
        self.leaderboard = self.leaderboard[["task", *[c for c in self.leaderboard.columns if c != "task"]]]
        self.comparison: pd.DataFrame = self.summary.comparison
        self.overall: pd.DataFrame = self.summary.overall
        self.verdict: str = self.summary.verdict
        self.learning_curves: pd.DataFrame = self.summary.curves
        self.crossovers: pd.DataFrame = self.summary.crossovers
        self.cost_growth: pd.DataFrame = self.summary.cost_growth

    @property
    def run_dir(self) -> Path:
        """The run folder (the first, when several are merged)."""
        return self.run_dirs[0]

    @property
    def environment(self) -> Dict[str, Any]:
        """The run folder's ``environment.json``: versions, hardware, device, seed, command, timings."""
        path = self.run_dir / "environment.json"
        if not path.is_file():
            return {}
        return json.loads(path.read_text(encoding="utf-8"))

    @property
    def figures(self) -> Dict[str, Path]:
        """The run folder's plots (PNG) by name: ``accuracy_vs_fit_time``, ``optimisation_history``, (three
        tasks or more) ``critical_difference`` and (a ``--train-sizes`` run) ``learning_curves``."""
        return {Path(file).stem: self.run_dir / file for file in PLOT_FILES if (self.run_dir / file).is_file()}

    def report(self, format: str = "html", out: Optional[PathLike] = None, plugins_dir: Sequence[PathLike] = (),
               plugins: Sequence[str] = ()) -> Union[str, Path]:
        """The report in ``format`` (markdown, html, latex, csv, json, or one a plugin registers: ``plugins_dir``,
        ``plugins`` as ``dlbench run`` takes them); written to ``out`` (its path returned) when given, else
        returned as text. HTML embeds its plots."""
        text = render_report(self.summary, self.trials, format, plugin_catalogue([Path(p) for p in plugins_dir],
                                                                                  list(plugins), hold_warnings=True))
        if out is None:
            return text
        try:
            write_text_atomic(Path(out), text)
        except OSError as error:
            raise DlbenchError(f"cannot write the report: {error.strerror}: {error.filename}") from None
        return Path(out)

    def write_figures(self, folder: PathLike) -> List[Path]:
        """Write the report's plots (PNG) into ``folder``; the files written."""
        return write_plots(self.summary, self.trials, Path(folder))

    def _repr_html_(self) -> str:
        """The HTML report (self-contained: nothing is loaded from the network), for Jupyter."""
        from dlbench.reports import render

        return render(self.summary, "html", self.trials)

    def __repr__(self) -> str:
        tasks = ", ".join(self.summary.tasks) or "no tasks"
        return f"<dlbench.Run {', '.join(map(str, self.run_dirs))}: {tasks}; {self.verdict}>"


def render_report(summary: Summary, trials: pd.DataFrame, format: str, catalogue: Any) -> str:
    """``summary`` rendered by the report format ``format`` of ``catalogue`` (a plugin's failure is one line)."""
    with catalogue.plugins.releasing_warnings():  # a format whose plugin is broken stops with its problem
        reporter = catalogue.reporter(format)
    try:
        text = reporter.render(summary, trials)
    except Exception as error:  # a plugin's reporter
        if catalogue.reporter_entries[format].info.kind == "built-in":
            raise
        raise DlbenchError(f"report format {format!r} of plugin {catalogue.reporter_entries[format].plugin!r} "
                           f"failed: {type(error).__name__}: {error}") from None
    if not isinstance(text, str):
        raise DlbenchError(f"report format {format!r} returned {type(text).__name__}; a reporter returns a str")
    return text


def load(*run_dirs: PathLike, alpha: float = ALPHA) -> Run:
    """The :class:`Run` of existing run folders (or ``results.csv`` / report JSON files), merged as
    ``dlbench report`` merges them; significance tests at ``alpha``."""
    if not run_dirs:
        raise DlbenchError("load needs at least one run folder")
    return Run(run_dirs, alpha)
