"""Checks a task's data against the contract before any training starts."""

from __future__ import annotations

import numpy as np

from dlbench.host.contracts import ContractError
from dlbench.types import Task, TaskData


def check_task_data(task: Task, data: TaskData) -> None:
    """Raise a one-line :class:`ContractError` (a DlbenchError) naming the task when ``data`` breaks the contract.

    Images: ``N x C x H x W``, float32 finite in [0, 1] or uint8. Labels: integers in
    ``[0, len(task.class_names))``, one per image. Train and test share one image shape.
    """
    if not isinstance(data, TaskData):
        raise ContractError(f"task {task.name!r}: load() returned {type(data).__name__}; it must return a dlbench.TaskData")
    n_classes = len(task.class_names)
    for part in ("train", "test"):
        images, labels = getattr(data, f"x_{part}"), getattr(data, f"y_{part}")
        where = f"task {task.name!r}: {part} "
        if not isinstance(images, np.ndarray) or images.ndim != 4:
            raise ContractError(where + f"images must be a 4-d N x C x H x W array, got shape {np.shape(images)}")
        if images.dtype not in (np.float32, np.uint8):
            raise ContractError(where + f"images must be float32 in [0, 1] or uint8, got {images.dtype}")
        if images.dtype == np.float32:
            if not np.isfinite(images).all():
                raise ContractError(where + "images contain NaN or infinite values")
            if images.min() < 0 or images.max() > 1:
                raise ContractError(where + f"pixel values must lie in [0, 1], got [{images.min():g}, {images.max():g}]")
        if not isinstance(labels, np.ndarray) or labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
            raise ContractError(where + f"labels must be a 1-d integer array, got {getattr(labels, 'dtype', type(labels))} shape {np.shape(labels)}")
        if len(labels) != len(images):
            raise ContractError(where + f"has {len(images)} images but {len(labels)} labels")
        if len(labels) and (labels.min() < 0 or labels.max() >= n_classes):
            raise ContractError(where + f"labels must lie in [0, {n_classes - 1}] ({n_classes} class names), got [{labels.min()}, {labels.max()}]")
    if data.x_train.shape[1:] != data.x_test.shape[1:]:
        raise ContractError(f"task {task.name!r}: train images are {data.x_train.shape[1:]} but test images are {data.x_test.shape[1:]}")
    missing = sorted(set(range(n_classes)) - set(np.unique(data.y_train).tolist()))
    if missing:
        raise ContractError(f"task {task.name!r}: train split has no images of class(es) {', '.join(task.class_names[i] for i in missing)}")
