"""Observers of a run: the plugins' ``trial_finished`` and ``run_finished`` hooks, each called on its own, in
pluggy's order.

An observer that raises is reported once and left out of the rest of the run (an error with
``--strict-plugins``); the trial or run it was told about is saved whatever it does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Set

from dlbench.host.loading import Plugins
from dlbench.types import TrialResult


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
        for plugin, call in self.plugins.implementations(hook_name):  # pluggy's order, wrappers around each
            if plugin in self._broken:
                continue
            try:
                call(**arguments)
            except Exception as error:  # the observer's own code
                self._broken.add(plugin)
                self.plugins.problem(plugin, f"{hook_name} raised {type(error).__name__}: {error}")
