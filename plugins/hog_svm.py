"""HOG features and an SVM: the classical computer-vision pipeline.

Histograms of oriented gradients (Dalal and Triggs, 2005; ``skimage.feature.hog``) describe each image by
the directions of its edges, cell by cell, which a shape keeps wherever it moves a little; an RBF or linear
SVM classifies the standardised features. Colour images are described by their luminance.

HOG learns nothing from the data, so the features of an image array depend only on the HOG setting: a
study's trials fit on the same arrays, and a :class:`HogFeatureCache` computes each array's features once
per setting, for all the trials that use it. Only the tuning split's arrays are cached (a trial's fit is
given validation data, a refit is not): a refit's fit time and its test-set latency always include
computing the features, for every seed.

With ``virtual`` on, the SVM is trained twice, as DeCoste and Schölkopf's virtual support vector method does
("Training Invariant Support Vector Machines", Machine Learning 46, 2002): once on the images, then on its
support vectors together with their transformed copies (one-pixel shifts and flips, where the task declares that
they keep the labels: :func:`dlbench.data.virtual_examples`). The copies' features are computed in every fit.
"""

from __future__ import annotations

import functools
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Optional, Tuple

import numpy as np

from dlbench import Augmentation, Model, SklearnClassifier, TaskInfo, TrainingSettings, hookimpl
from dlbench.data import virtual_examples

from .svm import ScaledGammaSVC

DEFAULTS = {"orientations": 9, "cells_across": 4, "cells_per_block": 3, "kernel": "rbf", "C": 10.0,
            "gamma_factor": 1.0, "virtual": False}
PORTFOLIO = ({"orientations": 9, "cells_across": 4, "cells_per_block": 2, "kernel": "rbf", "C": 1.0,
              "gamma_factor": 1.0, "virtual": False},
             {"orientations": 6, "cells_across": 4, "cells_per_block": 3, "kernel": "rbf", "C": 10.0,
              "gamma_factor": 1.0, "virtual": False},
             {"orientations": 9, "cells_across": 6, "cells_per_block": 2, "kernel": "linear", "C": 0.01,
              "virtual": False},
             # what TPE found on mnist-5k in a default run (seed 0: validation accuracy 0.9838, the best of
             # its study, test 0.974): fine cells, a wide kernel
             {"orientations": 6, "cells_across": 8, "cells_per_block": 3, "kernel": "rbf", "C": 5.3253545423209925,
              "gamma_factor": 0.11065666544773387, "virtual": False})
LUMINANCE = np.array([0.2125, 0.7154, 0.0721], dtype=np.float32)  # ITU-R BT.709, as skimage.color.rgb2gray
CACHE_BYTES = 1 << 30  # features kept per model (a GiB); beyond that the least recently used are dropped
_CHUNK = 256  # images converted to float at a time


@dataclass(frozen=True)
class HogSetting:
    """What ``skimage.feature.hog`` computes: gradient orientation bins, cell size (rows, columns of pixels)
    and block size (rows, columns of cells)."""

    orientations: int
    pixels_per_cell: Tuple[int, int]
    cells_per_block: Tuple[int, int]


def hog_setting(params: Mapping[str, Any], input_shape: Tuple[int, ...]) -> HogSetting:
    """The HOG setting of ``params`` for images of ``input_shape`` (C, H, W).

    ``cells_across`` cells span each side of the image, so one search space fits every image size: 4
    cells across are 7-pixel cells on 28x28 images and 16-pixel cells on 64x64 ones. Blocks are at most
    as large as the image's cells allow.
    """
    height, width = input_shape[-2:]
    cells = params["cells_across"]
    pixels = (max(1, height // cells), max(1, width // cells))
    block = max(1, min(params["cells_per_block"], height // pixels[0], width // pixels[1]))
    return HogSetting(params["orientations"], pixels, (block, block))


def luminance(images: np.ndarray) -> np.ndarray:
    """Grey ``N x H x W`` float32 images in [0, 1] of ``N x C x H x W`` ones (uint8 ones are divided by 255).

    Three channels are RGB, weighted into their luminance; any other number of channels is averaged.
    """
    images = images.astype(np.float32) / 255.0 if images.dtype == np.uint8 else images.astype(np.float32, copy=False)
    if images.shape[1] == 3:
        return np.tensordot(images, LUMINANCE, axes=([1], [0]))
    return images.mean(axis=1)


def hog_features(images: np.ndarray, setting: HogSetting) -> np.ndarray:
    """One float32 row of HOG features per image of ``images`` (``N x C x H x W``), a few images in memory at a time."""
    from skimage.feature import hog

    features = np.empty((len(images), 0), dtype=np.float32)
    for start in range(0, len(images), _CHUNK):
        rows = np.asarray([hog(grey, orientations=setting.orientations, pixels_per_cell=setting.pixels_per_cell,
                               cells_per_block=setting.cells_per_block, block_norm="L2-Hys", feature_vector=True)
                           for grey in luminance(images[start:start + _CHUNK])], dtype=np.float32)
        if start == 0:
            features = np.empty((len(images), rows.shape[1]), dtype=np.float32)
        features[start:start + len(rows)] = rows
    return features


class HogFeatureCache:
    """HOG features of the image arrays a model is given, computed once per array and setting.

    An entry is keyed on the array object itself (by identity, through a weak reference) and dies with
    it: the fit and validation arrays of a study keep their features for all its trials, and the
    features go when the study's data does. The arrays must not change while they are alive (the host
    never writes to a task's arrays). At most ``max_bytes`` of features are kept; beyond that the least
    recently used go. ``compute`` is the feature function (:func:`hog_features`). Trials side by side share
    the cache: one computes an array's features while the others wait for them.
    """

    def __init__(self, compute: Callable[[np.ndarray, HogSetting], np.ndarray] = hog_features,
                 max_bytes: int = CACHE_BYTES) -> None:
        self.compute = compute
        self.max_bytes = max_bytes
        self._entries: "OrderedDict[Tuple[int, HogSetting], Tuple[weakref.ref, np.ndarray]]" = OrderedDict()
        self._lock = threading.RLock()  # re-entrant: a freed array's callback may run inside a locked block

    def __len__(self) -> int:
        """How many (array, setting) entries are held."""
        return len(self._entries)

    @property
    def nbytes(self) -> int:
        """The bytes of features held."""
        with self._lock:
            return sum(features.nbytes for _, features in self._entries.values())

    def cached(self, images: np.ndarray, setting: HogSetting) -> Optional[np.ndarray]:
        """The kept HOG features of ``images`` for ``setting``, or None."""
        key = (id(images), setting)
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0]() is images:
                self._entries.move_to_end(key)
                return entry[1]
        return None

    def features(self, images: np.ndarray, setting: HogSetting) -> np.ndarray:
        """The HOG features of ``images`` for ``setting``: from the cache, else computed and kept."""
        with self._lock:
            kept = self.cached(images, setting)
            if kept is not None:
                return kept
            features = self.compute(images, setting)
            self._entries[(id(images), setting)] = (weakref.ref(images, self._forget), features)
            while self._entries and self.nbytes > self.max_bytes:
                self._entries.popitem(last=False)
            return features

    def _forget(self, dead: weakref.ref) -> None:
        """An array was freed: drop its features."""
        with self._lock:
            for key in [key for key, (ref, _) in self._entries.items() if ref is dead]:
                del self._entries[key]


class HogClassifier:
    """HOG features of the images (their luminance), then ``classifier`` on them.

    :param setting: the HOG setting.
    :param classifier: the classifier of the feature rows (an SVM on standardised features).
    :param cache: where the features of each image array are kept; a new one, private to this
        classifier, when None.
    :param virtual: train again on the support vectors and their transformed copies (``augmentation``'s).
    :param augmentation: the transforms that keep the task's labels.
    """

    def __init__(self, setting: HogSetting, classifier: SklearnClassifier,
                 cache: Optional[HogFeatureCache] = None, virtual: bool = False,
                 augmentation: Augmentation = Augmentation()) -> None:
        self.setting = setting
        self.classifier = classifier
        self.cache = cache if cache is not None else HogFeatureCache()
        self.virtual = virtual
        self.augmentation = augmentation

    @property
    def training(self) -> Optional[TrainingSettings]:
        """The run's settings, which the host hands to the SVM's adapter through this wrapper."""
        return self.classifier.training

    @training.setter
    def training(self, settings: TrainingSettings) -> None:
        self.classifier.training = settings

    def fit(self, X: np.ndarray, y: np.ndarray, X_val: Optional[np.ndarray] = None,
            y_val: Optional[np.ndarray] = None) -> "HogClassifier":
        """Fit the classifier on the features of ``X``. Given validation data, this is a trial: the features of
        ``X`` and ``X_val`` are cached for the study's other trials; otherwise (a refit) they are computed. With
        ``virtual``, a second fit on the support vectors and their transformed copies follows."""
        if X_val is None:
            features = self.compute(X)
        else:
            self.cache.features(X_val, self.setting)
            features = self.cache.features(X, self.setting)
        self.classifier.fit(features, y)
        if self.virtual:
            self._fit_virtual_support_vectors(X, y, features)
        return self

    def _fit_virtual_support_vectors(self, X: np.ndarray, y: np.ndarray, features: np.ndarray) -> None:
        """Fit again on the support vectors of the first fit and their transformed copies (none declared: kept)."""
        support = self.classifier.estimator_.support_
        copies = virtual_examples(X[support], self.augmentation)
        if copies:
            copied = [self.cache.compute(copy, self.setting) for copy in copies]
            self.classifier.fit(np.concatenate([features[support], *copied]), np.tile(y[support], len(copies) + 1))

    def compute(self, X: np.ndarray) -> np.ndarray:
        """The features of ``X``: cached ones for a tuning array, else computed afresh (test images, refits)."""
        kept = self.cache.cached(X, self.setting)
        return kept if kept is not None else self.cache.compute(X, self.setting)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Integer labels for ``X``."""
        return self.classifier.predict(self.compute(X))

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities for ``X``, where the classifier gives them (an SVC does not: AttributeError, raised
        before any features are computed)."""
        if not hasattr(self.classifier.estimator_, "predict_proba"):
            raise AttributeError(f"{type(self.classifier.estimator_).__name__} gives no class probabilities")
        return self.classifier.predict_proba(self.compute(X))

    @property
    def n_params(self) -> Optional[int]:
        """The classifier's learned values (the scaler's and the SVM's); HOG itself learns none."""
        return self.classifier.n_params


def search_space(trial) -> dict:
    """HOG orientations, cells across the image side and cells per block; SVM kernel, C (log), RBF gamma (log);
    whether to train again on virtual support vectors."""
    params = {"orientations": trial.suggest_categorical("orientations", [6, 9, 12]),
              "cells_across": trial.suggest_categorical("cells_across", [3, 4, 6, 8]),
              "cells_per_block": trial.suggest_categorical("cells_per_block", [1, 2, 3]),
              "kernel": trial.suggest_categorical("kernel", ["rbf", "linear"]),
              "C": trial.suggest_float("C", 1e-3, 1e2, log=True)}
    if params["kernel"] == "rbf":
        params["gamma_factor"] = trial.suggest_float("gamma_factor", 1e-1, 1e1, log=True)
    params["virtual"] = trial.suggest_categorical("virtual", [False, True])
    return params


def build(params: Mapping[str, Any], task: TaskInfo, cache: Optional[HogFeatureCache] = None) -> HogClassifier:
    """HOG features of the task's images, standardised, then an SVC (RBF gamma as a multiple of ``"scale"``).

    ``cache`` is shared by the classifiers of a registered model, so trials with the same HOG setting on
    the same arrays compute their features once.
    """
    svc = ScaledGammaSVC(params["kernel"], params["C"], params.get("gamma_factor", 1.0), random_state=task.seed)
    return HogClassifier(hog_setting(params, task.input_shape), SklearnClassifier(svc, scaling="standard"), cache,
                         params.get("virtual", False), task.augmentation)


def make_model(cache: HogFeatureCache) -> Model:
    """The ``hog-svm`` model, whose classifiers share ``cache``."""
    return Model(name="hog-svm", family="classical", search_space=search_space, defaults=DEFAULTS,
                 build=functools.partial(build, cache=cache), portfolio=PORTFOLIO,
                 description="HOG features (colour images as their luminance), then an RBF or linear SVM on the "
                 "standardised features", single_threaded=True)


@hookimpl
def register_models(register: Callable[[Model], None]) -> None:
    register(make_model(HogFeatureCache()))
