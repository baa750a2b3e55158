"""The default run against the published accuracy anchors (slow: the full 13-minute run; ``-m slow``)."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

TARGETS = {  # (task, model): (lowest, highest) test accuracy
    ("digits", "svm"): (0.98, 1.0), ("digits", "logistic"): (0.95, 1.0),
    ("digits", "decision-tree"): (0.78, 0.90), ("digits", "mlp"): (0.97, 1.0), ("digits", "cnn"): (0.98, 1.0),
    ("mnist-5k", "svm"): (0.94, 1.0), ("mnist-5k", "cnn"): (0.96, 1.0),
}


@pytest.mark.slow
def test_default_run_meets_the_accuracy_anchors(tmp_path):
    result = subprocess.run([sys.executable, "-m", "dlbench.cli", "run", "--task", "images", "--output",
                             str(tmp_path), "--quiet"], capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stderr
    (run_dir,) = tmp_path.iterdir()
    results = pd.read_csv(run_dir / "results.csv").set_index(["task", "model"])
    print(results[["test_accuracy", "fit_seconds", "n_trials"]].to_string())
    for key, (low, high) in TARGETS.items():
        assert low <= results.loc[key, "test_accuracy"] <= high, key
    shapes_gap = results.loc[("shapes", "cnn"), "test_accuracy"] - results.loc[("shapes", "logistic"), "test_accuracy"]
    assert shapes_gap >= 0.20
