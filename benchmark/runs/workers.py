"""Parallel trials: worker processes that share a run's studies, each bound to its GPU or its share of the cores.

The run's own process is worker 0; ``--jobs N`` starts workers 1 .. N-1 as ``dlbench run --resume
RUN_DIR --helper I``. They meet in the run's storage, where each study hands out exactly its
``--trials`` (see :mod:`dlbench.tuning.studies`). On the CPU, torch threads x jobs never exceeds the cores.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Tuple

from dlbench.errors import DlbenchError
from dlbench.training.devices import cpu_cores, visible_gpus


@dataclass(frozen=True)
class WorkerPlan:
    """How many workers run trials, the torch threads of each, and the GPUs they are bound to (one each)."""

    jobs: int
    threads: int
    gpus: Tuple[str, ...] = ()

    def gpu_of(self, worker: int) -> Optional[str]:
        """The GPU worker ``worker`` is bound to (round robin), or None on the CPU."""
        return self.gpus[worker % len(self.gpus)] if self.gpus else None


def plan_workers(jobs: Optional[int], devices: Optional[int], cores: Optional[int] = None,
                 gpus: Optional[Tuple[str, ...]] = None) -> WorkerPlan:
    """Workers for ``--jobs`` and ``--devices``: by default one per GPU (``--devices`` of them), else one.

    On the CPU, ``jobs`` may not exceed the cores, and each worker gets ``cores // jobs`` torch threads.
    """
    cores = cpu_cores() if cores is None else cores
    gpus = visible_gpus() if gpus is None else gpus
    if devices is not None:
        if devices > len(gpus):
            raise DlbenchError(f"--devices {devices}: this machine has {len(gpus)} visible GPU(s); "
                               f"valid: 1 to {len(gpus)}" if gpus else f"--devices {devices}: no GPU is visible")
        gpus = gpus[:devices]
    jobs = jobs if jobs is not None else max(len(gpus), 1)
    if not gpus and jobs > cores:
        raise DlbenchError(f"--jobs {jobs} is more than the {cores} CPU cores; valid: 1 to {cores} "
                           "(torch threads x jobs may not exceed the cores)")
    return WorkerPlan(jobs=jobs, threads=max(cores // jobs, 1), gpus=gpus)


def bind_worker(plan: WorkerPlan) -> None:
    """Give this worker process its share of the cores: torch's thread pool and the BLAS and OpenMP pools
    that numpy and scikit-learn use (pools of the process itself; the ``n_jobs`` of classical models come
    from the :class:`dlbench.TrainingSettings` the run hands to each estimator)."""
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(plan.threads)
    threadpool_limits(plan.threads)


def start_helpers(plan: WorkerPlan, run_dir: Path, jobs_flag: List[str]) -> List[subprocess.Popen]:
    """Start workers 1 .. jobs-1 on ``run_dir``; each sees only its GPU (``CUDA_VISIBLE_DEVICES``)."""
    helpers = []
    for worker in range(1, plan.jobs):
        env = dict(os.environ)
        if plan.gpus:
            env["CUDA_VISIBLE_DEVICES"] = plan.gpu_of(worker)
        command = [sys.executable, "-m", "dlbench.cli", "run", "--resume", str(run_dir), "--helper", str(worker),
                   "--quiet", *jobs_flag]
        # own session: a Ctrl-C in the terminal reaches the run's process, which passes it on exactly once
        helpers.append(subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, start_new_session=True))
    return helpers


def wait_for_helpers(helpers: List[subprocess.Popen]) -> List[str]:
    """Wait for every helper; a line for each that failed."""
    codes = [(index, helper.wait()) for index, helper in enumerate(helpers, start=1)]
    return [f"worker {index} exited with code {code}" for index, code in codes if code != 0]


def interrupt_helpers(helpers: List[subprocess.Popen]) -> None:
    """Pass a Ctrl-C on to the helpers (they mark their trials interrupted) and wait for them."""
    for helper in helpers:
        if helper.poll() is None:
            helper.send_signal(signal.SIGINT)
    for helper in helpers:
        try:
            helper.wait(timeout=60)
        except subprocess.TimeoutExpired:
            helper.kill()
