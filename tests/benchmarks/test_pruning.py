"""Median pruning against no pruning: tuning the cnn on ``shapes`` with the same trials and seed.

Target: the pruned study's best validation accuracy within 1 point of the unpruned one, in at most
60% of its tuning wall time. Both runs go through the CLI, as a user runs them, at the same time, each
pinned to its own core (one torch thread each, see ``dlbench.workers.cpu_cores``): whatever else slows
the machine slows both alike, and the benchmark takes the time of the slower run, not of both.

30 trials, because pruning pays off over a study: the model's 4 warm starts (defaults and portfolio)
are never pruned and cost the same in both runs.

Run on a machine with 2 idle cores: ``python -m pytest tests/benchmarks/test_pruning.py -m slow -s``
(about 75 minutes on a 2-core CPU). Set ``DLBENCH_PRUNING_TRIALS`` to change the 30 trials.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.slow  # over an hour: only with -m slow

TRIALS = int(os.environ.get("DLBENCH_PRUNING_TRIALS", "30"))


def start_tuning(pruner: str, output: Path, core: int, log: Path) -> subprocess.Popen:
    """Start one CLI run tuning the cnn on shapes with ``pruner``, pinned to CPU core ``core``, output to ``log``."""
    command = [sys.executable, "-m", "dlbench.cli", "run", "--task", "shapes", "--model", "cnn",
               "--trials", str(TRIALS), "--budget", "none", "--pruner", pruner, "--quiet", "--output", str(output)]
    with log.open("w") as sink:
        return subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT,
                                preexec_fn=lambda: os.sched_setaffinity(0, {core}))


def tuning_outcome(pruner: str, output: Path) -> dict:
    """A finished run's best validation accuracy, tuning seconds, and trial states."""
    (run_dir,) = output.iterdir()
    result = pd.read_csv(run_dir / "results.csv").iloc[0]
    trials = pd.read_csv(run_dir / "trials.csv")
    return {"pruner": pruner, "best_val_accuracy": result["val_accuracy"],
            "tuning_seconds": result["tuning_seconds"], "test_accuracy": result["test_accuracy"],
            "trials": len(trials), "pruned": int((trials["state"] == "pruned").sum()),
            "epochs_trained": int(pd.to_numeric(trials["epochs"], errors="coerce").sum())}


def test_median_pruning_against_none(tmp_path):
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2:
        pytest.skip("needs 2 cores: the two runs go side by side, one core each")
    runs = {pruner: start_tuning(pruner, tmp_path / pruner, core, tmp_path / f"{pruner}.log")
            for pruner, core in zip(("none", "median"), cores)}
    for pruner, process in runs.items():
        assert process.wait() == 0, f"--pruner {pruner}: {(tmp_path / f'{pruner}.log').read_text()}"
    unpruned = tuning_outcome("none", tmp_path / "none")
    pruned = tuning_outcome("median", tmp_path / "median")
    table = pd.DataFrame([unpruned, pruned]).set_index("pruner")
    gap = (unpruned["best_val_accuracy"] - pruned["best_val_accuracy"]) * 100
    ratio = pruned["tuning_seconds"] / unpruned["tuning_seconds"]
    print()
    print(table.to_markdown(floatfmt=".4f"))
    print(f"best validation accuracy: median is {gap:+.2f} points below none (target: at most 1.00)")
    print(f"tuning wall time: median / none = {ratio:.2f} (target: at most 0.60)")
    assert pruned["pruned"] > 0, "the median pruner stopped no trial"
