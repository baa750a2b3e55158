"""A benchmark run: for every task x model, tune, refit the best params on train, score once on test."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from .arrays import take_rows
from .environment import collect_environment
from .files import create_run_dir, write_json_atomic
from .metrics import classification_scores
from .progress import Progress
from .results import RunFiles
from .splits import stratified_indices
from .tuning import Split, StudyOutcome, tune
from .types import Model, Task, TaskData, TaskInfo
from .validation import check_task_data

VAL_FRACTION = 0.2


class RunInterrupted(Exception):
    """The run was interrupted (Ctrl-C); everything finished is saved in ``run_dir``."""

    def __init__(self, run_dir: Path) -> None:
        super().__init__(str(run_dir))
        self.run_dir = run_dir


@dataclass(frozen=True)
class RunConfig:
    """Everything a run needs besides the plugins: what to run, how long, where to write."""

    tasks: Sequence[Task]
    models: Sequence[Model]
    trials: Optional[int] = 10
    timeout: Optional[float] = None
    budget: Optional[float] = None
    pruner: str = "none"
    seeds: int = 1
    seed: int = 0
    output: Path = Path("results")
    quiet: bool = False
    argv: Sequence[str] = field(default_factory=list)

    @property
    def refit_seeds(self) -> List[int]:
        """The seeds the best configuration of every study is refitted with: ``seed .. seed + seeds - 1``."""
        return list(range(self.seed, self.seed + self.seeds))


def tuning_split(data: TaskData, seed: int) -> Tuple[TaskData, Split]:
    """Hold out a stratified, seeded ``VAL_FRACTION`` of the train data for validation.

    The train arrays are reordered once so that the validation part is their tail: the fit and
    validation parts are views of the reordered arrays, not copies, and the returned data (the same
    images, reordered) replaces the loaded data, which can then be freed.
    """
    fit, val = stratified_indices(data.y_train, VAL_FRACTION, seed)
    order = np.concatenate([fit, val])
    images, labels = take_rows(data.x_train, order), data.y_train[order]
    n_fit = len(fit)
    reordered = TaskData(images, labels, data.x_test, data.y_test)
    return reordered, Split(images[:n_fit], labels[:n_fit], images[n_fit:], labels[n_fit:])


def prepare(task: Task, seed: int) -> Tuple[TaskData, TaskInfo, Split]:
    """Load and check a task's data, and draw its validation split; nothing else keeps the loaded arrays."""
    data = task.load()
    check_task_data(task, data)
    info = TaskInfo(task.name, tuple(data.x_train.shape[1:]), len(task.class_names), tuple(task.class_names), seed)
    data, split = tuning_split(data, seed)
    return data, info, split


def study_timeout(config: RunConfig, elapsed: float, studies_left: int) -> Optional[float]:
    """Tuning time for the next study: ``--timeout``, capped by a fair share of what is left of ``--budget``.

    Every study runs at least its first trial (the defaults), even when the budget is spent.
    """
    if config.budget is None:
        return config.timeout
    share = max(config.budget - elapsed, 0.0) / studies_left
    share = max(share, 1e-3)
    return share if config.timeout is None else min(config.timeout, share)


def refit_and_score(model: Model, params: Dict[str, Any], info: TaskInfo, data: TaskData) -> Dict[str, Any]:
    """Fit ``params`` on the whole train split, then score once on test, timing both."""
    estimator = model.build(params, info)
    started = time.perf_counter()
    estimator.fit(data.x_train, data.y_train)
    fit_seconds = time.perf_counter() - started
    started = time.perf_counter()
    predictions = estimator.predict(data.x_test)
    predict_seconds = time.perf_counter() - started
    return {**classification_scores(data.y_test, predictions), "fit_seconds": fit_seconds,
            "predict_seconds_per_1k": predict_seconds / len(data.x_test) * 1000,
            "n_params": int(getattr(estimator, "n_params", 0)),
            "device": str(getattr(estimator, "device_", "cpu"))}


def _result_row(task: Task, model: Model, seed: int, outcome, scores: Dict[str, Any], error: str) -> Dict[str, Any]:
    return {"task": task.name, "model": model.name, "family": model.family, "seed": seed,
            "status": "ok" if not error else "failed", **scores,
            "val_accuracy": outcome.best_val_accuracy, "n_trials": len(outcome.trials),
            "tuning_seconds": outcome.seconds,
            "best_params": json.dumps(outcome.best_params, sort_keys=True) if outcome.best_params else "",
            "error": error}


def refit_rows(model: Model, task: Task, info: TaskInfo, data: TaskData, outcome: StudyOutcome,
               seeds: Sequence[int]) -> List[Dict[str, Any]]:
    """One result row per seed: the study's best params refitted with that seed and scored on test."""
    rows = []
    for seed in seeds:
        scores: Dict[str, Any] = {}
        error = ""
        if outcome.best_params is None:
            error = f"every trial failed; first error: {outcome.first_error}"
        else:
            try:
                scores = refit_and_score(model, outcome.best_params, replace(info, seed=seed), data)
            except Exception as failure:  # a refit can fail where the trials did not
                error = f"refit failed: {type(failure).__name__}: {failure}"
        rows.append(_result_row(task, model, seed, outcome, scores, error))
    return rows


def run(config: RunConfig) -> Path:
    """Run every study of ``config`` and write the run folder; returns its path.

    Files are rewritten after every study, so an interrupted run keeps what it finished.
    """
    import torch

    run_dir = create_run_dir(config.output)
    files = RunFiles(run_dir)
    started = time.time()
    studies_left = len(config.tasks) * len(config.models)
    environment = collect_environment(config.seed, config.argv, run_dir.name)
    write_json_atomic(run_dir / "environment.json", environment)
    devices = set()
    progress = Progress(total_studies=len(config.tasks) * len(config.models), trials=config.trials,
                        disabled=config.quiet)
    try:
        for task in config.tasks:
            progress.status(f"loading {task.name}")
            data, info, split = prepare(task, config.seed)
            for model in config.models:
                progress.start_study(f"{task.name} × {model.name}")
                timeout = study_timeout(config, time.time() - started, studies_left)
                outcome = tune(model, info, split, config.trials, timeout, config.seed, on_trial=progress.trial_done,
                               pruner=config.pruner)
                studies_left -= 1
                files.add_trials(outcome.trials)
                progress.status(f"refitting {task.name} × {model.name}")
                for row in refit_rows(model, task, info, data, outcome, config.refit_seeds):
                    devices.add(row.pop("device", "cpu"))
                    files.add_result(row)
                progress.end_study()
    except KeyboardInterrupt:
        raise RunInterrupted(run_dir) from None
    finally:
        progress.close()
        files.write_tables()
        environment.update(device=", ".join(sorted(devices)) or environment["device"],
                           torch_threads=torch.get_num_threads(), duration_seconds=round(time.time() - started, 1),
                           finished=files.complete(len(config.tasks) * len(config.models) * len(config.refit_seeds)))
        write_json_atomic(run_dir / "environment.json", environment)
    return run_dir
