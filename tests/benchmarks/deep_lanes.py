"""Two single-threaded deep trials side by side against one two-threaded trial (docs/performance.md, section 7).

For each model and task: one trial of the model's defaults on the task's tuning split in a fresh process with
2 torch threads, then two such trials at once in two processes with 1 thread each. Each process warms up on a
one-epoch fit of 64 images first and times only its trial. Prints the seconds and the ratio of trials per second.

Run: ``python tests/benchmarks/deep_lanes.py [MODEL:TASK ...]`` (default: cnn, resnet and mlp on digits).
"""

from __future__ import annotations

import subprocess
import sys
from typing import List


def one_trial(model_name: str, task_name: str, threads: int) -> float:
    """In this process: the seconds one default trial of ``model_name`` on ``task_name`` takes with ``threads``."""
    import time

    import torch

    torch.set_num_threads(threads)
    from dlbench.api.catalogues import plugin_catalogue
    from dlbench.runs.runner import prepare
    from dlbench.training.options import build_estimator
    from dlbench.types import TrainingSettings

    catalogue = plugin_catalogue()
    model, task = catalogue.model(model_name), catalogue.task(task_name)
    _, info, split = prepare(task, 0, training=TrainingSettings(precision="32", threads=threads))
    build_estimator(model, {**model.defaults, "epochs": 1}, info).fit(split.x_fit[:64], split.y_fit[:64])
    started = time.perf_counter()
    build_estimator(model, model.defaults, info).fit(split.x_fit, split.y_fit, split.x_val, split.y_val)
    return time.perf_counter() - started


def in_processes(model_name: str, task_name: str, threads: int, count: int) -> List[float]:
    """The seconds of ``count`` trials run at once, each in its own process with ``threads`` threads."""
    command = [sys.executable, __file__, "--trial", model_name, task_name, str(threads)]
    processes = [subprocess.Popen(command, stdout=subprocess.PIPE, text=True) for _ in range(count)]
    return [float(process.communicate()[0]) for process in processes]


def main(cases: List[str]) -> None:
    for case in cases:
        model_name, task_name = case.split(":")
        (alone,) = in_processes(model_name, task_name, 2, 1)
        together = in_processes(model_name, task_name, 1, 2)
        print(f"{model_name} on {task_name}: one trial with 2 threads {alone:.2f} s; two side by side with 1 thread "
              f"each {together[0]:.2f} s and {together[1]:.2f} s; trials per second side by side / one after the "
              f"other {2 * alone / max(together):.2f}x", flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--trial"]:
        print(one_trial(sys.argv[2], sys.argv[3], int(sys.argv[4])))
    else:
        main(sys.argv[1:] or ["cnn:digits", "resnet:digits", "mlp:digits"])
