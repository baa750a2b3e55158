"""Errors that the command line reports as one line and exit code 2."""

from __future__ import annotations

import difflib
from typing import Iterable, Sequence


class DlbenchError(Exception):
    """A problem with the user's input or plugins, reported without a traceback.

    ``problems``: the plugin problems its message reports itself, so they are not also warned about.
    """

    def __init__(self, *args: object, problems: Sequence[str] = ()) -> None:
        super().__init__(*args)
        self.problems = tuple(problems)


def did_you_mean(name: str, valid: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` naming the valid name closest to ``name`` (difflib), or "" when none is close."""
    close = difflib.get_close_matches(name, list(valid), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def may_have_registered(hidden: Sequence[str]) -> str:
    """``; a broken plugin may have registered it: PROBLEM`` for problems of plugins that registered
    nothing (several joined by ``; ``), or "" for none."""
    if not hidden:
        return ""
    plugins = "a broken plugin" if len(hidden) == 1 else f"{len(hidden)} broken plugins"
    return f"; {plugins} may have registered it: {'; '.join(hidden)}"


class UnknownNameError(DlbenchError, KeyError):
    """A model, task or report format name that no plugin registered.

    ``hidden``: problems of broken plugins that registered nothing (of this kind) and so may have
    meant to register it; the message names them.
    """

    def __init__(self, kind: str, name: str, valid: Iterable[str], hidden: Sequence[str] = ()) -> None:
        self.kind, self.name, self.valid = kind, name, sorted(valid)
        message = f"{kind} {name!r} is not available" if hidden else f"unknown {kind} {name!r}"
        message += f"{did_you_mean(name, self.valid)}; valid {kind}s: {', '.join(self.valid) or '(none)'}"
        super().__init__(message + may_have_registered(hidden), problems=hidden)

    def __str__(self) -> str:  # KeyError would quote the message
        return self.args[0]


class UnusableNameError(DlbenchError):
    """A model, task or report format named exactly whose plugin registered it, but it was rejected as a problem."""

    def __init__(self, kind: str, name: str, problem: str) -> None:
        self.kind, self.name = kind, name
        super().__init__(f"{kind} {name!r} cannot be used: {problem}", problems=[problem])


class DuplicateNameError(DlbenchError):
    """Two plugins registered a model or task under the same name."""

    def __init__(self, kind: str, name: str, first: str, second: str) -> None:
        super().__init__(f"{kind} {name!r} is registered by two plugins: {first!r} and {second!r}; rename one or uninstall one")


class TrainingDiverged(ArithmeticError):
    """A network's training loss became NaN or infinite: the trial fails at once instead of training on garbage."""
