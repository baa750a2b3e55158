"""Shared fixtures: a plugin manager with autoload off, its catalogue, and small real data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dlbench import TaskData
from dlbench.host.catalogue import Catalogue, make_plugin_manager


@pytest.fixture
def pm():
    """The built-in plugins only: entry-point autoload is off, so installed plugins cannot interfere."""
    return make_plugin_manager(load_entrypoints=False)


@pytest.fixture
def catalogue(pm):
    return Catalogue.from_plugins(pm)


@pytest.fixture(scope="session")
def digits_data() -> TaskData:
    from dlbench.tasks import digits

    return digits.load()


@pytest.fixture(scope="session")
def tiny_digits(digits_data) -> TaskData:
    """400 train and 200 test digits: enough for every model to beat chance clearly, in seconds."""
    return TaskData(digits_data.x_train[:400], digits_data.y_train[:400],
                    digits_data.x_test[:200], digits_data.y_test[:200])


def make_task_data(n_train: int = 40, n_test: int = 20, shape=(1, 4, 4), n_classes: int = 2, seed: int = 0) -> TaskData:
    """Random but valid task data (for contract and plumbing tests, not accuracy)."""
    rng = np.random.default_rng(seed)
    return TaskData(rng.random((n_train, *shape), dtype=np.float32), np.arange(n_train) % n_classes,
                    rng.random((n_test, *shape), dtype=np.float32), np.arange(n_test) % n_classes)


def pytest_collection_modifyitems(config, items):
    """Everything in tests/benchmarks is a speed benchmark (marked ``benchmark_suite``); benchmarks run only
    when asked for (``pytest tests/benchmarks`` or ``-m benchmark_suite``)."""
    for item in items:
        if "benchmarks" in item.path.parts:
            item.add_marker(pytest.mark.benchmark_suite)
    asked = "benchmark_suite" in (config.option.markexpr or "") or any(
        "benchmarks" in Path(arg.split("::")[0]).parts for arg in config.args)
    if asked:
        return
    skipped = [item for item in items if item.get_closest_marker("benchmark_suite")]
    if skipped:
        config.hook.pytest_deselected(items=skipped)
        items[:] = [item for item in items if not item.get_closest_marker("benchmark_suite")]
