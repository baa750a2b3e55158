"""A CIFAR-sized uint8 data set stays within twice its size in RAM through a deep model's study and refit."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent('''
    import resource
    import numpy as np
    from dlbench import Model, Task, TaskData, TaskInfo, TorchClassifier
    from dlbench.runs.runner import prepare, refit_and_score
    from dlbench.tuning.studies import tune
    import torch, pytorch_lightning  # imports are not the data set's memory

    def linear(task):
        from torch import nn
        return nn.Sequential(nn.Flatten(), nn.Linear(3 * 32 * 32, task.n_classes))

    model = Model("linear", "deep", lambda t: {"lr": t.suggest_float("lr", 1e-3, 1e-2)}, {"lr": 1e-3},
                  lambda p, task: TorchClassifier(lambda: linear(task), lr=p["lr"], batch_size=256, epochs=1))
    rng = np.random.default_rng(0)
    info = TaskInfo("cifar-sized", (3, 32, 32), 10, tuple("abcdefghij"), 0)
    # warm up: the first Lightning fit loads code and buffers that are no part of the data set
    tiny = TaskData(rng.integers(0, 256, (200, 3, 32, 32), dtype=np.uint8), np.arange(200) % 10,
                    rng.integers(0, 256, (50, 3, 32, 32), dtype=np.uint8), np.arange(50) % 10)
    refit_and_score(model, {"lr": 1e-3}, info, tiny)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    def load():
        x_train = np.empty((50_000, 3, 32, 32), dtype=np.uint8)
        for start in range(0, 50_000, 5_000):
            x_train[start:start + 5_000] = rng.integers(0, 256, (5_000, 3, 32, 32), dtype=np.uint8)
        return TaskData(x_train, np.arange(50_000) % 10, x_train[:10_000].copy(), np.arange(10_000) % 10)

    size = 60_000 * 3 * 32 * 32
    data, info, split = prepare(Task("cifar-sized", ("images",), tuple("abcdefghij"), load), seed=0)
    outcome = tune(model, info, split, n_trials=1, timeout=None, seed=0)
    assert outcome.best_params is not None, outcome.first_error
    refit_and_score(model, outcome.best_params, info, data)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - before
    print(f"uint8 size {size / 2**20:.0f} MiB, peak growth {peak / 2**20:.0f} MiB, ratio {peak / size:.2f}")
    assert peak <= 2 * size, (peak, size)
''')


def test_cifar_sized_uint8_data_uses_at_most_twice_its_size():
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    print(result.stdout)
