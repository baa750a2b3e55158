"""dlbench.testing, the plugin author kit: the built-ins pass it, and it catches each broken contract."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import make_task_data
from dlbench import Model, SklearnClassifier, Task, TaskData
from dlbench.host.catalogue import Catalogue, make_plugin_manager
from dlbench.testing import ContractError, check_model, check_task, probe_task

CATALOGUE = Catalogue.from_plugins(make_plugin_manager(load_entrypoints=False))


@pytest.mark.parametrize("name", CATALOGUE.list_models())
def test_every_builtin_model_passes_and_learns_the_probe_task(name):
    assert check_model(CATALOGUE.model(name)) >= 0.8  # 3 classes: chance is 1/3


@pytest.mark.parametrize("name", ["digits", "shapes"])
def test_builtin_tasks_pass(name):
    data = check_task(CATALOGUE.task(name))
    assert len(data.x_train) > len(data.x_test) > 0


def test_the_probe_task_takes_a_shape_and_classes():
    data = check_task(probe_task(input_shape=(3, 12, 10), n_classes=4))
    assert data.x_train.shape[1:] == (3, 12, 10) and set(data.y_train.tolist()) == {0, 1, 2, 3}


class NotSelf:
    """fit returns a new object instead of self."""

    def fit(self, X, y, X_val=None, y_val=None):
        return NotSelf()

    def predict(self, X):
        return np.zeros(len(X), dtype=int)


class FloatLabels(NotSelf):
    def fit(self, X, y, X_val=None, y_val=None):
        return self

    def predict(self, X):
        return np.full(len(X), 0.5)


class OutOfRange(FloatLabels):
    def predict(self, X):
        return np.full(len(X), 7)


def _model(build, space=lambda trial: {}):
    return Model(name="broken", family="classical", search_space=space, defaults={}, build=build)


@pytest.mark.parametrize("model, message", [
    (_model(lambda p, t: NotSelf()), "model 'broken': fit must return self (scikit-learn convention), got NotSelf"),
    (_model(lambda p, t: FloatLabels()), "model 'broken' predict returned label 0.5, not an integer label in 0 … 2 "
                                         "(60 of 60 labels)"),
    (_model(lambda p, t: OutOfRange()), "model 'broken' predict returned label 7, outside 0 … 2 (60 of 60 labels)"),
    (_model(lambda p, t: object()), "model 'broken': build returned object, which has no fit method"),
    (_model(lambda p, t: None, space=lambda trial: 1 / 0), "search space raised ZeroDivisionError"),
    (Model(name="broken", family="deep", search_space=None, defaults={}, build=print), "has no search space"),
])
def test_check_model_names_what_is_broken(model, message):
    with pytest.raises(ContractError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        check_model(model)


def test_check_model_uses_the_given_task():
    from sklearn.neighbors import KNeighborsClassifier

    knn = _model(lambda p, t: SklearnClassifier(KNeighborsClassifier(3)))
    stripes = probe_task(input_shape=(1, 8, 8), n_classes=2)
    assert check_model(knn, stripes) >= 0.9


@pytest.mark.parametrize("load, message", [
    (lambda: make_task_data(n_classes=3), "train labels must lie in \\[0, 1\\]"),
    (lambda: TaskData(*[np.asarray(a) for a in (make_task_data().x_train.astype(np.float16), make_task_data().y_train,
                                                make_task_data().x_test, make_task_data().y_test)]),
     "train images must be float32 in \\[0, 1\\] or uint8, got float16"),
    (lambda: [1, 2], "load\\(\\) returned list"),
])
def test_check_task_names_what_is_broken(load, message):
    with pytest.raises(ContractError, match=message):
        check_task(Task(name="bad", tags=(), class_names=("a", "b"), load=load))
