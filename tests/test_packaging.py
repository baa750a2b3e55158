"""The built wheel: one import package ``dlbench``, a console script, and a CPU-safe torch pin."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(out)], check=True, capture_output=True)
    (path,) = out.glob("dlbench-*.whl")
    return zipfile.ZipFile(path)


def test_only_the_dlbench_package_is_installed(wheel):
    tops = {name.split("/")[0] for name in wheel.namelist()}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"dlbench"}
    names = set(wheel.namelist())
    for module in ["dlbench/__init__.py", "dlbench/hookspecs.py", "dlbench/plugins/cnn.py", "dlbench/tasks/shapes.py"]:
        assert module in names


def test_console_script_and_cpu_safe_torch_pin(wheel):
    info = next(n for n in wheel.namelist() if n.endswith(".dist-info/entry_points.txt"))
    assert "dlbench = dlbench.cli:main" in wheel.read(info).decode()
    metadata = wheel.read(next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))).decode()
    torch = next(Requirement(line.split(":", 1)[1].strip()) for line in metadata.splitlines()
                 if line.startswith("Requires-Dist: torch"))
    # An upper bound keeps pip on the CPU wheel that CPU machines have; unbounded torch pulls a CUDA build.
    assert "2.13.0" in torch.specifier and "2.14.1" not in torch.specifier and "3.0" not in torch.specifier
