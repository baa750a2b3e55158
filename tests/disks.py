"""A small filesystem to fill: a tmpfs mounted for one test (it needs root; skipped otherwise)."""

from __future__ import annotations

import contextlib
import errno
import shutil
import subprocess
from pathlib import Path
from typing import Iterator

import pytest


@contextlib.contextmanager
def small_disk(folder: Path, size: str = "2M") -> Iterator[Path]:
    """A fresh tmpfs of ``size`` mounted on ``folder`` (made here), unmounted afterwards; the test is skipped where
    mounting one is not permitted."""
    folder.mkdir()
    if shutil.which("mount") is None:
        pytest.skip("no mount command here: a small tmpfs cannot be mounted to fill")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs to fill (it needs root): {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def fill(disk: Path) -> Path:
    """Fill ``disk`` to its last page with one file; returns the file (delete it to free the space)."""
    filler = disk / "filler"
    with open(filler, "ab", buffering=0) as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
        except OSError as error:
            assert error.errno == errno.ENOSPC
    return filler
