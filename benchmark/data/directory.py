"""Where standard data sets live: ``--data-dir``, else ``$DLBENCH_DATA``, else ``~/.cache/dlbench``."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from dlbench.types import DataSettings


def resolve_data_dir(chosen: Optional[Path] = None) -> Path:
    """The data directory (see :attr:`dlbench.DataSettings.data_dir`): a DlbenchError when ``chosen`` (``--data-dir``)
    or ``$DLBENCH_DATA`` is not a folder, or the default cannot be created."""
    return DataSettings(chosen).data_dir


def data_settings(chosen: Optional[Path] = None, quiet: bool = False) -> DataSettings:
    """What a run hands to its tasks' loaders; a ``chosen`` folder is checked at once (bad input stops before any
    work), the default only when a loader asks for it."""
    if chosen is not None:
        resolve_data_dir(chosen)
    return DataSettings(None if chosen is None else Path(chosen).resolve(), progress=not quiet)
