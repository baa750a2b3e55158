"""A single decision tree: the weakest classical baseline, and the fastest to predict."""

from __future__ import annotations

from typing import Any, Callable, Mapping

from dlbench import MAX_INPUTS, Model, SklearnClassifier, TaskInfo, hookimpl

DEFAULTS = {"max_depth": 32, "min_samples_leaf": 1, "criterion": "gini"}


def search_space(trial) -> dict:
    """Depth (log scale; 32 is unbounded for these data sets), leaf size and split criterion."""
    return {"max_depth": trial.suggest_int("max_depth", 2, 32, log=True),
            "min_samples_leaf": trial.suggest_int("min_samples_leaf", 1, 16, log=True),
            "criterion": trial.suggest_categorical("criterion", ["gini", "entropy"])}


def build(params: Mapping[str, Any], task: TaskInfo) -> SklearnClassifier:
    """A DecisionTreeClassifier on flattened [0, 1] pixels, at most :data:`MAX_INPUTS` an image (trees do not
    need scaling)."""
    from sklearn.tree import DecisionTreeClassifier

    return SklearnClassifier(DecisionTreeClassifier(max_depth=params["max_depth"],
                                                    min_samples_leaf=params["min_samples_leaf"],
                                                    criterion=params["criterion"], random_state=task.seed),
                             max_inputs=MAX_INPUTS)


@hookimpl
def register_models(register: Callable[[Model], None]) -> None:
    register(Model(name="decision-tree", family="classical", search_space=search_space, defaults=DEFAULTS,
                   build=build, description="single decision tree on raw pixels", single_threaded=True))
