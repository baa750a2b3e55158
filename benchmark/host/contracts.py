"""The contract checks the host applies to what plugins register; :mod:`dlbench.testing` runs the same ones.

Each check raises :class:`ContractError` with one line naming the model or task and what is wrong.
Structural checks are cheap and run when the catalogue is built; :func:`check_search_space` calls
the model's search space and runs when a model is selected for a run.
"""

from __future__ import annotations

import re
import warnings
from typing import Any, Mapping

from dlbench.errors import DlbenchError
from dlbench.types import FAMILIES, Model, Reporter, Task, TaskSource

# Model names are chosen with --model (shell wildcards) and joined to task names in study names: no
# wildcard characters, no '/', nothing that a CSV row or a terminal would mangle.
MODEL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]*")


class ContractError(DlbenchError):
    """Something a plugin registered breaks the plugin contract."""


def check_model(model: object) -> None:
    """A :class:`Model` with a name, a valid family, a search space, defaults and a build function."""
    if not isinstance(model, Model):
        raise ContractError(f"registered {model!r} as a model; expected a dlbench.Model")
    where = f"model {model.name!r}"
    if not isinstance(model.name, str) or not MODEL_NAME.fullmatch(model.name):
        raise ContractError(f"model name {model.name!r} is not valid: use letters, digits and . _ + - "
                            "(starting with a letter or digit), as in 'decision-tree'")
    if model.family not in FAMILIES:
        raise ContractError(f"{where} has family {model.family!r}; valid families: {', '.join(FAMILIES)}")
    if not callable(model.search_space):
        raise ContractError(f"{where} has no search space: search_space must be a function trial -> params")
    if not callable(model.build):
        raise ContractError(f"{where} has no build function: build must be a function (params, task_info) -> estimator")
    if not isinstance(model.defaults, Mapping):
        raise ContractError(f"{where}: defaults must be a dict of parameters, got {type(model.defaults).__name__}")
    if not isinstance(model.single_threaded, bool):
        raise ContractError(f"{where}: single_threaded must be True or False, got {model.single_threaded!r}")


def check_search_space(model: Model, samples: int = 3) -> None:
    """Call the model's search space on its defaults, its portfolio and ``samples`` random trials.

    Each must return a dict; the defaults and every portfolio entry must lie inside the space
    (every parameter suggested, each value in its range, nothing left over).
    """
    import optuna

    where = f"model {model.name!r}"
    for label, params in [("defaults", model.defaults), *((f"portfolio[{index}]", entry)
                                                            for index, entry in enumerate(model.portfolio))]:
        trial = optuna.trial.FixedTrial(dict(params))
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # FixedTrial only warns about values out of range
            returned = _call_space(model, trial, f"on its {label} {dict(params)}")
        left_over = sorted(set(params) - set(trial.params))
        if left_over:
            raise ContractError(f"{where}: {label} set {', '.join(left_over)}, which the search space never suggests")
        _check_params(where, returned)
    optuna.logging.set_verbosity(optuna.logging.ERROR)  # as in a run: no "new study created" notes
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    for _ in range(samples):
        _check_params(where, _call_space(model, study.ask(), "on a sampled trial"))


def _call_space(model: Model, trial: Any, when: str) -> Any:
    try:
        return model.search_space(trial)
    except Warning as warning:  # FixedTrial's "out of the range" warning, raised as an error
        raise ContractError(f"model {model.name!r}: the parameters {when[len('on its '):]} lie outside the search "
                            f"space: {warning}") from None
    except Exception as error:  # the plugin's code: any error is a broken search space
        raise ContractError(f"model {model.name!r}: search space raised {type(error).__name__} {when}: {error}") from None


def _check_params(where: str, params: Any) -> None:
    if not isinstance(params, dict):
        raise ContractError(f"{where}: search space returned {type(params).__name__}; it must return a dict of parameters")


def check_task(task: object) -> None:
    """A :class:`Task` with a name, tags, at least two class names and a loader."""
    if not isinstance(task, Task):
        raise ContractError(f"registered {task!r} as a task; expected a dlbench.Task")
    where = f"task {task.name!r}"
    if not isinstance(task.name, str) or not task.name.isprintable() or task.name.strip() != task.name or not task.name:
        raise ContractError(f"task name {task.name!r} is not valid: it must be printable text, without control "
                            "characters or surrounding spaces")
    if isinstance(task.tags, str) or not all(isinstance(tag, str) for tag in task.tags):
        raise ContractError(f"{where}: tags must be a tuple of strings, got {task.tags!r}")
    if len(task.class_names) < 2:
        raise ContractError(f"{where} has {len(task.class_names)} class(es); a task needs at least 2")
    if len(set(task.class_names)) != len(task.class_names):
        raise ContractError(f"{where}: class names must be unique, got {list(task.class_names)}")
    if not callable(task.load):
        raise ContractError(f"{where} has no loader: load must be a function () -> TaskData or (settings) -> TaskData")


def check_task_source(source: object) -> None:
    """A :class:`TaskSource` with a prefix and a ``make`` function."""
    if not isinstance(source, TaskSource):
        raise ContractError(f"registered {source!r} as a task source; expected a dlbench.TaskSource")
    if not source.prefix or ":" in source.prefix or not callable(source.make):
        raise ContractError(f"task source {source.prefix!r} needs a prefix without ':' and a make function")


def check_reporter(reporter: object) -> None:
    """A :class:`Reporter` with a name and a ``render`` function."""
    if not isinstance(reporter, Reporter):
        raise ContractError(f"registered {reporter!r} as a reporter; expected a dlbench.Reporter")
    if not reporter.name or not callable(reporter.render):
        raise ContractError(f"reporter {reporter.name!r} needs a name and a render function (summary, trials) -> str")
