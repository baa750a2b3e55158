"""Histogram gradient boosting on pixels: scikit-learn's LightGBM-style boosted trees.

Boosting's cost grows with every input of an image (each round builds a histogram per input and class):
like the other raw-pixel classical models, it sees large images block-averaged (:mod:`dlbench.training.pooling`),
64x64 RGB ones (minutes a fit on two cores at full size) as 16x16 RGB.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from dlbench import MAX_INPUTS, Model, SklearnClassifier, TaskInfo, hookimpl

DEFAULTS = {"learning_rate": 0.2, "max_iter": 100, "max_leaf_nodes": 31, "min_samples_leaf": 20,
            "l2_regularization": 0.0}
PORTFOLIO = ({"learning_rate": 0.1, "max_iter": 200, "max_leaf_nodes": 31, "min_samples_leaf": 20,
              "l2_regularization": 0.0},)
MAX_BINS = 32  # levels per pixel: on mnist-5k half the fit time of scikit-learn's 255 or less, as accurate


def search_space(trial) -> dict:
    """Learning rate and boosting rounds (log scales), leaves per tree and leaf size (log scales), L2 penalty."""
    return {"learning_rate": trial.suggest_float("learning_rate", 0.02, 0.5, log=True),
            "max_iter": trial.suggest_int("max_iter", 50, 400, log=True),
            "max_leaf_nodes": trial.suggest_int("max_leaf_nodes", 8, 64, log=True),
            "min_samples_leaf": trial.suggest_int("min_samples_leaf", 5, 50, log=True),
            "l2_regularization": trial.suggest_float("l2_regularization", 0.0, 1.0)}


def build(params: Mapping[str, Any], task: TaskInfo) -> SklearnClassifier:
    """A HistGradientBoostingClassifier on flattened [0, 1] pixels (block-averaged down to at most
    :data:`MAX_INPUTS` values an image) binned into 32 levels.

    Boosting stops early when 10 rounds in a row do not improve the loss on 10% of the training data
    held out for that (``max_iter`` is a cap).
    """
    from sklearn.ensemble import HistGradientBoostingClassifier

    return SklearnClassifier(HistGradientBoostingClassifier(
        learning_rate=params["learning_rate"], max_iter=params["max_iter"], max_leaf_nodes=params["max_leaf_nodes"],
        min_samples_leaf=params["min_samples_leaf"], l2_regularization=params["l2_regularization"],
        max_bins=MAX_BINS, early_stopping=True, validation_fraction=0.1, n_iter_no_change=10,
        random_state=task.seed), max_inputs=MAX_INPUTS)


@hookimpl
def register_models(register: Callable[[Model], None]) -> None:
    register(Model(name="hist-gradient-boosting", family="classical", search_space=search_space, defaults=DEFAULTS,
                   build=build, portfolio=PORTFOLIO,
                   description="histogram gradient boosting on pixels (block-averaged to at most 1,024 values an image), with "
                   "early stopping"))
