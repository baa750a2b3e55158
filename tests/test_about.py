"""``dlbench --version`` and ``python -m dlbench``."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import torch

from dlbench.runs import about


def test_version_text_names_each_library_with_its_installed_version_and_the_device():
    lines = about.version_text().splitlines()
    assert lines[0] == f"dlbench {version('dlbench')}"
    for package in ("torch", "pytorch-lightning", "optuna", "scikit-learn"):
        assert f"  {package} {version(package)}" in lines
    assert lines[-1].startswith("  device: ")


def test_the_device_is_every_visible_gpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda index: f"Card {index}")
    assert about.training_device() == "cuda (2 GPUs: Card 0, Card 1)"


def test_the_device_without_a_gpu_is_the_cpu_with_its_cores(monkeypatch):
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 0)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert about.training_device().startswith("cpu (") and "no GPU visible" in about.training_device()


def test_python_dash_m_dlbench_is_the_console_script():
    script = Path(sys.executable).parent / "dlbench"
    for args in (["--version"], ["list"], ["run", "--trials", "0"]):
        module = subprocess.run([sys.executable, "-m", "dlbench", *args], capture_output=True, text=True)
        console = subprocess.run([str(script), *args], capture_output=True, text=True)
        assert (module.returncode, module.stdout, module.stderr) == (console.returncode, console.stdout,
                                                                     console.stderr)
    assert module.returncode == 2 and module.stderr.count("\n") == 1  # bad input: one line, exit 2
    version_out = subprocess.run([sys.executable, "-m", "dlbench", "--version"], capture_output=True, text=True)
    assert version_out.returncode == 0 and version_out.stdout.startswith("dlbench ")
