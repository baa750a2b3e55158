"""Arrays as tensors on a device: shared with numpy on the CPU, moved to an accelerator once per array."""

from __future__ import annotations

import warnings
import weakref
from typing import Any, Dict, Tuple

import numpy as np

DEVICE_SHARE = 0.25  # a data set is kept on an accelerator when it takes at most this share of its free memory


def shared_tensor(array: np.ndarray) -> Any:
    """A tensor sharing ``array``'s memory (memory-mapped data sets stay on disk until a batch is used)."""
    import torch

    with warnings.catch_warnings():
        # read-only memory maps: torch warns that writing would fail; nothing here writes to them
        warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
        return torch.as_tensor(array)


_on_device: Dict[Tuple[int, str], Any] = {}


def on_device(array: np.ndarray, device: Any) -> Any:
    """``array`` as a tensor on ``device``, moved there once for as long as the array lives.

    A study's trials all fit on the same arrays (its tuning split), so its data crosses to an
    accelerator once, not per trial or per epoch. On the CPU the tensor shares the array's memory.
    Returns None when the array is too large to keep on the device; batches are then sent one by
    one from pinned memory (see :class:`TensorBatches`).
    """
    import torch

    device = torch.device(device)
    if device.type == "cpu":
        return shared_tensor(array)
    key = (id(array), str(device))
    if key not in _on_device:
        if device.type == "cuda" and array.nbytes > DEVICE_SHARE * torch.cuda.mem_get_info(device)[0]:
            return None
        _on_device[key] = shared_tensor(array).to(device)
        weakref.finalize(array, _on_device.pop, key, None)
    return _on_device[key]


def native_bf16() -> bool:
    """Whether the current CUDA GPU computes in bfloat16 natively (compute capability 8.0 and up); torch's
    own check also counts emulation, which is slow, as support."""
    import torch

    return torch.cuda.is_bf16_supported(including_emulation=False)


def cpu_native_bf16() -> bool:
    """Whether this CPU computes bfloat16 dot products natively (AVX512-BF16 or AMX), so that oneDNN trains in
    bf16-mixed faster than in 32-bit (measured in docs/performance.md); elsewhere bf16 would be emulated."""
    import torch

    checks = [getattr(torch.cpu, name, None) for name in ("_is_avx512_bf16_supported", "_is_amx_tile_supported")]
    return any(check is not None and check() for check in checks)
