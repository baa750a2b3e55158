"""How a run's estimators train unless a plugin says otherwise: ``--precision``, ``--compile``, the cores.

The settings travel in :attr:`dlbench.TaskInfo.training`; :func:`build_estimator` hands them to what a
model builds.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

from dlbench.errors import DlbenchError
from dlbench.types import Estimator, Model, TaskInfo

PRECISIONS = ("32", "bf16-mixed", "16-mixed")


def build_estimator(model: Model, params: Mapping[str, Any], info: TaskInfo) -> Estimator:
    """``model.build(params, info)``, handed the run's :class:`TrainingSettings` (``info.training``) when its
    ``training`` is None: the adapters', and a wrapper's that passes them on."""
    estimator = model.build(params, info)
    if getattr(estimator, "training", False) is None:
        estimator.training = info.training
    return estimator


def check_precision(precision: Optional[str]) -> None:
    """A DlbenchError when ``precision`` cannot run here: ``16-mixed`` needs a GPU (CUDA or Apple MPS; on
    the CPU, Lightning would quietly train in bf16-mixed instead, and warn on every trial); ``bf16-mixed``
    on a CUDA GPU needs one that computes in bfloat16 natively (else it is emulated, slowly)."""
    if precision not in ("16-mixed", "bf16-mixed"):
        return
    import torch

    from dlbench.training.tensors import native_bf16

    gpu = torch.cuda.is_available()
    if precision == "16-mixed" and not gpu and not torch.backends.mps.is_available():
        raise DlbenchError("--precision 16-mixed needs a GPU and none is visible (the CPU has no "
                           "16-bit mixed precision); valid here: 32, bf16-mixed")
    if precision == "bf16-mixed" and gpu and not native_bf16():
        raise DlbenchError(f"--precision bf16-mixed: this GPU ({torch.cuda.get_device_name()}) has no native "
                           "bfloat16 (it needs compute capability 8.0 or newer); valid here: 32, 16-mixed")
