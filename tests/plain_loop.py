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
    grad_clip: float = 1.0
    shift: int = 1
    hflip: bool = True
    vflip: bool = False


def shifted_and_flipped(x: Any, recipe: ModernRecipe, generator: Any) -> Any:
    """Each image moved by a random whole-pixel shift and flipped at random, written out with index arithmetic
    (the draws are dlbench's: five uniforms per image, from ``generator``): output pixel ``(r, c)`` is input pixel
    ``(r - dy, c - dx)``, or ``(H - 1 - r - dy, ...)`` when flipped, zero outside the image."""
    import torch

    count, _, height, width = x.shape
    draws = torch.rand(count, 5, generator=generator, device=x.device)
    dx = (torch.floor(draws[:, 1] * (2 * recipe.shift + 1)) - recipe.shift).long()
    dy = (torch.floor(draws[:, 2] * (2 * recipe.shift + 1)) - recipe.shift).long()
    flip_x = (draws[:, 3] < 0.5) & recipe.hflip
    flip_y = (draws[:, 4] < 0.5) & recipe.vflip
    columns = torch.arange(width, device=x.device).expand(count, width)
    rows = torch.arange(height, device=x.device).expand(count, height)
    columns = torch.where(flip_x[:, None], width - 1 - columns, columns) - dx[:, None]
    rows = torch.where(flip_y[:, None], height - 1 - rows, rows) - dy[:, None]
    inside = ((rows >= 0) & (rows < height))[:, :, None] & ((columns >= 0) & (columns < width))[:, None, :]
    picked = x[torch.arange(count)[:, None, None], :, rows.clamp(0, height - 1)[:, :, None],
               columns.clamp(0, width - 1)[:, None, :]]  # N x H x W x C
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
            images = x[index] if recipe is None else shifted_and_flipped(x[index], recipe, augmenting)
            optimiser.zero_grad()
            loss = loss_of(net(images), y[index])
            loss.backward()
            if recipe is not None:
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
