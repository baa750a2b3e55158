"""A task's label-keeping transforms (:class:`dlbench.types.Augmentation`) applied to a batch of training images
at once, on the device the batch is on: one random affine map per image (shift, flips, rotation) drawn from a
seeded generator, sampled with ``grid_sample`` at the nearest pixel (so whole-pixel shifts and flips move pixels
exactly, and a rotation moves them without blending: the images keep their noise and sharpness), zeros outside
the image.
"""

from __future__ import annotations

import math
from typing import Any

from dlbench.types import Augmentation

PADDING = "zeros"  # the pixels that move in (a shifted or rotated image's uncovered border)


def generator_on(device: Any, seed: int) -> Any:
    """A torch random generator on ``device`` seeded with ``seed`` (random draws then stay on the device)."""
    import torch

    return torch.Generator(device=device).manual_seed(seed)


def augmented(images: Any, augmentation: Augmentation, generator: Any) -> Any:
    """``images`` (``N x C x H x W`` floats) each moved by its own random transform of ``augmentation``.

    Every image gets a shift of ``-shift .. shift`` whole pixels on each axis, a flip with probability 1/2 on
    each declared axis, and a rotation uniform in ``-rotate .. rotate`` degrees about its centre.
    """
    import torch
    import torch.nn.functional as F

    if not augmentation.active:
        return images
    count, _, height, width = images.shape
    draws = torch.rand(count, 5, generator=generator, device=images.device)
    angle = (draws[:, 0] * 2 - 1) * math.radians(augmentation.rotate)
    # whole-pixel shifts in -shift..shift, as fractions of the image's half-size (grid_sample's coordinates)
    shift_x = torch.floor(draws[:, 1] * (2 * augmentation.shift + 1)) - augmentation.shift
    shift_y = torch.floor(draws[:, 2] * (2 * augmentation.shift + 1)) - augmentation.shift
    flip_x = torch.where((draws[:, 3] < 0.5) & augmentation.hflip, -1.0, 1.0)
    flip_y = torch.where((draws[:, 4] < 0.5) & augmentation.vflip, -1.0, 1.0)
    cos, sin = torch.cos(angle), torch.sin(angle)
    theta = torch.stack([torch.stack([cos * flip_x, -sin * flip_y * height / width, -shift_x * 2 / width], 1),
                         torch.stack([sin * flip_x * width / height, cos * flip_y, -shift_y * 2 / height], 1)], 1)
    grid = F.affine_grid(theta.to(images.dtype), list(images.shape), align_corners=False)
    return F.grid_sample(images, grid, mode="nearest", padding_mode=PADDING, align_corners=False)
