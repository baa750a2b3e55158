"""The layout's rules (docs/architecture.md), checked on the code: import directions, no cycles, what plugins
import, and functions short enough to read."""

from __future__ import annotations

import ast
from pathlib import Path

import grimp
import pytest
from importlinter import cli as importlinter_cli

ROOT = Path(__file__).resolve().parents[1]
PLUGIN_FOLDERS = ("plugins", "tasks")
PUBLIC = ("dlbench", "dlbench.data")  # what plugins and tasks may import (and each other)
LONGEST_FUNCTION = 60  # lines, in the host


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("dlbench", cache_dir=None)


def test_the_layers_keep_their_import_directions():
    # import-linter reads the contracts in pyproject.toml ([tool.importlinter]); 0: every contract kept
    assert importlinter_cli.lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True,
                                         no_logo=True) == 0


def test_no_module_of_the_host_imports_itself_back(graph):
    cycles = []
    for module in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            back = graph.find_shortest_chain(importer=imported, imported=module)
            if back is not None:
                cycles.append(" -> ".join([module, *back]))
    assert cycles == []


def _imports(path: Path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


@pytest.mark.parametrize("folder", PLUGIN_FOLDERS)
def test_built_in_plugins_import_only_the_public_api(folder):
    wrong = [f"{path.name}: {name}" for path in sorted((ROOT / folder).glob("*.py")) for name in _imports(path)
             if name.split(".")[0] == "dlbench" and name not in PUBLIC
             and not name.startswith(("dlbench.plugins", "dlbench.tasks"))]
    assert wrong == []


def test_no_function_of_the_host_is_longer_than_a_screen():
    long = [f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)"
            for path in sorted((ROOT / "benchmark").rglob("*.py"))
            for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and node.end_lineno - node.lineno + 1 > LONGEST_FUNCTION]
    assert long == []
