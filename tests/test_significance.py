"""Paired tests of two models on the same images, and Friedman's test over tasks, against scipy's own figures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from dlbench.reports.significance import correctness, critical_difference_png, friedman, paired_test


def labels_with_errors(y: np.ndarray, wrong: np.ndarray) -> np.ndarray:
    predicted = y.copy()
    predicted[wrong] = (predicted[wrong] + 1) % 10
    return predicted


@pytest.fixture
def y() -> np.ndarray:
    return np.random.default_rng(0).integers(0, 10, 450)


def test_one_image_of_450_is_no_evidence(y):
    result = paired_test(y, [y.copy()], [labels_with_errors(y, np.arange(1))])
    assert (result.a_better, result.b_better) == (1, 0)
    assert result.p_value == 1.0 and not result.significant()
    assert result.difference == pytest.approx(1 / 450)
    assert result.low <= 0 <= result.high


def test_a_real_gap_is_significant_and_matches_mcnemars_exact_test(y):
    a = labels_with_errors(y, np.arange(0, 10))        # 10 errors
    b = labels_with_errors(y, np.arange(5, 45))        # 40 errors; 5 shared with a
    result = paired_test(y, [a], [b])
    # discordant pairs: a right and b wrong = 35, a wrong and b right = 5
    assert (result.a_better, result.b_better) == (35, 5)
    assert result.p_value == pytest.approx(stats.binomtest(35, 40, 0.5).pvalue)
    assert result.significant(0.05) and not result.significant(1e-9)
    assert result.difference == pytest.approx(30 / 450)
    assert result.low < 30 / 450 < result.high and result.low > 0


def test_seeds_are_averaged_per_image_not_pooled(y):
    wrong_once = [labels_with_errors(y, np.arange(20)), y.copy()]  # 20 images right in one seed of two
    assert correctness(y, wrong_once)[:20].tolist() == [0.5] * 20
    pooled = paired_test(y, [y.copy()] * 2, wrong_once)
    assert (pooled.a_better, pooled.b_better) == (20, 0)  # 20 images, not 20 pairs counted per seed
    assert pooled.difference == pytest.approx(10 / 450)


def test_mismatched_lengths_are_refused(y):
    with pytest.raises(ValueError, match="449 predictions for 450"):
        paired_test(y, [y[:-1]], [y])


def test_friedman_matches_scipy_and_ranks_best_first():
    scores = pd.DataFrame({"cnn": [0.99, 0.96, 0.90, 0.95], "svm": [0.98, 0.95, 0.35, 0.90],
                           "tree": [0.85, 0.78, 0.28, 0.70]}, index=list("abcd"))
    result = friedman(scores)
    expected = stats.friedmanchisquare(scores["cnn"], scores["svm"], scores["tree"])
    assert result.statistic == pytest.approx(expected.statistic) and result.p_value == pytest.approx(expected.pvalue)
    assert result.average_ranks.to_dict() == {"cnn": 1.0, "svm": 2.0, "tree": 3.0}
    assert list(result.nemenyi.columns) == ["cnn", "svm", "tree"]
    assert critical_difference_png(result).startswith(b"\x89PNG")


def test_friedman_needs_three_tasks_and_leaves_out_models_missing_one():
    two_tasks = pd.DataFrame({"a": [0.9, 0.8], "b": [0.7, 0.6], "c": [0.5, 0.4]})
    assert friedman(two_tasks) is None
    gaps = pd.DataFrame({"a": [0.9, 0.8, 0.7], "b": [0.7, 0.6, 0.5], "c": [0.5, 0.4, 0.3], "d": [0.1, None, 0.2]})
    assert list(friedman(gaps).average_ranks.index) == ["a", "b", "c"]


def test_with_several_seeds_the_test_weighs_how_much_each_image_differs(y):
    # deep is right on 1 seed of 3 on 90 images the classical model always misses; on 40 others deep always misses
    deep, classical = [y.copy() for _ in range(3)], [y.copy() for _ in range(3)]
    for seed in range(3):
        classical[seed][:90] = (y[:90] + 1) % 10
        if seed:
            deep[seed][:90] = (y[:90] + 1) % 10
        deep[seed][100:140] = (y[100:140] + 1) % 10
    result = paired_test(y, deep, classical)
    assert (result.a_better, result.b_better) == (90, 40)  # a sign test would call this a significant deep win
    assert result.difference == pytest.approx((30 - 40) / 450) and not result.significant()
    stronger = paired_test(y, [labels_with_errors(y, np.arange(20)), y.copy()], [labels_with_errors(y, np.arange(
        100, 200))] * 2)  # deep misses 20 images in one seed of two; classical misses 100 in both
    assert stronger.difference > 0 and stronger.significant()
