"""A multi-layer perceptron on flattened pixels."""

from __future__ import annotations

import math
from typing import Any, Callable, Mapping, Tuple

from dlbench import Model, TaskInfo, TorchClassifier, hookimpl

DEFAULTS = {"layers": 1, "width": 128, "dropout": 0.0, "lr": 1e-3, "batch_size": 32, "epochs": 30}
# Tried right after the defaults: wider and with a faster learning rate.
PORTFOLIO = ({"layers": 1, "width": 256, "dropout": 0.0, "lr": 2e-3, "batch_size": 32, "epochs": 30},)


def make_mlp(input_shape: Tuple[int, ...], n_classes: int, layers: int = 1, width: int = 128, dropout: float = 0.0):
    """Flatten, then ``layers`` x (Linear ``width``, ReLU, optional Dropout), then Linear to the classes."""
    from torch import nn

    modules = [nn.Flatten()]
    inputs = math.prod(input_shape)
    for _ in range(layers):
        modules += [nn.Linear(inputs, width), nn.ReLU()]
        if dropout > 0:
            modules.append(nn.Dropout(dropout))
        inputs = width
    modules.append(nn.Linear(inputs, n_classes))
    return nn.Sequential(*modules)


def search_space(trial) -> dict:
    """Depth, width, dropout, learning rate, batch size and epochs."""
    return {
        "layers": trial.suggest_int("layers", 1, 2),
        "width": trial.suggest_int("width", 32, 512, log=True),
        "dropout": trial.suggest_float("dropout", 0.0, 0.5),
        "lr": trial.suggest_float("lr", 1e-4, 3e-3, log=True),
        "batch_size": trial.suggest_categorical("batch_size", [32, 64, 128]),
        "epochs": trial.suggest_int("epochs", 10, 40),
    }


def build(params: Mapping[str, Any], task: TaskInfo) -> TorchClassifier:
    """A TorchClassifier around :func:`make_mlp`."""
    def factory():
        return make_mlp(task.input_shape, task.n_classes, params["layers"], params["width"], params["dropout"])

    return TorchClassifier(factory, lr=params["lr"], batch_size=params["batch_size"],
                           epochs=params["epochs"], seed=task.seed)


@hookimpl
def register_models(register: Callable[[Model], None]) -> None:
    register(Model(name="mlp", family="deep", search_space=search_space, defaults=DEFAULTS, build=build, portfolio=PORTFOLIO,
                   description="multi-layer perceptron on flattened pixels (1-2 ReLU layers)"))
