"""Progress bars for a run: one over studies, one over the current study's trials (tqdm, on stderr)."""

from __future__ import annotations

from typing import Any, Dict, Optional

from tqdm.auto import tqdm


class Progress:
    """Shows studies and trials as they finish; ``disabled`` (``--quiet``) shows nothing."""

    def __init__(self, total_studies: int, trials: Optional[int], disabled: bool = False) -> None:
        self.trials = trials
        self.disabled = disabled
        self.studies = tqdm(total=total_studies, desc="studies", unit="study", position=0, disable=disabled,
                            dynamic_ncols=True)
        self.current: Optional[tqdm] = None
        self.best = float("nan")

    def status(self, text: str) -> None:
        """Say what the run is doing between trials (loading data, refitting)."""
        self.studies.set_postfix_str(text)

    def start_study(self, name: str) -> None:
        """Open the trial bar of a new study."""
        self.best = float("nan")
        self.status(name)
        self.current = tqdm(total=self.trials, desc=name, unit="trial", position=1, leave=False,
                            disable=self.disabled, dynamic_ncols=True)

    def trial_done(self, row: Dict[str, Any], finished: int) -> None:
        """Show the study's finished trials (this worker's and others') and the best validation accuracy seen."""
        if row["state"] == "complete" and not (row["val_accuracy"] <= self.best):
            self.best = row["val_accuracy"]
        if self.current is not None:
            self.current.set_postfix_str(f"best val acc {self.best:.4f}")
            self.current.update(finished - self.current.n)

    def end_study(self) -> None:
        """Close the trial bar and advance the study bar."""
        if self.current is not None:
            self.current.close()
            self.current = None
        self.studies.update()

    def close(self) -> None:
        """Close every bar (also after an interruption)."""
        if self.current is not None:
            self.current.close()
        self.studies.close()
