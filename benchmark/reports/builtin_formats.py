"""The built-in report formats, registered through ``register_reporters`` like any plugin's."""

from __future__ import annotations

from typing import Any, Callable

from dlbench.host.hookspecs import hookimpl
from dlbench.types import Reporter

BUILT_IN_FORMATS = (
    ("markdown", ".md", "GitHub-flavoured Markdown tables"),
    ("html", ".html", "one self-contained page with the plots embedded"),
    ("latex", ".tex", "a standalone LaTeX article with booktabs tables"),
    ("csv", ".csv", "one row per task x model"),
    ("json", ".json", "every table, for programs (dlbench report and compare read it back)"),
)


def _renderer(name: str) -> Callable[[Any, Any], str]:
    def render(summary: Any, trials: Any) -> str:
        from dlbench.reports import render as render_report  # pandas and matplotlib only when a report is made

        return render_report(summary, name, trials)

    return render


@hookimpl
def register_reporters(register: Callable[[Reporter], None]) -> None:
    """Markdown, HTML, LaTeX, CSV and JSON."""
    for name, extension, description in BUILT_IN_FORMATS:
        register(Reporter(name=name, render=_renderer(name), extension=extension, description=description))
