"""The reference dlbench's training is held to (the tutorial's training as a hand-written PyTorch loop),
and the timing the benchmarks compare it with."""

from __future__ import annotations

import time
from typing import Any, Callable, Dict, List, NamedTuple

import numpy as np

from dlbench.tuning.studies import Split


class ByHand(NamedTuple):
    """The trained network and its predicted labels for the validation images."""

    net: Any
    predictions: np.ndarray


def plain_loop(factory: Callable, split: Split, lr: float, batch_size: int, epochs: int, seed: int,
               device: str = "cpu") -> ByHand:
    """The tutorial's training, by hand: Adam, cross-entropy, shuffled batches, validation after each epoch.

    On an accelerator the data is moved there once, before the first epoch.
    """
    import torch
    from torch import nn

    torch.manual_seed(seed)
    net = factory().to(device)
    optimiser = torch.optim.Adam(net.parameters(), lr=lr)
    loss_of = nn.CrossEntropyLoss()
    x, y, x_val, y_val = (torch.as_tensor(array).to(device) for array in (split.x_fit, split.y_fit, split.x_val, split.y_val))
    generator = torch.Generator().manual_seed(seed)

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
            optimiser.zero_grad()
            loss = loss_of(net(x[index]), y[index])
            loss.backward()
            optimiser.step()
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
