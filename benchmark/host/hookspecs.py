"""The hooks dlbench calls. Plugins implement them with ``@dlbench.hookimpl``.

Every ``register_*`` hook receives a ``register`` callback rather than returning values,
so the callback can grow keyword arguments later without breaking plugins, and
duplicate names are caught in one place (the registry). ``trial_finished`` and
``run_finished`` notify observers of a run.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable, List

import pluggy

if TYPE_CHECKING:
    from dlbench.types import Model, Reporter, Task, TaskSource, TrialResult

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


@hookspec
def register_reporters(register: Callable[[Reporter], None]) -> None:
    """Register report formats by calling ``register(Reporter(...))`` once per format.

    ``dlbench report --format NAME`` renders with the reporter of that name; the built-in formats
    (markdown, html, latex, csv, json) are registered through this hook too.

    :param register: callback taking one :class:`dlbench.Reporter`; format names must be unique.
    """


@hookspec
def trial_finished(result: TrialResult) -> None:
    """Called after every trial this process ran (complete, pruned or failed), in the process that ran it.

    For logging to MLflow, Weights & Biases or a dashboard. An observer that raises is reported and
    left out of the rest of the run; the trial is saved whatever it does.

    :param result: the trial as :class:`dlbench.TrialResult` (the fields of a ``trials.csv`` row).
    """


@hookspec
def run_finished(run_dir: Path) -> None:
    """Called once a run has ended and its folder holds every table (also when it ended early on Ctrl-C).

    :param run_dir: the run folder: ``results.csv``, ``trials.csv``, ``leaderboard.md``, ``run.json`` ...
    """


def hook_names() -> List[str]:
    """The names of every hook, sorted."""
    return sorted(name for name, value in globals().items() if hasattr(value, f"{PROJECT_NAME}_spec"))
