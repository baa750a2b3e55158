"""Where standard data sets live: ``--data-dir``, else ``$DLBENCH_DATA``, else ``~/.cache/dlbench``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

from dlbench.errors import DlbenchError
from dlbench.types import DataSettings


def resolve_data_dir(chosen: Optional[Path] = None) -> Path:
    """The data directory: ``chosen`` (``--data-dir``, which must exist), else ``$DLBENCH_DATA``, else the
    default cache, created when missing."""
    if chosen is not None:
        if not Path(chosen).is_dir():
            raise DlbenchError(f"data directory {str(chosen)!r} does not exist; create it or pass an existing folder")
        return Path(chosen)
    from_env = os.environ.get("DLBENCH_DATA")
    if from_env:
        if not Path(from_env).is_dir():
            raise DlbenchError(f"DLBENCH_DATA={from_env!r} is not a folder; create it or unset DLBENCH_DATA")
        return Path(from_env)
    default = Path.home() / ".cache" / "dlbench"
    default.mkdir(parents=True, exist_ok=True)
    return default


def data_settings(chosen: Optional[Path] = None, quiet: bool = False) -> DataSettings:
    """What a run hands to its tasks' loaders: the resolved data directory, and progress bars unless ``quiet``."""
    return DataSettings(resolve_data_dir(chosen), progress=not quiet)
