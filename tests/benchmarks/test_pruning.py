"""Median pruning against no pruning: tuning the cnn on ``shapes`` with the same trials and seed.

Target: the pruned study's best validation accuracy within 1 point of the unpruned one, in at most
60% of its tuning wall time. Both runs go through the CLI, as a user runs them, one after the other,
on an otherwise idle machine.

30 trials, because pruning pays off over a study: the model's 4 warm starts (defaults and portfolio)
are never pruned and cost both runs the same (about 380 s of the cnn's time on shapes).

Run: ``python -m pytest tests/benchmarks/test_pruning.py -m slow -s``
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


def tune_cnn_on_shapes(pruner: str, output: Path) -> dict:
    """One CLI run; its study's best validation accuracy, tuning seconds, and trial states."""
    subprocess.run([sys.executable, "-m", "dlbench.cli", "run", "--task", "shapes", "--model", "cnn",
                    "--trials", str(TRIALS), "--budget", "none", "--pruner", pruner, "--quiet",
                    "--output", str(output)], check=True, capture_output=True, text=True)
    (run_dir,) = output.iterdir()
    result = pd.read_csv(run_dir / "results.csv").iloc[0]
    trials = pd.read_csv(run_dir / "trials.csv")
    return {"pruner": pruner, "best_val_accuracy": result["val_accuracy"],
            "tuning_seconds": result["tuning_seconds"], "test_accuracy": result["test_accuracy"],
            "trials": len(trials), "pruned": int((trials["state"] == "pruned").sum()),
            "epochs_trained": int(pd.to_numeric(trials["epochs"], errors="coerce").sum())}


def test_median_pruning_against_none(tmp_path):
    unpruned = tune_cnn_on_shapes("none", tmp_path / "none")
    pruned = tune_cnn_on_shapes("median", tmp_path / "median")
    table = pd.DataFrame([unpruned, pruned]).set_index("pruner")
    gap = (unpruned["best_val_accuracy"] - pruned["best_val_accuracy"]) * 100
    ratio = pruned["tuning_seconds"] / unpruned["tuning_seconds"]
    print()
    print(table.to_markdown(floatfmt=".4f"))
    print(f"best validation accuracy: median is {gap:+.2f} points below none (target: at most 1.00)")
    print(f"tuning wall time: median / none = {ratio:.2f} (target: at most 0.60)")
    assert pruned["pruned"] > 0, "the median pruner stopped no trial"
