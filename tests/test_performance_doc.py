"""docs/performance.md: the README links it, and every benchmark, script and test it names exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "performance.md").read_text(encoding="utf-8")


def test_the_readme_links_the_performance_page():
    assert "(docs/performance.md)" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_file_the_page_names_exists():
    paths = set(re.findall(r"(?:tests|benchmark)/[\w/]+\.py", DOC))
    assert "tests/benchmarks/test_overhead.py" in paths and "tests/benchmarks/gpu_throughput.py" in paths
    assert [path for path in sorted(paths) if not (ROOT / path).is_file()] == []


def test_every_test_the_page_names_exists():
    files = list((ROOT / "tests").rglob("test_*.py"))
    named = set(re.findall(r"\b(test_\w+)\b", DOC)) - {path.stem for path in files}
    sources = "\n".join(path.read_text(encoding="utf-8") for path in files)
    defined = set(re.findall(r"^def (test_\w+)", sources, flags=re.MULTILINE))
    assert named and named - defined == set()
