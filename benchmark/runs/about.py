"""What ``dlbench --version`` prints: dlbench's version, the versions it trains with, and the device."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from dlbench.runs.workers import cpu_cores

VERSIONED = ("torch", "pytorch-lightning", "optuna", "scikit-learn")


def installed_version(package: str) -> str:
    """The installed version of ``package``, or ``not installed``."""
    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


def training_device() -> str:
    """The device deep models would train on: every visible CUDA GPU, Apple's GPU, or the CPU's cores."""
    import torch

    count = torch.cuda.device_count()
    if count:
        names = ", ".join(torch.cuda.get_device_name(index) for index in range(count))
        return f"cuda ({count} GPU{'s' if count > 1 else ''}: {names})"
    if torch.backends.mps.is_available():
        return "mps (Apple GPU)"
    return f"cpu ({cpu_cores()} cores, no GPU visible)"


def version_text() -> str:
    """``dlbench X`` then one line per library dlbench trains with, then the training device."""
    lines = [f"dlbench {installed_version('dlbench')}"]
    lines += [f"  {package} {installed_version(package)}" for package in VERSIONED]
    lines.append(f"  device: {training_device()}")
    return "\n".join(lines) + "\n"
