"""What this process may compute on: its CPU cores and the CUDA GPUs it sees."""

from __future__ import annotations

import os
from typing import Tuple


def cpu_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def visible_gpus() -> Tuple[str, ...]:
    """The CUDA devices this process sees, as ``CUDA_VISIBLE_DEVICES`` names them."""
    import torch

    count = torch.cuda.device_count()
    listed = [name.strip() for name in os.environ.get("CUDA_VISIBLE_DEVICES", "").split(",") if name.strip()]
    return tuple(listed[:count]) if listed else tuple(str(index) for index in range(count))
