"""Selecting rows of image arrays without pulling memory-mapped data sets into RAM."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np

CHUNK_ROWS = 4096


def take_rows(images: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``images[rows]``; for a memory-mapped array, a new memory-mapped array filled chunk by chunk.

    The new array's file sits beside the source and is unlinked at once: it lives as long as the
    mapping, and the data never has to fit in RAM.
    """
    if not isinstance(images, np.memmap) or images.filename is None:
        return images[rows]
    fd, name = tempfile.mkstemp(dir=Path(images.filename).parent, prefix=".rows-", suffix=".npy")
    os.close(fd)
    try:
        out = np.lib.format.open_memmap(name, mode="w+", dtype=images.dtype, shape=(len(rows), *images.shape[1:]))
    finally:
        os.unlink(name)
    for start in range(0, len(rows), CHUNK_ROWS):
        out[start:start + CHUNK_ROWS] = images[rows[start:start + CHUNK_ROWS]]
    return out
