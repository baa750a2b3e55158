"""How a run's deep models train unless a plugin says otherwise: ``--precision`` and ``--compile``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from .errors import DlbenchError

PRECISIONS = ("32", "bf16-mixed", "16-mixed")


@dataclass(frozen=True)
class TrainingOptions:
    """Defaults for every TorchClassifier of this process. ``precision=None`` picks ``bf16-mixed`` on a
    GPU that supports it, else 32-bit; ``compile`` wraps networks in ``torch.compile``."""

    precision: Optional[str] = None
    compile: bool = False


_current = TrainingOptions()


def set_training_options(options: TrainingOptions) -> None:
    """Set this process's defaults (a run does, from its command line, in each of its workers)."""
    global _current
    _current = options


def training_options() -> TrainingOptions:
    """This process's defaults."""
    return _current


def check_precision(precision: Optional[str]) -> None:
    """A DlbenchError when ``precision`` cannot run here: ``16-mixed`` needs a CUDA GPU (on the CPU,
    Lightning would quietly train in bf16-mixed instead, and warn on every trial)."""
    if precision == "16-mixed":
        import torch

        if not torch.cuda.is_available():
            raise DlbenchError("--precision 16-mixed needs a CUDA GPU and none is visible (the CPU has no "
                               "16-bit mixed precision); valid here: 32, bf16-mixed")
