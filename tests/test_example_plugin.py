"""The example plugin package (examples/dlbench-knn), pip-installed and run through the CLI beside the built-ins.

pip installs it with ``--target`` into a folder that the commands below see on their ``PYTHONPATH``:
a real install (wheel built from its pyproject.toml, dist-info with the entry point) that leaves the
test environment itself unchanged for the other tests.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from commands import dlbench
from dlbench.host.loading import AUTOLOAD_VARIABLE

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "dlbench-knn"


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict:
    """The environment variables under which the example package is installed."""
    target = tmp_path_factory.mktemp("site")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target),
                    str(EXAMPLE)], check=True, capture_output=True, text=True, timeout=600)
    path = os.pathsep.join(filter(None, [str(target), os.environ.get("PYTHONPATH")]))
    return {"PYTHONPATH": path, AUTOLOAD_VARIABLE: ""}


def test_list_and_plugins_show_it_with_its_package_and_version(installed):
    listed = dlbench("list", env=installed)
    assert listed.returncode == 0, listed.stderr
    assert "knn-standardised classical  knn (dlbench-knn 0.1.0)" in listed.stdout
    assert "bars             images,synthetic         knn (dlbench-knn 0.1.0)" in listed.stdout
    plugins = dlbench("plugins", env=installed)
    assert "knn  (entry point dlbench-knn 0.1.0)\n    hooks: register_models, register_tasks\n" \
           "    registered: model knn-standardised, task bars\n" in plugins.stdout
    blocked = dlbench("list", "-p", "no:knn", env=installed)
    assert "knn-standardised" not in blocked.stdout and "bars" not in blocked.stdout
    assert "  svm " in blocked.stdout and "  knn " in blocked.stdout  # the built-in knn stays


def test_it_runs_next_to_the_builtins(installed, tmp_path):
    done = dlbench("run", "--task", "bars", "digits", "--model", "knn-standardised", "logistic", "--trials", "3",
                   "--quiet", "--output", str(tmp_path), env=installed)
    assert done.returncode == 0, done.stderr
    (run_dir,) = tmp_path.iterdir()
    results = pd.read_csv(run_dir / "results.csv").set_index(["task", "model"])
    assert set(results.index) == {("bars", "knn-standardised"), ("bars", "logistic"), ("digits", "knn-standardised"),
                                  ("digits", "logistic")}
    assert (results.status == "ok").all()
    assert results.loc[("bars", "knn-standardised"), "test_accuracy"] >= 0.5  # 4 orientations: chance is 0.25
    assert results.loc[("digits", "knn-standardised"), "test_accuracy"] >= 0.9  # 10 digits: chance is 0.1
    assert "| knn-standardised | classical |" in (run_dir / "leaderboard.md").read_text()


def test_its_own_tests_pass_with_the_author_kit(installed):
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(EXAMPLE / "tests")],
                          cwd=EXAMPLE, capture_output=True, text=True, env={**os.environ, **installed}, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 passed" in done.stdout
