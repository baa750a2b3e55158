"""The catalogue of what the plugins registered: models, tasks, task sources and report formats.

Each ``register_*`` hook is called plugin by plugin, so every item is attributed to its plugin; an
item that breaks its contract, or a name registered twice, is a problem of that plugin (see
:class:`dlbench.host.loading.Plugins`): an error with ``--strict-plugins``, else reported and skipped.
A name asked for exactly (not by wildcard or tag) is never skipped: its problem is the command's error.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field, replace
from typing import Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Set, Tuple, Union

import pluggy

from dlbench.errors import (DlbenchError, DuplicateNameError, UnknownNameError, UnusableNameError, did_you_mean,
                            may_have_registered)
from dlbench.host import contracts
from dlbench.host.loading import BUILTIN_PLUGINS, PluginInfo, Plugins, load_plugins
from dlbench.host.validation import check_task_data
from dlbench.types import DataSettings, Model, Reporter, Task, TaskData, TaskOptions

__all__ = ["BUILTIN_PLUGINS", "Catalogue", "Entry", "Rejected", "make_plugin_manager"]

WILDCARD = re.compile(r"[*?[]")  # a --model pattern without these names one model exactly


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


@dataclass
class Rejected:
    """The problems that left items of one kind out: by name where the item had one, and the problems
    that hide names (a ``register_*`` hook that raised, an item that is not one), which may be any."""

    named: Dict[str, str] = field(default_factory=dict)
    hidden: List[str] = field(default_factory=list)


def _collect(plugins: Plugins, hook_name: str, kind: str, check: Callable[[object], None], rejected: Rejected,
             key: Callable[[object], str] = lambda item: item.name) -> Dict[str, Entry]:  # type: ignore[attr-defined]
    """Call one ``register_*`` hook plugin by plugin, in pluggy's order (see :meth:`Plugins.implementations`); a
    plugin whose hook raises registers nothing. A name two plugins register stays with the plugin registered
    first with the plugin manager (the built-ins before entry points, files and code), whatever the call order.

    What a problem leaves out is recorded in ``rejected``.
    """
    entries: Dict[str, Entry] = {}
    for plugin, call in plugins.implementations(hook_name):
        registered: List[object] = []
        try:
            call(register=registered.append)
        except Exception as error:  # the plugin's own code
            rejected.hidden.append(plugins.problem(plugin, f"{hook_name} raised {type(error).__name__}: {error}"))
            continue
        for item in registered:
            try:
                check(item)
            except contracts.ContractError as error:
                text = plugins.problem(plugin, str(error))
                name = _name_of(item, key)
                if name is None:
                    rejected.hidden.append(text)
                else:
                    rejected.named.setdefault(name, text)
                continue
            name = key(item)
            if name in entries:  # by one plugin twice: the first registration stays
                kept, dropped = ((plugin, plugin) if entries[name].plugin == plugin
                                 else _earlier_registered(plugins, entries[name].plugin, plugin))
                if kept == plugin != entries[name].plugin:
                    entries[name] = Entry(item, plugin, plugins.info(plugin))
                duplicate = DuplicateNameError(kind, name, kept, dropped)
                rejected.named.setdefault(name, plugins.problem(dropped, str(duplicate), duplicate))
                continue
            entries[name] = Entry(item, plugin, plugins.info(plugin))
    return entries


def _earlier_registered(plugins: Plugins, one: str, other: str) -> Tuple[str, str]:
    """``(kept, dropped)``: of two plugins registering the same name, the one the plugin manager got first keeps it."""
    order = [name for name, _ in plugins.pm.list_name_plugin()]
    first = min((one, other), key=lambda name: order.index(name) if name in order else len(order))
    return first, other if first == one else one


def _name_of(item: object, key: Callable[[object], str]) -> Optional[str]:
    """The name of something registered that broke its contract, when it has one."""
    try:
        name = key(item)
    except AttributeError:  # not a model, task, source or reporter at all
        return None
    return name if isinstance(name, str) else None


class Catalogue:
    """Every model and task the loaded plugins registered, looked up by name, pattern or tag.

    A name given exactly whose item a problem left out (or that a broken plugin may have meant to
    register) is an error naming the problem; names matched by a wildcard or a tag skip such items.
    """

    def __init__(self, plugins: Plugins) -> None:
        self.plugins = plugins
        self.rejected = {kind: Rejected() for kind in ("model", "task", "task source", "report format")}
        self.model_entries = _collect(plugins, "register_models", "model", contracts.check_model,
                                      self.rejected["model"])
        self.task_entries = _collect(plugins, "register_tasks", "task", contracts.check_task, self.rejected["task"])
        self.source_entries = _collect(plugins, "register_task_sources", "task source", contracts.check_task_source,
                                       self.rejected["task source"], key=lambda source: source.prefix)
        self.reporter_entries = _collect(plugins, "register_reporters", "report format", contracts.check_reporter,
                                         self.rejected["report format"])
        self._made_by: Dict[str, str] = {}  # tasks a task source made: their plugin
        self._named_tasks: Set[str] = set()  # tasks select_tasks was given exactly (or made): never skipped

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
        """The model registered under ``name``; an unknown name lists the valid ones (see :meth:`_entry`)."""
        return self._entry("model", self.model_entries, name).item

    def task(self, name: str) -> Task:
        """The task registered under ``name``; an unknown name lists the valid ones (see :meth:`_entry`)."""
        return self._entry("task", self.task_entries, name).item

    def reporter(self, name: str) -> Reporter:
        """The report format registered under ``name``; an unknown name lists the valid ones (see :meth:`_entry`)."""
        return self._entry("report format", self.reporter_entries, name, label="format").item

    def _entry(self, kind: str, entries: Mapping[str, Entry], name: str, label: str = "") -> Entry:
        """The entry registered as exactly ``name``. A name a problem left out is an :class:`UnusableNameError`
        naming the problem; an unknown one an :class:`UnknownNameError` that names the plugins that did not
        load (or whose hook for this kind raised), as they may have meant to register it."""
        rejected = self.rejected[kind]
        if name in rejected.named:
            raise UnusableNameError(label or kind, name, rejected.named[name])
        if name not in entries:
            raise UnknownNameError(label or kind, name, entries, hidden=self._hidden(kind))
        return entries[name]

    def _hidden(self, *kinds: str) -> List[str]:
        """The problems that may hide a name of these kinds: plugins that did not load, hooks that raised."""
        return [*self.plugins.load_failures, *(text for kind in kinds for text in self.rejected[kind].hidden)]

    def select_models(self, patterns: Sequence[str] = ()) -> List[Model]:
        """Models matching any of the names or wildcards (all models when none are given).

        Their search spaces are checked (:func:`dlbench.host.contracts.check_search_space`) before any work:
        a broken one is its plugin's problem, skipped when a wildcard matched it, an error when it was
        named exactly (as is a name whose model a problem left out, see :meth:`_entry`). No model left
        is an error.
        """
        selected: List[str] = []
        named: Set[str] = set()
        for pattern in patterns or ["*"]:
            if WILDCARD.search(pattern):
                matches = self.list_models(pattern)
                if not matches:
                    raise UnknownNameError("model", pattern, self.model_entries, hidden=self._hidden("model"))
            else:
                self._entry("model", self.model_entries, pattern)
                matches = [pattern]
                named.add(pattern)
            selected += [name for name in matches if name not in selected]
        models = [self.model_entries[name].item for name in selected
                  if self._usable(self.model_entries[name], exact=name in named)]
        if not models:
            raise DlbenchError(f"no usable model among {', '.join(selected)}: see the plugin problems above")
        return models

    def _usable(self, entry: Entry, exact: bool) -> bool:
        try:
            contracts.check_search_space(entry.item)  # type: ignore[arg-type]
        except contracts.ContractError as error:
            if exact:
                raise UnusableNameError("model", entry.item.name,  # type: ignore[attr-defined]
                                        self.plugins.problem_text(entry.plugin, str(error))) from None
            self.plugins.problem(entry.plugin, str(error))
            return False
        return True

    def select_tasks(self, names_or_tags: Iterable[str], options: TaskOptions = TaskOptions()) -> List[Task]:
        """Tasks named, or tagged with, any of ``names_or_tags``, in the order given.

        ``PREFIX:ARGUMENT`` asks the task source registered for ``PREFIX`` to make a task. A task named
        exactly (or made) is never skipped: see :meth:`_entry` and :meth:`load_checked`.
        """
        selected: List[str] = []
        made: Dict[str, Task] = {}
        for key in names_or_tags:
            prefix, colon, argument = key.partition(":")
            if colon and prefix in self.source_entries:
                task = self._make(key, self.source_entries[prefix], argument, options)
                made[task.name] = task
                self._made_by[task.name] = self.source_entries[prefix].plugin
                matches = [task.name]
                self._named_tasks.add(task.name)
            elif key in self.task_entries or key in self.rejected["task"].named:
                self._entry("task", self.task_entries, key)
                matches = [key]
                self._named_tasks.add(key)
            else:
                matches = [name for name in self.list_tasks() if key in self.task_entries[name].item.tags]
            if not matches:
                raise self._unknown_task(key)
            selected += [name for name in matches if name not in selected]
        return [made[name] if name in made else self.task_entries[name].item for name in selected]

    def _make(self, key: str, source: Entry, argument: str, options: TaskOptions) -> Task:
        """The task a task source makes for ``--task PREFIX:ARGUMENT``; a source that raises (other than a
        :class:`DlbenchError` on purpose) or makes no valid task is an :class:`UnusableNameError`."""
        where = f"task source {source.item.prefix!r}"  # type: ignore[attr-defined]
        try:
            task = source.item.make(argument, options)  # type: ignore[attr-defined]
            contracts.check_task(task)
        except contracts.ContractError as error:
            message = f"{where} made no valid task: {error}"
        except DlbenchError:
            raise
        except Exception as error:  # the plugin's own code
            message = f"{where}: make({argument!r}) raised {type(error).__name__}: {error}"
        else:
            return task
        raise UnusableNameError("task", key, self.plugins.problem_text(source.plugin, message))

    def _unknown_task(self, key: str) -> DlbenchError:
        """The error for a ``--task`` that is no task, tag or task source: the valid ones, a close name,
        and the plugins that did not load (or whose task hooks raised), as the name may be theirs."""
        tags = self.tags()
        sources = [f"{prefix}:..." for prefix in sorted(self.source_entries)]
        hidden = self._hidden("task", "task source")
        message = f"task or tag {key!r} is not available" if hidden else f"unknown task or tag {key!r}"
        message += (f"{did_you_mean(key, [*self.task_entries, *tags])}; valid tasks: {', '.join(self.list_tasks())}; "
                    f"valid tags: {', '.join(tags)}; task sources: {', '.join(sources) or '(none)'}")
        return DlbenchError(message + may_have_registered(hidden), problems=hidden)

    def task_plugin(self, name: str) -> str:
        """The plugin that registered task ``name``, or whose task source made it (``--task PREFIX:ARGUMENT``)."""
        return self._made_by.get(name) or self.task_entries[name].plugin

    def load_checked(self, tasks: Sequence[Task], settings: Optional[DataSettings] = None) -> List[Task]:
        """Load every task (its loader handed ``settings``, by default the default data directory's) and check
        its data before any training starts; returns the usable ones.

        A task whose loader fails or whose data breaks the contract is its plugin's problem: skipped
        when a tag selected it, an :class:`UnusableNameError` when :meth:`select_tasks` was given its
        name (or made it). An error the loader raises on purpose (:class:`DlbenchError`, such as a data
        set not yet fetched) stops. The data loaded here is handed to the run's first ``load()``, not
        loaded twice.
        """
        usable = []
        for task in tasks:
            plugin = self.task_plugin(task.name)
            try:
                data = task.load_data(settings or DataSettings())
                check_task_data(task, data)
            except contracts.ContractError as error:
                message = str(error)
            except DlbenchError:
                raise
            except Exception as error:  # the plugin's own loader
                message = f"task {task.name!r}: load() raised {type(error).__name__}: {error}"
            else:
                usable.append(replace(task, load=LoadedOnce(task, data)))
                continue
            if task.name in self._named_tasks:
                raise UnusableNameError("task", task.name, self.plugins.problem_text(plugin, message))
            self.plugins.problem(plugin, message)
        if not usable:
            raise DlbenchError(f"no usable task among {', '.join(task.name for task in tasks)}: see the plugin problems above")
        return usable


class LoadedOnce:
    """A task loader that first hands out data already loaded, then forgets it and loads afresh."""

    def __init__(self, task: Task, data: TaskData) -> None:
        self._task, self._data = task, data

    def __call__(self, settings: DataSettings) -> TaskData:
        data, self._data = self._data, None
        return data if data is not None else self._task.load_data(settings)
