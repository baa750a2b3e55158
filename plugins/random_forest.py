"""Random forest: bagged decision trees on raw pixels, each split choosing among a random subset of pixels."""

from __future__ import annotations

import math
from typing import Any, Callable, Dict, Mapping

from dlbench import MAX_INPUTS, Model, SklearnClassifier, TaskInfo, hookimpl, pooled_inputs

DEFAULTS = {"n_estimators": 300, "max_features_factor": 1.0, "min_samples_leaf": 1, "criterion": "gini"}
PORTFOLIO = ({"n_estimators": 500, "max_features_factor": 2.0, "min_samples_leaf": 1, "criterion": "entropy"},)


def search_space(trial) -> dict:
    """Trees (log scale), pixels tried per split as a multiple of sqrt(pixels) (log scale), leaf size, criterion."""
    return {"n_estimators": trial.suggest_int("n_estimators", 100, 500, log=True),
            "max_features_factor": trial.suggest_float("max_features_factor", 0.25, 4.0, log=True),
            "min_samples_leaf": trial.suggest_int("min_samples_leaf", 1, 8, log=True),
            "criterion": trial.suggest_categorical("criterion", ["gini", "entropy"])}


def forest_params(params: Mapping[str, Any], task: TaskInfo) -> Dict[str, Any]:
    """The keyword arguments of a scikit-learn forest for ``params``.

    ``max_features_factor`` x sqrt(pixels) features are tried per split (factor 1 is scikit-learn's
    ``"sqrt"``), so one search range fits every image size; the pixels are those of the pooled images.
    """
    n_features = pooled_inputs(task.input_shape)
    max_features = min(n_features, max(1, round(params["max_features_factor"] * math.sqrt(n_features))))
    return {"n_estimators": params["n_estimators"], "max_features": max_features,
            "min_samples_leaf": params["min_samples_leaf"], "criterion": params["criterion"],
            "random_state": task.seed}


def build(params: Mapping[str, Any], task: TaskInfo) -> SklearnClassifier:
    """A RandomForestClassifier on flattened [0, 1] pixels (at most :data:`MAX_INPUTS` an image), on this worker's
    share of the cores."""
    from sklearn.ensemble import RandomForestClassifier

    return SklearnClassifier(RandomForestClassifier(**forest_params(params, task)), max_inputs=MAX_INPUTS)


@hookimpl
def register_models(register: Callable[[Model], None]) -> None:
    register(Model(name="random-forest", family="classical", search_space=search_space, defaults=DEFAULTS,
                   build=build, portfolio=PORTFOLIO, description="random forest on raw pixels"))
