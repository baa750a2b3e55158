"""``dlbench run --publish DIR``: a run's leaderboard as files to commit or serve (Markdown, HTML, plots,
and the environment.json that says what produced them)."""

from __future__ import annotations

from pathlib import Path
from typing import List

from dlbench.errors import DlbenchError
from dlbench.files import write_bytes_atomic, write_text_atomic
from dlbench.reports import Summary, merge_predictions, merge_sources, render, write_plots
from dlbench.reports.significance import ALPHA


def publish(run_dir: Path, destination: Path, alpha: float = ALPHA) -> List[Path]:
    """Write ``leaderboard.md``, ``leaderboard.html`` (self-contained), the plots, ``learning_curves.csv`` (after
    ``--train-sizes``) and ``environment.json`` of ``run_dir`` into ``destination`` (significance tests at ``alpha``); returns the files written."""
    results, trials, conflicts = merge_sources([run_dir])
    summary = Summary(results, conflicts, merge_predictions([run_dir]), alpha)
    try:
        destination.mkdir(parents=True, exist_ok=True)
        written = [destination / "leaderboard.md", destination / "leaderboard.html"]
        write_text_atomic(written[0], render(summary, "markdown", trials))
        write_text_atomic(written[1], render(summary, "html", trials))
        if len(summary.curves):  # a --train-sizes run: its curves' table beside their figure
            written.append(destination / "learning_curves.csv")
            write_text_atomic(written[-1], summary.curves.to_csv(index=False))
        written += write_plots(summary, trials, destination)
        write_bytes_atomic(destination / "environment.json", (run_dir / "environment.json").read_bytes())
    except OSError as error:
        raise DlbenchError(f"cannot publish into {str(destination)!r}: {error.strerror}") from None
    return [*written, destination / "environment.json"]
