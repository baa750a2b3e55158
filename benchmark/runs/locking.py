"""A run folder is locked while its run is alive, so that a second ``--resume`` cannot run it twice.

The lock is an advisory ``flock`` on ``RUN_DIR/.lock``: the operating system releases it when the
process ends, however it ends (Ctrl-C, SIGKILL, a crash), so a killed run never leaves a stale lock.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from pathlib import Path
from typing import IO, Optional

from dlbench.errors import DlbenchError
from dlbench.files import disk_full

LOCK_FILE = ".lock"


class RunLock:
    """Hold the lock of ``run_dir`` from :meth:`acquire` until :meth:`release` or the end of the process."""

    def __init__(self, run_dir: Path) -> None:
        self.path = Path(run_dir) / LOCK_FILE
        self._handle: Optional[IO[bytes]] = None

    def acquire(self) -> "RunLock":
        """Take the lock, or raise a DlbenchError naming the live process that holds it (a full disk's OSError
        as it is, with the lock not taken)."""
        try:
            handle = open(self.path, "a+b", buffering=0)  # unbuffered: a failed write cannot fail again on close
        except OSError as error:
            if disk_full(error) is not None:
                raise
            raise DlbenchError(f"cannot lock run folder {str(self.path.parent)!r}: {error.strerror}") from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = _describe(handle.read().decode("utf-8", "replace"))
            handle.close()
            raise DlbenchError(f"run folder {str(self.path.parent)!r} is in use by a running dlbench ({holder}); "
                               "wait for it to finish, or stop it, then resume") from None
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                                     "since": time.strftime("%Y-%m-%d %H:%M:%S")}).encode("utf-8"))
        except OSError as error:
            handle.close()  # gives the lock back
            error.filename = str(self.path)
            raise
        self._handle = handle
        return self

    def release(self) -> None:
        """Give the lock back (the file stays: removing it would race with a process waiting for it)."""
        if self._handle is not None:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None


def _describe(text: str) -> str:
    try:
        holder = json.loads(text)
        return f"pid {holder['pid']} on {holder['host']}, since {holder['since']}"
    except (ValueError, KeyError, TypeError):
        return "process unknown"
