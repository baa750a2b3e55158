"""Multinomial logistic regression on standardised pixels (large images block-averaged): the linear baseline."""

from __future__ import annotations

from typing import Any, Callable, Mapping

from dlbench import MAX_INPUTS, Model, SklearnClassifier, TaskInfo, hookimpl

DEFAULTS = {"C": 1.0}


def search_space(trial) -> dict:
    """Inverse regularisation strength C on a log scale."""
    return {"C": trial.suggest_float("C", 1e-4, 1e2, log=True)}


def build(params: Mapping[str, Any], task: TaskInfo) -> SklearnClassifier:
    """L2-regularised logistic regression (lbfgs) on standardised pixels, at most :data:`MAX_INPUTS` an image."""
    from sklearn.linear_model import LogisticRegression

    return SklearnClassifier(LogisticRegression(C=params["C"], max_iter=300, random_state=task.seed),
                             scaling="standard", max_inputs=MAX_INPUTS)


@hookimpl
def register_models(register: Callable[[Model], None]) -> None:
    register(Model(name="logistic", family="classical", search_space=search_space, defaults=DEFAULTS,
                   build=build, description="multinomial logistic regression on standardised pixels",
                   single_threaded=True))
