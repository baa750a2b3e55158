"""The ``bars`` task: a deterministic generator of noisy bar images (nothing to download)."""

from __future__ import annotations

import numpy as np

from dlbench import TaskData, stratified_split

BAR_CLASSES = ("horizontal", "vertical", "diagonal", "anti-diagonal")
SIZE = 16


def _bar(orientation: int, offset: int) -> np.ndarray:
    """A 1-pixel-wide bar through the image, shifted by ``offset`` pixels."""
    rows, cols = np.mgrid[0:SIZE, 0:SIZE]
    position = [rows, cols, rows - cols, rows + cols - (SIZE - 1)][orientation]
    return (np.abs(position - (SIZE // 2 + offset if orientation < 2 else offset)) < 1).astype(np.float32)


def load_bars(n_images: int = 800, seed: int = 0) -> TaskData:
    """``n_images`` grey 16x16 images, balanced over the 4 orientations; a fixed 75/25 train/test split."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n_images) % len(BAR_CLASSES)
    images = np.empty((n_images, 1, SIZE, SIZE), dtype=np.float32)
    for index, label in enumerate(labels):
        bar = _bar(int(label), int(rng.integers(-5, 6))) * rng.uniform(0.3, 0.8)
        images[index, 0] = np.clip(bar + rng.normal(0.0, 0.4, (SIZE, SIZE)), 0.0, 1.0)
    return stratified_split(images, labels, test_fraction=0.25, seed=seed)
