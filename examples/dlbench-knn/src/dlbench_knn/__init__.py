"""An example dlbench plugin: a k-nearest-neighbours model (classical) and a ``bars`` image task.

The model, ``knn-standardised``, runs on standardised pixels; dlbench's built-in ``knn`` runs on [0, 1] pixels.
"""

from __future__ import annotations

from typing import Callable

from dlbench import Model, Task, hookimpl

from .bars import BAR_CLASSES, load_bars
from .knn import DEFAULTS, build_knn, knn_space


@hookimpl
def register_models(register: Callable[[Model], None]) -> None:
    """k-nearest neighbours on standardised pixels."""
    register(Model(name="knn-standardised", family="classical", search_space=knn_space, defaults=DEFAULTS,
                   build=build_knn,
                   description="k-nearest neighbours on standardised pixels (k, weights, distance searched)"))


@hookimpl
def register_tasks(register: Callable[[Task], None]) -> None:
    """Noisy 16x16 images of bars in four orientations."""
    register(Task(name="bars", tags=("images", "synthetic"), class_names=BAR_CLASSES, load=load_bars,
                  description="generated grey 16x16 bars in 4 orientations at random places, with noise: "
                  "600 train / 200 test"))
