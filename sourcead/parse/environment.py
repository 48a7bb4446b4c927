"""What a build reads, and from where: the ``Environment`` of a function's free names, and
the ``Read`` records that let the derivative re-read each of them when it runs.
"""
from __future__ import annotations

import builtins
import contextlib
import contextvars
import dataclasses
import inspect
from dataclasses import dataclass, field
from types import MappingProxyType, ModuleType
from typing import Any, Mapping

import gast
import numpy as np

from ..naming import MARK, marked_object


_MISSING = object()


_READS: contextvars.ContextVar = contextvars.ContextVar("sourcead_reads", default=None)
_MEMO: contextvars.ContextVar = contextvars.ContextVar("sourcead_memo", default=None)


@dataclass(frozen=True)
class Read:
    """One free value a build looked at: in the environment of ``env.owner``, the slot
    ``slot`` (``("global", name)``, ``("cell", name)``, ``("default", param)``, ...), then the
    attributes ``attrs``. ``check`` says what the derivative depends on: the value's kind
    (``"kind"``; ``"object"``: an attribute of an object that is not a module, so a library
    function found there is checked too), or, for a constant written into the generated code,
    the value itself (``"equal"``). The derivative re-reads each of them when it runs."""
    env: "Environment"
    slot: tuple
    attrs: tuple
    value: Any
    check: str = "kind"


@contextlib.contextmanager
def recording():
    """Collect every free value read while a derivative is built (``Read`` records), and
    parse each function once per build."""
    reads: list[Read] = []
    tokens = (_READS.set(reads), _MEMO.set({}))
    try:
        yield reads
    finally:
        _MEMO.reset(tokens[1])
        _READS.reset(tokens[0])


def build_memo() -> dict:
    """What the current build remembers (parsed functions, callees' result kinds); a
    build starts with nothing, so nothing of one build's values reaches another."""
    memo = _MEMO.get()
    return memo if memo is not None else {}


def _note(read: Read) -> None:
    reads = _READS.get()
    if reads is not None and read.env.owner is not None:
        reads.append(read)


@dataclass(frozen=True, eq=False)
class Environment:
    """Where a function's free names come from and where its text lives.

    ``owner`` is the callable whose free names these are, and ``slots`` says where it keeps
    each name of ``closure`` (a closure cell, a default, a fixed argument such as ``self``,
    or a value sourcead made, such as a lifted nested function): the derivative finds each
    of them again, from the function it was called for, every time it runs."""
    filename: str
    globals: Mapping[str, Any]
    closure: Mapping[str, Any] = field(default_factory=dict)
    module: str | None = None
    owner: Any = None
    slots: Mapping[str, tuple] = field(default_factory=dict)

    def slot(self, ident: str) -> tuple:
        """Where the name ``ident`` is read from."""
        if ident in self.closure:
            return self.slots.get(ident, ("made", ident))
        return ("global", ident) if ident in self.globals else ("builtin", ident)

    def where(self, ident: str) -> tuple[tuple, tuple]:
        """(slot, steps): where ``ident`` is read from. A name sourcead gave to a value found
        inside another (``ACTIVATIONS["relu"]``, ``cfg.act``: slot ``("via", name, steps)``)
        is read from that name's slot, then the steps (an attribute name, or ``("item",
        key)``)."""
        slot = self.slot(ident)
        if slot[0] == "via":
            base, steps = self.where(slot[1])
            return base, steps + slot[2]
        return slot, ()

    def lookup(self, ident: str) -> Any:
        """The object a free name refers to now, or ``_MISSING``. A marked name (``$np``,
        ``$with_item``: see ``naming``) is sourcead's own, never the user's."""
        if ident.startswith(MARK):
            found = marked_object(ident)
            return _MISSING if found is None else found
        for scope in (self.closure, self.globals, vars(builtins)):
            if ident in scope:
                value = scope[ident]
                if value is not _MISSING:
                    _note(Read(self, *self.where(ident), value))
                return value
        return _MISSING

    def note_constant(self, ident: str, steps: tuple, value: Any) -> None:
        """The derivative depends on the value itself (a key it was built for), not only on
        its kind: checked for equality each time it runs."""
        self.note(ident, steps, value, "equal")

    def note(self, ident: str, steps: tuple, value: Any, check: str = "kind") -> None:
        """Record that the build read ``value`` from ``ident`` through ``steps``."""
        slot, before = self.where(ident)
        _note(Read(self, slot, before + steps, value, check))

    def resolve(self, node: gast.expr) -> Any:
        """Statically resolve ``name`` or ``obj.attr.attr`` to an object, or ``_MISSING``."""
        if isinstance(node, gast.Name):
            return self.lookup(node.id)
        if isinstance(node, gast.Attribute):
            chain = _attribute_chain(node)
            base = self.resolve(node.value)
            if base is _MISSING or isinstance(base, np.ndarray):
                return _MISSING
            try:  # a property runs code: only plain attributes are read statically
                static = inspect.getattr_static(base, node.attr)
            except AttributeError:
                return _MISSING
            if isinstance(static, property):
                return _MISSING
            value = getattr(base, node.attr, _MISSING)
            if chain is not None and value is not _MISSING and self.lookup_quiet(chain[0]) \
                    is not _MISSING:
                slot, steps = self.where(chain[0])
                # (a library function kept on a module never changes; one kept on an object
                # of the user's may be replaced: ``cfg.act = np.sin``)
                _note(Read(self, slot, steps + chain[1:], value,
                           "kind" if isinstance(base, ModuleType) else "object"))
            return value
        return _MISSING

    def structural_constant(self, node: gast.expr) -> Any:
        """The value of a free name that says how an operation is done rather than what it
        works on (an int, a bool, a string, None, or a tuple of them: an axis, a ``ddof``, einsum
        subscripts, a norm's order), or ``_MISSING``. A derivative that depends on the value
        is built for it: the read is noted as ``"equal"``, so a changed value builds again.
        Floats are data, never structure (a global learning rate would build at every step)."""
        if not isinstance(node, gast.Name):
            return _MISSING
        value = self.lookup_quiet(node.id)
        if value is _MISSING or not _structural(value) or node.id.startswith(MARK):
            return _MISSING
        _note(Read(self, self.slot(node.id), (), value, "equal"))
        return value

    def lookup_quiet(self, ident: str) -> Any:
        for scope in (self.closure, self.globals, vars(builtins)):
            if ident in scope:
                return scope[ident]
        return _MISSING

    def with_names(self, extra: Mapping[str, Any], slot: str | Mapping[str, tuple] = "made"
                   ) -> "Environment":
        """More names, each kept in a slot of this kind (``"made"``, ``"local"``), or in the
        slot ``slot[name]`` (``("default", param)``, ``("fixed", param)``)."""
        if not extra:
            return self
        where = {k: (slot, k) if isinstance(slot, str) else slot[k] for k in extra}
        slots = {**self.slots, **where}
        return dataclasses.replace(self, closure=MappingProxyType({**self.closure, **extra}),
                                   slots=MappingProxyType(slots))


def _structural(value: Any) -> bool:
    if isinstance(value, tuple):
        return all(_structural(v) for v in value)
    return value is None or isinstance(value, (bool, int, str, np.integer, np.bool_))


def _attribute_chain(node: gast.expr) -> tuple[str, ...] | None:
    """``a.b.c`` -> ("a", "b", "c"); None for anything else."""
    attrs = []
    while isinstance(node, gast.Attribute):
        attrs.append(node.attr)
        node = node.value
    return (node.id, *reversed(attrs)) if isinstance(node, gast.Name) else None


@dataclass(frozen=True)
class Parsed:
    tree: gast.FunctionDef
    env: Environment


MISSING = _MISSING
