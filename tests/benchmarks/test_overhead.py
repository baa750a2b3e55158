"""dlbench's own cost: one trial through dlbench against a hand-written PyTorch loop on the same data.

Both train the same network from the same seed for the same epochs, with the same batches, optimiser,
threads and per-epoch validation, then predict the validation images; the dlbench side is one trial as
a run runs it (an Optuna study, the model's ``build``, ``TorchClassifier.fit`` through Lightning, the
pruning callback, ``predict``). The two alternate, and each side's fastest round counts.

Targets (issue 8): dlbench / plain at most 1.10 on a 2-core CPU; the fixed cost of a trial (its time
beyond the plain loop's) at most 0.2 s. Timings here are printed, never asserted.

Run: ``python -m pytest tests/benchmarks/test_overhead.py -s`` (about 3 minutes on 2 cores).
"""

from __future__ import annotations

import time
from typing import Callable, Dict

import numpy as np
import pytest

from dlbench import Model, TaskInfo
from dlbench.runner import tuning_split
from dlbench.tuning import Split, tune

EPOCHS = 3
ROUNDS = 3


def plain_loop(factory: Callable, split: Split, lr: float, batch_size: int, epochs: int, seed: int) -> np.ndarray:
    """The tutorial's training, by hand: Adam, cross-entropy, shuffled batches, validation after each epoch."""
    import torch
    from torch import nn

    torch.manual_seed(seed)
    net = factory()
    optimiser = torch.optim.Adam(net.parameters(), lr=lr)
    loss_of = nn.CrossEntropyLoss()
    x, y = torch.as_tensor(split.x_fit), torch.as_tensor(split.y_fit)
    x_val, y_val = torch.as_tensor(split.x_val), torch.as_tensor(split.y_val)
    generator = torch.Generator().manual_seed(seed)

    def predict(images: torch.Tensor) -> torch.Tensor:
        net.eval()
        with torch.inference_mode():
            labels = torch.cat([net(images[start:start + 1024]).argmax(1) for start in range(0, len(images), 1024)])
        net.train()
        return labels

    for _ in range(epochs):
        order = torch.randperm(len(x), generator=generator)
        for start in range(0, len(x), batch_size):
            index = order[start:start + batch_size]
            optimiser.zero_grad()
            loss = loss_of(net(x[index]), y[index])
            loss.backward()
            optimiser.step()
        float((predict(x_val) == y_val).float().mean())  # the validation accuracy a trial reports
    return predict(x_val).numpy()


def one_trial(model: Model, info: TaskInfo, split: Split) -> None:
    """One trial of ``model``'s defaults, as ``dlbench run`` runs it."""
    outcome = tune(model, info, split, n_trials=1, timeout=None, seed=0, pruner="median")
    assert outcome.trials[0]["state"] == "complete"


def compare(model: Model, info: TaskInfo, split: Split, factory: Callable) -> Dict[str, float]:
    """Fastest of ``ROUNDS`` alternating rounds of each side, in seconds, and their ratio and difference."""
    params = model.defaults
    one_trial(model, info, split)  # warm-up: imports, first-call costs
    dlbench_seconds, plain_seconds = [], []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        one_trial(model, info, split)
        dlbench_seconds.append(time.perf_counter() - started)
        started = time.perf_counter()
        plain_loop(factory, split, params["lr"], params["batch_size"], params["epochs"], info.seed)
        plain_seconds.append(time.perf_counter() - started)
    best, reference = min(dlbench_seconds), min(plain_seconds)
    return {"dlbench": best, "plain": reference, "ratio": best / reference, "fixed_cost": best - reference}


def _short(model: Model) -> Model:
    """The model with its defaults trained for ``EPOCHS`` epochs."""
    from dataclasses import replace

    return replace(model, defaults={**model.defaults, "epochs": EPOCHS}, portfolio=())


@pytest.mark.parametrize("model_name, task_name", [("cnn", "shapes"), ("mlp", "mnist-5k")])
def test_one_trial_against_a_plain_pytorch_loop(model_name, task_name, catalogue):
    import torch

    model = _short(catalogue.model(model_name))
    data = catalogue.task(task_name).load()
    split = tuning_split(data, seed=0)[1]
    info = TaskInfo(task_name, tuple(data.x_train.shape[1:]), len(catalogue.task(task_name).class_names),
                    tuple(catalogue.task(task_name).class_names), 0)
    factory = lambda: model.build(model.defaults, info).module_factory()  # noqa: E731 - the same network
    figures = compare(model, info, split, factory)
    print(f"\n{model_name} on {task_name}, {EPOCHS} epochs, batch {model.defaults['batch_size']}, "
          f"{torch.get_num_threads()} threads: dlbench {figures['dlbench']:.2f} s, plain loop {figures['plain']:.2f} s, "
          f"ratio {figures['ratio']:.3f} (target <= 1.10), fixed cost {figures['fixed_cost']:+.3f} s (target <= 0.2)")
