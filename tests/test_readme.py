"""The README's plugin guide: its example plugin runs, and it documents every hook."""

from __future__ import annotations

import inspect
import re
import types
from pathlib import Path

import pytest

from dlbench import hookspecs
from dlbench.registry import Catalogue
from dlbench.runner import RunConfig, run

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _example_plugin() -> types.ModuleType:
    section = README.split("### A complete plugin", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    module = types.ModuleType("readme_plugin")
    exec(compile(code, "README.md", "exec"), module.__dict__)
    return module


@pytest.fixture
def readme_plugin(pm):
    pm.register(_example_plugin(), name="readme_plugin")
    yield pm
    pm.unregister(name="readme_plugin")


def test_readme_documents_every_hook_and_its_arguments():
    guide = README.split("## Writing a plugin", 1)[1]
    for name, spec in inspect.getmembers(hookspecs, inspect.isfunction):
        if hasattr(spec, "dlbench_spec"):
            arguments = ", ".join(inspect.signature(spec).parameters)
            assert f"`{name}({arguments})`" in guide, name


def test_readme_example_plugin_registers_and_runs(readme_plugin, tmp_path):
    catalogue = Catalogue.from_plugins(readme_plugin)
    assert {"knn", "tiny-net"} <= set(catalogue.list_models())
    task = catalogue.task("stripes")
    models = catalogue.select_models(["knn", "tiny-net"])
    run_dir = run(RunConfig(tasks=[task], models=models, trials=2, seed=0, output=tmp_path, quiet=True))
    import pandas as pd

    results = pd.read_csv(run_dir / "results.csv")
    assert set(results.model) == {"knn", "tiny-net"} and set(results.status) == {"ok"}
    assert (results.test_accuracy >= 0.9).all()  # stripes are easy; chance is 0.5
