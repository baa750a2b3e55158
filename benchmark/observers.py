"""Observers of a run: the plugins' ``trial_finished`` and ``run_finished`` hooks, each called on its own.

An observer that raises is reported once and left out of the rest of the run (an error with
``--strict-plugins``); the trial or run it was told about is saved whatever it does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Set

from .plugin_loading import Plugins
from .types import TrialResult


class Observers:
    """Tells every plugin that implements them about finished trials and the finished run."""

    def __init__(self, plugins: Plugins) -> None:
        self.plugins = plugins
        self._broken: Set[str] = set()

    def trial_finished(self, row: Mapping[str, Any]) -> None:
        """A trial this process ran has finished; ``row`` is its ``trials.csv`` row."""
        self._notify("trial_finished", result=TrialResult.from_row(row))

    def run_finished(self, run_dir: Path) -> None:
        """The run has ended and its folder holds every table."""
        self._notify("run_finished", run_dir=Path(run_dir))

    def _notify(self, hook_name: str, **arguments: Any) -> None:
        for impl in getattr(self.plugins.pm.hook, hook_name).get_hookimpls():  # registration order
            if impl.plugin_name in self._broken:
                continue
            try:
                impl.function(**{name: arguments[name] for name in impl.argnames})
            except Exception as error:  # the observer's own code
                self._broken.add(impl.plugin_name)
                self.plugins.problem(impl.plugin_name, f"{hook_name} raised {type(error).__name__}: {error}")
