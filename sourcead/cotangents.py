"""The cotangent a ``vjp`` is called with, checked against the output it stands for.

In: the cotangent the user passes (an array, a number, or a tuple / list / dict of them,
nested like the function's output, as JAX takes it) and, once known, the output itself.
Out: the seed of the reverse sweep (tuples and lists as fresh lists: the sweep reads a list
output's adjoint by popping it, and must not empty the caller's list), or a ``UsageError``
that says which part of the cotangent does not match the output's structure.
"""
from __future__ import annotations

from typing import Any

from .errors import UsageError


def seed_of(cotangent: Any) -> Any:
    """Tuples and lists as fresh lists (recursively); anything else as it is."""
    if isinstance(cotangent, (tuple, list)):
        return [seed_of(c) for c in cotangent]
    if isinstance(cotangent, dict):
        return {k: seed_of(c) for k, c in cotangent.items()}
    return cotangent


def _describe(value: Any) -> str:
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {len(value)}"
    if isinstance(value, dict):
        return f"a dict with keys {sorted(map(str, value))}"
    return f"a value of shape {getattr(value, 'shape', ())}"


def mismatch(cotangent: Any, output: Any, where: str = "the cotangent") -> str | None:
    """Where a container in the cotangent does not match the output's structure, or None.
    A number where the output has a container (a plain zero: nothing flows back) matches."""
    if isinstance(cotangent, (tuple, list)):
        if not isinstance(output, (tuple, list)) or len(output) != len(cotangent):
            return f"{where} is {_describe(cotangent)}, the output {_describe(output)}"
        for k, (c, o) in enumerate(zip(cotangent, output)):
            found = mismatch(c, o, f"{where}[{k}]")
            if found:
                return found
    elif isinstance(cotangent, dict):
        if not isinstance(output, dict) or set(output) != set(cotangent):
            return f"{where} is {_describe(cotangent)}, the output {_describe(output)}"
        for k in cotangent:
            found = mismatch(cotangent[k], output[k], f"{where}[{k!r}]")
            if found:
                return found
    return None


def check(cotangent: Any, output: Any, name: str) -> None:
    """A ``UsageError`` where the cotangent's containers do not match the output's."""
    found = mismatch(cotangent, output)
    if found:
        raise UsageError(f"the cotangent passed to the vjp of {name} is not shaped like its "
                         f"output: {found}",
                         hint="pass a cotangent nested like the output (a tuple with one "
                              "array per output array, as JAX takes it)")
