"""The plugin guide (docs/plugins.md): it documents every hook, its arguments and every field of the
contracts, the README links to it, and its complete plugin runs."""

from __future__ import annotations

import dataclasses
import inspect
import re
import types
from pathlib import Path

import pandas as pd
import pytest

import dlbench
from dlbench.host import hookspecs
from dlbench.host.catalogue import Catalogue
from dlbench.host.loading import Plugins
from dlbench.host.observers import Observers
from dlbench.reports import Summary, merge_sources
from dlbench.runs.runner import RunConfig, run

ROOT = Path(__file__).resolve().parents[1]
GUIDE = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _example_plugin() -> types.ModuleType:
    section = GUIDE.split("## A complete plugin in one file", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    module = types.ModuleType("guide_plugin")
    exec(compile(code, "docs/plugins.md", "exec"), module.__dict__)
    return module


@pytest.fixture
def guide_plugin(pm):
    module = _example_plugin()
    pm.register(module, name="guide_plugin")
    yield pm, module
    pm.unregister(name="guide_plugin")


@pytest.mark.parametrize("name", hookspecs.hook_names())
def test_the_guide_documents_every_hook_and_its_arguments(name):
    spec = getattr(hookspecs, name)
    arguments = list(inspect.signature(spec).parameters)
    section = GUIDE.split(f"### `{name}({', '.join(arguments)})`", 1)
    assert len(section) == 2, f"docs/plugins.md has no section ### `{name}({', '.join(arguments)})`"
    body = section[1].split("\n### ", 1)[0]
    for argument in arguments:
        assert f"- `{argument}`:" in body, f"{name}: argument {argument} is not described"


@pytest.mark.parametrize("contract", [dlbench.Model, dlbench.Task, dlbench.TaskData, dlbench.TaskInfo,
                                      dlbench.TaskSource, dlbench.Reporter, dlbench.TrialResult, dlbench.TaskOptions])
def test_the_guide_documents_every_field_of_every_contract(contract):
    for field in dataclasses.fields(contract):
        assert f"`{field.name}`" in GUIDE or f"{field.name}," in GUIDE or f"{field.name})" in GUIDE, \
            f"{contract.__name__}.{field.name} is missing from docs/plugins.md"


def test_the_readme_links_the_guide_and_the_example_package():
    assert "(docs/plugins.md)" in README and "examples/dlbench-knn" in README


def test_the_guides_complete_plugin_registers_runs_reports_and_observes(guide_plugin, tmp_path):
    pm, module = guide_plugin
    catalogue = Catalogue.from_plugins(pm)
    assert "tiny-net" in catalogue.list_models() and "winners" in catalogue.reporter_entries
    task = catalogue.task("stripes")
    models = catalogue.select_models(["tiny-net", "logistic"])
    run_dir = run(RunConfig(tasks=[task], models=models, trials=2, seed=0, output=tmp_path, quiet=True,
                            observers=Observers(Plugins(pm))))
    results = pd.read_csv(run_dir / "results.csv")
    assert set(results.model) == {"tiny-net", "logistic"} and set(results.status) == {"ok"}
    assert (results.test_accuracy >= 0.9).all()  # stripes are easy; chance is 0.5
    assert len(module.finished_trials) == len(pd.read_csv(run_dir / "trials.csv")) == 4
    assert (run_dir / "observed-trials.jsonl").read_text().splitlines() == module.finished_trials
    merged, trials, conflicts = merge_sources([run_dir])
    best = set(results.model[results.test_accuracy == results.test_accuracy.max()])
    text = catalogue.reporter("winners").render(Summary(merged, conflicts), trials)
    assert text.startswith("stripes: ") and text.endswith("\n") and text[len("stripes: "):-1] in best
