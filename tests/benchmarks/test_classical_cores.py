"""Classical models on the cores they are given: estimators whose ``n_jobs`` is left to dlbench, in a worker
bound to one thread and in one bound to every core (``--jobs 1``), fit and predict on ``mnist-5k``.

Run: ``python -m pytest tests/benchmarks/test_classical_cores.py -s`` (about a minute on 2 cores, idle).
"""

from __future__ import annotations

import time

import pytest

from dlbench import SklearnClassifier, TrainingSettings
from dlbench.runs.workers import WorkerPlan, bind_worker, cpu_cores

ROUNDS = 3


def _forest():
    from sklearn.ensemble import RandomForestClassifier

    return RandomForestClassifier(n_estimators=200, random_state=0)


def _neighbours():
    from sklearn.neighbors import KNeighborsClassifier

    return KNeighborsClassifier(algorithm="brute")


@pytest.mark.parametrize("name, make", [("random forest, 200 trees", _forest), ("k-nearest neighbours", _neighbours)])
def test_a_classical_model_uses_the_cores_it_is_given(name, make):
    from dlbench.tasks import mnist5k

    data = mnist5k.load()
    seconds = {}
    try:
        for threads in (1, cpu_cores()):
            bind_worker(WorkerPlan(jobs=1, threads=threads))
            rounds = []
            for _ in range(ROUNDS):
                started = time.perf_counter()
                fitted = SklearnClassifier(make(), training=TrainingSettings(threads=threads))  # as a run hands it over
                fitted.fit(data.x_train, data.y_train).predict(data.x_test)
                rounds.append(time.perf_counter() - started)
            seconds[threads] = min(rounds)
    finally:
        bind_worker(WorkerPlan(jobs=1, threads=cpu_cores()))
    print(f"\n{name} on mnist-5k, fit and predict, fastest of {ROUNDS}: 1 thread {seconds[1]:.2f} s, "
          f"{cpu_cores()} threads {seconds[cpu_cores()]:.2f} s, speed-up {seconds[1] / seconds[cpu_cores()]:.2f}")
