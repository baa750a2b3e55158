"""Support vector machine (RBF or linear kernel): the strongest classical baseline on small image sets."""

from __future__ import annotations

from typing import Any, Callable, Mapping

import numpy as np

from dlbench import MAX_INPUTS, Model, SklearnClassifier, TaskInfo, hookimpl

DEFAULTS = {"kernel": "rbf", "C": 1.0, "gamma_factor": 1.0, "scaling": "unit"}


class ScaledGammaSVC:
    """``sklearn.svm.SVC`` whose RBF gamma is ``gamma_factor`` times scikit-learn's ``gamma="scale"``.

    ``gamma="scale"`` is ``1 / (n_features * X.var())``, so one search range fits every image size.
    """

    def __init__(self, kernel: str = "rbf", C: float = 1.0, gamma_factor: float = 1.0, random_state: int = 0) -> None:
        self.kernel = kernel
        self.C = C
        self.gamma_factor = gamma_factor
        self.random_state = random_state

    def get_params(self, deep: bool = True) -> dict:
        return {"kernel": self.kernel, "C": self.C, "gamma_factor": self.gamma_factor, "random_state": self.random_state}

    def set_params(self, **params: Any) -> "ScaledGammaSVC":
        for key, value in params.items():
            setattr(self, key, value)
        return self

    def fit(self, X: np.ndarray, y: np.ndarray) -> "ScaledGammaSVC":
        from sklearn.svm import SVC

        gamma = self.gamma_factor / (X.shape[1] * max(float(X.var()), 1e-12))
        self.svc_ = SVC(kernel=self.kernel, C=self.C, gamma=gamma, cache_size=500, random_state=self.random_state)
        self.svc_.fit(X, y)
        self.support_ = self.svc_.support_
        self.support_vectors_ = self.svc_.support_vectors_
        self.dual_coef_ = self.svc_.dual_coef_
        self.intercept_ = self.svc_.intercept_
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.svc_.predict(X)


def search_space(trial) -> dict:
    """Kernel (RBF, linear), C on a log scale, RBF gamma on a log scale, pixel scaling."""
    params = {"kernel": trial.suggest_categorical("kernel", ["rbf", "linear"]),
              "C": trial.suggest_float("C", 1e-2, 1e2, log=True)}
    if params["kernel"] == "rbf":
        params["gamma_factor"] = trial.suggest_float("gamma_factor", 1e-2, 1e2, log=True)
    params["scaling"] = trial.suggest_categorical("scaling", ["unit", "standard"])
    return params


def build(params: Mapping[str, Any], task: TaskInfo) -> SklearnClassifier:
    """An SVC on flattened pixels (at most :data:`MAX_INPUTS` an image), scaled as the params say."""
    svc = ScaledGammaSVC(params["kernel"], params["C"], params.get("gamma_factor", 1.0), random_state=task.seed)
    return SklearnClassifier(svc, scaling=params["scaling"], max_inputs=MAX_INPUTS)


@hookimpl
def register_models(register: Callable[[Model], None]) -> None:
    register(Model(name="svm", family="classical", search_space=search_space, defaults=DEFAULTS, build=build,
                   description="support vector machine, RBF or linear kernel, C and gamma searched on log scales",
                   single_threaded=True))
