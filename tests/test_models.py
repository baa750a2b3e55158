"""Every registered model: its search space, its defaults, and real training that beats chance."""

from __future__ import annotations

import numpy as np
import optuna
import pytest

from dlbench import TaskInfo
from dlbench.metrics import accuracy
from dlbench.registry import Catalogue, make_plugin_manager

MODELS = Catalogue.from_plugins(make_plugin_manager(load_entrypoints=False))
MODEL_NAMES = MODELS.list_models()
CHANCE = 0.1  # ten balanced digit classes


def _info(data) -> TaskInfo:
    return TaskInfo("digits", tuple(data.x_train.shape[1:]), 10, tuple(str(i) for i in range(10)), seed=0)


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_defaults_and_portfolio_lie_in_the_search_space(name):
    model = MODELS.model(name)
    for configuration in (model.defaults, *model.portfolio):
        params = model.search_space(optuna.trial.FixedTrial(dict(configuration)))
        assert params == dict(configuration)


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_search_space_samples_buildable_params(name, tiny_digits):
    model = MODELS.model(name)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))
    for _ in range(5):
        trial = study.ask()
        params = model.search_space(trial)
        assert params and all(isinstance(v, (int, float, str, bool)) for v in params.values())
        estimator = model.build(params, _info(tiny_digits))
        assert hasattr(estimator, "fit") and hasattr(estimator, "predict")
        study.tell(trial, 0.0)


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_defaults_train_and_beat_chance_by_a_margin(name, tiny_digits):
    model = MODELS.model(name)
    estimator = model.build(dict(model.defaults), _info(tiny_digits))
    assert estimator.fit(tiny_digits.x_train, tiny_digits.y_train,
                         tiny_digits.x_test[:50], tiny_digits.y_test[:50]) is estimator
    predictions = estimator.predict(tiny_digits.x_test)
    assert predictions.shape == tiny_digits.y_test.shape and np.issubdtype(predictions.dtype, np.integer)
    assert accuracy(tiny_digits.y_test, predictions) >= CHANCE + 0.5, name
    assert estimator.n_params > 0


def test_default_cnn_is_the_tutorial_network():
    from torch import nn

    from dlbench.plugins.cnn import DEFAULTS, make_cnn

    net = make_cnn((3, 64, 64), 10, DEFAULTS["filters"], DEFAULTS["blocks"], DEFAULTS["dense"], DEFAULTS["dropout"])
    kinds = [type(layer) for layer in net]
    assert kinds == [nn.Conv2d, nn.ReLU, nn.MaxPool2d, nn.Flatten, nn.Linear, nn.ReLU, nn.Linear]
    conv, dense, out = net[0], net[4], net[6]
    assert (conv.in_channels, conv.out_channels, conv.kernel_size) == (3, 32, (3, 3))
    assert (dense.in_features, dense.out_features) == (31 * 31 * 32, 128)
    assert out.out_features == 10
    assert sum(p.numel() for p in net.parameters()) == 3_938_570  # the Keras tutorial's count
    assert (DEFAULTS["lr"], DEFAULTS["batch_size"], DEFAULTS["epochs"]) == (1e-3, 32, 10)


def test_extra_cnn_blocks_fit_small_images():
    import torch

    from dlbench.plugins.cnn import make_cnn

    for shape in [(1, 8, 8), (1, 28, 28), (3, 64, 64)]:
        net = make_cnn(shape, 10, filters=16, blocks=3, dense=64, dropout=0.2)
        assert net(torch.zeros(2, *shape)).shape == (2, 10)


def test_torch_classifier_reports_validation_accuracy_every_epoch(tiny_digits):
    model = MODELS.model("mlp")
    seen = []
    estimator = model.build({**model.defaults, "epochs": 3}, _info(tiny_digits))
    estimator.on_epoch_end = lambda epoch, acc: seen.append((epoch, acc))
    estimator.fit(tiny_digits.x_train, tiny_digits.y_train, tiny_digits.x_test, tiny_digits.y_test)
    assert [epoch for epoch, _ in seen] == [0, 1, 2]
    assert seen[-1][1] == pytest.approx(accuracy(tiny_digits.y_test, estimator.predict(tiny_digits.x_test)))


def test_sklearn_classifier_rejects_an_unknown_scaling():
    from sklearn.tree import DecisionTreeClassifier

    from dlbench import SklearnClassifier

    with pytest.raises(ValueError, match="scaling 'minmax' is not one of unit, standard"):
        SklearnClassifier(DecisionTreeClassifier(), scaling="minmax")


def test_ctrl_c_inside_a_lightning_fit_reaches_the_caller(tiny_digits):
    import signal

    model = MODELS.model("mlp")
    estimator = model.build({**model.defaults, "epochs": 3}, _info(tiny_digits))

    def interrupt(epoch, accuracy):
        raise KeyboardInterrupt

    estimator.on_epoch_end = interrupt
    handler = signal.getsignal(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt):  # Lightning alone would call sys.exit(1) and ignore SIGINT
        estimator.fit(tiny_digits.x_train, tiny_digits.y_train, tiny_digits.x_test, tiny_digits.y_test)
    assert signal.getsignal(signal.SIGINT) is handler
