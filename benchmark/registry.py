"""The catalogue of what the plugins registered: models, tasks, task sources and report formats.

Each ``register_*`` hook is called plugin by plugin, so every item is attributed to its plugin; an
item that breaks its contract, or a name registered twice, is a problem of that plugin (see
:class:`dlbench.plugin_loading.Plugins`): an error with ``--strict-plugins``, else reported and skipped.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, replace
from typing import Callable, Dict, Iterable, List, Sequence, Union

import pluggy

from . import contracts
from .errors import DlbenchError, DuplicateNameError, UnknownNameError
from .plugin_loading import BUILTIN_PLUGINS, PluginInfo, Plugins, load_plugins
from .types import Model, Reporter, Task, TaskData, TaskOptions
from .validation import check_task_data

__all__ = ["BUILTIN_PLUGINS", "Catalogue", "Entry", "make_plugin_manager"]


def make_plugin_manager(load_entrypoints: bool = True, builtins: bool = True) -> pluggy.PluginManager:
    """A plugin manager with the hookspecs, the built-ins and (optionally) every installed entry-point plugin."""
    return load_plugins(entry_points=load_entrypoints, builtins=builtins).pm


@dataclass(frozen=True)
class Entry:
    """A registered model, task, task source or reporter, the plugin that registered it, and where that came from."""

    item: object
    plugin: str
    info: PluginInfo

    @property
    def source(self) -> str:
        """``built-in``, ``DIST VERSION`` for an entry point, the file of a ``--plugins-dir`` plugin, or ``registered``."""
        return self.info.origin if self.info.kind not in ("built-in", "registered") else self.info.kind


def _collect(plugins: Plugins, hook_name: str, kind: str, check: Callable[[object], None],
             key: Callable[[object], str] = lambda item: item.name) -> Dict[str, Entry]:  # type: ignore[attr-defined]
    """Call one ``register_*`` hook plugin by plugin; a plugin whose hook raises registers nothing."""
    entries: Dict[str, Entry] = {}
    hook = getattr(plugins.pm.hook, hook_name)
    for impl in hook.get_hookimpls():  # registration order
        plugin = impl.plugin_name
        registered: List[object] = []
        try:
            impl.function(**{arg: registered.append for arg in impl.argnames})
        except Exception as error:  # the plugin's own code
            plugins.problem(plugin, f"{hook_name} raised {type(error).__name__}: {error}")
            continue
        for item in registered:
            try:
                check(item)
            except contracts.ContractError as error:
                plugins.problem(plugin, str(error))
                continue
            name = key(item)
            if name in entries:
                duplicate = DuplicateNameError(kind, name, entries[name].plugin, plugin)
                plugins.problem(plugin, str(duplicate), duplicate)
                continue
            entries[name] = Entry(item, plugin, plugins.info(plugin))
    return entries


class Catalogue:
    """Every model and task the loaded plugins registered, looked up by name, pattern or tag."""

    def __init__(self, plugins: Plugins) -> None:
        self.plugins = plugins
        self.model_entries = _collect(plugins, "register_models", "model", contracts.check_model)
        self.task_entries = _collect(plugins, "register_tasks", "task", contracts.check_task)
        self.source_entries = _collect(plugins, "register_task_sources", "task source", contracts.check_task_source,
                                       key=lambda source: source.prefix)
        self.reporter_entries = _collect(plugins, "register_reporters", "report format", contracts.check_reporter)
        self._made_by: Dict[str, str] = {}  # tasks a task source made: their plugin

    @classmethod
    def from_plugins(cls, plugins: Union[Plugins, pluggy.PluginManager]) -> "Catalogue":
        """Collect what every plugin registered; a bare plugin manager is strict (every problem raises)."""
        return cls(plugins if isinstance(plugins, Plugins) else Plugins(plugins))

    def list_models(self, pattern: str = "*") -> List[str]:
        """Model names matching a shell-style wildcard, sorted (like ``timm.list_models``)."""
        return sorted(fnmatch.filter(self.model_entries, pattern))

    def list_tasks(self, pattern: str = "*") -> List[str]:
        """Task names matching a shell-style wildcard, sorted."""
        return sorted(fnmatch.filter(self.task_entries, pattern))

    def tags(self) -> List[str]:
        """Every tag of every task, sorted."""
        return sorted({tag for entry in self.task_entries.values() for tag in entry.item.tags})

    def model(self, name: str) -> Model:
        """The model registered under ``name``; an unknown name lists the valid ones."""
        if name not in self.model_entries:
            raise UnknownNameError("model", name, self.model_entries)
        return self.model_entries[name].item

    def task(self, name: str) -> Task:
        """The task registered under ``name``; an unknown name lists the valid ones."""
        if name not in self.task_entries:
            raise UnknownNameError("task", name, self.task_entries)
        return self.task_entries[name].item

    def reporter(self, name: str) -> Reporter:
        """The report format registered under ``name``; an unknown name lists the valid ones."""
        if name not in self.reporter_entries:
            raise UnknownNameError("format", name, self.reporter_entries)
        return self.reporter_entries[name].item

    def select_models(self, patterns: Sequence[str] = ()) -> List[Model]:
        """Models matching any of the names or wildcards (all models when none are given).

        Their search spaces are checked (:func:`dlbench.contracts.check_search_space`); a broken one
        is its plugin's problem. No model left is an error.
        """
        selected: List[str] = []
        for pattern in patterns or ["*"]:
            matches = self.list_models(pattern)
            if not matches:
                raise UnknownNameError("model", pattern, self.model_entries)
            selected += [name for name in matches if name not in selected]
        models = [self.model_entries[name].item for name in selected if self._usable(self.model_entries[name])]
        if not models:
            raise DlbenchError(f"no usable model among {', '.join(selected)}: see the plugin problems above")
        return models

    def _usable(self, entry: Entry) -> bool:
        try:
            contracts.check_search_space(entry.item)  # type: ignore[arg-type]
        except contracts.ContractError as error:
            self.plugins.problem(entry.plugin, str(error))
            return False
        return True

    def select_tasks(self, names_or_tags: Iterable[str], options: TaskOptions = TaskOptions()) -> List[Task]:
        """Tasks named, or tagged with, any of ``names_or_tags``, in the order given.

        ``PREFIX:ARGUMENT`` asks the task source registered for ``PREFIX`` to make a task.
        """
        selected: List[str] = []
        made: Dict[str, Task] = {}
        for key in names_or_tags:
            prefix, colon, argument = key.partition(":")
            if colon and prefix in self.source_entries:
                task = self.source_entries[prefix].item.make(argument, options)
                made[task.name] = task
                self._made_by[task.name] = self.source_entries[prefix].plugin
                matches = [task.name]
            elif key in self.task_entries:
                matches = [key]
            else:
                matches = [name for name in self.list_tasks() if key in self.task_entries[name].item.tags]
            if not matches:
                valid = ", ".join(self.list_tasks())
                sources = ", ".join(f"{prefix}:..." for prefix in sorted(self.source_entries)) or "(none)"
                raise DlbenchError(f"unknown task or tag {key!r}; valid tasks: {valid}; valid tags: "
                                   f"{', '.join(self.tags())}; task sources: {sources}")
            selected += [name for name in matches if name not in selected]
        return [made[name] if name in made else self.task_entries[name].item for name in selected]

    def load_checked(self, tasks: Sequence[Task]) -> List[Task]:
        """Load every task and check its data before any training starts; returns the usable ones.

        A task whose loader fails or whose data breaks the contract is its plugin's problem; an error
        the loader raises on purpose (:class:`DlbenchError`, such as a data set not yet fetched) stops.
        The data loaded here is handed to the run's first ``load()``, not loaded twice.
        """
        usable = []
        for task in tasks:
            plugin = self._made_by.get(task.name) or self.task_entries[task.name].plugin
            try:
                data = task.load()
                check_task_data(task, data)
            except contracts.ContractError as error:
                self.plugins.problem(plugin, str(error))
                continue
            except DlbenchError:
                raise
            except Exception as error:  # the plugin's own loader
                self.plugins.problem(plugin, f"task {task.name!r}: load() raised {type(error).__name__}: {error}")
                continue
            usable.append(replace(task, load=LoadedOnce(task.load, data)))
        if not usable:
            raise DlbenchError(f"no usable task among {', '.join(task.name for task in tasks)}: see the plugin problems above")
        return usable


class LoadedOnce:
    """A task loader that first hands out data already loaded, then forgets it and loads afresh."""

    def __init__(self, load: Callable[[], TaskData], data: TaskData) -> None:
        self._load, self._data = load, data

    def __call__(self) -> TaskData:
        data, self._data = self._data, None
        return data if data is not None else self._load()
