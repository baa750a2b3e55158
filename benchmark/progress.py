"""Progress of a run: tqdm bars on a terminal (on stderr) and widgets in a Jupyter notebook (``tqdm.auto``),
else one plain line per finished study.

Bars redraw in place with carriage returns, which only a terminal understands; in a CI log, under
nohup or in a file they would pile up, so there each finished study prints one line instead.
"""

from __future__ import annotations

import math
import sys
import time
from typing import Any, Dict, Optional, TextIO

from tqdm.auto import tqdm


def is_terminal(stream: TextIO) -> bool:
    """Whether ``stream`` is an interactive terminal (a closed stream, or one without ``isatty``, is not)."""
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def in_notebook() -> bool:
    """Whether this process is a Jupyter kernel (where ``tqdm.auto`` draws widgets)."""
    shell = getattr(sys.modules.get("IPython"), "get_ipython", lambda: None)()
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


class Progress:
    """Shows studies and trials as they finish on ``stream`` (default stderr); ``disabled`` (``--quiet``) shows nothing.

    On a terminal or in a notebook: a bar over the studies and one over the current study's trials. Elsewhere: a line per
    finished study, ``study TASK/MODEL: N trials, best val acc X, S s``. Which one is decided once, here.
    """

    def __init__(self, total_studies: int, trials: Optional[int], disabled: bool = False,
                 stream: Optional[TextIO] = None) -> None:
        self.stream = sys.stderr if stream is None else stream
        self.trials = trials
        self.bars = not disabled and (is_terminal(self.stream) or in_notebook())
        self.lines = not disabled and not self.bars
        self.studies = tqdm(total=total_studies, desc="studies", unit="study", position=0, disable=not self.bars,
                            dynamic_ncols=True, file=self.stream)
        self.current: Optional[tqdm] = None
        self.best = float("nan")
        self.name = ""
        self.started = time.perf_counter()

    def status(self, text: str) -> None:
        """Say what the run is doing between trials (loading data, refitting)."""
        self.studies.set_postfix_str(text)

    def start_study(self, task: str, model: str) -> None:
        """Open the trial bar of a new study and start its clock."""
        self.best = float("nan")
        self.name = f"{task}/{model}"
        self.started = time.perf_counter()
        self.status(f"{task} × {model}")
        self.current = tqdm(total=self.trials, desc=f"{task} × {model}", unit="trial", position=1, leave=False,
                            disable=not self.bars, dynamic_ncols=True, file=self.stream)

    def trial_done(self, row: Dict[str, Any], finished: int) -> None:
        """Show the study's finished trials (this worker's and others') and the best validation accuracy seen."""
        if row["state"] == "complete" and not (row["val_accuracy"] <= self.best):
            self.best = row["val_accuracy"]
        if self.current is not None:
            self.current.set_postfix_str(f"best val acc {self.best:.4f}")
            self.current.update(finished - self.current.n)

    def end_study(self, trials: int, best_val_accuracy: float) -> None:
        """Close the trial bar and advance the study bar; off a terminal, print the study's line:
        its finished ``trials``, best validation accuracy (NaN: no trial completed) and seconds."""
        if self.current is not None:
            self.current.close()
            self.current = None
        self.studies.update()
        if self.lines:
            best = "n/a" if math.isnan(best_val_accuracy) else f"{best_val_accuracy:.4f}"
            self.stream.write(f"study {self.name}: {trials} trial{'' if trials == 1 else 's'}, best val acc {best}, "
                              f"{time.perf_counter() - self.started:.1f} s\n")
            self.stream.flush()

    def close(self) -> None:
        """Close every bar (also after an interruption)."""
        if self.current is not None:
            self.current.close()
        self.studies.close()
