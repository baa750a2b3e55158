"""One Optuna study per task x model: the defaults first, then the portfolio, then TPE, maximising validation accuracy.

Trials are asked and told one at a time, so several workers (processes or machines) can share a
study in one storage and together run exactly ``n_trials``: a trial's place in the quota is its
number among the study's trials, which every Optuna storage assigns atomically.

A single-threaded model (:attr:`dlbench.Model.single_threaded`) leaves cores idle, so its trials run in
batches of ``lanes`` side by side, one per core (threads: libsvm, tree building and lbfgs release the GIL),
with the BLAS and OpenMP pools held to one thread each. A batch is asked together (each trial's params
sampled as it is asked) and told together, in trial order, so the sampler sees the same history on every
run with the same seed and cores: a study's trials do not depend on which of two fits happened to end first.
Batches are aligned to the quota (places 0-1, 2-3, ... with two lanes), whatever ran before.

A study resumed after Ctrl-C, a kill or a full disk makes the trials the undisturbed study would have:
the sampler seeds each trial by its place in the quota (see :mod:`dlbench.tuning.sampling`), and a trial that
was interrupted after its parameters were sampled runs again with those parameters, at the same place
in the same aligned batch. (Sampled again, the second trial of a batch stopped between its two tells
would see the first one's result, which the undisturbed study had not seen when it sampled.)
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Sequence, Tuple, TypeVar

import numpy as np

from dlbench.files import disk_full
from dlbench.results.metrics import accuracy
from dlbench.timing import TimeSplit
from dlbench.training.options import build_estimator
from dlbench.training.outputs import checked_labels
from dlbench.tuning.pruning import PORTFOLIO_GRACE, WARM_START, make_pruner, report_epochs
from dlbench.tuning.storage import INTERRUPTED, REPLAYS, SAMPLED, SURPLUS, in_quota, quota_place
from dlbench.types import Model, TaskInfo, TrialResult

if TYPE_CHECKING:
    import optuna

WORKER = f"{socket.gethostname()}:{os.getpid()}"  # which process ran a trial (several may share a study)
Result = TypeVar("Result")


@dataclass(frozen=True)
class Split:
    """The tuning split of a task's train data: fit on ``x_fit``, score on ``x_val``."""

    x_fit: np.ndarray
    y_fit: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray


@dataclass
class StudyOutcome:
    """What a study found, over all its workers: every trial as a row, and the best params (None when every
    trial failed). ``seconds`` is the study's tuning time: the wall time during which at least one of its
    trials was running (trials side by side, or on several workers, count once)."""

    trials: List[Dict[str, Any]] = field(default_factory=list)
    best_params: Optional[Dict[str, Any]] = None
    best_val_accuracy: float = float("nan")
    seconds: float = 0.0

    @property
    def n_finished(self) -> int:
        """Trials that ran to an end: complete, pruned or failed (not interrupted, not still running)."""
        return sum(1 for row in self.trials if row["state"] in ("complete", "pruned", "fail"))

    def n_in_state(self, state: str) -> int:
        """Trials whose ``trials.csv`` state is ``state`` (complete, pruned, fail, interrupted or running)."""
        return sum(1 for row in self.trials if row["state"] == state)

    @property
    def first_error(self) -> str:
        """The reason the first failed trial gave, or an empty string."""
        return next((row["error"] for row in self.trials if row["error"]), "")


def study_seed(seed: int, task: str, model: str) -> int:
    """A stable per-study seed, so studies differ from each other but not between runs."""
    return zlib.crc32(f"{seed}/{task}/{model}".encode()) & 0x7FFFFFFF


def _is_out_of_memory(error: BaseException) -> bool:
    """Host memory (MemoryError) or accelerator memory (torch's OutOfMemoryError, or its message)."""
    return isinstance(error, MemoryError) or type(error).__name__ == "OutOfMemoryError" or "out of memory" in str(error)


def _format_error(error: BaseException) -> str:
    """The one-line reason a trial failed, as trials.csv shows it; memory errors say so first."""
    text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    if _is_out_of_memory(error) and not text.lower().startswith("out of memory"):
        text = f"out of memory: {text}"
    return text.splitlines()[0][:300]


def _release_memory() -> None:
    """After a trial ran out of memory: free what it held, so the next trial starts clean."""
    import gc
    import sys

    gc.collect()
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        torch.cuda.empty_cache()


def open_study(model: Model, info: TaskInfo, seed: int, pruner: str, storage: Any = None,
               name: Optional[str] = None, worker: int = 0) -> "optuna.Study":
    """Create the study ``name`` in ``storage`` (in memory by default), or load it when it exists.

    Warm-start trials (the defaults, then the portfolio) are enqueued by whoever creates the study, and
    again on load for any that a stopped worker left unfinished, in their order; then, on load, the
    parameters of every sampled trial left interrupted (see :func:`_replays`). The sampler seeds each
    trial by its place in the quota (see :mod:`dlbench.tuning.sampling`), so a resumed study samples what the
    undisturbed one would have; ``worker`` varies the seeds, so concurrent workers do not sample the same
    configurations.
    """
    import optuna

    from dlbench.tuning.sampling import QuotaSeededSampler

    optuna.logging.set_verbosity(optuna.logging.ERROR)  # failures are reported in trials.csv, not as log noise
    sampler = QuotaSeededSampler(study_seed(seed, info.name, model.name), worker, n_startup_trials=5)
    name = name or f"{info.name}/{model.name}"
    try:
        study = optuna.create_study(storage=storage, study_name=name, direction="maximize", sampler=sampler,
                                    pruner=make_pruner(pruner))
        created = True
    except optuna.exceptions.DuplicatedStudyError:
        study = optuna.load_study(storage=storage, study_name=name, sampler=sampler, pruner=make_pruner(pruner))
        created = False
    warm_starts = (model.defaults, *model.portfolio)
    covered = set() if created else {trial.user_attrs[WARM_START] for trial in study.get_trials(deepcopy=False)
                                     if WARM_START in trial.user_attrs and in_quota(trial)}
    for index, params in enumerate(warm_starts):
        if index not in covered:
            study.enqueue_trial(dict(params), user_attrs={WARM_START: index})
    if not created:
        for origin, params in _replays(study.get_trials(deepcopy=False)):
            study.enqueue_trial(params, user_attrs={REPLAYS: origin, SAMPLED: True})
    return study


def _replays(trials: Sequence["optuna.trial.FrozenTrial"]) -> List[Tuple[int, Dict[str, Any]]]:
    """The sampled trials to run again, by number, with their parameters: those interrupted after every
    parameter was sampled, and not yet run again by a trial that counts (running, waiting or finished)."""
    def origin(trial: "optuna.trial.FrozenTrial") -> int:
        return trial.user_attrs.get(REPLAYS, trial.number)

    sampled = [t for t in trials if t.user_attrs.get(SAMPLED) and WARM_START not in t.user_attrs]
    taken = {origin(t) for t in sampled if in_quota(t)}
    pending = {origin(t): t.params for t in sampled if t.user_attrs.get(INTERRUPTED) and origin(t) not in taken}
    return sorted(pending.items())


def trial_lanes(model: Model, threads: int) -> int:
    """How many trials of ``model`` run side by side on a worker with ``threads`` cores: one per core for a
    single-threaded model, else one (it uses the cores itself)."""
    return max(threads, 1) if model.single_threaded else 1


def tune(model: Model, info: TaskInfo, split: Split, n_trials: Optional[int], timeout: Optional[float],
         seed: int, on_trial: Callable[[Dict[str, Any], int], None] = lambda row, finished: None,
         pruner: str = "none", study: "Optional[optuna.Study]" = None,
         clock: Optional[TimeSplit] = None, lanes: int = 1) -> StudyOutcome:
    """Run trials of one study until it holds ``n_trials`` or ``timeout`` seconds have passed.

    The study defaults to a new in-memory one (see :func:`open_study`). Deep models report validation
    accuracy after every epoch and ``pruner`` stops weak trials; one still training when ``timeout`` is up
    stops at the end of its epoch (the defaults excepted: they always train whole). ``lanes`` trials run side by side (see
    :func:`trial_lanes`). ``on_trial(row, finished)`` is called after each trial this worker ran, with the
    number of the study's finished trials. ``clock`` adds up the seconds spent inside the models' fit and
    predict. Returns what the whole study holds, including other workers' trials.
    """
    from threadpoolctl import threadpool_limits

    study = study or open_study(model, info, seed, pruner)
    clock = clock or TimeSplit()
    started = time.perf_counter()
    deadline = None if timeout is None else started + timeout
    grace = 0.0 if timeout is None else PORTFOLIO_GRACE * timeout
    with threadpool_limits(1) if lanes > 1 else contextlib.nullcontext():
        while not _should_stop(study, n_trials, timeout, time.perf_counter() - started):
            batch = _ask_batch(study, n_trials, lanes, model)
            if not batch:
                break
            try:
                outcomes = side_by_side([lambda trial=trial: _run_trial(study, trial, model, info, split, clock,
                                                                          deadline, grace)
                                         for trial in batch])
            except KeyboardInterrupt:
                _interrupt_running(study, batch)
                raise
            for trial, (state, value) in zip(batch, outcomes):
                study.tell(trial, value, state=state)
            trials = study.get_trials(deepcopy=False)
            finished = sum(1 for t in trials if t.state.is_finished() and in_quota(t))
            for trial in batch:
                on_trial(trial_row(model, info.name, next(t for t in trials if t.number == trial.number)), finished)
    return study_outcome(model, info.name, study.get_trials(deepcopy=False))


def _ask_batch(study: "optuna.Study", n_trials: Optional[int], lanes: int, model: Model) -> List["optuna.Trial"]:
    """New trials up to the end of the aligned batch (places ``k * lanes`` to ``(k + 1) * lanes - 1``), all
    within the quota, their params sampled: a trial asked beyond it (another worker took the last place first)
    is told as surplus and ends the batch."""
    import optuna

    batch: List["optuna.Trial"] = []
    size = lanes
    while len(batch) < size and not (batch and _quota_full(study, n_trials)):
        trial = study.ask()
        place = quota_place(study.get_trials(deepcopy=False), trial.number)
        if n_trials is not None and place >= n_trials:
            trial.set_user_attr(SURPLUS, True)
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
            break
        if not batch:
            size = lanes - place % lanes
        _sample_params(model, trial)
        batch.append(trial)
    return batch


def _sample_params(model: Model, trial: "optuna.Trial") -> None:
    """Sample the trial's params as it is asked, on this thread: each trial of a batch then sees those asked
    before it (running, with their params), whichever lane would have sampled first. A trial whose every
    param was sampled is marked so (see :func:`_replays`)."""
    try:
        model.search_space(trial)
    except Exception:  # a search space that raises fails the trial in _run_trial, which records the reason
        return
    trial.set_user_attr(SAMPLED, True)


def _quota_full(study: "optuna.Study", n_trials: Optional[int]) -> bool:
    """Whether the study's counted trials (running ones included) already fill ``n_trials``."""
    return n_trials is not None and sum(1 for t in study.get_trials(deepcopy=False) if in_quota(t)) >= n_trials


def side_by_side(calls: Sequence[Callable[[], Result]]) -> List[Result]:
    """The results of ``calls``, run at the same time: the first on this thread, the others on daemon threads.

    An exception of another call is raised here once all have returned. One of the first call, and Ctrl-C
    (which only this thread sees), is raised at once: the other calls are left to finish on their own, and
    their results are dropped.
    """
    results: List[Any] = [None] * len(calls)
    errors: List[BaseException] = []

    def run(index: int) -> None:
        try:
            results[index] = calls[index]()
        except BaseException as error:  # handed to the calling thread
            errors.append(error)

    threads = [threading.Thread(target=run, args=(index,), daemon=True, name=f"dlbench-lane-{index}")
               for index in range(1, len(calls))]
    for thread in threads:
        thread.start()
    if calls:
        results[0] = calls[0]()
    for thread in threads:
        while thread.is_alive():
            thread.join(0.1)  # short waits: Ctrl-C is seen between them
    if errors:
        raise errors[0]
    return results


def _interrupt_running(study: "optuna.Study", batch: Sequence["optuna.Trial"]) -> None:
    """After Ctrl-C: the batch's trials still running are told failed and interrupted (``--resume`` reruns them)."""
    import optuna

    running = {t.number for t in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,))}
    for trial in batch:
        if trial.number in running:
            trial.set_user_attr(INTERRUPTED, True)
            study.tell(trial, state=optuna.trial.TrialState.FAIL)


def _should_stop(study: "optuna.Study", n_trials: Optional[int], timeout: Optional[float], elapsed: float) -> bool:
    import optuna

    if timeout is not None and elapsed >= timeout:
        return True
    if n_trials is None:
        return False
    waiting = any(t.state == optuna.trial.TrialState.WAITING for t in study.get_trials(deepcopy=False))
    return not waiting and _quota_full(study, n_trials)


def _run_trial(study: "optuna.Study", trial: "optuna.Trial", model: Model, info: TaskInfo,
               split: Split, clock: TimeSplit, deadline: Optional[float] = None,
               grace: float = 0.0) -> Tuple[Any, Optional[float]]:
    """Fit and score one trial; its state and value for ``study.tell``. It fails when it raises, or when ``predict``
    does not return one label in range per image (see :func:`checked_labels`). Ctrl-C marks it interrupted and stops;
    a deep trial still training at ``deadline`` stops at the end of its epoch (see :func:`report_epochs`)."""
    import optuna

    TrialState = optuna.trial.TrialState
    started = time.perf_counter()
    trial.set_user_attr("worker", WORKER)
    out_of_memory = False
    try:
        params = model.search_space(trial)
        estimator = build_estimator(model, params, info)
        report_epochs(estimator, trial, deadline, grace)
        with clock.fitting():
            estimator.fit(split.x_fit, split.y_fit, split.x_val, split.y_val)
        with clock.predicting():
            predictions = estimator.predict(split.x_val)
        value = accuracy(split.y_val, checked_labels(model.name, predictions, len(split.x_val), info.n_classes))
        outcome: Tuple[Any, Optional[float]] = (TrialState.COMPLETE, value)
    except optuna.TrialPruned:
        outcome = (TrialState.PRUNED, None)
    except KeyboardInterrupt:
        trial.set_user_attr(INTERRUPTED, True)
        trial.set_user_attr("fit_seconds", time.perf_counter() - started)
        study.tell(trial, state=TrialState.FAIL)
        raise
    except Exception as error:  # a failing configuration is a result, not a crash
        if disk_full(error) is not None:  # but a full disk is the run's problem, not the configuration's
            raise
        trial.set_user_attr("error", _format_error(error))
        outcome = (TrialState.FAIL, None)
        out_of_memory = _is_out_of_memory(error)
    if out_of_memory:  # outside the except block, whose traceback holds the trial's tensors
        _release_memory()
    trial.set_user_attr("fit_seconds", time.perf_counter() - started)
    return outcome


def trial_row(model: Model, task: str, trial: "optuna.trial.FrozenTrial") -> Dict[str, Any]:
    """A trial of ``model`` on ``task`` as a ``trials.csv`` row."""
    state = "interrupted" if trial.user_attrs.get(INTERRUPTED) else trial.state.name.lower()
    return TrialResult(task=task, model=model.name, family=model.family, trial=trial.number, state=state,
                       val_accuracy=_reported_accuracy(trial),
                       fit_seconds=trial.user_attrs.get("fit_seconds", float("nan")),
                       epochs=trial.user_attrs.get("epochs"), params=trial.params,
                       error=trial.user_attrs.get("error", ""), worker=trial.user_attrs.get("worker", "")).to_row()


def study_outcome(model: Model, task: str, trials: Sequence["optuna.trial.FrozenTrial"]) -> StudyOutcome:
    """The rows, best params and summed trial time of a study's trials (waiting and surplus ones left out)."""
    import optuna

    TrialState = optuna.trial.TrialState
    shown = [t for t in trials if t.state != TrialState.WAITING and not t.user_attrs.get(SURPLUS)]
    outcome = StudyOutcome(trials=[trial_row(model, task, t) for t in shown])
    outcome.seconds = busy_seconds(shown)
    completed = [t for t in shown if t.state == TrialState.COMPLETE]
    if completed:
        best = max(completed, key=lambda t: (t.value, -t.number))
        outcome.best_params = _params_of(model, best)
        outcome.best_val_accuracy = float(best.value)
    return outcome


def busy_seconds(trials: Sequence["optuna.trial.FrozenTrial"]) -> float:
    """The wall time during which at least one of ``trials`` was running: the union of their spans, each from
    its start to its end (a trial still running, or without an end, counts its ``fit_seconds``)."""
    spans = []
    for trial in trials:
        if trial.datetime_start is None:
            continue
        start = trial.datetime_start.timestamp()
        end = trial.datetime_complete.timestamp() if trial.datetime_complete is not None else \
            start + float(trial.user_attrs.get("fit_seconds", 0.0))
        spans.append((start, end))
    total, reached = 0.0, float("-inf")
    for start, end in sorted(spans):
        if end > reached:
            total += end - max(start, reached)
            reached = end
    return total


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
