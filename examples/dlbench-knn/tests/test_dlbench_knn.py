"""The example plugin through dlbench's own contract checks (dlbench.testing), as a plugin author tests."""

from dlbench.testing import check_model, check_task, probe_task

import dlbench_knn
from dlbench_knn.bars import BAR_CLASSES


def registered(hook):
    items = []
    hook(items.append)
    return {item.name: item for item in items}


def test_knn_meets_the_model_contract_and_learns():
    knn = registered(dlbench_knn.register_models)["knn-standardised"]
    assert check_model(knn) >= 0.9  # the probe task is easy; chance is 1/3
    assert check_model(knn, probe_task(input_shape=(3, 8, 8), n_classes=4)) >= 0.9


def test_bars_meets_the_task_contract():
    bars = registered(dlbench_knn.register_tasks)["bars"]
    data = check_task(bars)
    assert data.x_train.shape == (600, 1, 16, 16) and data.x_test.shape == (200, 1, 16, 16)
    assert sorted(set(data.y_train.tolist())) == list(range(len(BAR_CLASSES)))


def test_knn_on_bars_beats_chance():
    assert check_model(registered(dlbench_knn.register_models)["knn-standardised"],
                       registered(dlbench_knn.register_tasks)["bars"]) >= 0.5  # chance is 0.25
