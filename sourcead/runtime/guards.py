"""Guards of a ``try`` statement: whether its ``except`` path runs, asked before the body runs.
"""
from __future__ import annotations


def raises(probe, *values):
    """Whether the ``try`` statement ``probe`` was made of takes its ``except`` path for these
    values (``probe`` runs the ``try`` body, as the user wrote it, and says so)."""
    return probe(*values)


def except_taken(filename, lineno):
    """The error a derivative raises where a ``try`` statement takes its ``except`` path."""
    from sourcead.errors import NoDerivativeAtRunTime
    return NoDerivativeAtRunTime(
        "the `except` path of a `try` statement runs for these values: the derivative is "
        "that of the `try` body only", filename=filename, lineno=lineno,
        construct="`try` statement whose `except` path runs",
        hint="test the condition with an `if` before it happens (`if x != 0.0:` ... `else:` "
             "...), so that both paths are differentiated")
