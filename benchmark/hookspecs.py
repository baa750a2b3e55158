"""The hooks dlbench calls. Plugins implement them with ``@dlbench.hookimpl``.

Every hook receives a ``register`` callback rather than returning values, so the
callback can grow keyword arguments later without breaking plugins, and
duplicate names are caught in one place (the registry).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import pluggy

if TYPE_CHECKING:
    from .types import Model, Task, TaskSource

PROJECT_NAME = "dlbench"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def register_models(register: Callable[[Model], None]) -> None:
    """Register model plugins by calling ``register(Model(...))`` once per model.

    :param register: callback taking one :class:`dlbench.Model`. Model names must
        be unique across all plugins; a second model of the same name is an error
        that names both plugins.
    """


@hookspec
def register_tasks(register: Callable[[Task], None]) -> None:
    """Register task (data set) plugins by calling ``register(Task(...))`` once per task.

    :param register: callback taking one :class:`dlbench.Task`. Task names must be
        unique across all plugins; a second task of the same name is an error that
        names both plugins.
    """


@hookspec
def register_task_sources(register: Callable[[TaskSource], None]) -> None:
    """Register task sources that make a task from an argument: ``register(TaskSource(...))``.

    ``--task PREFIX:ARGUMENT`` calls the source's ``make(argument, options)`` (for example
    ``--task folder:./photos``); ``options`` carries ``--image-size`` and ``--color``.

    :param register: callback taking one :class:`dlbench.TaskSource`; prefixes must be unique.
    """
