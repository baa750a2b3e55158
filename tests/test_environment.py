"""Reproducible records: environment.json and run.json name every plugin whose model or task is in the run."""

from __future__ import annotations

import hashlib
import json
import sys
from importlib.metadata import version

import pytest
from sklearn.linear_model import LogisticRegression
from test_plugins import write_plugin
from test_registry import install_fake_entry_point_plugin

from commands import dlbench
from conftest import make_task_data
from dlbench import Model, SklearnClassifier, Task, hookimpl
from dlbench.errors import DlbenchError
from dlbench.host.catalogue import Catalogue, make_plugin_manager
from dlbench.host.loading import AUTOLOAD_VARIABLE, PluginInfo
from dlbench.runs.environment import plugin_record, run_plugins

EXTRA_MODEL = '''
    from dlbench import Model, SklearnClassifier, hookimpl

    def build(params, task):
        from sklearn.linear_model import LogisticRegression
        return SklearnClassifier(LogisticRegression(C=params["C"], max_iter=200))

    @hookimpl
    def register_models(register):
        register(Model(name="MODEL", family="classical", defaults={"C": 1.0}, build=build,
                       search_space=lambda trial: {"C": trial.suggest_float("C", 0.01, 10, log=True)}))
'''


def test_a_run_folder_names_the_plugins_of_its_models_and_tasks(tmp_path):
    local = tmp_path / "local"
    extra = write_plugin(local, "extra", EXTRA_MODEL.replace("MODEL", "local-logistic"))
    write_plugin(local, "unused", EXTRA_MODEL.replace("MODEL", "unused-logistic"))  # loaded, not in the run
    done = dlbench("run", "--plugins-dir", str(local), "--task", "digits", "--model", "local-logistic", "logistic",
                   "--trials", "1", "--output", str(tmp_path / "out"), "--quiet", env={AUTOLOAD_VARIABLE: "1"})
    assert done.returncode == 0, done.stderr
    (run_dir,) = (tmp_path / "out").iterdir()
    dlbench_version = version("dlbench")
    expected = [
        {"name": "extra", "kind": "file", "path": str(extra.resolve()),
         "sha256": hashlib.sha256(extra.read_bytes()).hexdigest(), "models": ["local-logistic"], "tasks": []},
        {"name": "dlbench.plugins.logistic", "kind": "built-in", "version": dlbench_version, "models": ["logistic"],
         "tasks": []},
        {"name": "dlbench.tasks.digits", "kind": "built-in", "version": dlbench_version, "models": [],
         "tasks": ["digits"]},
    ]
    for name in ("environment.json", "run.json"):
        assert json.loads((run_dir / name).read_text())["plugins"] == expected, name


def test_an_entry_point_plugin_is_named_with_its_distribution_and_version(tmp_path, monkeypatch):
    monkeypatch.delitem(sys.modules, "fake_dlbench_plugin", raising=False)
    install_fake_entry_point_plugin(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    catalogue = Catalogue.from_plugins(make_plugin_manager(load_entrypoints=True))
    records = run_plugins(catalogue, [catalogue.model("fake-knn"), catalogue.model("svm")],
                          catalogue.select_tasks(["digits", "shapes"]))
    assert records[0] == {"name": "fake", "kind": "entry point", "distribution": "fake-dlbench-plugin",
                          "version": "1.2.3", "models": ["fake-knn"], "tasks": []}
    assert [(r["name"], r["models"], r["tasks"]) for r in records[1:]] == [
        ("dlbench.plugins.svm", ["svm"], []), ("dlbench.tasks.digits", [], ["digits"]),
        ("dlbench.tasks.shapes", [], ["shapes"])]


class ModelAndTask:
    """A plugin registered by code that contributes a model and a task."""

    @hookimpl
    def register_models(self, register):
        register(Model(name="pair-logistic", family="classical", defaults={"C": 1.0},
                       build=lambda params, task: SklearnClassifier(LogisticRegression(C=params["C"])),
                       search_space=lambda trial: {"C": trial.suggest_float("C", 0.1, 10, log=True)}))

    @hookimpl
    def register_tasks(self, register):
        register(Task(name="pair", tags=("toy",), class_names=("a", "b"), load=make_task_data))


def test_a_plugin_contributing_a_model_and_a_task_is_named_once(pm):
    pm.register(ModelAndTask(), name="pair-plugin")
    catalogue = Catalogue.from_plugins(pm)
    records = run_plugins(catalogue, catalogue.select_models(["pair-logistic", "svm"]), catalogue.select_tasks(["pair"]))
    assert records == [{"name": "pair-plugin", "kind": "registered", "models": ["pair-logistic"], "tasks": ["pair"]},
                       {"name": "dlbench.plugins.svm", "kind": "built-in", "version": version("dlbench"),
                        "models": ["svm"], "tasks": []}]


def test_an_unreadable_plugin_file_is_a_one_line_error(tmp_path):
    with pytest.raises(DlbenchError, match="cannot read plugin file .*gone.py.* to record its sha256"):
        plugin_record(PluginInfo("gone", "file", str(tmp_path / "gone.py")))
