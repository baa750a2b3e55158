"""SklearnClassifier: runs a scikit-learn classifier on flattened, scaled (and for large images, pooled) pixels."""

from __future__ import annotations

import warnings
from typing import Any, Optional

import numpy as np

from dlbench.training.devices import cpu_cores
from dlbench.training.pooling import block_means, pooling_factor
from dlbench.types import TrainingSettings

SCALINGS = ("unit", "standard")


def _ignores_n_jobs() -> tuple:
    """Estimators whose ``n_jobs`` does nothing (and warns since scikit-learn 1.8)."""
    from sklearn.linear_model import LogisticRegression

    return (LogisticRegression,)


def _flat_unit_pixels(X: np.ndarray) -> np.ndarray:
    """One row per image, pixels in [0, 1] (uint8 images are divided by 255)."""
    flat = X.reshape(len(X), -1)
    return flat.astype(np.float32) / 255.0 if flat.dtype == np.uint8 else flat


class SklearnClassifier:
    """A scikit-learn classifier on flattened images.

    :param estimator: an unfitted scikit-learn classifier; if it takes ``n_jobs`` and leaves it None, it
        gets this worker's share of the cores (so ``--jobs`` never oversubscribes them).
    :param scaling: ``"unit"`` keeps the task's [0, 1] pixels; ``"standard"`` standardises every pixel
        (zero mean, unit variance over the training set).
    :param max_inputs: ``N x C x H x W`` images with more values than this are first averaged over square
        blocks of pixels until they have at most this many (see :mod:`dlbench.training.pooling`); None: never.
    :param training: the run's settings (the worker's cores); None until the host hands them over (see
        :func:`dlbench.training.options.build_estimator`), and every core when it never does.
    """

    def __init__(self, estimator: Any, scaling: str = "unit", max_inputs: Optional[int] = None,
                 training: Optional[TrainingSettings] = None) -> None:
        if scaling not in SCALINGS:
            raise ValueError(f"scaling {scaling!r} is not one of {', '.join(SCALINGS)}")
        self.estimator = estimator
        self.scaling = scaling
        self.max_inputs = max_inputs
        self.training = training

    def _pixels(self, X: np.ndarray) -> np.ndarray:
        return _flat_unit_pixels(block_means(X, self.pooling_))

    def _features(self, X: np.ndarray) -> np.ndarray:
        flat = self._pixels(X)
        return self.scaler_.transform(flat) if self.scaler_ is not None else flat

    def fit(self, X: np.ndarray, y: np.ndarray, X_val: Optional[np.ndarray] = None,
            y_val: Optional[np.ndarray] = None) -> "SklearnClassifier":
        """Fit on the training data; classical models ignore the validation data."""
        from sklearn.base import clone
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.preprocessing import StandardScaler

        self.pooling_ = pooling_factor(X.shape[1:], self.max_inputs) if X.ndim == 4 else 1
        self.scaler_ = StandardScaler().fit(self._pixels(X)) if self.scaling == "standard" else None
        self.estimator_ = clone(self.estimator)
        if self.estimator_.get_params().get("n_jobs", 0) is None and not isinstance(self.estimator_, _ignores_n_jobs()):
            threads = (self.training or TrainingSettings()).threads or cpu_cores()
            self.estimator_.set_params(n_jobs=threads)  # parallel, and left to the host
        with warnings.catch_warnings():
            # An iteration cap is part of the search space's cost; validation accuracy judges the result.
            warnings.filterwarnings("ignore", category=ConvergenceWarning)
            self.estimator_.fit(self._features(X), y)
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Integer labels for ``X``."""
        return np.asarray(self.estimator_.predict(self._features(X)))

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities for ``X``; AttributeError when the wrapped estimator gives none (an SVC without
        ``probability=True``)."""
        return np.asarray(self.estimator_.predict_proba(self._features(X)))

    @property
    def n_params(self) -> Optional[int]:
        """Values the fitted model learned (see :mod:`dlbench.training.param_counts`), the standard scaling's means and
        scales included; None when dlbench cannot count them."""
        from dlbench.training.param_counts import summed_learned_values

        return summed_learned_values(step for step in (self.scaler_, self.estimator_) if step is not None)
