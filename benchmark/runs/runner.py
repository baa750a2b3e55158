"""A benchmark run: for every task x model, tune, refit the best params on train, score once on test.

Studies and their result rows live in the run's Optuna storage (a journal file in the run folder by
default, see :mod:`dlbench.tuning.storage`); the run folder's files are rewritten from it after every study.
So a run can be resumed, and any number of workers can share it.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from dlbench.data.arrays import take_rows
from dlbench.data.splits import stratified_indices
from dlbench.errors import DlbenchError
from dlbench.files import create_run_dir, disk_full, write_json_atomic
from dlbench.host.observers import Observers
from dlbench.host.validation import check_task_data
from dlbench.progress import Progress
from dlbench.reports.significance import ALPHA
from dlbench.results.metrics import classification_scores
from dlbench.results.predictions import Predictions, save_predictions
from dlbench.results.schema import ResultRow
from dlbench.runs.environment import collect_environment
from dlbench.runs.kept_data import keep_task_data
from dlbench.runs.locking import RunLock
from dlbench.runs.run_files import RunFiles, collect_rows
from dlbench.runs.workers import (WorkerPlan, bind_worker, cpu_cores, interrupt_helpers, plan_workers, start_helpers,
                                  wait_for_helpers)
from dlbench.timing import TimeSplit
from dlbench.training.options import build_estimator, run_precision, trained_precision
from dlbench.training.outputs import checked_labels
from dlbench.training.param_counts import reported_count
from dlbench.tuning.storage import (JOURNAL_FILE, JOURNAL_LOCK_SUFFIX, claim_refit, find_study_id, journal_url,
                                    mark_interrupted, open_storage, redact, release_refit_claim,
                                    remove_stale_journal_lock, repair_journal_tail, save_results, saved_results,
                                    study_name, withdraw_waiting)
from dlbench.tuning.studies import Split, StudyOutcome, open_study, study_outcome, trial_lanes, tune
from dlbench.types import DataSettings, Model, Task, TaskData, TaskInfo, TrainingSettings

VAL_FRACTION = 0.2
RUN_FILE = "run.json"  # a run's command line and folder, storage URL, study name, tasks, models, their plugins and
# the resolved settings a resume continues with


class RunInterrupted(KeyboardInterrupt):
    """The run was interrupted (Ctrl-C, a notebook's stop button); everything finished is saved in ``run_dir``,
    which :func:`dlbench.resume` (``dlbench run --resume``) continues. A KeyboardInterrupt, so that an
    ``except Exception`` does not swallow the stop.

    ``plugins_dirs`` and ``storage`` are the plugin folders and shared storage the run used: a resume needs
    them given again."""

    def __init__(self, run_dir: Path, plugins_dirs: Sequence[str] = (), storage: Optional[str] = None) -> None:
        super().__init__(f"interrupted; finished work is saved in {run_dir}; dlbench.resume({str(run_dir)!r}) "
                         "finishes it")
        self.run_dir, self.plugins_dirs, self.storage = Path(run_dir), list(plugins_dirs), storage


class RunDiskFull(Exception):
    """The disk filled up during the run: ``error`` is the failed write. Every file in ``run_dir`` is whole (each
    is replaced atomically, a journal entry is appended whole or not at all), so ``--resume`` continues the run
    once space is freed. A full disk before a new run started raises the OSError itself, its folder removed."""

    def __init__(self, run_dir: Path, error: OSError) -> None:
        super().__init__(f"{run_dir}: {error}")
        self.run_dir, self.error = run_dir, error


@dataclass(frozen=True)
class RunConfig:
    """Everything a run needs: what to run, how long, where to write, and who to tell."""

    tasks: Sequence[Task]
    models: Sequence[Model]
    trials: Optional[int] = 10
    timeout: Optional[float] = None
    budget: Optional[float] = None
    pruner: str = "median"
    seeds: int = 1
    seed: int = 0
    output: Path = Path("results")
    quiet: bool = False
    argv: Sequence[str] = field(default_factory=list)
    storage: Optional[str] = None  # an Optuna storage URL shared with other workers; default: the run folder's journal
    study_name: str = "dlbench"
    jobs: Optional[int] = None  # parallel workers; default: one per GPU, else one
    devices: Optional[int] = None  # use only the first N GPUs
    observers: Optional[Observers] = None  # plugins told about finished trials and the finished run
    precision: Optional[str] = None  # deep models' --precision, resolved before the run starts (run_precision:
    # bf16-mixed on a GPU or CPU with native bfloat16, else 32); recorded in run.json, environment.json, results.csv
    compile: bool = False  # torch.compile the deep models' networks
    data_dir: Optional[Path] = None  # --data-dir; default: $DLBENCH_DATA, else ~/.cache/dlbench
    settings: Mapping[str, Any] = field(default_factory=dict)  # the resolved options, kept in run.json for --resume
    alpha: float = ALPHA  # significance level of the deep-vs-classical tests in the run's tables
    plugins: Sequence[Mapping[str, Any]] = ()  # the plugins of the models and tasks (environment.run_plugins)
    budget_weights: Mapping[str, float] = field(default_factory=dict)  # a task's weight in the budget (default 1)
    kept_tasks: Sequence[Task] = ()  # tasks handed over in memory, whose arrays the run folder keeps (runs.kept_data)

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
    n_classes = len(np.unique(data.y_train))  # a small subsample (--train-sizes) still validates every class
    fit, val = stratified_indices(data.y_train, max(VAL_FRACTION, n_classes / len(data.y_train)), seed)
    order = np.concatenate([fit, val])
    images, labels = take_rows(data.x_train, order), data.y_train[order]
    n_fit = len(fit)
    reordered = TaskData(images, labels, data.x_test, data.y_test)
    return reordered, Split(images[:n_fit], labels[:n_fit], images[n_fit:], labels[n_fit:])


def prepare(task: Task, seed: int, data_settings: Optional[DataSettings] = None,
            training: TrainingSettings = TrainingSettings()) -> Tuple[TaskData, TaskInfo, Split]:
    """Load and check a task's data (handing its loader ``data_settings``, by default the default data
    directory's), and draw its validation split; nothing else keeps the loaded arrays. The task's
    :class:`TaskInfo` carries ``training`` to the estimators its models build."""
    data = task.load_data(data_settings or DataSettings())
    check_task_data(task, data)
    info = TaskInfo(task.name, tuple(data.x_train.shape[1:]), len(task.class_names), tuple(task.class_names), seed,
                    training, task.augmentation)
    data, split = tuning_split(data, seed)
    return data, info, split


def study_timeout(config: RunConfig, elapsed: float, tasks_left: float, models_in_task: int,
                  weight: float = 1.0) -> Optional[float]:
    """Tuning time for each study of the next task: ``--timeout``, capped by the task's fair share of what is
    left of ``--budget`` (the time left times the task's ``weight`` over the weights of the tasks left,
    ``tasks_left``: one per task, so an equal share each), split equally between the task's models. The sizes
    of one task in a ``--train-sizes`` run share one task's weight in proportion to their images
    (:func:`dlbench.runs.train_sizes.budget_weights`): a bigger subsample needs longer trials.

    Within a task every model gets the same time (automlbenchmark's protocol), so a cheap model that finishes
    its trials early hands its time to the later tasks, never to a rival on its own task. Every study runs at
    least its first trial (the defaults), even when the budget is spent.
    """
    if config.budget is None:
        return config.timeout
    share = max(config.budget - elapsed, 0.0) * weight / tasks_left / models_in_task
    share = max(share, 1e-3)
    return share if config.timeout is None else min(config.timeout, share)


def class_probabilities(estimator: Any, X: np.ndarray) -> Optional[np.ndarray]:
    """``estimator.predict_proba(X)`` where the estimator gives probabilities (one row per image), else None."""
    try:
        proba = np.asarray(estimator.predict_proba(X), dtype=np.float32)
    except Exception:  # no such method, scikit-learn's "not with these parameters" (an SVC), or a plugin's bug:
        return None    # the labels are still the result
    return proba if proba.ndim == 2 and len(proba) == len(X) else None


def refit_and_score(model: Model, params: Dict[str, Any], info: TaskInfo, data: TaskData,
                    clock: Optional[TimeSplit] = None) -> Tuple[Dict[str, Any], Predictions]:
    """Fit ``params`` on the whole train split, then score once on test, timing both (also on ``clock``);
    the scores, and the test predictions (with class probabilities where the model gives them); a deep model's
    scores name the precision it trained in. Raises :class:`~dlbench.training.outputs.InvalidPredictions` when
    ``predict`` does not return one label in range per test image."""
    clock = clock or TimeSplit()
    estimator = build_estimator(model, params, info)
    started = time.perf_counter()
    with clock.fitting():
        estimator.fit(data.x_train, data.y_train)
    fit_seconds = time.perf_counter() - started
    started = time.perf_counter()
    with clock.predicting():
        predictions = estimator.predict(data.x_test)
    predict_seconds = time.perf_counter() - started
    predictions = checked_labels(model.name, predictions, len(data.x_test), info.n_classes)
    kept = Predictions(np.asarray(data.y_test), predictions, class_probabilities(estimator, data.x_test))
    return {**classification_scores(data.y_test, predictions), "fit_seconds": fit_seconds,
            "predict_seconds_per_1k": predict_seconds / len(data.x_test) * 1000,
            "n_params": reported_count(estimator), **_precision_of(model, estimator, info),
            "device": str(getattr(estimator, "device_", "cpu"))}, kept


def _precision_of(model: Model, estimator: Any, info: TaskInfo) -> Dict[str, str]:
    """A deep model's ``precision`` column: what its estimator trained in where it says (a plugin may choose its
    own), else the run's; nothing for a classical model."""
    if model.family != "deep":
        return {}
    return {"precision": trained_precision(estimator) or info.training.precision or ""}


def _result_row(task: Task, model: Model, seed: int, outcome, scores: Dict[str, Any], error: str) -> Dict[str, Any]:
    """A :class:`ResultRow` as a dict, with the device the refit ran on (for environment.json, not a column)."""
    scores = dict(scores)
    device = scores.pop("device", None)
    row = ResultRow(task=task.name, model=model.name, family=model.family, seed=seed,
                    status="ok" if not error else "failed", **scores,
                    val_accuracy=outcome.best_val_accuracy, n_trials=outcome.n_finished,
                    trials_completed=outcome.n_in_state("complete"), trials_pruned=outcome.n_in_state("pruned"),
                    trials_failed=outcome.n_in_state("fail"), tuning_seconds=outcome.seconds,
                    best_params=json.dumps(outcome.best_params, sort_keys=True) if outcome.best_params else "",
                    error=error).to_row()
    return row if device is None else {**row, "device": device}


def refit_rows(model: Model, task: Task, info: TaskInfo, data: TaskData, outcome: StudyOutcome,
               seeds: Sequence[int], clock: Optional[TimeSplit] = None,
               keep: Callable[[int, Predictions], None] = lambda seed, predictions: None) -> List[Dict[str, Any]]:
    """One result row per seed: the study's best params refitted with that seed and scored on test; each
    seed's test predictions go to ``keep``. A deep model's rows name the precision it trained in (a failed
    refit's, the run's)."""
    rows = []
    given = {"train_size": len(data.y_train), **_precision_of(model, None, info)}
    for seed in seeds:
        scores: Dict[str, Any] = {}
        error = ""
        if outcome.best_params is None:
            error = f"every trial failed; first error: {outcome.first_error}"
        else:
            try:
                scores, predictions = refit_and_score(model, outcome.best_params, replace(info, seed=seed), data,
                                                      clock)
            except Exception as failure:  # a refit can fail where the trials did not
                error = f"refit failed: {type(failure).__name__}: {failure}"
            else:
                keep(seed, predictions)
        rows.append(_result_row(task, model, seed, outcome, {**given, **scores}, error))
    return rows


def load_run_file(run_dir: Path) -> Dict[str, Any]:
    """The ``run.json`` of ``run_dir``; a DlbenchError when the folder is not a dlbench run folder, or when
    its ``run.json`` lacks what a resume or a refresh reads."""
    path = Path(run_dir) / RUN_FILE
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DlbenchError(f"{str(run_dir)!r} is not a dlbench run folder (it has no {RUN_FILE})") from None
    except (OSError, ValueError) as error:
        raise DlbenchError(f"cannot read {str(path)!r}: {error}") from None
    problem = _run_file_problem(document)
    if problem is not None:
        raise DlbenchError(f"{str(path)!r} {problem}; restore it from a backup or start a new run "
                           "(dlbench report still reads the run folder's results.csv)")
    return document


def _run_file_problem(document: Any) -> Optional[str]:
    """The first thing a parsed ``run.json`` lacks (as written by :func:`_start`), or None."""
    if not isinstance(document, dict):
        return "is not a JSON object"

    def names(value: Any) -> bool:
        return isinstance(value, list) and bool(value) and all(isinstance(item, str) for item in value)

    if not (names(document.get("argv")) and document["argv"][0] == "run"):
        return "has no 'argv' list (the dlbench run command line)"
    for key in ("tasks", "models"):
        if not names(document.get(key)):
            return f"has no {key!r} list"
    if not isinstance(document.get("study_name"), str):
        return "has no 'study_name' string"
    if not isinstance(document.get("cwd", ""), str):
        return "has a 'cwd' that is not a string"
    return None


def _names(config: RunConfig, task: Task, model: Model) -> str:
    return study_name(config.study_name, task.name, model.name)


def _saved_rows(storage: Any, name: str) -> List[Dict[str, Any]]:
    """The result rows saved so far for study ``name``: one per seed refitted (none before its refit)."""
    study_id = find_study_id(storage, name)
    return (saved_results(storage, study_id) if study_id is not None else None) or []


def _missing_seeds(config: RunConfig, storage: Any, name: str) -> List[int]:
    """The refit seeds of study ``name`` that have no saved result row yet, in order."""
    saved = {row["seed"] for row in _saved_rows(storage, name)}
    return [seed for seed in config.refit_seeds if seed not in saved]


def _unfinished(config: RunConfig, storage: Any) -> List[Tuple[Task, Model]]:
    """The studies of ``config`` whose results are not all saved (also those refitted for only some seeds), in
    run order."""
    return [(task, model) for task in config.tasks for model in config.models
            if _missing_seeds(config, storage, _names(config, task, model))]


def _reopen(config: RunConfig, storage: Any, studies: Sequence[Tuple[Task, Model]]) -> None:
    """Before a resume: trials left running by the stopped run are interrupted, those left waiting withdrawn (the
    warm starts among them are enqueued again in their order), unfinished refits unclaimed."""
    for task, model in studies:
        name = _names(config, task, model)
        study_id = find_study_id(storage, name)
        if study_id is not None:
            mark_interrupted(storage, study_id)
            withdraw_waiting(storage, study_id)
            release_refit_claim(storage, name)


def _refit_is_mine(config: RunConfig, storage: Any, study: Any, name: str) -> bool:
    """Whether this worker refits the study: its trials are all finished, a seed is still to refit, and this
    worker claimed it first."""
    import optuna

    running = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,))
    return not running and bool(_missing_seeds(config, storage, name)) and claim_refit(storage, name)


def _refit(config: RunConfig, storage: Any, study: Any, name: str, model: Model, task: Task, info: TaskInfo,
           data: TaskData, outcome: StudyOutcome, progress: Progress, run_dir: Path, clock: TimeSplit) -> None:
    """Refit the study's best params with each seed that has no result row yet, saving the rows (in seed order)
    after every seed: an interruption loses at most the seed being refitted."""
    seeds = config.refit_seeds
    rows = _saved_rows(storage, name)

    def keep(seed: int, predictions: Predictions) -> None:
        save_predictions(run_dir, task.name, model.name, seed, predictions)

    for seed in _missing_seeds(config, storage, name):
        which = f", seed {seed} ({seeds.index(seed) + 1} of {len(seeds)})" if len(seeds) > 1 else ""
        progress.status(f"refitting {task.name} × {model.name}{which}")
        rows += refit_rows(model, task, info, data, outcome, [seed], clock, keep)
        save_results(study, sorted(rows, key=lambda row: row["seed"]))


def work(config: RunConfig, studies: Sequence[Tuple[Task, Model]], storage: Any, worker: int, progress: Progress,
         run_dir: Path, threads: int, after_study: Callable[[], None] = lambda: None,
         clock: Optional[TimeSplit] = None) -> None:
    """Take part in ``studies``: run their trials with the other workers (a single-threaded model's side by
    side, one per core of this worker), and refit those this worker finishes last, keeping the refits' test
    predictions in ``run_dir``.

    ``worker`` varies the samplers' seeds between concurrent workers; ``threads`` are its cores; ``clock`` adds up
    model fit and predict time.
    """
    clock = clock or TimeSplit()
    training = TrainingSettings(config.precision, config.compile, threads)
    data_settings = DataSettings(config.data_dir, progress=not config.quiet)
    started = time.time()
    weights = {id(task): config.budget_weights.get(task.name, 1.0) for task, _ in studies}
    tasks_left = sum(weights.values())

    def on_trial(row: Dict[str, Any], finished: int) -> None:
        progress.trial_done(row, finished)
        if config.observers is not None:
            config.observers.trial_finished(row)

    for task in config.tasks:
        models = [model for candidate, model in studies if candidate is task]
        if not models:
            continue
        progress.status(f"loading {task.name}")
        data, info, split = prepare(task, config.seed, data_settings, training)
        # every model of the task counts, also those finished before a resume: each gets a fresh run's share
        timeout = study_timeout(config, time.time() - started, tasks_left, len(config.models), weights[id(task)])
        tasks_left -= weights[id(task)]
        for model in models:
            name = _names(config, task, model)
            progress.start_study(task.name, model.name)
            study = open_study(model, info, config.seed, config.pruner, storage, name, worker)
            if _saved_rows(storage, name):  # refitted for some seeds already: its tuning is over, the rest use its best
                outcome = study_outcome(model, task.name, study.get_trials(deepcopy=False))
            else:
                outcome = tune(model, info, split, config.trials, timeout, config.seed, on_trial=on_trial,
                               study=study, clock=clock, lanes=trial_lanes(model, threads))
            if _refit_is_mine(config, storage, study, name):
                outcome = study_outcome(model, task.name, study.get_trials(deepcopy=False))  # every worker's trials
                _refit(config, storage, study, name, model, task, info, data, outcome, progress, run_dir, clock)
            progress.end_study(outcome.n_finished, outcome.best_val_accuracy)
            after_study()


def _sampler_offset(config: RunConfig, worker: int) -> int:
    """Workers of a shared ``--storage`` may run anywhere: their sampler seeds differ by process too."""
    return worker + (os.getpid() if config.storage else 0)


def _start(config: RunConfig) -> Path:
    """A new run folder with its ``run.json``; when that cannot be written, no folder is left behind (a folder
    without its whole ``run.json`` could not be resumed)."""
    run_dir = create_run_dir(config.output)
    try:
        write_json_atomic(run_dir / RUN_FILE, {
            "argv": list(config.argv), "cwd": os.getcwd(), "storage": config.storage or journal_url(run_dir),
            "study_name": config.study_name, "tasks": [task.name for task in config.tasks],
            "models": [model.name for model in config.models],
            "plugins": [dict(record) for record in config.plugins], "settings": dict(config.settings)})
        keep_task_data(run_dir, config.kept_tasks)
    except BaseException:
        shutil.rmtree(run_dir, ignore_errors=True)  # a failed write leaves no run folder that could not be resumed
        raise
    return run_dir


def write_run_files(storage: Any, base: str, tasks: Sequence[str], models: Sequence[Model],
                    run_dir: Path, plots: bool = False, alpha: float = ALPHA) -> List[Dict[str, Any]]:
    """Rewrite the run folder's files (with ``plots``, also its PNGs) from the studies ``base/<task>/<model>``
    in ``storage``; returns the result rows."""
    trial_rows, result_rows = collect_rows(storage, base, tasks, models)
    RunFiles(run_dir).write(trial_rows, result_rows, plots=plots, alpha=alpha)
    return result_rows


def _recover_journal(journal: Path) -> None:
    """Before a resume, under the run folder's lock: undo what a killed run left in its journal, saying so."""
    if repair_journal_tail(journal):
        sys.stderr.write(f"dlbench: warning: {str(journal)!r} ended in an entry that a killed run left half-written "
                         "or damaged; cut it, and the step it recorded is redone\n")
    if remove_stale_journal_lock(journal):
        sys.stderr.write(f"dlbench: warning: removed the lock {str(journal) + JOURNAL_LOCK_SUFFIX!r} that a killed "
                         "run left on its journal\n")


@dataclass
class _OpenRun:
    """A run folder, locked by this process, with its storage, the studies left to run and its environment."""

    run_dir: Path
    lock: RunLock
    storage: Any
    studies: List[Tuple[Task, Model]]
    environment: Dict[str, Any]


def run(config: RunConfig, resume: Optional[Path] = None) -> Path:
    """Run every study of ``config`` (or, with ``resume``, what that run folder has not finished); returns the folder.

    With ``config.jobs`` > 1 helper workers share the studies. The files are rewritten after every
    study, so an interrupted run keeps what it finished. A full disk raises :class:`RunDiskFull`.
    """
    clock, run_started = TimeSplit(), time.perf_counter()
    config = replace(config, precision=run_precision(config.precision))  # never None: what the deep models train in
    if any(model.family == "deep" for model in config.models):
        import pytorch_lightning  # noqa: F401 - its import (seconds) is dlbench's time, not the first fit's

    plan = plan_workers(config.jobs, config.devices)
    opened = _open(config, resume, plan)
    task_names = [task.name for task in config.tasks]
    progress = Progress(total_studies=len(opened.studies), trials=config.trials, disabled=config.quiet,
                        stream=sys.stderr)
    helpers = start_helpers(plan, opened.run_dir, ["--jobs", str(plan.jobs)])
    failed = False
    try:
        try:
            work(config, opened.studies, opened.storage, _sampler_offset(config, 0), progress, opened.run_dir,
                 plan.threads, clock=clock,
                 after_study=lambda: write_run_files(opened.storage, config.study_name, task_names, config.models,
                                                     opened.run_dir, alpha=config.alpha))
            opened.environment["worker_failures"] = wait_for_helpers(helpers)
        except BaseException:
            failed = True
            interrupt_helpers(helpers)
            raise
        finally:
            progress.close()
            _finish(config, opened, failed, clock, run_started)
    except KeyboardInterrupt:  # Ctrl-C; a second one while the files are written stops them at once, and the
        opened.lock.release()  # folder stays resumable: each file is replaced atomically, the storage holds what finished
        raise RunInterrupted(opened.run_dir, config.settings.get("plugins_dir", ()), config.storage) from None
    except BaseException as error:
        full = disk_full(error)
        if full is None:
            raise
        opened.lock.release()
        raise RunDiskFull(opened.run_dir, full) from None
    return opened.run_dir


def _open(config: RunConfig, resume: Optional[Path], plan: WorkerPlan) -> _OpenRun:
    """Make (or, with ``resume``, lock and repair) the run folder, open its storage and write its environment.

    A full disk here leaves no folder of a new run behind (the OSError goes on up) and raises
    :class:`RunDiskFull` for a resumed one.
    """
    shared = open_storage(config.storage) if config.storage and resume is None else None  # fail before any folder
    run_dir = _start(config) if resume is None else Path(resume)
    lock = RunLock(run_dir)
    try:
        lock.acquire()  # before a resume touches anything: a live run is not resumed twice
        if resume is not None and config.storage is None:
            _recover_journal(run_dir / JOURNAL_FILE)
        url = config.storage or journal_url(run_dir)
        storage = shared or open_storage(url)
        studies = _unfinished(config, storage)
        if resume is not None:
            _reopen(config, storage, studies)
        bind_worker(plan)
        environment = collect_environment(config.seed, config.argv, run_dir.name)
        environment.update(storage=redact(url) if config.storage else "run folder journal", jobs=plan.jobs,
                           precision=config.precision,
                           resumed=resume is not None, plugins=[dict(record) for record in config.plugins])
        write_json_atomic(run_dir / "environment.json", environment)
    except BaseException as error:
        full = disk_full(error)
        if full is None:
            raise
        lock.release()
        if resume is None:  # a new run that never started: nothing in its folder to resume, so none is left behind
            shutil.rmtree(run_dir, ignore_errors=True)
            raise
        raise RunDiskFull(run_dir, full) from None
    return _OpenRun(run_dir, lock, storage, list(studies), environment)


def _finish(config: RunConfig, opened: _OpenRun, failed: bool, clock: TimeSplit, run_started: float) -> None:
    """Write the run's files and plots and its environment's last figures, release the folder and tell the
    observers. After a ``failed`` run, a disk still full leaves the files as they were (the failure goes on up)."""
    import torch

    try:
        rows = write_run_files(opened.storage, config.study_name, [task.name for task in config.tasks],
                               config.models, opened.run_dir, plots=True, alpha=config.alpha)
        devices = sorted({row.get("device", "cpu") for row in rows if row.get("device")})
        expected = len(config.tasks) * len(config.models) * len(config.refit_seeds)
        seconds = time.perf_counter() - run_started
        opened.environment.update(device=", ".join(devices) or opened.environment["device"],
                                  torch_threads=torch.get_num_threads(), duration_seconds=round(seconds, 1),
                                  finished=len(rows) == expected, time_split=clock.report(seconds))
        write_json_atomic(opened.run_dir / "environment.json", opened.environment)
    except OSError as error:
        if not failed or disk_full(error) is None:
            raise
        # the disk is (still) full after a failure: the files keep their last whole versions, and what
        # stopped the run goes on up instead of a second error chained to it
    opened.lock.release()
    if config.observers is not None:
        config.observers.run_finished(opened.run_dir)


def run_helper(config: RunConfig, run_dir: Path, worker: int) -> None:
    """Worker ``worker`` of the run in ``run_dir``: trials and refits only; the run's own process writes the files."""
    storage = open_storage(config.storage or journal_url(run_dir))
    config = replace(config, precision=run_precision(config.precision))
    jobs = config.jobs or 1
    plan = WorkerPlan(jobs=jobs, threads=max(cpu_cores() // jobs, 1))
    bind_worker(plan)
    work(config, _unfinished(config, storage), storage, _sampler_offset(config, worker),
         Progress(total_studies=0, trials=None, disabled=True), run_dir, plan.threads)
