"""One error hierarchy for everything sourcead refuses.

In: where the problem is (file, line, the construct) and what the user can do.
Out: an exception whose message shows the user's own line, like a traceback does,
so a refusal points at code the user wrote, never at sourcead's internals.
"""
from __future__ import annotations

import linecache
import re


class SourceADError(Exception):
    """Base class: sourcead could not differentiate something, and says where and why."""

    def __init__(self, message: str, *, filename: str | None = None, lineno: int | None = None,
                 construct: str | None = None, hint: str | None = None):
        self.reason = _plain(message)
        self.filename = filename
        self.lineno = lineno
        self.construct = _plain(construct)
        self.hint = _plain(hint)
        super().__init__(self._render())

    def _render(self) -> str:
        lines = [f"sourcead: {self.reason}"]
        if self.filename is not None:
            lines.append(f'  File "{self.filename}", line {self.lineno}')
            text = linecache.getline(self.filename, self.lineno or 0).strip()
            if text:
                lines.append(f"    {text}")
        if self.construct:
            lines.append(f"  construct: {self.construct}")
        if self.hint:
            lines.append(f"  what to do: {self.hint}")
        return "\n".join(lines)


def _plain(text: str | None) -> str | None:
    """Names sourcead marks while it builds code (``$np``, ``$einsum_adjoint``: see naming)
    read as their plain names in a message."""
    return None if text is None else re.sub(r"\$(?=[A-Za-z_])", "", text)


class UnsupportedSyntaxError(SourceADError):
    """A statement or expression outside the Python subset sourcead differentiates."""


class NoDerivativeError(SourceADError):
    """A call to a function that has neither a derivative rule nor readable source."""


class SourceNotFoundError(SourceADError):
    """inspect could not find the function's source (REPL, exec, builtins)."""


class UsageError(SourceADError):
    """The API was called with arguments that do not make sense (bad wrt, non-scalar output)."""


class NoDerivativeAtRunTime(NoDerivativeError, ValueError):
    """A derivative found not to exist only as it runs (an ``ord`` held in a variable, a write
    with a repeated index). Also a ValueError: a value, not the code, is what it cannot take."""
