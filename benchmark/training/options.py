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
    ``training`` is None (the adapters', and a wrapper's that passes them on), and the task's augmentation
    (``info.augmentation``) when its ``augmentation`` is None (:class:`dlbench.TorchClassifier`'s)."""
    estimator = model.build(params, info)
    if getattr(estimator, "training", False) is None:
        estimator.training = info.training
    if getattr(estimator, "augmentation", False) is None:
        estimator.augmentation = info.augmentation
    return estimator


def check_precision(precision: Optional[str]) -> None:
    """A DlbenchError when ``precision`` cannot run here: ``16-mixed`` needs a GPU (CUDA or Apple MPS; on
    the CPU, Lightning would quietly train in bf16-mixed instead, and warn on every trial); ``bf16-mixed``
    on a CUDA GPU needs one that computes in bfloat16 natively (else it is emulated, slowly)."""
    problem = precision_problem(precision)
    if problem is not None:
        raise DlbenchError(f"--precision {problem}")


def precision_problem(precision: Optional[str]) -> Optional[str]:
    """Why ``precision`` cannot run here, ending with what can (``16-mixed needs a GPU ...; valid here: 32,
    bf16-mixed``), or None when it can (see :func:`check_precision`)."""
    if precision not in ("16-mixed", "bf16-mixed"):
        return None
    import torch

    from dlbench.training.tensors import native_bf16

    gpu = torch.cuda.is_available()
    if precision == "16-mixed" and not gpu and not torch.backends.mps.is_available():
        return ("16-mixed needs a GPU and none is visible (the CPU has no 16-bit mixed precision); valid here: 32, "
                "bf16-mixed")
    if precision == "bf16-mixed" and gpu and not native_bf16():
        return (f"bf16-mixed: this GPU ({torch.cuda.get_device_name()}) has no native bfloat16 (it needs compute "
                "capability 8.0 or newer); valid here: 32, 16-mixed")
    return None


def run_precision(precision: Optional[str] = None) -> str:
    """The precision a run's deep models train in on this machine, in dlbench's spelling (``32``, ``bf16-mixed``,
    ``16-mixed``): ``precision`` when given, else this machine's default, resolved before any training as the
    Torch adapter would (bf16-mixed on a GPU or CPU that computes bfloat16 natively, else 32). Whether a given
    ``precision`` can run here is :func:`check_precision`'s question."""
    from dlbench.training.torch_adapter import _accelerator_device, resolved_precision

    return dlbench_precision(resolved_precision(precision, _accelerator_device("auto")))


def dlbench_precision(flag: str) -> str:
    """Lightning's precision ``flag`` in dlbench's spelling: ``32-true`` is ``32``, the others keep their names."""
    return "32" if flag == "32-true" else flag


def trained_precision(estimator: Any) -> Optional[str]:
    """The precision a fitted estimator trained in, in dlbench's spelling: its Lightning precision plugin's (a
    fitted :class:`dlbench.TorchClassifier`'s), else its own ``precision``; None when it names none (a classical
    estimator, or a wrapper that hides its network)."""
    flag = getattr(getattr(estimator, "precision_plugin_", None), "precision", None)
    if not isinstance(flag, str):
        flag = getattr(estimator, "precision", None)
    return dlbench_precision(flag) if isinstance(flag, str) and flag else None
