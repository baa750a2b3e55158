"""The hot paths, timed by pytest-benchmark, to catch speed regressions between commits.

Run: ``python -m pytest tests/benchmarks --benchmark-autosave``, later
``python -m pytest tests/benchmarks --benchmark-compare --benchmark-compare-fail=mean:10%``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dlbench import Model, TaskInfo
from dlbench.plugins.cnn import DEFAULTS, make_cnn
from dlbench.plugins.logistic import build as build_logistic
from dlbench.reports import FORMATS, Summary, render
from dlbench.results.schema import RESULT_COLUMNS, TRIAL_COLUMNS
from dlbench.runs.runner import tuning_split
from dlbench.tuning.studies import tune


@pytest.fixture(scope="module")
def shapes_data():
    from dlbench.tasks import shapes

    return shapes.load()


def test_one_epoch_of_the_tutorial_cnn_on_shapes(benchmark, shapes_data):
    from dlbench import TorchClassifier

    info = TaskInfo("shapes", shapes_data.x_train.shape[1:], 10, tuple(map(str, range(10))), 0)

    def one_epoch():
        net = TorchClassifier(lambda: make_cnn(info.input_shape, 10), lr=DEFAULTS["lr"],
                              batch_size=DEFAULTS["batch_size"], epochs=1)
        return net.fit(shapes_data.x_train, shapes_data.y_train)

    benchmark.pedantic(one_epoch, rounds=3, iterations=1, warmup_rounds=1)


def test_a_classical_fit(benchmark, digits_data):
    info = TaskInfo("digits", (1, 8, 8), 10, tuple("0123456789"), 0)
    benchmark(lambda: build_logistic({"C": 1.0}, info).fit(digits_data.x_train, digits_data.y_train))


class _Instant:
    """An estimator that costs nothing, so a trial's time is dlbench's own."""

    def fit(self, X, y, X_val=None, y_val=None):
        return self

    def predict(self, X):
        return np.zeros(len(X), dtype=np.int64)


def test_the_fixed_overhead_of_one_trial(benchmark, digits_data):
    info = TaskInfo("digits", (1, 8, 8), 10, tuple("0123456789"), 0)
    split = tuning_split(digits_data, seed=0)[1]
    model = Model(name="instant", family="classical", search_space=lambda t: {"x": t.suggest_int("x", 1, 9)},
                  defaults={"x": 1}, build=lambda params, task: _Instant())
    benchmark(lambda: tune(model, info, split, n_trials=1, timeout=None, seed=0))


def _results(tasks=3, models=5, seeds=3) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = [{"task": f"task{t}", "model": f"model{m}", "family": "deep" if m < 2 else "classical", "seed": s,
             "status": "ok", "test_accuracy": rng.uniform(0.5, 1), "balanced_accuracy": rng.uniform(0.5, 1),
             "macro_f1": rng.uniform(0.5, 1), "val_accuracy": rng.uniform(0.5, 1), "fit_seconds": rng.uniform(0.1, 60),
             "predict_seconds_per_1k": rng.uniform(0.01, 1), "n_params": 1000 * m, "n_trials": 10,
             "tuning_seconds": 100.0, "best_params": "{}", "error": ""}
            for t in range(tasks) for m in range(models) for s in range(seeds)]
    return pd.DataFrame(rows, columns=RESULT_COLUMNS)


def test_report_generation(benchmark):
    results = _results()
    trials = pd.DataFrame([{"task": f"task{t}", "model": f"model{m}", "trial": n, "state": "complete",
                            "val_accuracy": 0.5 + n / 40} for t in range(3) for m in range(5) for n in range(10)],
                          columns=TRIAL_COLUMNS)

    def every_format():
        summary = Summary(results, pd.DataFrame(columns=["task", "model", "seed", "sources"]))
        return [render(summary, name, trials) for name in FORMATS]

    documents = benchmark.pedantic(every_format, rounds=3, iterations=1)
    assert len(documents) == len(FORMATS)
