"""n_params of classical models: real scikit-learn estimators fitted on tiny data, each count worked out another way."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.ensemble import (AdaBoostClassifier, GradientBoostingClassifier, HistGradientBoostingClassifier,
                              RandomForestClassifier)
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier

from dlbench import SklearnClassifier
from dlbench.training.param_counts import learned_values, reported_count

N, D, K = 60, 5, 3  # samples, features, classes


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    return rng.random((N, D)), np.arange(N) % K


def _reachable_nodes(tree) -> int:
    """Nodes of a fitted sklearn tree, counted by walking it from the root."""
    stack, seen = [0], 0
    while stack:
        node = stack.pop()
        seen += 1
        stack += [child for child in (tree.children_left[node], tree.children_right[node]) if child != -1]
    return seen


def test_a_linear_model_counts_its_coefficients_and_intercepts(data):
    assert learned_values(LogisticRegression().fit(*data)) == K * D + K
    assert learned_values(LogisticRegression(fit_intercept=False).fit(*data)) == K * D  # its zeros are not learned


def test_an_svm_counts_support_vectors_dual_coefficients_and_intercepts(data):
    svc = SVC().fit(*data)
    n_support = int(svc.n_support_.sum())
    assert learned_values(svc) == n_support * D + (K - 1) * n_support + K * (K - 1) // 2  # one-vs-one


def test_k_nn_counts_the_training_values_it_stores(data):
    assert learned_values(KNeighborsClassifier(n_neighbors=3).fit(*data)) == N * D


def test_a_tree_counts_its_nodes_and_a_forest_the_nodes_of_all_its_trees(data):
    tree = DecisionTreeClassifier(random_state=0).fit(*data)
    assert learned_values(tree) == _reachable_nodes(tree.tree_) > 1
    forest = RandomForestClassifier(n_estimators=4, random_state=0).fit(*data)
    assert learned_values(forest) == sum(_reachable_nodes(member.tree_) for member in forest.estimators_)


def test_boosted_ensembles_count_the_nodes_of_all_their_trees(data):
    boosted = GradientBoostingClassifier(n_estimators=3, max_depth=2, random_state=0).fit(*data)
    assert boosted.estimators_.shape == (3, K)  # one regression tree per iteration and class
    assert learned_values(boosted) == sum(_reachable_nodes(member.tree_) for member in boosted.estimators_.ravel())
    stumps = AdaBoostClassifier(DecisionTreeClassifier(max_depth=1), n_estimators=4, random_state=0).fit(*data)
    assert learned_values(stumps) == 3 * len(stumps.estimators_)  # a stump is a root and two leaves
    histogram = HistGradientBoostingClassifier(max_iter=3, random_state=0).fit(*data)
    # binary trees: 2 x leaves - 1 nodes each, one tree per iteration and class
    assert learned_values(histogram) == sum(2 * tree.get_n_leaf_nodes() - 1
                                            for trees in histogram._predictors for tree in trees)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # 5 steps are enough to count
def test_an_mlp_counts_its_weights_and_biases(data):
    mlp = MLPClassifier(hidden_layer_sizes=(7,), max_iter=5, random_state=0).fit(*data)
    assert learned_values(mlp) == D * 7 + 7 + 7 * K + K


def test_a_pipeline_sums_its_steps_and_one_uncountable_step_makes_it_unknown(data):
    assert learned_values(make_pipeline(StandardScaler(), LogisticRegression()).fit(*data)) == 2 * D + K * D + K
    assert learned_values(make_pipeline(StandardScaler(with_mean=False), "passthrough",
                                        KNeighborsClassifier()).fit(*data)) == D + N * D
    assert learned_values(make_pipeline(StandardScaler(), GaussianNB()).fit(*data)) is None


def test_an_estimator_dlbench_cannot_count_is_unknown_not_zero(data):
    assert learned_values(GaussianNB().fit(*data)) is None


def test_the_sklearn_adapter_counts_its_scaler_and_says_when_it_cannot_count():
    rng = np.random.default_rng(0)
    images, labels = rng.random((N, 1, 2, 2), dtype=np.float32), np.arange(N) % K
    assert SklearnClassifier(KNeighborsClassifier(), scaling="standard").fit(images, labels).n_params == N * 4 + 2 * 4
    assert SklearnClassifier(KNeighborsClassifier()).fit(images, labels).n_params == N * 4
    assert SklearnClassifier(GaussianNB()).fit(images, labels).n_params is None


class _Reports:
    def __init__(self, n_params) -> None:
        self.n_params = n_params


@pytest.mark.parametrize("estimator, expected", [(_Reports(np.int64(41943)), 41943), (_Reports(None), None),
                                                 (_Reports(math.nan), None), (_Reports(np.float32("nan")), None),
                                                 (object(), None)])
def test_a_reported_count_is_an_int_or_none(estimator, expected):
    count = reported_count(estimator)
    assert count == expected and type(count) is type(expected)
