"""Running the ``dlbench`` command in a subprocess, as a user does."""

from __future__ import annotations

import os
import signal
import subprocess
import sys


def dlbench(*args: str, env=None, cwd=None) -> subprocess.CompletedProcess:
    """Run ``python -m dlbench.cli ARGS``; its exit code and captured output."""
    return subprocess.run([sys.executable, "-m", "dlbench.cli", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, cwd=cwd, timeout=900)


def default_sigint() -> None:
    """In a child before exec: Ctrl-C's default action, even when the tests run where SIGINT is ignored
    (a shell's background job), so Python in the child turns SIGINT into KeyboardInterrupt."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
