"""How many values a fitted scikit-learn estimator learned: the ``n_params`` of classical models.

Counted: linear models (coefficients, and intercepts when fitted), SVMs (support vectors x features, dual
coefficients, intercepts), MLPs (weights and biases), trees (nodes), ensembles of estimators (forests,
bagging, boosting: the sum over their members), histogram gradient boosting (its predictors' nodes), k-NN
(the stored training values, samples x features), ``StandardScaler`` (means and scales) and pipelines (the
sum over their steps). Anything else is None: unknown, never a guess, and never 0.
"""

from __future__ import annotations

import math
from typing import Any, Iterable, Optional

import numpy as np


def learned_values(estimator: Any) -> Optional[int]:
    """The number of values the fitted ``estimator`` learned, or None when dlbench cannot count them."""
    from sklearn.ensemble import BaseEnsemble, HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    if isinstance(estimator, Pipeline):
        return summed_learned_values(step for _, step in estimator.steps if step not in (None, "passthrough"))
    if isinstance(estimator, StandardScaler):
        return _sizes(estimator, ("mean_",) * estimator.with_mean + ("scale_",) * estimator.with_std)
    if isinstance(estimator, (HistGradientBoostingClassifier, HistGradientBoostingRegressor)):
        predictors = getattr(estimator, "_predictors", None)  # one tree per iteration and class
        return None if predictors is None else sum(len(tree.nodes) for trees in predictors for tree in trees)
    if isinstance(estimator, BaseEnsemble):
        members = getattr(estimator, "estimators_", None)  # a list, or gradient boosting's iterations x classes
        if members is None:
            return None
        return summed_learned_values(members.ravel() if isinstance(members, np.ndarray) else members)
    if hasattr(estimator, "tree_"):
        return int(estimator.tree_.node_count)
    if hasattr(estimator, "support_vectors_"):
        return _sizes(estimator, ("support_vectors_", "dual_coef_", "intercept_"))
    if hasattr(estimator, "coefs_"):  # multi-layer perceptrons
        return _sizes(estimator, ("coefs_", "intercepts_"))
    if hasattr(estimator, "coef_"):
        return _sizes(estimator, ("coef_",) + ("intercept_",) * bool(getattr(estimator, "fit_intercept", True)))
    if hasattr(estimator, "n_samples_fit_"):  # k-NN predicts from the stored training set
        return int(estimator.n_samples_fit_) * int(estimator.n_features_in_)
    return None


def summed_learned_values(estimators: Iterable[Any]) -> Optional[int]:
    """The values learned by all of ``estimators``, or None when any of them cannot be counted."""
    total = 0
    for estimator in estimators:
        count = learned_values(estimator)
        if count is None:
            return None
        total += count
    return total


def reported_count(estimator: Any) -> Optional[int]:
    """An estimator's ``n_params`` as an int; None when it has none or reports None or NaN (cannot count)."""
    value = getattr(estimator, "n_params", None)
    if value is None or (isinstance(value, (float, np.floating)) and math.isnan(value)):
        return None
    return int(value)


def _sizes(estimator: Any, names: Iterable[str]) -> Optional[int]:
    """The summed sizes of the named fitted attributes (arrays or lists of arrays); None when one is missing."""
    arrays = [getattr(estimator, name, None) for name in names]
    if any(array is None for array in arrays):
        return None
    return sum(sum(np.size(part) for part in array) if isinstance(array, list) else int(np.size(array))
               for array in arrays)
