"""Where standard data sets live: ``--data-dir``, else ``$DLBENCH_DATA``, else ``~/.cache/dlbench``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

from .errors import DlbenchError

_chosen: Optional[Path] = None
show_progress = True  # download progress bars (drawn only when stderr is a terminal); ``--quiet`` turns them off


def use_data_dir(path: Optional[Path]) -> None:
    """Make ``path`` the data directory for this process (``--data-dir``); it must exist."""
    global _chosen
    if path is not None and not Path(path).is_dir():
        raise DlbenchError(f"data directory {str(path)!r} does not exist; create it or pass an existing folder")
    _chosen = None if path is None else Path(path)


def data_dir() -> Path:
    """The data directory in force, created when it is the default cache."""
    if _chosen is not None:
        return _chosen
    from_env = os.environ.get("DLBENCH_DATA")
    if from_env:
        if not Path(from_env).is_dir():
            raise DlbenchError(f"DLBENCH_DATA={from_env!r} is not a folder; create it or unset DLBENCH_DATA")
        return Path(from_env)
    default = Path.home() / ".cache" / "dlbench"
    default.mkdir(parents=True, exist_ok=True)
    return default
