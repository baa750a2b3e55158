"""Plugin loading and the catalogue of models and tasks the plugins register."""

from __future__ import annotations

import fnmatch
import importlib
from dataclasses import dataclass
from typing import Callable, Dict, Iterable, List, Sequence

import pluggy

from . import hookspecs
from .errors import DlbenchError, DuplicateNameError, UnknownNameError
from .types import FAMILIES, Model, Task, TaskOptions, TaskSource

ENTRY_POINT_GROUP = "dlbench"

# The only place the host names its built-in plugins; they register through the
# same hooks as third-party plugins.
BUILTIN_PLUGINS = (
    "dlbench.plugins.mlp",
    "dlbench.plugins.cnn",
    "dlbench.plugins.logistic",
    "dlbench.plugins.svm",
    "dlbench.plugins.decision_tree",
    "dlbench.tasks.digits",
    "dlbench.tasks.mnist5k",
    "dlbench.tasks.shapes",
    "dlbench.tasks.standard",
    "dlbench.tasks.folder",
)


def make_plugin_manager(load_entrypoints: bool = True, builtins: bool = True) -> pluggy.PluginManager:
    """A plugin manager with the hookspecs, the built-ins and (optionally) entry-point plugins."""
    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    if builtins:
        for module_name in BUILTIN_PLUGINS:
            pm.register(importlib.import_module(module_name), name=module_name)
    if load_entrypoints:
        pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    pm.check_pending()
    return pm


def plugin_source(pm: pluggy.PluginManager, plugin_name: str) -> str:
    """Where a plugin came from: ``built-in``, ``DIST VERSION`` for an entry point, else ``registered``."""
    if plugin_name in BUILTIN_PLUGINS:
        return "built-in"
    plugin = pm.get_plugin(plugin_name)
    for candidate, dist in pm.list_plugin_distinfo():
        if candidate is plugin:
            return f"{dist.project_name} {dist.version}"
    return "registered"


@dataclass(frozen=True)
class Entry:
    """A registered model or task and the plugin that registered it."""

    item: object
    plugin: str
    source: str


def _collect(pm: pluggy.PluginManager, hook_name: str, kind: str, check: Callable[[object, str], None],
             key: Callable[[object], str] = lambda item: item.name) -> Dict[str, Entry]:  # type: ignore[attr-defined]
    """Call one ``register_*`` hook plugin by plugin, so every item is attributed to its plugin."""
    entries: Dict[str, Entry] = {}
    hook = getattr(pm.hook, hook_name)
    for impl in reversed(hook.get_hookimpls()):  # registration order
        plugin = impl.plugin_name

        def register(item: object, _plugin: str = plugin) -> None:
            check(item, _plugin)
            name = key(item)
            if name in entries:
                raise DuplicateNameError(kind, name, entries[name].plugin, _plugin)
            entries[name] = Entry(item, _plugin, plugin_source(pm, _plugin))

        impl.function(**{arg: register for arg in impl.argnames})
    return entries


def _check_model(item: object, plugin: str) -> None:
    if not isinstance(item, Model):
        raise DlbenchError(f"plugin {plugin!r} registered {item!r} as a model; expected a dlbench.Model")
    if item.family not in FAMILIES:
        raise DlbenchError(f"plugin {plugin!r}: model {item.name!r} has family {item.family!r}; valid families: {', '.join(FAMILIES)}")
    if not callable(item.search_space) or not callable(item.build):
        raise DlbenchError(f"plugin {plugin!r}: model {item.name!r} needs callable search_space and build")


def _check_task(item: object, plugin: str) -> None:
    if not isinstance(item, Task):
        raise DlbenchError(f"plugin {plugin!r} registered {item!r} as a task; expected a dlbench.Task")
    if len(item.class_names) < 2:
        raise DlbenchError(f"plugin {plugin!r}: task {item.name!r} has {len(item.class_names)} class(es); a task needs at least 2")


def _check_source(item: object, plugin: str) -> None:
    if not isinstance(item, TaskSource):
        raise DlbenchError(f"plugin {plugin!r} registered {item!r} as a task source; expected a dlbench.TaskSource")


class Catalogue:
    """Every model and task the loaded plugins registered, looked up by name, pattern or tag."""

    def __init__(self, models: Dict[str, Entry], tasks: Dict[str, Entry], sources: Dict[str, Entry]) -> None:
        self.model_entries = models
        self.task_entries = tasks
        self.source_entries = sources

    @classmethod
    def from_plugins(cls, pm: pluggy.PluginManager) -> "Catalogue":
        """Collect the models and tasks of every plugin registered with ``pm``."""
        return cls(_collect(pm, "register_models", "model", _check_model),
                   _collect(pm, "register_tasks", "task", _check_task),
                   _collect(pm, "register_task_sources", "task source", _check_source, key=lambda source: source.prefix))

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

    def select_models(self, patterns: Sequence[str] = ()) -> List[Model]:
        """Models matching any of the names or wildcards (all models when none are given)."""
        if not patterns:
            return [self.model_entries[name].item for name in self.list_models()]
        selected: List[str] = []
        for pattern in patterns:
            matches = self.list_models(pattern)
            if not matches:
                raise UnknownNameError("model", pattern, self.model_entries)
            selected += [name for name in matches if name not in selected]
        return [self.model_entries[name].item for name in selected]

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
