"""Atomic file writes and run folders: a reader never sees a half-written file."""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from .errors import DlbenchError


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to a temporary file beside ``path``, then rename it into place."""
    write_bytes_atomic(path, text.encode("utf-8"))


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it into place."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, _mode_for_new_files())  # mkstemp makes it private; a report is meant to be shared
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _mode_for_new_files() -> int:
    """What ``open(path, "w")`` would give a new file: 0o666 less the process's umask."""
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def write_json_atomic(path: Path, data: Any) -> None:
    """Write ``data`` as indented JSON, atomically."""
    write_text_atomic(path, json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")


def create_run_dir(output: Path) -> Path:
    """A new, empty folder ``output/<YYYYmmdd-HHMMSS>[-N]``; never one that exists already."""
    output = Path(output)
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DlbenchError(f"cannot create output folder {str(output)!r}: {error.strerror}") from None
    if not os.access(output, os.W_OK):
        raise DlbenchError(f"output folder {str(output)!r} is not writable")
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for attempt in range(1000):
        run_dir = output / (stamp if attempt == 0 else f"{stamp}-{attempt}")
        try:
            run_dir.mkdir()  # atomic: fails if another run took the name
            return run_dir
        except FileExistsError:
            continue
    raise DlbenchError(f"cannot create a new run folder in {str(output)!r}")
