"""One Optuna study per task x model: the defaults first, then the portfolio, then TPE, maximising validation accuracy."""

from __future__ import annotations

import json
import time
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional

import numpy as np

from .metrics import accuracy
from .pruning import make_pruner, report_epochs
from .types import Model, TaskInfo

if TYPE_CHECKING:
    import optuna

TRIAL_COLUMNS = ["task", "model", "family", "trial", "state", "val_accuracy", "fit_seconds", "epochs", "params", "error"]


@dataclass(frozen=True)
class Split:
    """The tuning split of a task's train data: fit on ``x_fit``, score on ``x_val``."""

    x_fit: np.ndarray
    y_fit: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray


@dataclass
class StudyOutcome:
    """What a study found: every trial as a row, and the best params (None when every trial failed)."""

    trials: List[Dict[str, Any]] = field(default_factory=list)
    best_params: Optional[Dict[str, Any]] = None
    best_val_accuracy: float = float("nan")
    seconds: float = 0.0

    @property
    def first_error(self) -> str:
        """The reason the first failed trial gave, or an empty string."""
        return next((row["error"] for row in self.trials if row["error"]), "")


def study_seed(seed: int, task: str, model: str) -> int:
    """A stable per-study seed, so studies differ from each other but not between runs."""
    return zlib.crc32(f"{seed}/{task}/{model}".encode()) & 0x7FFFFFFF


def _format_error(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}".splitlines()[0][:300]


def tune(model: Model, info: TaskInfo, split: Split, n_trials: Optional[int], timeout: Optional[float],
         seed: int, on_trial: Callable[[Dict[str, Any]], None] = lambda row: None,
         pruner: str = "none") -> StudyOutcome:
    """Run one study: the model's defaults as trial 0, then TPE, within ``n_trials`` and/or ``timeout``.

    Deep models report validation accuracy after every epoch, and ``pruner`` stops weak trials.
    """
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)  # failures are reported in trials.csv, not as log noise
    sampler = optuna.samplers.TPESampler(seed=study_seed(seed, info.name, model.name), n_startup_trials=5)
    study = optuna.create_study(direction="maximize", sampler=sampler, pruner=make_pruner(pruner),
                                study_name=f"{info.name}/{model.name}")
    for params in (model.defaults, *model.portfolio):
        study.enqueue_trial(dict(params))
    outcome = StudyOutcome()

    def objective(trial: "optuna.Trial") -> float:
        started = time.perf_counter()
        try:
            params = model.search_space(trial)
            estimator = model.build(params, info)
            report_epochs(estimator, trial)
            estimator.fit(split.x_fit, split.y_fit, split.x_val, split.y_val)
            trial.set_user_attr("fit_seconds", time.perf_counter() - started)
            return accuracy(split.y_val, estimator.predict(split.x_val))
        except optuna.TrialPruned:
            trial.set_user_attr("fit_seconds", time.perf_counter() - started)
            raise
        except Exception as error:
            trial.set_user_attr("fit_seconds", time.perf_counter() - started)
            trial.set_user_attr("error", _format_error(error))
            raise

    def record(study: "optuna.Study", trial: "optuna.trial.FrozenTrial") -> None:
        row = {"task": info.name, "model": model.name, "family": model.family, "trial": trial.number,
               "state": trial.state.name.lower(), "val_accuracy": _reported_accuracy(trial),
               "fit_seconds": trial.user_attrs.get("fit_seconds", float("nan")),
               "epochs": trial.user_attrs.get("epochs", ""),
               "params": json.dumps(trial.params, sort_keys=True), "error": trial.user_attrs.get("error", "")}
        outcome.trials.append(row)
        on_trial(row)

    started = time.perf_counter()
    study.optimize(objective, n_trials=n_trials, timeout=timeout, callbacks=[record], catch=(Exception,))
    outcome.seconds = time.perf_counter() - started
    completed = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    if completed:
        best = max(completed, key=lambda t: (t.value, -t.number))
        outcome.best_params = _params_of(model, best)
        outcome.best_val_accuracy = float(best.value)
    return outcome


def _reported_accuracy(trial: "optuna.trial.FrozenTrial") -> float:
    """A finished trial's validation accuracy; for a pruned trial, the last one it reported."""
    if trial.value is not None:
        return float(trial.value)
    if trial.last_step is not None:
        return float(trial.intermediate_values[trial.last_step])
    return float("nan")


def _params_of(model: Model, trial: "optuna.trial.FrozenTrial") -> Dict[str, Any]:
    """The params dict the search space returned for ``trial`` (it may add derived values)."""
    import optuna

    return model.search_space(optuna.trial.FixedTrial(trial.params))
