"""The README's security rules: plugin code only from where the user says, no unrestricted unpickling, and a
run folder cannot point dlbench outside itself."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest

from commands import dlbench

ROOT = Path(__file__).resolve().parents[1]

MARKED_PLUGIN = '''
    from pathlib import Path
    from dlbench import Model, hookimpl
    from dlbench.plugins.logistic import build, search_space

    with open({marker!r}, "a") as marker:  # every import of this file leaves a line
        marker.write("imported\\n")

    @hookimpl
    def register_models(register):
        register(Model(name="marked-logistic", family="classical", defaults={{"C": 1.0}}, build=build,
                       search_space=search_space))
'''


@pytest.fixture
def marked_plugin(tmp_path):
    """A plugin file that records each time it is imported; its folder and the record."""
    folder, marker = tmp_path / "plugins", tmp_path / "imports.log"
    folder.mkdir()
    (folder / "marked.py").write_text(textwrap.dedent(MARKED_PLUGIN.format(marker=str(marker))))
    return folder, marker


def _imports(marker: Path) -> int:
    return len(marker.read_text().splitlines()) if marker.exists() else 0


def test_plugin_files_in_the_working_folder_or_a_run_folder_are_never_imported(marked_plugin, tmp_path):
    folder, marker = marked_plugin
    for place in (tmp_path, tmp_path / "results" / "20260101-000000"):
        place.mkdir(parents=True, exist_ok=True)
        (place / "dlbench_plugin.py").write_text((folder / "marked.py").read_text())
        (place / "conftest.py").write_text((folder / "marked.py").read_text())
    listing = dlbench("list", cwd=tmp_path, env={"DLBENCH_PLUGINS_DIR": ""})
    assert listing.returncode == 0 and "marked-logistic" not in listing.stdout
    assert _imports(marker) == 0
    explicit = dlbench("list", "--plugins-dir", str(folder), cwd=tmp_path)
    assert "marked-logistic" in explicit.stdout and _imports(marker) == 1


def test_a_resume_runs_plugin_code_only_from_folders_named_again(marked_plugin, tmp_path):
    folder, marker = marked_plugin
    first = dlbench("run", "--task", "digits", "--model", "marked-logistic", "--trials", "1", "--quiet",
                    "--plugins-dir", str(folder), "--output", str(tmp_path / "out"))
    assert first.returncode == 0, first.stderr
    (run_dir,) = (tmp_path / "out").iterdir()
    before = _imports(marker)
    refused = dlbench("run", "--resume", str(run_dir))
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert f"used plugins from --plugins-dir {folder}; a resume runs only plugin code you name" in refused.stderr
    assert _imports(marker) == before  # not imported
    confirmed = dlbench("run", "--resume", str(run_dir), "--plugins-dir", str(folder), "--quiet")
    assert confirmed.returncode == 0, confirmed.stderr
    assert _imports(marker) == before + 1


def _tampered_run(tmp_path: Path, outside: Path, argv_storage: bool) -> Path:
    """A run folder whose run.json names a journal outside it (in its storage field, and maybe its settings)."""
    run_dir = tmp_path / "downloaded-run"
    run_dir.mkdir()
    argv = ["run", "--task", "digits", "--model", "logistic", "--trials", "1", "--quiet"]
    settings = {"task": ["digits"], "model": ["logistic"], "trials": 1, "budget": None, "quiet": True,
                "output": str(tmp_path), "study_name": "dlbench"}
    if argv_storage:
        argv += ["--storage", f"journal:{outside}", "--study-name", "x"]
        settings.update(storage=f"journal:{outside}", study_name="x")
    (run_dir / "run.json").write_text(json.dumps({
        "argv": argv, "cwd": str(tmp_path), "storage": f"journal:{outside}", "study_name": "x" if argv_storage else "dlbench",
        "tasks": ["digits"], "models": ["logistic"], "settings": settings}))
    return run_dir


def test_a_run_folder_cannot_name_a_storage_outside_itself(tmp_path):
    outside = tmp_path / "elsewhere" / "victim.journal"
    outside.parent.mkdir()
    named = _tampered_run(tmp_path, outside, argv_storage=True)
    for command in (["run", "--resume", str(named)], ["report", "--refresh", str(named)]):
        refused = dlbench(*command)
        assert refused.returncode == 2 and "Traceback" not in refused.stderr, refused.stderr
        assert f"shares its studies in storage 'journal:{outside}'; give --storage with that URL" in refused.stderr
    assert not outside.exists()

    (named.parent / "quiet").mkdir()
    ignored = _tampered_run(named.parent / "quiet", outside, argv_storage=False)  # only run.json's storage field
    resumed = dlbench("run", "--resume", str(ignored))
    assert resumed.returncode == 0, resumed.stderr
    assert not outside.exists() and (ignored / "optuna.journal").exists()  # its own journal, inside the folder


UNRESTRICTED = re.compile(r"pickle\.loads?\(|torch\.load\(|read_pickle\(|allow_pickle\s*=\s*True|joblib\.load\(|"
                          r"dill\.|cloudpickle\.|shelve\.open\(|marshal\.loads?\(|(?<![.\w])eval\(|(?<![.\w])exec\(")


def test_no_file_is_read_with_unrestricted_pickle_or_eval():
    sources = [path for folder in ("benchmark", "plugins", "tasks") for path in (ROOT / folder).rglob("*.py")]
    assert len(sources) > 30
    offenders = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}" for path in sources
                 for number, line in enumerate(path.read_text().splitlines(), 1) if UNRESTRICTED.search(line)]
    assert offenders == []
