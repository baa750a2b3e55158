"""Extremely randomised trees: a forest whose splits take random thresholds, on raw pixels."""

from __future__ import annotations

from typing import Any, Callable, Mapping

from dlbench import MAX_INPUTS, Model, SklearnClassifier, TaskInfo, hookimpl

from .random_forest import forest_params, search_space

DEFAULTS = {"n_estimators": 300, "max_features_factor": 1.0, "min_samples_leaf": 1, "criterion": "gini"}
PORTFOLIO = ({"n_estimators": 500, "max_features_factor": 2.0, "min_samples_leaf": 1, "criterion": "gini"},)


def build(params: Mapping[str, Any], task: TaskInfo) -> SklearnClassifier:
    """An ExtraTreesClassifier on flattened [0, 1] pixels (at most :data:`MAX_INPUTS` an image), on this worker's
    share of the cores."""
    from sklearn.ensemble import ExtraTreesClassifier

    return SklearnClassifier(ExtraTreesClassifier(**forest_params(params, task)), max_inputs=MAX_INPUTS)


@hookimpl
def register_models(register: Callable[[Model], None]) -> None:
    register(Model(name="extra-trees", family="classical", search_space=search_space, defaults=DEFAULTS,
                   build=build, portfolio=PORTFOLIO,
                   description="extremely randomised trees on raw pixels (the random forest's search space)"))
