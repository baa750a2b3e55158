"""k-nearest neighbours: a classical baseline that needs no training, only a good k and distance."""

from __future__ import annotations

from typing import Any, Mapping

from dlbench import SklearnClassifier, TaskInfo

DEFAULTS = {"n_neighbors": 5, "weights": "uniform", "p": 2}


def knn_space(trial) -> dict:
    """k on a log scale, uniform or distance weighting, Manhattan or Euclidean distance."""
    return {"n_neighbors": trial.suggest_int("n_neighbors", 1, 50, log=True),
            "weights": trial.suggest_categorical("weights", ["uniform", "distance"]),
            "p": trial.suggest_categorical("p", [1, 2])}


def build_knn(params: Mapping[str, Any], task: TaskInfo) -> SklearnClassifier:
    """A KNeighborsClassifier on flattened, standardised pixels."""
    from sklearn.neighbors import KNeighborsClassifier

    return SklearnClassifier(KNeighborsClassifier(**params), scaling="standard")
