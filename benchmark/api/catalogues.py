"""The plugins a call of the API uses, loaded afresh for each call (two runs in one process share none)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from dlbench.host.catalogue import Catalogue
from dlbench.host.loading import PluginSelection, load_plugins

if TYPE_CHECKING:
    import pandas as pd


def plugin_catalogue(plugins_dir: Sequence[Path] = (), plugin_args: Sequence[str] = (), strict: bool = False,
                     hold_warnings: bool = False) -> Catalogue:
    """The catalogue of the built-in, installed and ``plugins_dir`` plugins (``plugin_args``: ``-p NAME``,
    ``-p no:NAME``; ``hold_warnings``: see :func:`dlbench.host.loading.load_plugins`)."""
    selection = PluginSelection.from_options([Path(folder) for folder in plugins_dir], list(plugin_args), strict)
    return Catalogue.from_plugins(load_plugins(selection, hold_warnings=hold_warnings))


def registered(plugins_dir: Sequence[Path] = (), plugins: Sequence[str] = (), strict_plugins: bool = False) -> "pd.DataFrame":
    """Every registered model, task, task source and report format (``dlbench list``), one row each: ``kind``,
    ``name``, ``detail`` (a model's family, a task's tags, a format's file extension), the ``plugin`` that
    registered it, that plugin's ``source`` (package and version, or file) and the ``description``."""
    import pandas as pd

    catalogue = plugin_catalogue(plugins_dir, plugins, strict_plugins)
    rows = []
    for name in catalogue.list_models():
        entry = catalogue.model_entries[name]
        rows.append(("model", name, entry.item.family, entry))
    for name in catalogue.list_tasks():
        entry = catalogue.task_entries[name]
        rows.append(("task", name, ",".join(entry.item.tags), entry))
    for prefix, entry in sorted(catalogue.source_entries.items()):
        rows.append(("task source", prefix, "", entry))
    for name, entry in catalogue.reporter_entries.items():
        rows.append(("report format", name, entry.item.extension, entry))
    return pd.DataFrame([{"kind": kind, "name": name, "detail": detail, "plugin": entry.plugin,
                          "source": entry.source, "description": entry.item.description}
                         for kind, name, detail, entry in rows],
                        columns=["kind", "name", "detail", "plugin", "source", "description"])
