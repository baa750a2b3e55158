"""The plugin author kit: run a model or task through the contract checks the host applies, in your own tests.

    from dlbench.testing import check_model, check_task

    def test_my_model():
        assert check_model(my_model) > 0.5  # accuracy on a small learnable task

    def test_my_task():
        check_task(my_task)

Each check raises :class:`dlbench.host.contracts.ContractError` with the message the host would print.
"""

from __future__ import annotations

from typing import Optional, Tuple

import numpy as np

from dlbench.data.splits import stratified_split
from dlbench.host.contracts import ContractError
from dlbench.host.contracts import check_model as check_model_structure
from dlbench.host.contracts import check_search_space
from dlbench.host.contracts import check_task as check_task_structure
from dlbench.host.validation import check_task_data
from dlbench.training.options import build_estimator
from dlbench.training.outputs import InvalidPredictions, checked_labels
from dlbench.types import DataSettings, Model, Task, TaskData, TaskInfo

__all__ = ["ContractError", "check_model", "check_task", "probe_task"]


def probe_task(input_shape: Tuple[int, int, int] = (1, 8, 8), n_classes: int = 3, n_images: int = 240,
               seed: int = 0) -> Task:
    """A small, easily learnt task: each class brightens its own band of rows of noisy float32 images."""
    channels, height, width = input_shape
    if height < n_classes:
        raise ValueError(f"images need at least {n_classes} rows for {n_classes} classes, got {height}")

    def load() -> TaskData:
        rng = np.random.default_rng(seed)
        labels = np.arange(n_images) % n_classes
        images = rng.random((n_images, channels, height, width), dtype=np.float32) * 0.5
        band = height // n_classes
        for label in range(n_classes):
            images[labels == label, :, label * band:(label + 1) * band, :] += 0.5
        return stratified_split(images, labels, test_fraction=0.25, seed=seed)

    return Task(name="probe", tags=("test",), class_names=tuple(f"band-{index}" for index in range(n_classes)),
                load=load, description="dlbench.testing probe task")


def check_model(model: Model, task: Optional[Task] = None) -> float:
    """Check ``model`` as the host does, then fit its defaults on ``task`` (default :func:`probe_task`).

    Checks: a valid :class:`Model`; its search space accepts its defaults and portfolio and returns
    dicts on sampled trials; ``build`` returns an estimator whose ``fit`` (with validation data)
    returns itself and whose ``predict`` returns one integer label in range per image. Returns the
    test accuracy, so a test can also ask that the model learns.
    """
    check_model_structure(model)
    check_search_space(model)
    task = task or probe_task()
    data = check_task(task)
    info = TaskInfo(task.name, tuple(data.x_train.shape[1:]), len(task.class_names), tuple(task.class_names), seed=0,
                    augmentation=task.augmentation)
    where = f"model {model.name!r}"
    estimator = build_estimator(model, dict(model.defaults), info)
    for method in ("fit", "predict"):
        if not callable(getattr(estimator, method, None)):
            raise ContractError(f"{where}: build returned {type(estimator).__name__}, which has no {method} method")
    n_val = max(len(data.y_train) // 5, 1)
    fitted = estimator.fit(data.x_train[n_val:], data.y_train[n_val:], data.x_train[:n_val], data.y_train[:n_val])
    if fitted is not estimator:
        raise ContractError(f"{where}: fit must return self (scikit-learn convention), got {type(fitted).__name__}")
    try:
        predictions = checked_labels(model.name, estimator.predict(data.x_test), len(data.x_test), info.n_classes)
    except InvalidPredictions as error:  # the host's check, as the host words it
        raise ContractError(str(error)) from None
    return float(np.mean(predictions == data.y_test))


def check_task(task: Task, settings: Optional[DataSettings] = None) -> TaskData:
    """Check ``task`` as the host does: a valid :class:`Task` whose ``load`` (handed ``settings``, by default
    the default data directory's) returns data within the contract (shapes, dtypes, value ranges, labels,
    every class in train). Returns the loaded data."""
    check_task_structure(task)
    data = task.load_data(settings or DataSettings())
    check_task_data(task, data)
    return data
