"""Running the ``dlbench`` command in a subprocess, as a user does."""

from __future__ import annotations

import os
import subprocess
import sys


def dlbench(*args: str, env=None, cwd=None) -> subprocess.CompletedProcess:
    """Run ``python -m dlbench.cli ARGS``; its exit code and captured output."""
    return subprocess.run([sys.executable, "-m", "dlbench.cli", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, cwd=cwd, timeout=900)
