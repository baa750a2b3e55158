"""How a run's deep models train unless a plugin says otherwise: ``--precision`` and ``--compile``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from .errors import DlbenchError

PRECISIONS = ("32", "bf16-mixed", "16-mixed")


@dataclass(frozen=True)
class TrainingOptions:
    """Defaults for every TorchClassifier of this process. ``precision=None`` picks ``bf16-mixed`` on a
    GPU with native bfloat16, else 32-bit; ``compile`` wraps networks in ``torch.compile``."""

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
    """A DlbenchError when ``precision`` cannot run here: ``16-mixed`` needs a GPU (CUDA or Apple MPS; on
    the CPU, Lightning would quietly train in bf16-mixed instead, and warn on every trial); ``bf16-mixed``
    on a CUDA GPU needs one that computes in bfloat16 natively (else it is emulated, slowly)."""
    if precision not in ("16-mixed", "bf16-mixed"):
        return
    import torch

    from .adapters_torch import native_bf16

    gpu = torch.cuda.is_available()
    if precision == "16-mixed" and not gpu and not torch.backends.mps.is_available():
        raise DlbenchError("--precision 16-mixed needs a GPU and none is visible (the CPU has no "
                           "16-bit mixed precision); valid here: 32, bf16-mixed")
    if precision == "bf16-mixed" and gpu and not native_bf16():
        raise DlbenchError(f"--precision bf16-mixed: this GPU ({torch.cuda.get_device_name()}) has no native "
                           "bfloat16 (it needs compute capability 8.0 or newer); valid here: 32, 16-mixed")
