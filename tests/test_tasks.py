"""Every built-in task: the contract (shapes, dtypes, ranges, labels) and its fixed split."""

from __future__ import annotations

import numpy as np
import pytest

from dlbench.host.catalogue import Catalogue, make_plugin_manager
from dlbench.host.validation import check_task_data

TASKS = Catalogue.from_plugins(make_plugin_manager(load_entrypoints=False))
EXPECTED = {  # name: (train, test, image shape)
    "digits": (1347, 450, (1, 8, 8)),
    "mnist-5k": (4000, 1000, (1, 28, 28)),
    "shapes": (2400, 600, (3, 64, 64)),
}


@pytest.fixture(scope="module", params=sorted(EXPECTED))
def loaded(request):
    task = TASKS.task(request.param)
    return task, task.load()


def test_every_builtin_task_is_tagged_images():
    assert sorted(t.name for t in TASKS.select_tasks(["images"])) == sorted(EXPECTED)


def test_task_data_follows_the_contract(loaded):
    task, data = loaded
    check_task_data(task, data)
    n_train, n_test, shape = EXPECTED[task.name]
    assert data.x_train.shape == (n_train, *shape) and data.x_test.shape == (n_test, *shape)
    assert data.x_train.dtype == np.float32 and data.y_train.dtype == np.int64
    assert 0.0 <= data.x_train.min() and data.x_train.max() <= 1.0
    assert data.x_train.max() > 0.9  # really uses the range, not e.g. 0..1/255
    assert len(task.class_names) == 10


def test_splits_are_fixed_and_stratified(loaded):
    task, data = loaded
    again = task.load()
    assert np.array_equal(data.y_train, again.y_train) and np.array_equal(data.x_test, again.x_test)
    train_share = np.bincount(data.y_train) / len(data.y_train)
    assert np.abs(train_share - 0.1).max() < 0.01


def test_shapes_are_deterministic_for_a_seed_and_vary_between_seeds():
    from dlbench.tasks.shapes import make_shapes

    first, labels = make_shapes(3, seed=7)
    second, _ = make_shapes(3, seed=7)
    other, _ = make_shapes(3, seed=8)
    assert first.shape == (30, 3, 64, 64) and np.array_equal(first, second)
    assert not np.array_equal(first, other)
    assert sorted(np.bincount(labels)) == [3] * 10


def test_shapes_vary_colour_size_and_position():
    from dlbench.tasks.shapes import CLASS_NAMES, make_shapes

    images, labels = make_shapes(20, seed=3)
    circles = images[labels == CLASS_NAMES.index("circle")]
    background = np.median(circles.reshape(len(circles), 3, -1), axis=2)
    bright = circles.max(axis=1) > background.max(axis=1)[:, None, None] + 0.3
    area = bright.reshape(len(circles), -1).mean(axis=1)
    centre_x = [np.nonzero(mask)[1].mean() for mask in bright]
    assert np.ptp(background, axis=0).max() > 0.2  # colours vary
    assert area.max() > 1.5 * area.min()  # sizes vary
    assert np.ptp(centre_x) > 8  # positions vary
