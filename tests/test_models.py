"""Every registered model: its search space, its defaults, and real training that beats chance."""

from __future__ import annotations

import numpy as np
import optuna
import pytest

from dlbench import Augmentation, TaskInfo
from dlbench.host.catalogue import Catalogue, make_plugin_manager
from dlbench.results.metrics import accuracy
from dlbench.training.options import build_estimator

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


def test_forests_try_a_multiple_of_sqrt_pixels_per_split(tiny_digits):
    from dlbench.plugins.random_forest import DEFAULTS, forest_params

    def tried(factor, shape):
        info = TaskInfo("t", shape, 10, tuple("abcdefghij"), seed=3)
        return forest_params({**DEFAULTS, "max_features_factor": factor}, info)["max_features"]

    assert tried(1.0, (1, 28, 28)) == 28  # scikit-learn's "sqrt"
    assert tried(1.0, (3, 64, 64)) == 28  # of the 768 values of a pooled 64x64 RGB image
    assert tried(0.25, (1, 8, 8)) == 2 and tried(4.0, (1, 8, 8)) == 32
    assert tried(4.0, (1, 2, 2)) == 4 and tried(0.25, (1, 2, 2)) == 1  # at most every pixel, at least one
    trees = MODELS.model("extra-trees")
    assert trees.build(dict(trees.defaults), _info(tiny_digits)).estimator.max_features == 8  # 8x8 digits


def test_hog_cells_are_a_fraction_of_the_image_side():
    from dlbench.plugins.hog_svm import hog_setting

    params = {"orientations": 9, "cells_across": 4, "cells_per_block": 3}
    assert hog_setting(params, (1, 28, 28)).pixels_per_cell == (7, 7)
    assert hog_setting(params, (3, 64, 64)).pixels_per_cell == (16, 16)
    assert hog_setting(params, (1, 8, 16)).pixels_per_cell == (2, 4)
    tiny = hog_setting({**params, "cells_across": 8}, (1, 2, 2))  # 1-pixel cells, blocks no larger than the image
    assert (tiny.pixels_per_cell, tiny.cells_per_block, tiny.orientations) == ((1, 1), (2, 2), 9)


def test_hog_describes_colour_images_by_their_luminance():
    from dlbench.plugins.hog_svm import LUMINANCE, HogSetting, hog_features

    rgb = np.random.default_rng(0).integers(0, 256, (5, 3, 16, 16)).astype(np.uint8)
    grey = np.tensordot(rgb.astype(np.float32) / 255, LUMINANCE, axes=([1], [0]))[:, None]
    setting = HogSetting(9, (4, 4), (2, 2))
    features = hog_features(rgb, setting)
    assert features.shape == (5, 3 * 3 * 2 * 2 * 9) and features.dtype == np.float32
    np.testing.assert_allclose(features, hog_features(grey, setting), atol=1e-5)
    assert not np.allclose(features, hog_features(rgb[:, :1], setting), atol=1e-3)  # not just the red channel
    many = np.random.default_rng(1).random((300, 1, 16, 16), dtype=np.float32)  # more than one chunk of images
    np.testing.assert_array_equal(hog_features(many, setting)[-5:], hog_features(many[-5:], setting))


def _counting_cache(**options):
    from dlbench.plugins.hog_svm import HogFeatureCache, hog_features

    calls = []  # (id of the images, setting): no reference that would keep the images alive

    def compute(images, setting):
        calls.append((id(images), setting))
        return hog_features(images, setting)

    return HogFeatureCache(compute, **options), calls


def test_trials_with_the_same_hog_setting_compute_its_features_once(tiny_digits):
    from dataclasses import replace

    from dlbench.plugins.hog_svm import DEFAULTS, hog_setting, make_model
    from dlbench.runs.runner import refit_and_score
    from dlbench.tuning.studies import Split, tune

    cache, calls = _counting_cache()
    model = replace(make_model(cache), portfolio=({**DEFAULTS, "C": 1.0},))  # same HOG setting, another SVM
    split = Split(tiny_digits.x_train[:300], tiny_digits.y_train[:300], tiny_digits.x_train[300:],
                  tiny_digits.y_train[300:])
    outcome = tune(model, _info(tiny_digits), split, n_trials=2, timeout=None, seed=0)
    setting = hog_setting(DEFAULTS, _info(tiny_digits).input_shape)
    assert [row["state"] for row in outcome.trials] == ["complete", "complete"]
    assert calls == [(id(split.x_val), setting), (id(split.x_fit), setting)]  # once each, not once per trial
    for _ in range(2):  # a refit per seed computes its features, so its fit time and latency include them
        scores, _ = refit_and_score(model, outcome.best_params, _info(tiny_digits), tiny_digits)
        assert scores["test_accuracy"] >= 0.9 and scores["n_params"] > 0
    assert [images for images, _ in calls[2:]] == [id(tiny_digits.x_train), id(tiny_digits.x_test)] * 2
    tune(replace(model, portfolio=({**DEFAULTS, "orientations": 6},)), _info(tiny_digits), split, n_trials=2,
         timeout=None, seed=0)
    assert len(calls) == 8  # a new setting: computed again, once per tuning array


def test_hog_feature_cache_forgets_freed_arrays_and_keeps_within_its_bytes():
    import gc

    from dlbench.plugins.hog_svm import HogSetting

    setting = HogSetting(9, (4, 4), (2, 2))
    cache, calls = _counting_cache()
    images = np.random.default_rng(0).random((4, 1, 16, 16), dtype=np.float32)
    first = cache.features(images, setting)
    assert cache.features(images, setting) is first and len(calls) == 1
    assert len(cache.features(images.copy(), setting)) == 4 and len(calls) == 2  # equal data, another array
    del images
    gc.collect()
    assert len(cache) == 0 and cache.nbytes == 0
    row_bytes = 3 * 3 * 2 * 2 * 9 * 4
    small, computed = _counting_cache(max_bytes=row_bytes * 6)
    a, b = (np.random.default_rng(seed).random((4, 1, 16, 16), dtype=np.float32) for seed in (1, 2))
    small.features(a, setting)
    small.features(b, setting)  # 8 rows do not fit: a, the least recently used, goes
    assert len(small) == 1 and small.nbytes == 4 * row_bytes
    small.features(b, setting)
    assert len(small) == 1 and len(computed) == 2
    small.features(a, setting)
    assert len(computed) == 3 and len(small) == 1  # a again, b dropped


RAW_PIXEL_MODELS = [name for name in MODEL_NAMES if MODELS.model(name).family == "classical" and name != "hog-svm"]


@pytest.mark.parametrize("name", RAW_PIXEL_MODELS)
def test_raw_pixel_classical_models_see_large_images_block_averaged(name):
    rng = np.random.default_rng(0)
    images, labels = rng.random((60, 3, 64, 64), dtype=np.float32), np.arange(60) % 2
    model = MODELS.model(name)
    fitted = model.build(dict(model.defaults), TaskInfo("big", (3, 64, 64), 2, ("a", "b"), seed=0)).fit(images, labels)
    estimator = getattr(fitted.estimator_, "svc_", fitted.estimator_)
    assert estimator.n_features_in_ == 768  # 16x16 RGB
    assert fitted.predict(images).shape == (60,)


def test_pooled_pixels_are_the_block_means_of_the_images():
    from sklearn.linear_model import LogisticRegression

    from dlbench import SklearnClassifier
    from dlbench.training.pooling import block_means

    rng = np.random.default_rng(1)
    images, labels = (rng.random((50, 3, 64, 64)) * 255).astype(np.uint8), np.arange(50) % 3
    pooled = SklearnClassifier(LogisticRegression(max_iter=50), max_inputs=1024).fit(images, labels)
    plain = LogisticRegression(max_iter=50).fit(block_means(images, 4).reshape(50, -1), labels)
    assert np.allclose(pooled.estimator_.coef_, plain.coef_)
    full = SklearnClassifier(LogisticRegression(max_iter=50)).fit(images, labels)  # max_inputs None: every pixel
    assert full.estimator_.n_features_in_ == 3 * 64 * 64


def test_raw_pixel_models_pool_large_images_down_to_at_most_1024_values():
    from dlbench.training.pooling import block_means, pooled_inputs, pooling_factor

    assert [pooling_factor(shape) for shape in [(1, 8, 8), (1, 28, 28), (3, 64, 64), (1, 64, 64)]] == [1, 1, 4, 2]
    assert [pooled_inputs(shape) for shape in [(1, 28, 28), (3, 64, 64), (3, 32, 48)]] == [784, 768, 480]
    assert pooling_factor((3, 64, 64), None) == 1 and pooling_factor((1, 4, 4), 0) == 4  # never below 1x1
    images = np.arange(2 * 3 * 4 * 4, dtype=np.float32).reshape(2, 3, 4, 4)
    pooled = block_means(images, 2)
    assert pooled.shape == (2, 3, 2, 2)
    assert pooled[1, 2, 0, 1] == images[1, 2, 0:2, 2:4].mean()
    as_bytes = (np.arange(2 * 4 * 4) % 256).astype(np.uint8).reshape(2, 1, 4, 4)
    assert np.allclose(block_means(as_bytes, 2), block_means(as_bytes.astype(np.float32) / 255, 2))
    assert block_means(images, 1) is images



@pytest.mark.parametrize("augmentation, copies", [(Augmentation(shift=1, hflip=True), 5), (Augmentation(rotate=10.0), 0)])
def test_hog_svm_trains_again_on_virtual_support_vectors(augmentation, copies, catalogue, tiny_digits):
    """DeCoste and Schölkopf's method: the second fit sees the support vectors and one copy per declared shift and
    flip (rotations make none); without copies the first fit stands."""
    model = catalogue.model("hog-svm")
    info = TaskInfo("digits", (1, 8, 8), 10, tuple("0123456789"), 0, augmentation=augmentation)
    plain = build_estimator(model, {**model.defaults, "virtual": False}, info).fit(tiny_digits.x_train, tiny_digits.y_train)
    virtual = build_estimator(model, {**model.defaults, "virtual": True}, info).fit(tiny_digits.x_train, tiny_digits.y_train)
    support = len(plain.classifier.estimator_.support_)
    trained_on = support * (1 + copies) if copies else len(tiny_digits.y_train)
    assert virtual.classifier.estimator_.svc_.shape_fit_[0] == trained_on
    assert accuracy(tiny_digits.y_test, virtual.predict(tiny_digits.x_test)) > 0.9


def test_virtual_examples_shift_by_one_pixel_with_zeros_moving_in():
    from dlbench.data import virtual_examples

    images = np.arange(1, 13, dtype=np.float32).reshape(1, 1, 3, 4)
    down, up, right, left, mirrored = virtual_examples(images, Augmentation(shift=3, hflip=True))
    np.testing.assert_array_equal(down[0, 0], [[0, 0, 0, 0], [1, 2, 3, 4], [5, 6, 7, 8]])
    np.testing.assert_array_equal(left[0, 0, 0], [2, 3, 4, 0])
    np.testing.assert_array_equal(right[0, 0, 0], [0, 1, 2, 3])
    np.testing.assert_array_equal(mirrored[0, 0, 0], [4, 3, 2, 1])
    assert virtual_examples(images, Augmentation()) == []


def test_resnet_stages_follow_the_image_size():
    from dlbench.plugins.resnet import make_resnet

    import torch

    for shape, blocks in (((1, 8, 8), 1), ((1, 28, 28), 3), ((3, 64, 64), 3)):
        net = make_resnet(shape, 10, width=8)
        assert sum(type(layer).__name__ == "BasicBlock" for layer in net) == blocks
        assert net(torch.zeros(2, *shape)).shape == (2, 10)
    assert sum(type(layer).__name__ == "BasicBlock" for layer in make_resnet((3, 64, 64), 10, 8, blocks=2)) == 6
