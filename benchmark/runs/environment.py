"""environment.json: what a run ran on, so its numbers can be trusted and reproduced."""

from __future__ import annotations

import hashlib
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, Sequence

from dlbench.errors import DlbenchError
from dlbench.host.loading import BUILT_IN, ENTRY_POINT, FILE, PluginInfo
from dlbench.runs.about import installed_version

if TYPE_CHECKING:
    from dlbench.host.catalogue import Catalogue
    from dlbench.types import Model, Task

PACKAGES = ("dlbench", "torch", "pytorch-lightning", "optuna", "pluggy", "scikit-learn", "scikit-image", "scipy",
            "scikit-posthocs", "numpy", "pandas", "mlxtend")


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _git_revision() -> str:
    """The git commit of the dlbench source tree, when it is a checkout."""
    source = Path(__file__).resolve().parent
    try:
        out = subprocess.run(["git", "-C", str(source), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.strip() if out.returncode == 0 else ""


def collect_environment(seed: int, argv: Sequence[str], run_id: str) -> Dict[str, Any]:
    """Versions, hardware, the torch device, seed, command line and git revision."""
    import torch

    gpus = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    return {
        "run_id": run_id,
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "command": " ".join(["dlbench", *argv]),
        "seed": seed,
        "git_revision": _git_revision(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpu": _cpu_name(),
        "cpu_count": os.cpu_count(),
        "gpus": gpus,
        "device": "cuda:0" if gpus else "cpu",
        "packages": {name: installed_version(name) for name in PACKAGES},
    }


def _sha256(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as error:
        raise DlbenchError(f"cannot read plugin file {str(path)!r} to record its sha256: {error.strerror}") from None


def plugin_record(info: PluginInfo) -> Dict[str, Any]:
    """Where a plugin's code came from, enough to get the same code again: a built-in with dlbench's
    version, an entry point's distribution and version, or a ``--plugins-dir`` file's path and sha256."""
    record: Dict[str, Any] = {"name": info.name, "kind": info.kind}
    if info.kind == BUILT_IN:
        record["version"] = installed_version("dlbench")
    elif info.kind == ENTRY_POINT:
        distribution, _, dist_version = info.origin.rpartition(" ")  # "DISTRIBUTION VERSION"
        record.update(distribution=distribution, version=dist_version)
    elif info.kind == FILE:
        path = Path(info.origin).resolve()
        record.update(path=str(path), sha256=_sha256(path))
    return record


def run_plugins(catalogue: "Catalogue", models: Sequence["Model"], tasks: Sequence["Task"]) -> List[Dict[str, Any]]:
    """The plugins that contributed ``models`` or ``tasks`` to a run (no other plugin), in the order of their first
    contribution: each :func:`plugin_record` with the names of the models and tasks it contributed."""
    used = [(catalogue.model_entries[model.name].plugin, "models", model.name) for model in models]
    used += [(catalogue.task_plugin(task.name), "tasks", task.name) for task in tasks]
    records: Dict[str, Dict[str, Any]] = {}
    for plugin, kind, name in used:
        if plugin not in records:
            records[plugin] = {**plugin_record(catalogue.plugins.info(plugin)), "models": [], "tasks": []}
        records[plugin][kind].append(name)
    return list(records.values())
