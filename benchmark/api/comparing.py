"""The regression gate as a Python call: :func:`dlbench.compare` (``dlbench compare`` calls it)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from dlbench.api.options import PathLike, bounded
from dlbench.reports.compare import Bounds
from dlbench.reports.compare import compare as compare_sources
from dlbench.reports.compare import comparison_table
from dlbench.reports.significance import ALPHA
from dlbench.timing import NOISE_FLOOR_SECONDS


@dataclass(frozen=True)
class Comparison:
    """Two runs matched task x model: ``diff`` (both sides' accuracy and fit time, the change, McNemar's p, a
    verdict per row), the ``regressions`` among its rows, the ``bounds`` applied, and :attr:`ok`."""

    diff: pd.DataFrame
    bounds: Bounds

    @property
    def regressions(self) -> pd.DataFrame:
        """The rows that regressed (their verdict says why)."""
        return self.diff[self.diff["verdict"].str.startswith("REGRESSION")].reset_index(drop=True)

    @property
    def ok(self) -> bool:
        """Whether nothing regressed: what a CI gate passes on."""
        return self.regressions.empty

    def to_markdown(self) -> str:
        """The diff as the Markdown table ``dlbench compare`` prints."""
        return comparison_table(self.diff)

    def __repr__(self) -> str:
        return f"<dlbench.Comparison: {len(self.regressions)} regression(s) in {len(self.diff)} task x model rows>"


def compare(baseline: PathLike, new: PathLike, *, max_accuracy_drop: float = 0.01, max_slowdown: float = 1.5,
            min_seconds: float = NOISE_FLOOR_SECONDS, alpha: float = ALPHA, significance: bool = True,
            allow_missing: bool = False) -> Comparison:
    """Compare run ``new`` against ``baseline`` (run folders, ``results.csv`` or report JSON files), as
    ``dlbench compare`` does; the options are its options under the same names.

    :raises DlbenchError: for a damaged results file (naming it and its first bad row) or a bad bound.
    """
    bounds = checked_bounds(max_accuracy_drop, max_slowdown, min_seconds, alpha, significance, allow_missing)
    return Comparison(compare_sources(Path(baseline), Path(new), bounds), bounds)


def checked_bounds(max_accuracy_drop: float, max_slowdown: float, min_seconds: float, alpha: float,
                   significance: bool, allow_missing: bool) -> Bounds:
    """:class:`Bounds` of values each checked (a one-line DlbenchError naming a bad one and what is valid)."""
    return Bounds(bounded("max_accuracy_drop", max_accuracy_drop, 0, 1, "a fraction from 0 to 1 (0.01 = one point)"),
                  bounded("max_slowdown", max_slowdown, 1, None, "a factor >= 1 (1.5 = 50% slower)"),
                  bounded("min_seconds", min_seconds, 0, None, "seconds >= 0"),
                  bounded("alpha", alpha, 0, 1, "a level between 0 and 1 (exclusive)", exclusive=True),
                  bool(significance), bool(allow_missing))
