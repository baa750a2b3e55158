"""Is a gap real? Paired tests of two models on the same test images, and of many models over many tasks.

Two models on one task (:func:`paired_test`): each test image is one paired observation. With several
seeds, a model's correctness on an image is the fraction of its seeds that got the image right: the
images are the independent sample and the seeds are repeated measurements of the same images, so
pooling the seeds' predictions would count every image once per seed and overstate the evidence.
With one seed, each image's difference is -1, 0 or 1 and the test is McNemar's exact test: the
two-sided binomial test (:func:`scipy.stats.binomtest`) on the discordant images. With several seeds
the differences are fractions, and the test is its generalisation to them: a paired sign-flip
permutation test of the mean difference (:func:`scipy.stats.permutation_test`), which weighs each image
by how much the models differ on it, so its direction always agrees with the accuracy difference. The
confidence interval of the accuracy difference is a paired bootstrap over the images
(:func:`scipy.stats.bootstrap`, percentile method).

Many models over many tasks (:func:`friedman`): Friedman's test of the models' ranks over the tasks,
with the Nemenyi post-hoc p-values for the critical-difference diagram (scikit-posthocs).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional, Sequence

import numpy as np

if TYPE_CHECKING:  # pandas is imported by the functions that need it: the command line starts fast
    import pandas as pd

ALPHA = 0.05  # the default significance level
BOOTSTRAP_RESAMPLES = 10_000
BATCH = 500  # resamples drawn at a time: 10,000 resamples of a 10,000-image test set would take GBs at once
MIN_FRIEDMAN_TASKS = 3  # Friedman's chi-square approximation needs at least three blocks
ACCURACY_DECIMALS = 12  # far below any real difference (1 / test images), far above float rounding noise


@dataclass(frozen=True)
class PairedTest:
    """Model A against model B on the same test images: the accuracy difference A − B, its 95% (or other)
    paired bootstrap interval, and McNemar's exact p-value."""

    difference: float
    low: float
    high: float
    p_value: float
    a_better: int  # images where A's correctness is higher
    b_better: int  # images where B's correctness is higher

    def significant(self, alpha: float = ALPHA) -> bool:
        """Whether the difference is significant at level ``alpha``."""
        return self.p_value < alpha


def correctness(y_true: np.ndarray, predictions: Sequence[np.ndarray]) -> np.ndarray:
    """Per test image, the fraction of the seeds' predictions that are right."""
    y_true = np.asarray(y_true)
    if not predictions:
        raise ValueError("no predictions given")
    for labels in predictions:
        if np.shape(labels) != y_true.shape:
            raise ValueError(f"{np.size(labels)} predictions for {y_true.size} test images")
    return np.mean([np.asarray(labels) == y_true for labels in predictions], axis=0)


def _p_value(diff: np.ndarray, resamples: int, seed: int) -> float:
    """Two-sided p of a zero mean per-image difference: McNemar's exact test for differences in {-1, 0, 1},
    else the paired sign-flip permutation test."""
    from scipy import stats

    a_better, b_better = int(np.sum(diff > 0)), int(np.sum(diff < 0))
    if a_better + b_better == 0:
        return 1.0
    if np.all(np.isin(diff, (-1.0, 0.0, 1.0))):
        return float(stats.binomtest(a_better, a_better + b_better, 0.5, alternative="two-sided").pvalue)
    differing = diff[diff != 0]
    return float(stats.permutation_test((differing,), np.mean, permutation_type="samples", n_resamples=resamples,
                                        vectorized=True, batch=BATCH, alternative="two-sided",
                                        rng=np.random.default_rng(seed)).pvalue)


def paired_p_value(y_true: np.ndarray, a: Sequence[np.ndarray], b: Sequence[np.ndarray],
                   resamples: int = BOOTSTRAP_RESAMPLES, seed: int = 0) -> float:
    """The p-value of :func:`paired_test` alone (no interval)."""
    return _p_value(correctness(y_true, a) - correctness(y_true, b), resamples, seed)


def paired_test(y_true: np.ndarray, a: Sequence[np.ndarray], b: Sequence[np.ndarray], confidence: float = 0.95,
                resamples: int = BOOTSTRAP_RESAMPLES, seed: int = 0) -> PairedTest:
    """Models A and B (each one prediction array per seed) on the test labels ``y_true``: the difference of their
    accuracies, its ``confidence`` paired bootstrap interval, and the paired test's p-value."""
    from scipy import stats

    diff = correctness(y_true, a) - correctness(y_true, b)
    mean = float(diff.mean())
    if np.all(diff == diff[0]):  # no spread to resample: the interval is the point
        low = high = mean
    else:
        interval = stats.bootstrap((diff,), np.mean, confidence_level=confidence, n_resamples=resamples,
                                   method="percentile", vectorized=True, batch=BATCH,
                                   rng=np.random.default_rng(seed)).confidence_interval
        low, high = float(interval.low), float(interval.high)
    return PairedTest(mean, low, high, _p_value(diff, resamples, seed), int(np.sum(diff > 0)), int(np.sum(diff < 0)))


@dataclass(frozen=True)
class FriedmanResult:
    """Friedman's test over the tasks (blocks) of the models' scores, and what the diagram needs."""

    statistic: float
    p_value: float
    average_ranks: pd.Series  # per model, 1 is best
    nemenyi: pd.DataFrame  # pairwise post-hoc p-values, models × models
    n_tasks: int


def friedman(scores: pd.DataFrame) -> Optional[FriedmanResult]:
    """Friedman's test of ``scores`` (tasks × models, higher is better; models that miss a task are left out).

    None when fewer than :data:`MIN_FRIEDMAN_TASKS` tasks or fewer than 3 models remain.
    """
    complete = scores.dropna(axis=1)
    if len(complete) < MIN_FRIEDMAN_TASKS or complete.shape[1] < 3:
        return None
    import scikit_posthocs
    from scipy import stats

    statistic, p_value = stats.friedmanchisquare(*(complete[model].to_numpy() for model in complete.columns))
    ranks = complete.round(ACCURACY_DECIMALS).rank(axis=1, ascending=False).mean(axis=0)  # as the overall table
    nemenyi = scikit_posthocs.posthoc_nemenyi_friedman(complete.to_numpy())
    nemenyi.index = nemenyi.columns = list(complete.columns)
    return FriedmanResult(float(statistic), float(p_value), ranks, nemenyi, len(complete))


def critical_difference_png(result: FriedmanResult, alpha: float = ALPHA) -> bytes:
    """The critical-difference diagram of ``result`` as a PNG: average ranks on an axis, models joined by a
    bar when the Nemenyi test does not tell them apart at ``alpha``."""
    import io

    import scikit_posthocs
    from matplotlib.figure import Figure  # no pyplot: no backend to choose, no figure left open

    figure = Figure(figsize=(7, 0.8 + 0.3 * len(result.average_ranks)))
    axis = figure.add_subplot()
    scikit_posthocs.critical_difference_diagram(result.average_ranks, result.nemenyi, alpha=alpha, ax=axis)
    axis.set_title(f"Average rank over {result.n_tasks} tasks (Friedman p = {result.p_value:.3g}; "
                   f"a bar joins models not significantly different at α = {alpha:g})", fontsize=8)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=120, bbox_inches="tight")
    return buffer.getvalue()
