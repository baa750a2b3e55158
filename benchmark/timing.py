"""Where a run's time goes: inside the models' fit and predict, or elsewhere (dlbench, data, tables)."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Dict, Iterator

# Fit times below this are mostly noise on a shared machine: ``dlbench compare`` does not count their slowdowns
NOISE_FLOOR_SECONDS = 1.0


@dataclass
class TimeSplit:
    """Seconds this process spent inside ``fit`` and ``predict`` of the models (trials and refits).

    Blocks that overlap (trials side by side on several threads) count once: a second during which a fit
    is running is fit time, one during which only predicts run is predict time, so the parts never add up
    to more than the run's wall time.
    """

    fit: float = 0.0
    predict: float = 0.0
    _running: Dict[str, int] = field(default_factory=lambda: {"fit": 0, "predict": 0}, repr=False, compare=False)
    _since: float = field(default=0.0, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

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
        with self._lock:
            self._advance()
            self._running[part] += 1
        try:
            yield
        finally:
            with self._lock:
                self._advance()
                self._running[part] -= 1

    def _advance(self) -> None:
        """Credit the seconds since the last block started or ended to the part that was running (fit first)."""
        now = time.perf_counter()
        part = "fit" if self._running["fit"] else "predict" if self._running["predict"] else None
        if part is not None:
            setattr(self, part, getattr(self, part) + now - self._since)
        self._since = now

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
