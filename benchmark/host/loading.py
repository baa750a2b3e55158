"""Finding and loading plugins: the built-ins, installed entry points, and ``*.py`` files in ``--plugins-dir``.

A plugin that fails to load is reported (one line naming it and the problem) and skipped, so one
broken third-party package never takes the rest down; with ``--strict-plugins`` it is an error.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.metadata
import importlib.util
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Collection, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

import pluggy

from dlbench.errors import DlbenchError, did_you_mean
from dlbench.host import hookspecs

ENTRY_POINT_GROUP = "dlbench"
AUTOLOAD_VARIABLE = "DLBENCH_DISABLE_PLUGIN_AUTOLOAD"  # set: only built-ins, --plugins-dir and -p NAME load
PLUGINS_DIR_VARIABLE = "DLBENCH_PLUGINS_DIR"  # folders like --plugins-dir, separated by os.pathsep

# The only place the host names its built-in plugins; they register through the
# same hooks as third-party plugins.
BUILTIN_PLUGINS = (
    "dlbench.plugins.mlp",
    "dlbench.plugins.cnn",
    "dlbench.plugins.resnet",
    "dlbench.plugins.logistic",
    "dlbench.plugins.svm",
    "dlbench.plugins.decision_tree",
    "dlbench.plugins.random_forest",
    "dlbench.plugins.extra_trees",
    "dlbench.plugins.hist_gradient_boosting",
    "dlbench.plugins.knn",
    "dlbench.plugins.hog_svm",
    "dlbench.tasks.digits",
    "dlbench.tasks.mnist5k",
    "dlbench.tasks.shapes",
    "dlbench.tasks.standard",
    "dlbench.tasks.folder",
    "dlbench.reports.builtin_formats",
)

BUILT_IN, ENTRY_POINT, FILE, REGISTERED = "built-in", "entry point", "file", "registered"


@dataclass(frozen=True)
class PluginSelection:
    """Which plugins load besides the built-ins (``--plugins-dir``, ``-p NAME``, ``-p no:NAME``) and how
    strictly a broken one is treated (``--strict-plugins``)."""

    plugins_dirs: Tuple[Path, ...] = ()
    requested: Tuple[str, ...] = ()  # -p NAME: entry points loaded even when autoload is off
    blocked: Tuple[str, ...] = ()  # -p no:NAME: never loaded, whatever their kind
    autoload: bool = True  # every installed entry point; off under DLBENCH_DISABLE_PLUGIN_AUTOLOAD
    strict: bool = False

    @classmethod
    def from_options(cls, plugins_dirs: Sequence[Path] = (), plugin_args: Sequence[str] = (), strict: bool = False,
                     environ: Mapping[str, str] = os.environ) -> "PluginSelection":
        """The selection of a command line, with ``DLBENCH_PLUGINS_DIR`` and ``DLBENCH_DISABLE_PLUGIN_AUTOLOAD``."""
        from_env = [Path(part) for part in environ.get(PLUGINS_DIR_VARIABLE, "").split(os.pathsep) if part]
        folders = tuple(dict.fromkeys([*plugins_dirs, *from_env]))
        for folder in folders:
            if not folder.is_dir():
                raise DlbenchError(f"plugins folder {str(folder)!r} (--plugins-dir or {PLUGINS_DIR_VARIABLE}) "
                                   "is not a folder; give a folder of *.py plugin files")
        blocked = tuple(arg[3:] for arg in plugin_args if arg.startswith("no:"))
        requested = tuple(arg for arg in plugin_args if not arg.startswith("no:"))
        if "" in blocked or "" in requested:
            raise DlbenchError("-p needs a plugin name: -p NAME loads one entry-point plugin, -p no:NAME blocks one")
        return cls(plugins_dirs=folders, requested=requested, blocked=blocked,
                   autoload=environ.get(AUTOLOAD_VARIABLE, "") in ("", "0"), strict=strict)


@dataclass(frozen=True)
class PluginInfo:
    """Where a loaded plugin came from: ``kind`` is built-in, entry point, file or registered."""

    name: str
    kind: str
    origin: str  # the module, "DISTRIBUTION VERSION", or the file's path

    def describe(self) -> str:
        """``built-in``, ``entry point DIST VERSION``, ``file PATH`` or ``registered``."""
        return self.kind if self.kind in (BUILT_IN, REGISTERED) else f"{self.kind} {self.origin}"


@dataclass
class Plugins:
    """A plugin manager, where each of its plugins came from, and the problems met while loading and using them.

    ``strict``: a problem raises :class:`DlbenchError`; otherwise it is reported on stderr and the
    plugin (or the item it registered) is skipped. ``hold_warnings``: those reports wait for
    :meth:`releasing_warnings`, so that a problem a command's error reports itself is not also a warning.
    """

    pm: pluggy.PluginManager
    infos: Dict[str, PluginInfo] = field(default_factory=dict)
    strict: bool = True
    problems: List[str] = field(default_factory=list)
    load_failures: List[str] = field(default_factory=list)  # problems of plugins that did not load at all
    hold_warnings: bool = False
    _held: List[str] = field(default_factory=list, init=False, repr=False)

    def implementations(self, hook_name: str) -> List[Tuple[str, Callable[..., Any]]]:
        """Each plugin implementing ``hook_name``, in the order pluggy calls them (``tryfirst`` first, ``trylast``
        last, else the last registered first), with a call of its implementation alone, wrapped by every wrapper
        of the hook: so a plugin's results (and its failure) stay its own, as pluggy would order them."""
        plain = [impl for impl in reversed(getattr(self.pm.hook, hook_name).get_hookimpls())
                 if not (impl.hookwrapper or impl.wrapper)]
        return [(impl.plugin_name,
                 self.pm.subset_hook_caller(hook_name, remove_plugins=[other.plugin for other in plain
                                                                      if other is not impl]))
                for impl in plain]

    def info(self, name: str) -> PluginInfo:
        """Where plugin ``name`` came from (``registered`` for one added by code, such as a test)."""
        if name in self.infos:
            return self.infos[name]
        if name in BUILTIN_PLUGINS:
            return PluginInfo(name, BUILT_IN, name)
        installed = installed_entry_points()
        if name in installed:
            dist = installed[name][1]
            return PluginInfo(name, ENTRY_POINT, f"{dist.metadata['Name']} {dist.version}")
        return PluginInfo(name, REGISTERED, name)

    def problem_text(self, plugin: str, message: str) -> str:
        """The one line that reports a problem of ``plugin``: its name, where it came from, and ``message``."""
        return f"plugin {plugin!r} ({self.info(plugin).describe()}): {message}"

    def problem(self, plugin: str, message: str, error: Optional[DlbenchError] = None) -> str:
        """Report that ``plugin`` is broken: raise when strict, else warn once and go on without it.

        Returns the report's line (:meth:`problem_text`).
        """
        text = self.problem_text(plugin, message)
        if self.strict:
            raise error if error is not None else DlbenchError(text)
        if text not in self.problems:
            self.problems.append(text)
            if self.hold_warnings:
                self._held.append(text)
            else:
                _warn(text)
        return text

    def not_loaded(self, plugin: str, message: str) -> None:
        """Report that ``plugin`` did not load: it registers nothing, so any name it meant to register is missing."""
        text = self.problem(plugin, message)
        if text not in self.load_failures:
            self.load_failures.append(text)

    @contextlib.contextmanager
    def releasing_warnings(self) -> Iterator[None]:
        """Warn about the held problems when the block ends, and at once from then on; those that a
        :class:`DlbenchError` raised in the block reports itself (its ``problems``) are left out."""
        leave_out: Collection[str] = ()
        try:
            yield
        except DlbenchError as error:
            leave_out = error.problems
            raise
        finally:
            for text in self._held:
                if text not in leave_out:
                    _warn(text)
            self._held.clear()
            self.hold_warnings = False


def _warn(problem: str) -> None:
    sys.stderr.write(f"dlbench: warning: {problem}; skipped (--strict-plugins makes this an error)\n")


def load_plugins(selection: PluginSelection = PluginSelection(), entry_points: bool = True,
                 builtins: bool = True, hold_warnings: bool = False) -> Plugins:
    """A plugin manager with the hookspecs, the built-ins, the selected entry points and the plugin files.

    ``hold_warnings``: broken plugins are reported when :meth:`Plugins.releasing_warnings` ends.
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    plugins = Plugins(pm, strict=selection.strict, hold_warnings=hold_warnings)
    if builtins:
        for module_name in BUILTIN_PLUGINS:
            if module_name not in selection.blocked:
                pm.register(importlib.import_module(module_name), name=module_name)
                plugins.infos[module_name] = PluginInfo(module_name, BUILT_IN, module_name)
    if entry_points:
        _load_entry_points(plugins, selection)
    for folder in selection.plugins_dirs:
        for path in sorted(folder.glob("*.py")):
            if path.stem not in selection.blocked:
                _load_file(plugins, path)
    return plugins


def installed_entry_points() -> Dict[str, Tuple[importlib.metadata.EntryPoint, importlib.metadata.Distribution]]:
    """Every entry point in the ``dlbench`` group, by name, with its distribution (the first on sys.path wins)."""
    found: Dict[str, Tuple[importlib.metadata.EntryPoint, importlib.metadata.Distribution]] = {}
    for dist in importlib.metadata.distributions():
        for entry_point in dist.entry_points:
            if entry_point.group == ENTRY_POINT_GROUP and entry_point.name not in found:
                found[entry_point.name] = (entry_point, dist)
    return found


def _load_entry_points(plugins: Plugins, selection: PluginSelection) -> None:
    installed = installed_entry_points()
    unknown = [name for name in selection.requested if name not in installed]
    if unknown:
        raise DlbenchError(f"-p {unknown[0]}: no installed plugin has that entry-point name; installed: "
                           f"{', '.join(sorted(installed)) or '(none)'}")
    for name, (entry_point, dist) in installed.items():
        if name in selection.blocked or not (selection.autoload or name in selection.requested):
            continue
        plugins.infos[name] = PluginInfo(name, ENTRY_POINT, f"{dist.metadata['Name']} {dist.version}")
        try:
            plugin = entry_point.load()
        except Exception as error:  # a third-party import: any error is the plugin's
            plugins.not_loaded(name, f"failed to import {entry_point.value!r}: {type(error).__name__}: {error}")
            continue
        _register(plugins, plugin, name)


def _load_file(plugins: Plugins, path: Path) -> None:
    name = path.stem
    plugins.infos[name] = PluginInfo(name, FILE, str(path))
    module_name = f"dlbench_plugins_dir.{name}"
    try:
        spec = importlib.util.spec_from_file_location(module_name, path)
        module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        sys.modules[module_name] = module  # dataclasses and pickling look plugin modules up here
        spec.loader.exec_module(module)  # type: ignore[union-attr]
    except Exception as error:
        sys.modules.pop(module_name, None)
        plugins.not_loaded(name, f"failed to import: {type(error).__name__}: {error}")
        return
    _register(plugins, module, name)


def _register(plugins: Plugins, plugin: object, name: str) -> None:
    """Register one third-party plugin; one that is invalid or implements an unknown hook is left out."""
    pm = plugins.pm
    if pm.has_plugin(name):
        plugins.not_loaded(name, f"another plugin is already registered as {name!r}; rename the file or entry point")
        return
    try:
        pm.register(plugin, name=name)
    except (pluggy.PluginValidationError, ValueError) as error:
        plugins.not_loaded(name, f"invalid hook implementation: {error}")
        return
    unknown = sorted(caller.name for caller in pm.get_hookcallers(plugin) or () if not caller.has_spec())
    if unknown:
        pm.unregister(name=name)
        valid = hookspecs.hook_names()
        named = ", ".join(hook + did_you_mean(hook, valid) for hook in unknown)
        plugins.not_loaded(name, f"implements unknown hook(s) {named}; valid hooks: {', '.join(valid)}")
