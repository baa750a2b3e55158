"""Images and labels handed over in memory (``dlbench.Task.from_arrays``, ``dlbench.run(data=...)``): checked,
put into the host's ``N x C x H x W`` layout, their labels encoded, and split when no test part is given.

Everything wrong with the arrays is one :class:`dlbench.DlbenchError` (a ValueError) naming the problem,
raised here, before any training.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Hashable, List, Sequence, Tuple

import numpy as np

from dlbench.errors import DlbenchError

LAYOUTS = ("NHWC", "NCHW")
DEFAULT_LAYOUT = "NHWC"  # channels last: numpy images, PIL, Keras (the tutorial dlbench grew from)
TEST_FRACTION = 0.2  # held out for test when no test part is given (stratified, seeded)
CHANNELS = (1, 3, 4)  # grey, RGB, RGBA: what the channel axis of an image usually holds


class ArrayError(DlbenchError, ValueError):
    """Arrays handed over in memory that cannot be a task's images or labels."""


@dataclass(frozen=True)
class LabelledImages:
    """A task's split, ready for :class:`dlbench.TaskData`: ``N x C x H x W`` uint8 or float32 images, labels
    ``0 .. len(class_names) - 1``; label ``i`` stands for ``class_names[i]``, the text of the given label."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: Tuple[str, ...]


def labelled_images(name: str, x: Any, y: Any, x_test: Any = None, y_test: Any = None, layout: str = DEFAULT_LAYOUT,
                    seed: int = 0, test_fraction: float = TEST_FRACTION) -> LabelledImages:
    """Check and convert images ``x`` with labels ``y`` (and a test part, else a stratified, seeded
    ``test_fraction`` of them) for the task ``name``; see :meth:`dlbench.Task.from_arrays`."""
    where = f"data {name!r}"
    if layout not in LAYOUTS:
        raise ArrayError(f"{where}: layout {layout!r} is not valid; expected one of {', '.join(LAYOUTS)}")
    if (x_test is None) != (y_test is None):
        raise ArrayError(f"{where}: give both x_test and y_test, or neither (then {test_fraction:g} of x is held out)")
    images = channels_first(x, layout, f"{where}: x")
    labels = label_list(y, len(images), f"{where}: y")
    if x_test is None:
        class_names, codes, _ = encode(labels, where)
        train, test = _split(codes, len(class_names), test_fraction, seed, where)
        return LabelledImages(images[train], codes[train], images[test], codes[test], class_names)
    test_images = channels_first(x_test, layout, f"{where}: x_test")
    if test_images.shape[1:] != images.shape[1:]:
        raise ArrayError(f"{where}: x_test images are {test_images.shape[1:]} (C x H x W) but x images are "
                         f"{images.shape[1:]}; both parts need one image shape")
    test_labels = label_list(y_test, len(test_images), f"{where}: y_test")
    class_names, codes, index = encode(labels, where)
    unseen = [label for label in dict.fromkeys(test_labels) if label not in index]
    if unseen:
        raise ArrayError(f"{where}: y_test has label(s) that y lacks ({', '.join(map(repr, unseen[:5]))}); every "
                         "test class needs training images")
    test_codes = np.array([index[label] for label in test_labels], dtype=np.int64)
    return LabelledImages(images, codes, test_images, test_codes, class_names)


def channels_first(x: Any, layout: str, where: str) -> np.ndarray:
    """``x`` as ``N x C x H x W`` uint8 (integers 0-255) or float32 (floats in [0, 1]); ``N x H x W`` gets one
    channel. An array whose axes look like the other layout is refused rather than silently mixed up."""
    array = np.asarray(x)
    if array.ndim == 3:
        array = array[:, None]
    elif array.ndim == 4:
        first, last = array.shape[1], array.shape[3]
        if layout == "NHWC":
            if last not in CHANNELS and first in CHANNELS:
                raise ArrayError(f"{where}: shape {array.shape} looks like N x C x H x W, not the layout N x H x W x C "
                                 "given; pass layout='NCHW'")
            array = array.transpose(0, 3, 1, 2)
        elif first not in CHANNELS and last in CHANNELS:
            raise ArrayError(f"{where}: shape {array.shape} looks like N x H x W x C, not the layout N x C x H x W "
                             "given; pass layout='NHWC'")
    else:
        raise ArrayError(f"{where}: shape {array.shape} is not images; expected N x H x W, or N x H x W x C / "
                         "N x C x H x W (see layout)")
    if len(array) == 0 or 0 in array.shape[1:]:
        raise ArrayError(f"{where}: shape {array.shape} holds no images")
    return np.ascontiguousarray(_pixels(array, where))


def _pixels(array: np.ndarray, where: str) -> np.ndarray:
    """uint8 images for integers 0-255, float32 for floats in [0, 1]; anything else is an ArrayError."""
    if array.dtype == np.bool_ or not (np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)):
        raise ArrayError(f"{where}: pixels of dtype {array.dtype} are not valid; expected uint8 (0-255) or floats in [0, 1]")
    if np.issubdtype(array.dtype, np.integer):
        low, high = int(array.min()), int(array.max())
        if low < 0 or high > 255:
            raise ArrayError(f"{where}: integer pixels must lie in 0-255, got {low} to {high}")
        return array.astype(np.uint8, copy=False)
    if not np.isfinite(array).all():
        raise ArrayError(f"{where}: pixels contain NaN or infinite values")
    low, high = float(array.min()), float(array.max())
    if low < 0 or high > 1:
        raise ArrayError(f"{where}: float pixels must lie in [0, 1], got {low:g} to {high:g} (for 0-255 values pass "
                         "uint8, or divide by 255)")
    return array.astype(np.float32, copy=False)


def label_list(y: Any, n_images: int, where: str) -> List[Hashable]:
    """The labels of ``y`` as plain Python values, one per image, each hashable."""
    array = np.asarray(y, dtype=object) if not isinstance(y, np.ndarray) else y
    if array.ndim != 1:
        raise ArrayError(f"{where}: labels must be one per image (1-d), got shape {array.shape}")
    if len(array) != n_images:
        raise ArrayError(f"{where}: {len(array)} labels for {n_images} images; give one label per image")
    labels = array.tolist()
    for label in labels:
        try:
            hash(label)
        except TypeError:
            raise ArrayError(f"{where}: label {label!r} ({type(label).__name__}) cannot be a class; labels must be "
                             "hashable (strings, numbers)") from None
        if label is None or isinstance(label, float) and label != label:
            raise ArrayError(f"{where}: a label is missing ({label!r}); every image needs a label")
    return labels


def _ordered(labels: Sequence[Hashable]) -> List[Hashable]:
    """The distinct labels, sorted when they can be compared, else in order of first appearance."""
    distinct = list(dict.fromkeys(labels))
    try:
        return sorted(distinct)
    except TypeError:
        return distinct


def encode(labels: Sequence[Hashable], where: str) -> Tuple[Tuple[str, ...], np.ndarray, Dict[Hashable, int]]:
    """Class names (each distinct label as text), the labels as codes ``0 .. classes - 1``, and each label's code."""
    classes = _ordered(labels)
    if len(classes) < 2:
        raise ArrayError(f"{where}: y has {len(classes)} class(es) ({', '.join(map(repr, classes))}); a task needs "
                         "at least 2")
    names = tuple(str(label) for label in classes)
    if len(set(names)) != len(names):
        raise ArrayError(f"{where}: labels {', '.join(map(repr, classes))} do not all read differently as text; "
                         "give labels whose text tells them apart")
    index = {label: code for code, label in enumerate(classes)}
    return names, np.array([index[label] for label in labels], dtype=np.int64), index


def _split(codes: np.ndarray, n_classes: int, fraction: float, seed: int, where: str) -> Tuple[np.ndarray, np.ndarray]:
    """Indices of a stratified, seeded train/test split of ``codes``."""
    from sklearn.model_selection import train_test_split

    counts = np.bincount(codes, minlength=n_classes)
    if counts.min() < 2 or round(len(codes) * fraction) < n_classes:
        raise ArrayError(f"{where}: {len(codes)} images ({counts.min()} in the smallest class) are too few for a "
                         f"stratified {fraction:g} test split of {n_classes} classes; give more images, or x_test "
                         "and y_test")
    train, test = train_test_split(np.arange(len(codes)), test_size=fraction, stratify=codes, random_state=seed)
    return np.sort(train), np.sort(test)

