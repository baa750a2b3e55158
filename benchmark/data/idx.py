"""Reading the IDX format of MNIST and Fashion-MNIST (gzip-compressed)."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np

from dlbench.errors import DlbenchError

UBYTE = 0x08


def read_idx(path: Path) -> np.ndarray:
    """The uint8 array in a gzip-compressed IDX file; a wrong magic number or size names the file."""
    path = Path(path)
    try:
        with gzip.open(path, "rb") as handle:
            raw = handle.read()
    except (OSError, EOFError, zlib.error) as error:
        raise DlbenchError(f"{path}: not a readable gzip file ({error})") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != UBYTE or not 1 <= raw[3] <= 4:
        raise DlbenchError(f"{path}: wrong magic number {raw[:4].hex() or '(empty)'}; expected an IDX file of unsigned bytes (0000080N)")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DlbenchError(f"{path}: truncated IDX header")
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    expected = int(np.prod(shape))
    if len(raw) - header != expected:
        raise DlbenchError(f"{path}: IDX header says {'x'.join(map(str, shape))} = {expected} bytes of data, "
                           f"the file holds {len(raw) - header}")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)
