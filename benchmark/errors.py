"""Errors that the command line reports as one line and exit code 2."""

from __future__ import annotations

from typing import Iterable


class DlbenchError(Exception):
    """A problem with the user's input or plugins, reported without a traceback."""


class UnknownNameError(DlbenchError, KeyError):
    """A model or task name that no plugin registered."""

    def __init__(self, kind: str, name: str, valid: Iterable[str]) -> None:
        self.kind, self.name, self.valid = kind, name, sorted(valid)
        super().__init__(f"unknown {kind} {name!r}; valid {kind}s: {', '.join(self.valid) or '(none)'}")

    def __str__(self) -> str:  # KeyError would quote the message
        return self.args[0]


class DuplicateNameError(DlbenchError):
    """Two plugins registered a model or task under the same name."""

    def __init__(self, kind: str, name: str, first: str, second: str) -> None:
        super().__init__(f"{kind} {name!r} is registered by two plugins: {first!r} and {second!r}; rename one or uninstall one")


class TrainingDiverged(ArithmeticError):
    """A network's training loss became NaN or infinite: the trial fails at once instead of training on garbage."""
