"""The built wheel and sdist: one import package ``dlbench`` holding every module of the source tree, a console
script, and a wheel that installs and runs outside the checkout, not editable."""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path
from typing import Dict

import pytest

ROOT = Path(__file__).resolve().parents[1]
# the source folder of each part of the one import package (setup.py finds the packages below them)
PACKAGE_DIRS = {"dlbench": "benchmark", "dlbench.plugins": "plugins", "dlbench.tasks": "tasks"}


def source_files() -> Dict[str, str]:
    """Every module of the source tree (``benchmark/reports/html.py``) and the name of its file once installed
    (``dlbench/reports/html.py``)."""
    files = {}
    for package, folder in PACKAGE_DIRS.items():
        for path in (ROOT / folder).rglob("*.py"):
            if "__pycache__" not in path.parts:
                inside = path.relative_to(ROOT / folder).parts
                files[path.relative_to(ROOT).as_posix()] = "/".join([*package.split("."), *inside])
    return files


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A folder holding the wheel and the sdist built from the checkout."""
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(out)], check=True, capture_output=True)
    subprocess.run([sys.executable, "-m", "build", "--sdist", "--no-isolation", "--outdir", str(out), str(ROOT)],
                   check=True, capture_output=True)
    return out


@pytest.fixture(scope="module")
def wheel(built) -> zipfile.ZipFile:
    (path,) = built.glob("dlbench-*.whl")
    return zipfile.ZipFile(path)


def test_the_source_tree_has_the_packages_it_is_checked_against():
    modules = set(source_files().values())
    assert {"dlbench/__init__.py", "dlbench/reports/html.py", "dlbench/plugins/cnn.py",
            "dlbench/tasks/shapes.py"} <= modules


def test_the_wheel_holds_every_module_of_the_source_tree_and_nothing_else(wheel):
    names = wheel.namelist()
    assert {name.split("/")[0] for name in names if ".dist-info/" not in name} == {"dlbench"}
    assert {name for name in names if name.endswith(".py")} == set(source_files().values())


def test_the_sdist_holds_every_module_of_the_source_tree(built):
    (path,) = built.glob("dlbench-*.tar.gz")
    with tarfile.open(path) as sdist:
        names = {"/".join(Path(name).parts[1:]) for name in sdist.getnames()}
    expected = set(source_files())
    assert expected <= names
    assert {"pyproject.toml", "setup.py", "README.md", "LICENSE", "tests/conftest.py", "tests/commands.py",
            "docs/plugins.md"} <= names  # its tests run from it


def test_console_script(wheel):
    info = next(n for n in wheel.namelist() if n.endswith(".dist-info/entry_points.txt"))
    assert "dlbench = dlbench.cli:main" in wheel.read(info).decode()


@pytest.fixture(scope="module")
def installed(built, tmp_path_factory) -> Path:
    """A fresh virtual environment with the wheel installed (not editable); the dependencies are the test
    environment's, reached through a ``.pth`` file (its own ``.pth`` files, the editable dlbench's among them,
    are not run from there)."""
    venv = tmp_path_factory.mktemp("venv") / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, capture_output=True)
    python = venv / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    Path(site, "test_environment.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    (path,) = built.glob("dlbench-*.whl")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "-q",
                    str(path)], check=True, capture_output=True)
    return venv


def test_the_installed_wheel_runs_a_benchmark_a_report_and_a_compare(installed, tmp_path):
    bin_dir = installed / "bin"

    def dlbench(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(bin_dir / "dlbench"), *args], capture_output=True, text=True, cwd=tmp_path,
                              timeout=600)

    where = subprocess.run([str(bin_dir / "python"), "-c", "import dlbench.reports, dlbench.plugins.cnn; "
                            "print(dlbench.__file__)"], capture_output=True, text=True, cwd=tmp_path, check=True)
    assert Path(where.stdout.strip()).is_relative_to(installed)  # the wheel's copy, not the checkout's

    run = dlbench("run", "--task", "digits", "--model", "logistic", "--trials", "1", "--output", "out", "--quiet")
    assert run.returncode == 0, run.stderr
    (run_dir,) = (tmp_path / "out").iterdir()
    assert json.loads((run_dir / "run.json").read_text())["models"] == ["logistic"]

    report = dlbench("report", str(run_dir), "--format", "html", "--out", "report.html")
    assert report.returncode == 0, report.stderr
    assert "logistic" in (tmp_path / "report.html").read_text()

    compare = dlbench("compare", str(run_dir), str(run_dir))
    assert compare.returncode == 0, compare.stdout + compare.stderr
    assert "0 regression(s)" in compare.stdout

    version = subprocess.run([str(bin_dir / "python"), "-m", "dlbench", "--version"], capture_output=True, text=True,
                             cwd=tmp_path)
    assert version.returncode == 0 and version.stdout.startswith("dlbench 0.1.0\n"), version.stderr
