"""Histogram gradient boosting on pixels: scikit-learn's LightGBM-style boosted trees.

Boosting's cost grows with every input of an image (each round builds a histogram per input and class),
so images with more than :data:`MAX_INPUTS` values are first averaged over square blocks of pixels until
they have at most that many: 64x64 RGB images (12,288 values, minutes a fit on two cores) become 16x16 RGB
(768 values); 28x28 and 8x8 grey images are used as they are.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Optional, Tuple

import numpy as np

from dlbench import Model, SklearnClassifier, TaskInfo, hookimpl

DEFAULTS = {"learning_rate": 0.2, "max_iter": 100, "max_leaf_nodes": 31, "min_samples_leaf": 20,
            "l2_regularization": 0.0}
PORTFOLIO = ({"learning_rate": 0.1, "max_iter": 200, "max_leaf_nodes": 31, "min_samples_leaf": 20,
              "l2_regularization": 0.0},)
MAX_BINS = 32  # levels per pixel: on mnist-5k half the fit time of scikit-learn's 255 or less, as accurate
MAX_INPUTS = 1024  # values per image boosted on: a 32x32 grey image


def pooling_factor(input_shape: Tuple[int, ...]) -> int:
    """The smallest block side ``f`` such that images of ``input_shape`` (C, H, W), averaged over f x f blocks,
    have at most :data:`MAX_INPUTS` values."""
    channels, height, width = input_shape
    factor = 1
    while channels * (height // factor) * (width // factor) > MAX_INPUTS:  # as block_means crops
        factor += 1
    return factor


def block_means(images: np.ndarray, factor: int) -> np.ndarray:
    """``N x C x H x W`` images averaged over ``factor`` x ``factor`` blocks (edge blocks that do not fill are
    dropped), as float32 in [0, 1] (uint8 images are divided by 255); ``factor`` 1 returns the images as they are."""
    if factor == 1:
        return images
    n, channels, height, width = images.shape
    rows, columns = height // factor, width // factor
    cropped = images[:, :, :rows * factor, :columns * factor].astype(np.float32)
    pooled = cropped.reshape(n, channels, rows, factor, columns, factor).mean(axis=(3, 5))
    return pooled / 255.0 if images.dtype == np.uint8 else pooled


class PooledClassifier:
    """``classifier`` on images averaged over ``factor`` x ``factor`` blocks of pixels."""

    def __init__(self, factor: int, classifier: SklearnClassifier) -> None:
        self.factor = factor
        self.classifier = classifier

    def fit(self, X: np.ndarray, y: np.ndarray, X_val: Optional[np.ndarray] = None,
            y_val: Optional[np.ndarray] = None) -> "PooledClassifier":
        """Fit on the pooled training images; the validation data is not used."""
        self.classifier.fit(block_means(X, self.factor), y)
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Integer labels for ``X``."""
        return self.classifier.predict(block_means(X, self.factor))

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities for ``X``."""
        return self.classifier.predict_proba(block_means(X, self.factor))

    @property
    def n_params(self) -> Optional[int]:
        """The boosted trees' learned values (pooling learns none)."""
        return self.classifier.n_params


def search_space(trial) -> dict:
    """Learning rate and boosting rounds (log scales), leaves per tree and leaf size (log scales), L2 penalty."""
    return {"learning_rate": trial.suggest_float("learning_rate", 0.02, 0.5, log=True),
            "max_iter": trial.suggest_int("max_iter", 50, 400, log=True),
            "max_leaf_nodes": trial.suggest_int("max_leaf_nodes", 8, 64, log=True),
            "min_samples_leaf": trial.suggest_int("min_samples_leaf", 5, 50, log=True),
            "l2_regularization": trial.suggest_float("l2_regularization", 0.0, 1.0)}


def build(params: Mapping[str, Any], task: TaskInfo) -> PooledClassifier:
    """A HistGradientBoostingClassifier on flattened [0, 1] pixels (block-averaged down to at most
    :data:`MAX_INPUTS` values an image) binned into 32 levels.

    Boosting stops early when 10 rounds in a row do not improve the loss on 10% of the training data
    held out for that (``max_iter`` is a cap).
    """
    from sklearn.ensemble import HistGradientBoostingClassifier

    return PooledClassifier(pooling_factor(task.input_shape), SklearnClassifier(HistGradientBoostingClassifier(
        learning_rate=params["learning_rate"], max_iter=params["max_iter"], max_leaf_nodes=params["max_leaf_nodes"],
        min_samples_leaf=params["min_samples_leaf"], l2_regularization=params["l2_regularization"],
        max_bins=MAX_BINS, early_stopping=True, validation_fraction=0.1, n_iter_no_change=10,
        random_state=task.seed)))


@hookimpl
def register_models(register: Callable[[Model], None]) -> None:
    register(Model(name="hist-gradient-boosting", family="classical", search_space=search_space, defaults=DEFAULTS,
                   build=build, portfolio=PORTFOLIO,
                   description="histogram gradient boosting on pixels (block-averaged to at most 1,024 values an image), with "
                   "early stopping"))
