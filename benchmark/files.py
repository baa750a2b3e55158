"""Atomic file writes and run folders: a reader never sees a half-written file."""

from __future__ import annotations

import errno
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any, Optional

from dlbench.errors import DlbenchError

DISK_FULL = {errno.ENOSPC: "no space left on device", errno.EDQUOT: "disk quota exceeded"}
# what is asked to be freed after a full disk: this margin for what the rest of a run writes (its journal, tables,
# plots and kept predictions are each at most a few MB on the built-in tasks), plus the run folder's largest file,
# since an atomic rewrite holds the old and the new copy at once
SPACE_MARGIN = 100 * 10**6


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
    except BaseException as error:
        Path(tmp).unlink(missing_ok=True)
        full = disk_full(error)
        if full is not None:
            full.filename = str(path)  # the file meant, not its temporary file (or none: a write's error names none)
        raise


def disk_full(error: BaseException) -> Optional[OSError]:
    """The "no space left" or "quota exceeded" OSError that ``error`` is, or that caused it (anywhere in its
    chain of ``__cause__`` and ``__context__``); None when the disk was not full."""
    seen = set()
    pending = [error]
    while pending:
        current = pending.pop(0)
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in DISK_FULL:
            return current
        pending += [current.__cause__, current.__context__]
    return None


def space_to_free(run_dir: Optional[Path] = None) -> int:
    """Bytes to free after a full disk before going on: :data:`SPACE_MARGIN`, plus the size of the largest file of
    ``run_dir`` when there is one (an estimate: what the rest of a run writes is not known in advance)."""
    sizes = [0]
    if run_dir is not None:
        for folder, _, names in os.walk(run_dir):
            for name in names:
                try:
                    sizes.append(os.stat(os.path.join(folder, name)).st_size)
                except OSError:  # removed meanwhile (a temporary file)
                    continue
    return SPACE_MARGIN + max(sizes)


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
        if disk_full(error) is not None:
            raise
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
