"""k-nearest neighbours on raw pixels: no training, only a good k and distance."""

from __future__ import annotations

from typing import Any, Callable, Mapping

from dlbench import MAX_INPUTS, Model, SklearnClassifier, TaskInfo, hookimpl

DEFAULTS = {"n_neighbors": 5, "weights": "distance", "metric": "euclidean"}
PORTFOLIO = ({"n_neighbors": 3, "weights": "distance", "metric": "cosine"},
             {"n_neighbors": 1, "weights": "uniform", "metric": "euclidean"})


def search_space(trial) -> dict:
    """k on a log scale, uniform or distance weighting, Euclidean, Manhattan or cosine distance."""
    return {"n_neighbors": trial.suggest_int("n_neighbors", 1, 50, log=True),
            "weights": trial.suggest_categorical("weights", ["uniform", "distance"]),
            "metric": trial.suggest_categorical("metric", ["euclidean", "manhattan", "cosine"])}


def build(params: Mapping[str, Any], task: TaskInfo) -> SklearnClassifier:
    """A KNeighborsClassifier on flattened [0, 1] pixels (at most :data:`MAX_INPUTS` an image), on this worker's
    share of the cores."""
    from sklearn.neighbors import KNeighborsClassifier

    return SklearnClassifier(KNeighborsClassifier(n_neighbors=params["n_neighbors"], weights=params["weights"],
                                                  metric=params["metric"]),
                             max_inputs=MAX_INPUTS)


@hookimpl
def register_models(register: Callable[[Model], None]) -> None:
    register(Model(name="knn", family="classical", search_space=search_space, defaults=DEFAULTS, build=build,
                   portfolio=PORTFOLIO, description="k-nearest neighbours on raw pixels"))
