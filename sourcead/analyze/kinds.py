"""Kinds: what a value is, as far as shapes go, and how kinds combine.

In: concrete example values (arguments, globals) or parameter annotations.
Out: ``Kind`` (a tag such as int, scalar or array, the *shape anchors* it is shaped like,
a container's structure, a shape signature, an object's class) and the constants
``NONE``, ``INT``, ``BOOL``, ``SCALAR``, ``STACK``, ``LIST``, ``OTHER``, ``UNKNOWN``;
``kind_of_value`` and ``kind_of_annotation`` make one; ``join`` (least upper bound),
``broadcast`` (an elementwise result's kind), ``has_shape_of``, ``dims_of`` and the anchor
helpers combine and compare them. ``AnyShape`` and ``InstanceOf`` are example values that
stand for any array or for any instance of a class.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

import gast
import numpy as np

from .. import shapes
from ..parse import Environment


@dataclass(frozen=True)
class Kind:
    """What a value is, as far as shapes go. ``like`` names the *shape anchors* whose shapes,
    broadcast together, give this value's shape: a parameter (its shape on entry) or a
    variable assigned once outside loops; a sorted tuple for several. Two values with the
    same ``like`` have the same shape; None: not known."""
    tag: str                 # "none" < "int" < "scalar" | "array" | "unknown" | "other"
    like: str | tuple[str, ...] | None = None
    # a container argument's structure: ("dict", ((key, Kind), ...)) or ("list"|"tuple",
    # (Kind, ...)), so a read ``params["w"]`` knows its element's kind (a JIT's shape guard)
    structure: tuple | None = None
    # the shape signature of an array (``shapes.py``): per axis "1", "n" (not 1) or "?"; None
    # when even the number of axes is unknown. Numbers have none: see ``dims_of``
    dims: str | None = None
    # an object's class (an argument that is an instance of a class of yours): its methods are
    # then known, and a derivative built for one class is never used for another
    cls: type | None = None

    def element(self, key=None) -> "Kind":
        """The kind of ``container[key]`` (any element's, joined, for an unknown key)."""
        if self.structure is None:
            return UNKNOWN
        kind, items = self.structure
        pairs = items if kind == "dict" else tuple(enumerate(items))
        if kind == "dict" and key is not None:
            return dict(pairs).get(key, UNKNOWN)
        if isinstance(key, int) and -len(items) <= key < len(items):
            return items[key]
        found = [element for _, element in pairs]
        out = found[0] if found else UNKNOWN
        for other in found[1:]:
            out = join(out, other)
        return out

    @property
    def numeric(self) -> bool:
        return self.tag in ("scalar", "array", "unknown")


NONE, INT, SCALAR, OTHER = Kind("none"), Kind("int"), Kind("scalar"), Kind("other")
# an integer that may be a bool (a flag, a comparison): as an index, NumPy reads a bool as a
# mask that adds an axis, so only INT counts as an index that removes one
BOOL = Kind("int", dims="b")
STACK = Kind("stack")   # a list used only through append and pop (the tape)
LIST = Kind("list")     # a list built with append (or a literal) and read as a container
UNKNOWN = Kind("unknown")
CONTAINERS = ("other", "list", "stack")   # tuples, dicts, lists: adjoints of the same structure


def is_container(kind: Kind) -> bool:
    """Containers accumulate with ``add_tree``: ``+`` would concatenate them."""
    return kind.tag in CONTAINERS


def join(a: Kind, b: Kind) -> Kind:
    """Least upper bound. Integers and None only ever hold constants, so they yield."""
    if a == b:
        return a
    if a.tag == b.tag == "int":
        return BOOL  # one of them may be a bool
    for low in ("none", "int"):
        if a.tag == low:
            return b
        if b.tag == low:
            return a
    if "other" in (a.tag, b.tag):
        return OTHER
    tag = a.tag if a.tag == b.tag else "unknown"
    return Kind(tag, a.like if a.like == b.like else None,
                dims=shapes.join(dims_of(a), dims_of(b)))


def dims_of(kind: Kind) -> str | None:
    """A kind's shape signature: numbers have no axes."""
    return "" if kind.tag in ("none", "int", "scalar") else kind.dims


def has_shape_of(arg: Kind, out: Kind) -> bool:
    """Whether ``arg``, broadcast into ``out``, provably has ``out``'s shape already (so the
    adjoint needs no summing down): the same anchor, or signatures that say so."""
    if arg.tag == "scalar" and out.tag == "scalar":
        return True
    if arg.like is not None and arg.like == out.like and arg.tag == out.tag:
        return True
    return shapes.covers(dims_of(arg), dims_of(out))


def broadcast(kinds: Iterable[Kind]) -> Kind:
    """The kind of an elementwise result: scalars take the shape of the other operands, and
    the shape is the broadcast of the operands' anchors (broadcasting is associative,
    commutative and idempotent, so a set of anchors names one shape)."""
    shaped = [k for k in kinds if k.tag not in ("none", "int", "scalar")]
    if not shaped:
        return SCALAR
    if any(k.tag in ("other", "list", "stack") for k in shaped):  # (an element of one)
        return UNKNOWN
    first = shaped[0]
    if all(k == first for k in shaped):
        return first
    tag = "array" if any(k.tag == "array" for k in shaped) else "unknown"
    return Kind(tag, anchors_union([k.like for k in shaped]),
                dims=shapes.broadcast(dims_of(k) for k in kinds))


def anchors_of(like: str | tuple[str, ...] | None) -> tuple[str, ...]:
    return () if like is None else (like,) if isinstance(like, str) else like


def anchors_union(likes: Iterable[str | tuple[str, ...] | None]):
    """The ``like`` of a broadcast of values with these ``like``s (None if one is unknown)."""
    likes = list(likes)
    if not likes or any(like is None for like in likes):
        return None
    names = sorted({a for like in likes for a in anchors_of(like)})
    return names[0] if len(names) == 1 else tuple(names)


class AnyShape(np.ndarray):
    """An example array that stands for arrays of any shape (its kind has no signature)."""


@dataclass(frozen=True)
class InstanceOf:
    """An example that stands for an instance of ``cls`` (to pick the derivative built for
    that class, without making one)."""
    cls: type


def kind_of_value(value: Any, like: str | None = None) -> Kind:
    """The kind of a concrete argument or global value."""
    if isinstance(value, (bool, np.bool_)):
        return BOOL
    if isinstance(value, (int, np.integer)):
        return INT
    if isinstance(value, (float, np.floating)):
        return SCALAR
    if isinstance(value, np.ndarray):
        return Kind("array", like, dims=None if isinstance(value, AnyShape) else
                    shapes.of_shape(value.shape))
    if value is None:
        return NONE
    if isinstance(value, dict):
        return Kind("other", like, ("dict", tuple((k, kind_of_value(v)) for k, v in value.items())))
    if isinstance(value, (list, tuple)):
        return Kind("other", like, (type(value).__name__, tuple(kind_of_value(v) for v in value)))
    if isinstance(value, str):
        return OTHER
    return Kind("unknown", like, cls=value.cls if isinstance(value, InstanceOf) else type(value))


def kind_of_annotation(annotation: gast.expr | None, env: Environment, like: str) -> Kind:
    """Read ``x: float`` / ``x: np.ndarray`` when no argument value is known."""
    if annotation is None:
        return Kind("unknown", like)
    obj = env.resolve(annotation)
    if obj in (float, int):
        return SCALAR
    if obj is np.ndarray:
        return Kind("array", like)
    return Kind("unknown", like)
