"""docs/api.md's examples, executed top to bottom as one notebook: the guide cannot drift from the API."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "api.md"


def examples() -> list:
    """The ```python blocks of docs/api.md, in order."""
    return re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def test_the_api_guide_runs_top_to_bottom(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DLBENCH_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.delenv("DLBENCH_PLUGINS_DIR", raising=False)
    monkeypatch.chdir(tmp_path)  # its results/, report.md and published/ land here
    blocks = examples()
    assert len(blocks) >= 8
    notebook: dict = {}
    for number, block in enumerate(blocks, 1):
        exec(compile(block, f"docs/api.md example {number}", "exec"), notebook)
    printed = capsys.readouterr().out
    assert "float pixels must lie in [0, 1]" in printed  # the bad-arrays example printed its one-line error
    assert (tmp_path / "report.md").is_file() and (tmp_path / "published" / "leaderboard.tex").is_file()
    assert {"leaderboard.md", "leaderboard.html", "environment.json"} <= {p.name for p in (tmp_path / "published").iterdir()}
    assert len(list((tmp_path / "results").iterdir())) == 5  # the guide's five runs
    assert sorted(notebook["curves"].learning_curves["train_size"].unique()) == [100, 400, 1347]
    assert notebook["final"].results["seed"].nunique() == 2
    assert notebook["mine"].results["test_accuracy"].min() > 0.9  # the arrays in memory are the real digits
