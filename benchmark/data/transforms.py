"""Label-keeping transforms of whole image arrays in numpy, for classical models that train on transformed copies
(the "virtual examples" of DeCoste and Schölkopf, "Training Invariant Support Vector Machines", Machine Learning
46, 2002). Deep models transform their batches on the device instead (:mod:`dlbench.training.augment`).
"""

from __future__ import annotations

from typing import List

import numpy as np

from dlbench.types import Augmentation


def shifted(images: np.ndarray, rows: int, columns: int) -> np.ndarray:
    """``images`` (``N x C x H x W``) moved down by ``rows`` and right by ``columns`` pixels (negative: up, left),
    zeros where nothing moved in."""
    moved = np.zeros_like(images)
    height, width = images.shape[-2:]
    target = (slice(max(rows, 0), height + min(rows, 0)), slice(max(columns, 0), width + min(columns, 0)))
    source = (slice(max(-rows, 0), height + min(-rows, 0)), slice(max(-columns, 0), width + min(-columns, 0)))
    moved[..., target[0], target[1]] = images[..., source[0], source[1]]
    return moved


def virtual_examples(images: np.ndarray, augmentation: Augmentation) -> List[np.ndarray]:
    """One transformed copy of ``images`` per elementary transform ``augmentation`` declares: the four one-pixel
    shifts (up, down, left, right) when it declares shifts, and each declared flip. Rotations are left out (they
    need interpolation, which changes the pixels' statistics). Empty when it declares none of these."""
    copies = [shifted(images, rows, columns) for rows, columns in ((1, 0), (-1, 0), (0, 1), (0, -1))
              if augmentation.shift]
    if augmentation.hflip:
        copies.append(images[..., ::-1].copy())
    if augmentation.vflip:
        copies.append(images[..., ::-1, :].copy())
    return copies
