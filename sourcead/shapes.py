"""Shape signatures: what NumPy broadcasting depends on, known before the code runs.

A signature is a string with one character per axis: ``"1"`` (the size is 1), ``"n"`` (the
size is not 1: 0 or at least 2) or ``"?"`` (either); ``""`` is a number or a 0-d array and
None means even the number of axes is unknown. ``"n1"`` is a column of at least two rows.

In: signatures of operands (and constant axes, shapes, indices). Out: the signature of the
result. Every function here is exact or answers less ("?" or None), never more: code that
relies on a signature (an ``unbroadcast`` left out) is then right for every shape it covers.
"""
from __future__ import annotations

from typing import Iterable

Dims = "str | None"


def of_shape(shape: tuple[int, ...]) -> str:
    """The signature of a concrete shape."""
    return "".join("1" if size == 1 else "n" for size in shape)


def of_size(size) -> str:
    """One axis of a size given as a constant (None: not known before the code runs)."""
    if size is None or size == -1:
        return "?"
    return "1" if size == 1 else "n"


def broadcast(signatures: Iterable[str | None]) -> str | None:
    """The signature of the broadcast of operands. An axis of size other than 1 wins: where
    broadcasting succeeds, every other operand has that size there or 1."""
    signatures = list(signatures)
    if any(s is None for s in signatures):
        return None
    ndim = max((len(s) for s in signatures), default=0)
    axes = []
    for k in range(ndim):
        found = {s[len(s) - ndim + k] for s in signatures if len(s) - ndim + k >= 0}
        axes.append("n" if "n" in found else "?" if "?" in found else "1")
    return "".join(axes)


def join(a: str | None, b: str | None) -> str | None:
    """What is known of a value that has either signature."""
    if a is None or b is None or len(a) != len(b):
        return None
    return "".join(x if x == y else "?" for x, y in zip(a, b))


def covers(arg: str | None, out: str | None) -> bool:
    """Whether a value of signature ``arg``, broadcast with others to a result of signature
    ``out``, provably has the result's whole shape: the same number of axes, and on each axis
    a size other than 1 (which the result then has too) or a result of size 1."""
    if arg is None or out is None or len(arg) != len(out):
        return False
    return all(a == "n" or o == "1" for a, o in zip(arg, out))


def summed_axes(out: str | None, arg: str | None):
    """What summing a value of signature ``out`` down to an argument of signature ``arg``
    (the adjoint of broadcasting ``arg`` into ``out``) sums over: ``(leading, kept)``, the
    axes ``arg`` lacks and then, with ``keepdims``, those where it has size 1. None where the
    signatures do not say (an unknown axis, or ``out`` smaller than ``arg`` somewhere)."""
    if out is None or arg is None or len(arg) > len(out) or "?" in out + arg:
        return None
    lead = len(out) - len(arg)
    kept = []
    for k, (a, o) in enumerate(zip(arg, out[lead:])):
        if a == "1" and o == "n":
            kept.append(k)
        elif a != o:
            return None
    return tuple(range(lead)), tuple(kept)


def reduced(x: str | None, axis, keepdims: bool) -> str | None:
    """A reduction over ``axis`` (None: all axes; an int or a tuple of ints)."""
    if x is None:
        return None
    if axis is None:
        return "1" * len(x) if keepdims else ""
    axes = _axes(axis, len(x))
    if axes is None:
        return None
    return "".join("1" if k in axes else c for k, c in enumerate(x) if keepdims or k not in axes)


def _axes(axis, ndim: int) -> set[int] | None:
    items = axis if isinstance(axis, tuple) else (axis,)
    if not all(type(a) is int and -ndim <= a < ndim for a in items):
        return None
    return {a % ndim for a in items}


def matmul(x: str | None, y: str | None) -> str | None:
    """``x @ y``: vectors are promoted and dropped again, stacks of matrices broadcast."""
    if x is None or y is None or not x or not y:
        return None
    if len(x) == 1 and len(y) == 1:
        return ""
    rows = "" if len(x) == 1 else x[-2]
    columns = "" if len(y) == 1 else y[-1]
    stacks = broadcast([x[:-2], y[:-2]])
    return None if stacks is None else stacks + rows + columns


def dot(x: str | None, y: str | None) -> str | None:
    """``np.dot``: a product with a number is elementwise; up to two axes it is matmul."""
    if x == "" or y == "":
        return y if x == "" else x
    if x is None or y is None or len(x) > 2 or len(y) > 2:
        return None
    return matmul(x, y)


def transposed(x: str | None, axes=None) -> str | None:
    if x is None:
        return None
    if axes is None:
        return x[::-1]
    if not isinstance(axes, tuple) or sorted(a % max(len(x), 1) for a in axes) != list(range(len(x))):
        return None
    return "".join(x[a] for a in axes)


def reshaped(shape) -> str | None:
    """``reshape`` to a constant shape (an int or a tuple of ints; -1 is inferred)."""
    items = shape if isinstance(shape, tuple) else (shape,)
    if not all(type(s) is int for s in items):
        return None
    return "".join(of_size(s) for s in items)


def raveled(x: str | None) -> str | None:
    """One axis holding every element: size 1 only if every axis has size 1."""
    if x is None:
        return None
    if all(c == "1" for c in x):
        return "1"
    return "n" if all(c == "n" for c in x) and x else "?"


def expanded(x: str | None, axis) -> str | None:
    if x is None or type(axis) is not int or not -len(x) - 1 <= axis <= len(x):
        return None
    k = axis % (len(x) + 1)
    return x[:k] + "1" + x[k:]


def squeezed(x: str | None, axis=None) -> str | None:
    if x is None:
        return None
    if axis is None:
        return None if "?" in x else x.replace("1", "")
    axes = _axes(axis, len(x))
    return None if axes is None else "".join(c for k, c in enumerate(x) if k not in axes)


def indexed(x: str | None, parts: list) -> str | None:
    """``x[parts]`` for basic indices: "int" drops an axis, "none" adds one of size 1, "all"
    (``:``) keeps an axis, "slice" keeps it with any size, "..." stands for the axes no other
    part names. Anything else (masks, integer arrays): None."""
    if x is None or parts.count("...") > 1:
        return None
    named = sum(1 for p in parts if p in ("int", "all", "slice"))
    if named > len(x) or any(p not in ("int", "none", "all", "slice", "...") for p in parts):
        return None
    if "..." not in parts:
        parts = parts + ["..."]
    out, axis = [], 0
    for part in parts:
        if part == "none":
            out.append("1")
        elif part == "...":
            rest = len(x) - named
            out.append(x[axis:axis + rest])
            axis += rest
        else:
            if part != "int":
                out.append(x[axis] if part == "all" else "?")
            axis += 1
    return "".join(out)
