"""Public contracts between the host and its plugins."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Literal, Mapping, Optional, Protocol, Sequence, Tuple

import numpy as np

if TYPE_CHECKING:
    import optuna

    from .downloads import RemoteData

Family = Literal["deep", "classical"]
FAMILIES: Tuple[str, ...] = ("deep", "classical")


class Estimator(Protocol):
    """What a model's ``build`` returns: a scikit-learn style classifier.

    ``fit`` stores what it learned and returns ``self``; it may use the validation
    data (deep models monitor it every epoch). ``predict`` returns integer labels.
    """

    def fit(self, X: np.ndarray, y: np.ndarray, X_val: Optional[np.ndarray] = None,
            y_val: Optional[np.ndarray] = None) -> "Estimator": ...

    def predict(self, X: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True)
class TaskData:
    """What a task's loader returns: the task's fixed train and test split.

    Images are ``N x C x H x W``, either float32 in [0, 1] or uint8 in [0, 255] (kept compact in
    memory and converted to float one batch at a time); labels are integers in ``[0, len(class_names))``.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


@dataclass(frozen=True)
class TaskInfo:
    """What a model's ``build`` learns about the task it will be trained on."""

    name: str
    input_shape: Tuple[int, ...]  # C, H, W
    n_classes: int
    class_names: Tuple[str, ...]
    seed: int  # use it for the estimator's random_state


@dataclass(frozen=True)
class Task:
    """A task plugin: a named, tagged data set with a fixed train/test split.

    :param name: unique name, used on the command line (``--task digits``).
    :param tags: groups the task joins (``--task images`` runs every task tagged ``images``).
    :param class_names: one name per label; label ``i`` is ``class_names[i]``.
    :param load: returns the :class:`TaskData`; called once per run.
    :param description: one line for ``dlbench list``.
    :param remote: the files the task downloads, for ``dlbench data list`` and ``dlbench data fetch``.
    """

    name: str
    tags: Tuple[str, ...]
    class_names: Tuple[str, ...]
    load: Callable[[], TaskData]
    description: str = ""
    remote: Optional["RemoteData"] = None


@dataclass(frozen=True)
class Model:
    """A model plugin: how to search its hyperparameters and how to build it.

    :param name: unique name, used on the command line (``--model cnn``).
    :param family: ``"deep"`` or ``"classical"``; the comparison tables set one against the other.
    :param search_space: Optuna define-by-run space: ``trial -> params`` (a dict of plain values).
    :param defaults: params of the first trial of every study (so ``--trials 1`` benchmarks
        them); each must lie inside ``search_space``.
    :param build: ``(params, task_info) -> Estimator``.
    :param description: one line for ``dlbench list``.
    :param portfolio: known-good params tried right after the defaults, before the sampler takes
        over (a warm start, like AutoGluon's preset portfolios); each must lie inside ``search_space``.
    """

    name: str
    family: Family
    search_space: Callable[["optuna.Trial"], dict]
    defaults: Mapping[str, Any]
    build: Callable[[Mapping[str, Any], TaskInfo], Estimator]
    description: str = ""
    portfolio: Sequence[Mapping[str, Any]] = ()


@dataclass(frozen=True)
class TaskOptions:
    """How a task source should prepare images: ``--image-size`` (None: the images' own) and ``--color``."""

    image_size: Optional[int] = None
    color: Optional[str] = None  # "rgb", "gray" or None (the source decides)


@dataclass(frozen=True)
class TaskSource:
    """A task plugin that makes tasks on demand: ``--task PREFIX:ARGUMENT``.

    :param prefix: the part before the colon (``folder``).
    :param make: ``(argument, options) -> Task``; raise :class:`dlbench.errors.DlbenchError` for bad arguments.
    :param description: one line for ``dlbench list``.
    """

    prefix: str
    make: Callable[[str, TaskOptions], Task]
    description: str = ""
