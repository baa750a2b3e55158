"""The reference dlbench's training is held to (the tutorial's training as a hand-written PyTorch loop, and the same
loop with a modern recipe: AdamW, a one-cycle schedule, label smoothing, gradient clipping, shifted and flipped
batches), and the timing the benchmarks compare it with."""

from __future__ import annotations

import time
from typing import Any, Callable, Dict, List, NamedTuple, Optional

import numpy as np

from dlbench.tuning.studies import Split


class ByHand(NamedTuple):
    """The trained network and its predicted labels for the validation images."""

    net: Any
    predictions: np.ndarray


class ModernRecipe(NamedTuple):
    """What the hand-written loop does beyond the tutorial (:func:`plain_loop`'s ``recipe``)."""

    weight_decay: float = 5e-4
    warmup: float = 0.25
    label_smoothing: float = 0.05
    grad_clip: Optional[float] = 1.0
    shift: int = 1
    hflip: bool = True
    vflip: bool = False
    rotate: float = 0.0


def transformed(x: Any, recipe: ModernRecipe, generator: Any) -> Any:
    """Each image shifted, flipped and rotated at random, written out with index arithmetic (the draws are
    dlbench's: five uniforms per image, from ``generator``): output pixel ``(r, c)`` takes the input pixel nearest
    to where the inverse map sends it (rotation about the centre, flip, whole-pixel shift; ``(r - dy, c - dx)``
    when nothing rotates or flips), zero outside the image."""
    import math

    import torch

    count, _, height, width = x.shape
    draws = torch.rand(count, 5, generator=generator, device=x.device)
    angle = (draws[:, 0] * 2 - 1) * math.radians(recipe.rotate)
    dx = torch.floor(draws[:, 1] * (2 * recipe.shift + 1)) - recipe.shift
    dy = torch.floor(draws[:, 2] * (2 * recipe.shift + 1)) - recipe.shift
    fx = 1.0 - 2.0 * ((draws[:, 3] < 0.5) & recipe.hflip).float()
    fy = 1.0 - 2.0 * ((draws[:, 4] < 0.5) & recipe.vflip).float()
    # output pixel centres as fractions of the half-size, then the inverse map, then back to pixel indices
    u = ((2 * torch.arange(width, device=x.device) + 1) / width - 1).view(1, 1, width)
    v = ((2 * torch.arange(height, device=x.device) + 1) / height - 1).view(1, height, 1)
    cos, sin = torch.cos(angle).view(-1, 1, 1), torch.sin(angle).view(-1, 1, 1)
    fx, fy, dx, dy = fx.view(-1, 1, 1), fy.view(-1, 1, 1), dx.view(-1, 1, 1), dy.view(-1, 1, 1)
    u_in = cos * fx * u - sin * fy * v * height / width - dx * 2 / width
    v_in = sin * fx * u * width / height + cos * fy * v - dy * 2 / height
    columns = torch.round(((u_in + 1) * width - 1) / 2).long()
    rows = torch.round(((v_in + 1) * height - 1) / 2).long()
    inside = (rows >= 0) & (rows < height) & (columns >= 0) & (columns < width)
    picked = x[torch.arange(count).view(-1, 1, 1), :, rows.clamp(0, height - 1), columns.clamp(0, width - 1)]
    return (picked.permute(0, 3, 1, 2) * inside[:, None].to(x.dtype)).contiguous()


def plain_loop(factory: Callable, split: Split, lr: float, batch_size: int, epochs: int, seed: int,
               device: str = "cpu", recipe: Optional[ModernRecipe] = None) -> ByHand:
    """The tutorial's training, by hand: Adam, cross-entropy, shuffled batches, validation after each epoch.
    With ``recipe``: AdamW, a one-cycle learning rate stepped after every batch, label smoothing, gradient
    clipping, and shifted and flipped training batches.

    On an accelerator the data is moved there once, before the first epoch.
    """
    import torch
    from torch import nn

    torch.manual_seed(seed)
    net = factory().to(device)
    x, y, x_val, y_val = (torch.as_tensor(array).to(device) for array in (split.x_fit, split.y_fit, split.x_val, split.y_val))
    generator = torch.Generator().manual_seed(seed)
    if recipe is None:
        optimiser = torch.optim.Adam(net.parameters(), lr=lr)
        loss_of, schedule, augmenting = nn.CrossEntropyLoss(), None, None
    else:
        optimiser = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=recipe.weight_decay)
        steps = epochs * ((len(x) + batch_size - 1) // batch_size)
        schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=lr, total_steps=max(steps, 1),
                                                       pct_start=recipe.warmup, cycle_momentum=False)
        loss_of = nn.CrossEntropyLoss(label_smoothing=recipe.label_smoothing)
        augmenting = torch.Generator(device=device).manual_seed(seed)

    def predict(images: torch.Tensor) -> torch.Tensor:
        net.eval()
        with torch.inference_mode():
            labels = torch.cat([net(images[start:start + 1024]).argmax(1) for start in range(0, len(images), 1024)])
        net.train()
        return labels

    for _ in range(epochs):
        order = torch.randperm(len(x), generator=generator).to(device)
        for start in range(0, len(x), batch_size):
            index = order[start:start + batch_size]
            images = x[index] if recipe is None else transformed(x[index], recipe, augmenting)
            optimiser.zero_grad()
            loss = loss_of(net(images), y[index])
            loss.backward()
            if recipe is not None and recipe.grad_clip is not None:
                nn.utils.clip_grad_norm_(net.parameters(), recipe.grad_clip)
            optimiser.step()
            if schedule is not None:
                schedule.step()
        float((predict(x_val) == y_val).float().mean())  # the validation accuracy a trial reports
    return ByHand(net, predict(x_val).cpu().numpy())


def fastest(runs: Dict[str, Callable[[], object]], rounds: int) -> Dict[str, float]:
    """The fastest of ``rounds`` timed calls of each run, in seconds; the runs take turns in every round."""
    times: Dict[str, List[float]] = {label: [] for label in runs}
    for _ in range(rounds):
        for label, run in runs.items():
            started = time.perf_counter()
            run()
            times[label].append(time.perf_counter() - started)
    return {label: min(seconds) for label, seconds in times.items()}
