"""Where a run's time goes: inside the models' fit and predict, or elsewhere (dlbench, data, tables)."""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Dict, Iterator

# Fit times below this are mostly noise on a shared machine: ``dlbench compare`` does not count their slowdowns
NOISE_FLOOR_SECONDS = 1.0


@dataclass
class TimeSplit:
    """Seconds this process spent inside ``fit`` and ``predict`` of the models (trials and refits)."""

    fit: float = 0.0
    predict: float = 0.0

    @contextmanager
    def fitting(self) -> Iterator[None]:
        """Count the block's seconds as model fit."""
        with self._counting("fit"):
            yield

    @contextmanager
    def predicting(self) -> Iterator[None]:
        """Count the block's seconds as model predict."""
        with self._counting("predict"):
            yield

    @contextmanager
    def _counting(self, part: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            setattr(self, part, getattr(self, part) + time.perf_counter() - started)

    def report(self, wall_seconds: float) -> Dict[str, float]:
        """The split of ``wall_seconds``: fit, predict and everything else, in seconds and as shares."""
        other = max(wall_seconds - self.fit - self.predict, 0.0)
        share = (lambda seconds: seconds / wall_seconds if wall_seconds > 0 else 0.0)
        return {"wall_seconds": round(wall_seconds, 2), "fit_seconds": round(self.fit, 2),
                "predict_seconds": round(self.predict, 2), "other_seconds": round(other, 2),
                "fit_share": round(share(self.fit), 4), "predict_share": round(share(self.predict), 4),
                "other_share": round(share(other), 4)}


def describe(report: Dict[str, float]) -> str:
    """One line for the terminal: how much of the run went into model fit and predict."""
    return (f"time: {report['wall_seconds']:.0f} s in all; model fit {report['fit_share']:.1%}, "
            f"predict {report['predict_share']:.1%}, everything else {report['other_share']:.1%} "
            "(dlbench, data loading, tables)")
