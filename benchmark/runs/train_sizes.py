"""``--train-sizes``: a study per task x model x train size, on nested, stratified, seeded subsamples.

A task run at several sizes becomes one task per size, named ``TASK@N`` (N training images), whose train
split is the first N images of :func:`dlbench.data.splits.nested_order` of the task's train split (so each
smaller subsample lies inside the larger ones) and whose test split is the task's own. Everything else
(the validation part drawn from the subsample, equal budgets, pruning, resume, workers, seeds) is a run's
usual machinery, and ``results.csv`` says each row's ``train_size``.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, replace
from typing import Dict, List, Sequence, Union

import numpy as np

from dlbench.data.arrays import take_rows
from dlbench.data.splits import nested_order
from dlbench.errors import DlbenchError
from dlbench.results.schema import sized_task
from dlbench.types import DataSettings, Task, TaskData

TrainSize = Union[int, float, str]  # a count of images, a fraction of the train split, or "all"


def parse_train_size(text: str) -> TrainSize:
    """``100`` (images), ``0.1`` (a fraction of the train split, above 0 and below 1) or ``all``; a ValueError
    saying what is valid."""
    if text.strip().lower() == "all":
        return "all"
    for number in (int, float):
        try:
            value = number(text)
        except ValueError:
            continue
        return check_train_size(value)
    raise ValueError(f"{text!r} is not a train size; expected a number of images (>= 2), a fraction between 0 and 1, "
                     "or all")


def check_train_size(size: TrainSize) -> TrainSize:
    """``size`` if it is a count >= 2, a fraction strictly between 0 and 1, or ``all``; else a ValueError."""
    if size == "all":
        return size
    if isinstance(size, bool) or not isinstance(size, numbers.Real):
        raise ValueError(f"{size!r} is not a train size; expected a number of images, a fraction or all")
    if isinstance(size, numbers.Integral):
        if size < 2:
            raise ValueError(f"{size!r} is not a train size; expected at least 2 images, a fraction or all")
        return int(size)
    if not 0 < size < 1:
        raise ValueError(f"{size!r} is not a train size; expected a fraction between 0 and 1 (exclusive), a whole "
                         "number of images, or all")
    return float(size)


def size_counts(task: Task, labels: np.ndarray, sizes: Sequence[TrainSize], order: np.ndarray) -> List[int]:
    """The image counts of ``sizes`` on ``task``'s train split (``labels``): each at most the split, each
    subsample with at least two images of every class, none repeated; a DlbenchError naming the size
    and what is valid otherwise (raised before any training)."""
    n_train, n_classes = len(labels), len(task.class_names)
    counts = []
    for size in sizes:
        count = n_train if size == "all" else round(size * n_train) if isinstance(size, float) else int(size)
        if count > n_train:
            raise DlbenchError(f"--train-sizes {size}: task {task.name!r} has {n_train:,} training images; valid: up "
                               f"to {n_train}, a fraction, or all")
        fewest = np.bincount(labels[order[:count]], minlength=n_classes).min()
        if fewest < 2:
            raise DlbenchError(f"--train-sizes {size}: {count} images of task {task.name!r} hold fewer than two "
                               f"images of some class ({n_classes} classes); give at least {2 * n_classes}")
        if count in counts:
            raise DlbenchError(f"--train-sizes {size}: {count} images of task {task.name!r} is repeated; give each "
                               "size once")
        counts.append(count)
    return sorted(counts)


@dataclass(frozen=True, eq=False)
class Subsample:
    """The loader of ``TASK@N``: the first ``count`` images of ``order`` of the task's train split ``data`` (loaded
    once and shared by all the task's sizes), with the task's test split."""

    data: TaskData
    order: np.ndarray
    count: int

    def __call__(self) -> TaskData:
        rows = np.sort(self.order[:self.count])
        return TaskData(take_rows(self.data.x_train, rows), self.data.y_train[rows], self.data.x_test, self.data.y_test)


def sized_tasks(tasks: Sequence[Task], sizes: Sequence[TrainSize], seed: int, settings: DataSettings) -> List[Task]:
    """``tasks`` at every size of ``sizes`` (``TASK@N``, smallest first); the tasks themselves without sizes."""
    if not sizes:
        return list(tasks)
    sized = []
    for task in tasks:
        data = task.load_data(settings)
        order = nested_order(data.y_train, seed)
        for count in size_counts(task, data.y_train, sizes, order):
            sized.append(replace(task, name=sized_task(task.name, count), load=Subsample(data, order, count)))
    return sized


def budget_weights(tasks: Sequence[Task]) -> Dict[str, float]:
    """Each ``TASK@N``'s weight in the run's budget: the sizes of one task share one task's weight (1) in
    proportion to their images, so ``TASK@9600`` gets four times the time of ``TASK@2400``; tasks without
    sizes weigh 1 (see :func:`dlbench.runs.runner.study_timeout`)."""
    sizes = [task for task in tasks if isinstance(task.load, Subsample)]
    totals: Dict[int, int] = {}
    for task in sizes:  # the sizes of one task share its loaded data
        totals[id(task.load.data)] = totals.get(id(task.load.data), 0) + task.load.count
    return {task.name: task.load.count / totals[id(task.load.data)] for task in sizes}

