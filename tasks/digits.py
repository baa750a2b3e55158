"""scikit-learn's 8x8 handwritten digits (1,797 images, shipped with scikit-learn)."""

from __future__ import annotations

import numpy as np

from dlbench import Augmentation, Task, TaskData, hookimpl, stratified_split

TEST_FRACTION = 0.25
SPLIT_SEED = 0
# A digit moved by a pixel is the same digit; a mirrored one may not be (2, 5, 7).
AUGMENTATION = Augmentation(shift=1)


def load() -> TaskData:
    """1,797 grey 8x8 digits scaled from 0..16 to [0, 1]; fixed stratified 75/25 split (seed 0)."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float32)[:, None, :, :]
    labels = digits.target.astype(np.int64)
    return stratified_split(images, labels, TEST_FRACTION, SPLIT_SEED)


@hookimpl
def register_tasks(register):
    register(Task(name="digits", tags=("images", "small", "grey"),
                  class_names=tuple(str(d) for d in range(10)), load=load, augmentation=AUGMENTATION,
                  description="scikit-learn digits: 1,797 grey 8x8 images, 10 classes, 1,347 train / 450 test"))
