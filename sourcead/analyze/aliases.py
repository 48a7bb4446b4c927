"""Which names may share memory, and the in-place operations that would make another name
change under the derivative's feet.

The analyses and transformations read core code with *value* semantics: ``y *= v`` is
``y = y * v`` (a new value of ``y``) and ``a[i] = v`` is ``a = with_item(a, i, v)``. NumPy
does both in place: every other name that holds the memory (``z = y``, a view ``c = y[1:]``,
a tuple or list element, an attribute, what a function returned, the caller's argument)
sees the change. The two readings agree exactly when no such name is read after the write,
and generated code (which writes ``a[i] = v`` in place too) changes nobody's memory but the
function's own.

In: a normalized function, its Environment, the kinds of its variables (a float's
``y *= v`` rebinds ``y``; an array's writes into it), the user's parsed function (where
``op=`` was written), whether it is the differentiated function or one it calls, and
``effects_of`` (what a user function's result may hold, given its arguments' kinds).
Out: ``check_aliasing`` returns the function's ``Effects`` or raises an
``UnsupportedSyntaxError`` naming the user's file, line and construct, with the ``.copy()``
or rewrite that works, where an in-place operation

* changes memory that another name may hold and that name is read afterwards (a stale
  view or second name), or
* changes a module-level or closure array, or a called function's parameter (the caller's
  array: what it sees afterwards is not what the derivative computes), or
* would be done in place by generated code on memory the function does not own (an
  argument's, through another name).

The analysis is a may-points-to over abstract memory objects (one per parameter, one per
statement that makes a new array, one for everything outside the function), through
assignments, tuples, lists, dicts, subscripts that give views, attributes, calls and returns,
to a fixed point over loops. Generated code is exempt: it writes only into arrays it owns,
and its adjoint sweep reads a view only once the tape has put back what was written since.
"""
from __future__ import annotations

import builtins
import linecache
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import gast
import numpy as np

from ..errors import UnsupportedSyntaxError
from ..normalize.writes import from_numpy, is_mutator, is_write, refused_mutator
from ..parse import MISSING, Environment
from ..rules.template import name, name_nodes
from .kinds import UNKNOWN, Kind
from .operations import UserCall, method, stack_pop, stack_push, user_call

# abstract memory: ("param", name), ("new", site), GLOBAL (anything the function did not make
# or receive: module-level and closure values, and what they hold)
Memory = tuple
GLOBAL: Memory = ("global",)

NUMBER_TAGS = ("int", "scalar", "none")


@dataclass(frozen=True)
class Effects:
    """What a called function's result may hold of the memory its caller passes: the
    argument positions (in the order of its concrete parameters), and whether it may hold
    memory from outside (a module-level array). Writes into arguments are refused where
    they are made, so a caller needs nothing else."""
    returns: frozenset[int] = frozenset()
    outside: bool = False


def conservative_effects(count: int) -> Effects:
    """For a function that cannot be read: its result may hold any argument, or anything."""
    return Effects(frozenset(range(count)), True)


# ---- how values share memory ------------------------------------------------------------

# functions and methods whose result is (a view of) their first argument, or holds it
VIEW_NAMES = {"reshape", "ravel", "transpose", "squeeze", "expand_dims", "broadcast_to",
              "swapaxes", "moveaxis", "rollaxis", "asarray", "asanyarray", "ascontiguousarray",
              "asfortranarray", "asarray_chkfinite", "require", "atleast_1d", "atleast_2d",
              "atleast_3d", "diagonal", "diag", "flip", "fliplr", "flipud", "rot90", "view",
              "real", "imag", "T", "mT", "split", "array_split", "hsplit", "vsplit", "dsplit",
              "broadcast_arrays", "unstack", "matrix_transpose", "permute_dims", "conj",
              "conjugate", "as_strided", "sliding_window_view", "flat", "base", "nan_to_num",
              "squeeze", "asmatrix", "meshgrid"}
# methods of an array that make a new one although their name is also a view's elsewhere
NEW_METHODS = {"copy", "flatten", "astype", "tolist", "item"}
# builtins whose result is a number, a range or a new array of numbers: nothing to share
_NUMERIC_BUILTINS = {builtins.len, builtins.range, builtins.float, builtins.int, builtins.abs,
                     builtins.round, builtins.bool, builtins.print, builtins.isinstance,
                     builtins.sum, builtins.pow, builtins.slice, builtins.divmod}


def _holds_memory(kind: Kind) -> bool:
    """Numbers never share memory; everything else may."""
    return kind.tag not in NUMBER_TAGS


def _is_container_kind(kind: Kind) -> bool:
    return kind.tag in ("other", "list", "stack")


def _in_place_kind(kind: Kind) -> bool:
    """Whether ``y op= v`` changes ``y`` in place (an array, a list) rather than rebinding
    ``y`` (a number, a tuple, a string)."""
    if kind.tag in ("array", "unknown", "list", "stack"):
        return True
    return kind.tag == "other" and kind.structure is not None and kind.structure[0] == "list"


def augmented_positions(tree: gast.FunctionDef) -> dict[tuple, type]:
    """Where the user wrote ``name op= value``: (line, column) -> the operator's class."""
    return {(n.lineno, n.col_offset): type(n.op) for n in gast.walk(tree)
            if isinstance(n, gast.AugAssign) and isinstance(n.target, gast.Name)}


def augmented_statements(core: gast.FunctionDef, tree: gast.FunctionDef) -> dict[int, gast.Assign]:
    """The core statements ``y_1 = y op t`` that are the user's ``y op= v`` (by id): the
    last statement normalize made from it (its operands come first)."""
    positions = augmented_positions(tree)
    found: dict[tuple, gast.Assign] = {}
    for s in _statements(core.body):
        where = (getattr(s, "lineno", None), getattr(s, "col_offset", None))
        if where in positions and isinstance(s, gast.Assign) \
                and isinstance(s.targets[0], gast.Name) and isinstance(s.value, gast.BinOp) \
                and isinstance(s.value.op, positions[where]) and isinstance(s.value.left, gast.Name):
            found[where] = s
    return {id(s): s for s in found.values()}


def _statements(stmts: list[gast.stmt]):
    """Every statement, in program order, nested ones after their parent."""
    for s in stmts:
        yield s
        for field_name in ("body", "orelse"):
            yield from _statements(getattr(s, field_name, None) or [])


# ---- the state: what each name may point to, and which names are stale -----------------

@dataclass(frozen=True)
class Stale:
    """A name whose memory was changed in place through another name: ``write`` changed
    ``written``; ``made`` is where the two came to share memory (``own``: the statement
    that bound the stale name itself, else the one that bound ``written``)."""
    write: gast.stmt
    written: str
    made: gast.stmt | None
    own: bool


@dataclass
class State:
    points: dict[str, frozenset] = field(default_factory=dict)   # name -> memory it may hold
    made: dict[str, Any] = field(default_factory=dict)    # name -> statement that gave it
    # another's memory (None: memory of its own: a parameter, a new array)
    views: dict[str, tuple] = field(default_factory=dict)  # name -> (base name, index) read
    stale: dict[str, Stale] = field(default_factory=dict)

    def copy(self) -> "State":
        return State(dict(self.points), dict(self.made), dict(self.views), dict(self.stale))

    def key(self) -> tuple:
        return (tuple(sorted(self.points.items())), tuple(sorted(self.stale)),
                tuple(sorted((k, id(v[1])) for k, v in self.views.items())))

    def renew(self, site: int) -> None:
        """A statement makes a new array again (in a loop): what it made before is an older
        array, apart from the one it makes now (the recency abstraction)."""
        new, old = ("new", site), ("old", site)
        for name, memory in self.points.items():
            if new in memory:
                self.points[name] = memory - {new} | {old}

    def bind(self, name: str, memory: frozenset, made, view=None) -> None:
        self.points[name] = memory
        self.made[name] = made
        self.stale.pop(name, None)
        if view is None:
            self.views.pop(name, None)
        else:
            self.views[name] = view


def joined(a: State, b: State) -> State:
    out = a.copy()
    for name, memory in b.points.items():
        out.points[name] = out.points.get(name, frozenset()) | memory
        if out.made.get(name) is None:
            out.made[name] = b.made.get(name)
    for name, why in b.stale.items():
        out.stale.setdefault(name, why)
    out.views = {k: v for k, v in a.views.items() if k not in b.points or _same_view(v, b.views.get(k))}
    out.views.update({k: v for k, v in b.views.items() if k not in a.points})
    return out


def _same_view(a, b) -> bool:
    return b is not None and a[0] == b[0] and a[1] is b[1]


# ---- the analysis ----------------------------------------------------------------------

EffectsOf = Callable[[UserCall, list], Effects]


class MayAlias:
    """The may-alias analysis of one function, refusing as it goes (see the module)."""

    def __init__(self, core: gast.FunctionDef, env: Environment, kinds: Mapping[str, Kind],
                 tree: gast.FunctionDef, callee: bool, effects_of: EffectsOf | None):
        self.core, self.env, self.kinds, self.callee = core, env, kinds, callee
        self.effects_of = effects_of
        self.params = [a.id for a in core.args.args]
        self.locals = set(self.params) | {n.id for n in name_nodes(core)
                                          if isinstance(n.ctx, gast.Store)}
        self.augmented = augmented_statements(core, tree)
        self.augmented_elements = {(n.lineno, n.col_offset) for n in gast.walk(tree)
                                   if isinstance(n, gast.AugAssign)
                                   and isinstance(n.target, gast.Subscript)}
        self.copies = self._copies_normalize_made()
        # statements that make a list, tuple or dict (by id), and those that made each name's:
        # a write into a container changes that object only, not the elements it holds
        self.container_sites: set[int] = set()
        self.sites_of: dict[str, set[int]] = {}
        self.user_names = {n.id for n in name_nodes(tree)}

    def _copies_normalize_made(self) -> set[int]:
        """Normalize copies a parameter that is written into (``p = p.copy()``, first):
        real in generated code, so the caller's array never changes, but not in the
        user's, where the caller's array does change."""
        written = {s.targets[0].id for s in _statements(self.core.body) if is_write(s)}
        copies = set()
        for p in set(self.params) & written:
            first = next((s for s in self.core.body if isinstance(s, gast.Assign)
                          and isinstance(s.targets[0], gast.Name) and s.targets[0].id == p), None)
            if first is not None and _is_copy_of(first.value, p):
                copies.add(id(first))
        return copies

    def run(self) -> Effects:
        state = State()
        for p in self.params:
            state.bind(p, frozenset({("param", p)}), None)
        state = self.block(self.core.body, state)
        last = self.core.body[-1] if self.core.body else None
        if not (isinstance(last, gast.Return) and isinstance(last.value, gast.Name)):
            return conservative_effects(len(self.params))
        held = state.points.get(last.value.id, frozenset())
        return Effects(frozenset(k for k, p in enumerate(self.params) if ("param", p) in held),
                       GLOBAL in held)

    # -- statements --

    def block(self, stmts: list[gast.stmt], state: State) -> State:
        for s in stmts:
            state = self.stmt(s, state)
        return state

    def stmt(self, s: gast.stmt, state: State) -> State:
        if isinstance(s, gast.If):
            self.check_reads(s.test, s, state)
            return joined(self.block(s.body, state.copy()), self.block(s.orelse, state.copy()))
        if isinstance(s, (gast.For, gast.While)):
            return self.loop(s, state)
        if isinstance(s, gast.Return):
            if s.value is not None:
                self.check_reads(s.value, s, state)
            return state
        if isinstance(s, gast.Expr):
            return self.expression_statement(s, state)
        if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name):
            self.check_reads(s.value, s, state)
            self.assign(s, state)
        return state

    def loop(self, s: gast.stmt, state: State) -> State:
        """To a fixed point: what one iteration leaves reaches the next (the state at the
        head only grows, in a finite lattice, so this ends)."""
        entry = state
        while True:
            self.check_reads(s.iter if isinstance(s, gast.For) else s.test, s, entry)
            inside = entry.copy()
            if isinstance(s, gast.For):
                inside.bind(s.target.id, frozenset(), None)
            after = joined(entry, self.block(s.body, inside))
            if after.key() == entry.key():
                return after
            entry = after

    def expression_statement(self, s: gast.Expr, state: State) -> State:
        push = stack_push(s)
        if push is not None:  # the stack holds what is pushed
            stack, value = push
            self.check_reads(value, s, state)
            memory = state.points.get(stack, frozenset()) | self.points_to(value, state)
            state.bind(stack, memory, state.made.get(stack))
        return state

    def assign(self, s: gast.Assign, state: State) -> None:
        target, value = s.targets[0].id, s.value
        if is_write(s):
            self.refuse_element_changed_in_place(s)
            self.write(s, target, target, value.args[1], state, in_generated_code=True)
            return
        if id(s) in self.augmented and self._in_place(value.left.id, target):
            self.write(s, value.left.id, target, None, state, in_generated_code=False)
            state.bind(target, state.points.get(value.left.id, frozenset()),
                       state.made.get(value.left.id))
            return
        if id(s) in self.copies and self.callee:   # the caller's array, in the user's code
            return
        self.refuse_mutator(value, s)
        memory, shared = self.value_memory(value, s, state)   # (reads a callee, always)
        if ("new", id(s)) in memory:
            state.renew(id(s))
            if _is_container_kind(self.kinds.get(target, UNKNOWN)):
                self.container_sites.add(id(s))
                self.sites_of.setdefault(target, set()).add(id(s))
        if not _holds_memory(self.kinds.get(target, UNKNOWN)):   # a number shares nothing
            state.bind(target, frozenset(), None)
            return
        state.bind(target, memory, s if shared else None, self.view_of(value, state))

    def refuse_element_changed_in_place(self, s: gast.Assign) -> None:
        """``xs[0] += v`` where ``xs[0]`` is an array changes that array in place (and every
        name that holds it), not just the list: refused, with the spelling that does not."""
        written, value = s.targets[0].id, s.value.args[2]
        where = (getattr(s, "lineno", None), getattr(s, "col_offset", None))
        if where not in self.augmented_elements \
                or not _is_container_kind(self.kinds.get(written, UNKNOWN)):
            return
        kind = self.kinds.get(value.id, UNKNOWN) if isinstance(value, gast.Name) else UNKNOWN
        if kind.tag in ("scalar", "int", "none"):
            return
        name_ = self.user_name(written)
        raise self.error(s, f"{self.line(s)} changes an element of `{name_}` in place, which "
                         "may be an array that other names hold too",
                         f"`op=` on an element of the list or dict `{name_}`",
                         "write the new value without `op=` (`xs[i] = xs[i] + v`): that makes "
                         "a new array and leaves the old one as it was")

    def _in_place(self, operand: str, target: str) -> bool:
        return any(_in_place_kind(self.kinds.get(v, UNKNOWN)) for v in (operand, target))

    # -- what a value may hold --

    def points_to(self, value: gast.expr, state: State) -> frozenset:
        """The memory an atom (or a container display of atoms) may hold."""
        if isinstance(value, gast.Name):
            if value.id not in self.locals:
                return frozenset({GLOBAL})
            if not _holds_memory(self.kinds.get(value.id, UNKNOWN)):
                return frozenset()
            return state.points.get(value.id, frozenset())
        if isinstance(value, (gast.Tuple, gast.List, gast.Set)):
            return frozenset().union(*(self.points_to(e, state) for e in value.elts))
        if isinstance(value, gast.Dict):
            return frozenset().union(*(self.points_to(e, state) for e in value.values))
        if isinstance(value, (gast.Attribute, gast.Subscript)):
            return self.part_of(value, state)
        return frozenset()

    def part_of(self, value: gast.expr, state: State) -> frozenset:
        """The memory ``base.attr`` or ``base[index]`` may hold: its base's (even where the
        base's kind says it is a number: the program then knows better than the kinds)."""
        root = _root(value)
        if root is None:
            return frozenset()
        if root.id not in self.locals:
            return frozenset({GLOBAL})
        return state.points.get(root.id, frozenset())

    def value_memory(self, value: gast.expr, s: gast.stmt, state: State) -> tuple[frozenset, bool]:
        """(memory the value may hold, whether it may hold memory another name holds)."""
        new = frozenset({("new", id(s))})
        if isinstance(value, (gast.List, gast.Dict)):   # a new list (`+=` extends it in place)
            return new | self.points_to(value, state), True
        if isinstance(value, (gast.Name, gast.Tuple, gast.Set)):
            return self.points_to(value, state), True
        if isinstance(value, gast.Constant):
            return frozenset(), False
        if isinstance(value, (gast.BinOp, gast.UnaryOp, gast.Compare, gast.BoolOp)):
            # arithmetic makes a new array; a list or tuple `+` or `*` holds the elements
            # of its operands
            containers = [n for n in name_nodes(value) if n.ctx.__class__ is gast.Load
                          and n.id in self.locals and self.kinds.get(n.id, UNKNOWN).tag in (
                              "other", "list", "stack")]
            held = frozenset().union(*(self.points_to(n, state) for n in containers))
            return new | held, bool(held)
        if isinstance(value, gast.Subscript):
            if self.is_view(value):
                return self.part_of(value, state), True
            return new, False
        if isinstance(value, gast.Attribute):
            if value.attr in ("shape", "ndim", "size", "dtype", "itemsize", "nbytes"):
                return frozenset(), False
            if value.attr in NEW_METHODS:
                return new, False
            return self.points_to(value, state), True
        if isinstance(value, gast.Call):
            return self.call_memory(value, s, state)
        return new | self.points_to(value, state), True

    def call_memory(self, call: gast.Call, s: gast.stmt, state: State) -> tuple[frozenset, bool]:
        new = frozenset({("new", id(s))})
        args = list(call.args) + [k.value for k in call.keywords]
        if stack_pop(call) is not None:
            return state.points.get(stack_pop(call), frozenset()), True
        user = user_call(call, self.env, self.kinds)
        if user is not None:
            effects = self.callee_effects(user)
            held = frozenset().union(*(self.points_to(user.atoms[k], state)
                                       for k in effects.returns if k < len(user.atoms)))
            return new | held | (frozenset({GLOBAL}) if effects.outside else frozenset()), True
        copied = self.shallow_copy_of(call)
        if copied is not None:   # a new container that holds the same elements
            own = self.sites_of.get(copied, set())
            held = frozenset(m for m in self.points_to(name(copied), state)
                             if not (m[0] in ("new", "old") and m[1] in own))
            return new | held, True
        name_ = call.func.attr if isinstance(call.func, gast.Attribute) else \
            call.func.id if isinstance(call.func, gast.Name) else ""
        # a method's object (not a module's function): a local value or one from outside
        base = [call.func.value] if isinstance(call.func, gast.Attribute) \
            and not self._module(call.func.value) else []
        if name_ in NEW_METHODS and base:
            return new, False
        if name_ in VIEW_NAMES or any(k.arg == "copy" and isinstance(k.value, gast.Constant)
                                      and k.value.value is False for k in call.keywords):
            first = (base + args)[:1]
            return frozenset().union(*(self.points_to(a, state) for a in first)), True
        local = bool(base) and self._local_value(call.func.value)
        found = method(call, self.env) if local else self.env.resolve(call.func)
        if found is MISSING or found is None:   # a method of an object sourcead does not know
            return new | frozenset().union(*(self.points_to(a, state) for a in base + args)), True
        if _makes_new(found):
            return new, False
        return new | frozenset().union(*(self.points_to(a, state) for a in base + args)), True

    def shallow_copy_of(self, call: gast.Call) -> str | None:
        """The local list, tuple or dict that ``xs.copy()``, ``list(xs)``, ``tuple(xs)``,
        ``dict(xs)`` or ``sorted(xs)`` copies (one level deep), if the call is one of those."""
        from .. import runtime
        if isinstance(call.func, gast.Attribute) and call.func.attr == "copy" and not call.args \
                and isinstance(call.func.value, gast.Name):
            base = call.func.value.id
        elif len(call.args) == 1 and isinstance(call.args[0], gast.Name) and any(
                self.env.resolve(call.func) is f for f in (builtins.list, builtins.tuple,
                                                           builtins.dict, builtins.sorted,
                                                           runtime.container_copy)):
            base = call.args[0].id
        else:
            return None
        if base not in self.locals or not _is_container_kind(self.kinds.get(base, UNKNOWN)):
            return None
        return base

    def _local_value(self, node: gast.expr) -> bool:
        root = _root(node)
        return root is not None and root.id in self.locals

    def _module(self, node: gast.expr) -> bool:
        """``np`` of ``np.sum(...)``: a module (or a ufunc), not an object's method."""
        return not self._local_value(node) and _is_module(node, self.env)

    def callee_effects(self, call: UserCall) -> Effects:
        if self.effects_of is None:
            return conservative_effects(len(call.atoms))
        from .values import value_kind
        kinds = [value_kind(a, self.kinds, self.env) for a in call.atoms]
        return self.effects_of(call, kinds)

    def is_view(self, value: gast.Subscript) -> bool:
        """Basic indexing gives a view unless it picks a single element; an index array or a
        mask (advanced indexing) gives a copy. A container's element is the element."""
        base = value.value
        kind = self.kinds.get(base.id, UNKNOWN) if isinstance(base, gast.Name) else UNKNOWN
        if kind.tag != "array":
            return True
        parts = value.slice.elts if isinstance(value.slice, gast.Tuple) else [value.slice]
        numbers = 0
        for part in parts:
            if isinstance(part, gast.Slice) or (isinstance(part, gast.Constant) and (
                    part.value is None or part.value is Ellipsis)):
                return True
            if isinstance(part, gast.Constant) and isinstance(part.value, int):
                numbers += 1
                continue
            part_kind = self.kinds.get(part.id) if isinstance(part, gast.Name) else None
            if part_kind is not None and part_kind.tag == "int" and part_kind.dims != "b":
                numbers += 1
                continue
            if part_kind is not None and part_kind.tag == "array":
                return False   # an index array or a mask: a copy
            return True        # not known: may be a view
        return kind.dims is None or len(kind.dims) > numbers

    def view_of(self, value: gast.expr, state: State):
        """``(base, index)`` for ``base[index]`` with a constant first index (a row): a write
        into another row leaves it as it was."""
        if isinstance(value, gast.Subscript) and isinstance(value.value, gast.Name):
            return (value.value.id, value.slice)
        return None

    # -- writes --

    def write(self, s: gast.Assign, written: str, target: str, index, state: State,
              in_generated_code: bool) -> None:
        """``written``'s memory changes in place at ``s`` (``target`` holds it after)."""
        memory = state.points.get(written, frozenset())
        # a list's or dict's write replaces an element: it changes the container, which is
        # the function's own where it made one (its elements' memory is not written)
        container = in_generated_code and _is_container_kind(self.kinds.get(written, UNKNOWN))
        own = container and any(m[0] == "new" for m in memory)
        if container:   # the containers it may be (not the elements they hold) change
            memory = frozenset(m for m in memory if m[0] in ("new", "old")
                               and m[1] in self.container_sites)
        if GLOBAL in memory and not own:
            raise self.outside_write(s, written, state)
        params = sorted(p for kind, *rest in memory if kind == "param" for p in rest)
        if params and self.callee and not own:
            raise self.parameter_write(s, written, params[0], state)
        if params and in_generated_code and not own:
            raise self.argument_write(s, written, params[0], state)
        for other, held in list(state.points.items()):
            if other == target:   # holds the new value (the old name of `y op= v` does not)
                continue
            if container and not _is_container_kind(self.kinds.get(other, UNKNOWN)):
                continue   # an element read before the write keeps its value, as in Python
            if held & memory and not self._disjoint(other, written, index, state):
                state.stale.setdefault(other, self.stale(other, written, s, state))

    @staticmethod
    def stale(other: str, written: str, write: gast.stmt, state: State) -> Stale:
        """Why ``other`` is stale: where the two names came to share memory is the later of
        the statements that bound them to another's memory."""
        mine, theirs = state.made.get(other), state.made.get(written)
        def where(s):
            return (getattr(s, "lineno", 0) or 0, getattr(s, "col_offset", 0) or 0)
        own = mine is not None and (theirs is None or where(mine) >= where(theirs))
        return Stale(write, written, mine if own else theirs, own)

    def _disjoint(self, other: str, written: str, index, state: State) -> bool:
        """Two indices that surely pick different rows: distinct constants of the same sign."""
        view = state.views.get(other)
        if index is None or view is None or view[0] != written:
            return False
        first = [i.elts[0] if isinstance(i, gast.Tuple) and i.elts else i for i in (view[1], index)]
        if all(isinstance(i, gast.Constant) and type(i.value) is int for i in first):
            a, b = first[0].value, first[1].value
            return a != b and (a < 0) == (b < 0)
        return False

    def check_reads(self, node: gast.AST, s: gast.stmt, state: State) -> None:
        if not state.stale:
            return
        for n in name_nodes(node):
            if n.ctx.__class__ is gast.Load and n.id in state.stale:
                raise self.stale_read(n.id, s, state.stale[n.id])

    def refuse_mutator(self, value: gast.expr, s: gast.stmt) -> None:
        """``b = a.sort()`` sorts ``a`` in place (and gives None)."""
        if is_mutator(value, self.env):
            raise refused_mutator(value, self.env, s)

    # -- refusals --

    def user_name(self, var: str) -> str:
        plain = re.sub(r"_\d+$", "", var)
        return var if var in self.user_names or plain not in self.user_names else plain

    def error(self, node, reason: str, construct: str, hint: str) -> UnsupportedSyntaxError:
        return UnsupportedSyntaxError(reason, filename=self.env.filename,
                                      lineno=getattr(node, "lineno", None), construct=construct,
                                      hint=hint)

    def text(self, node) -> str:
        """The user's line of ``node``, without a comment."""
        return _without_comment(linecache.getline(self.env.filename,
                                                  getattr(node, "lineno", 0) or 0)).strip()

    def line(self, node) -> str:
        text = self.text(node)
        lineno = getattr(node, "lineno", None)
        return f"line {lineno} (`{text}`)" if text else f"line {lineno}"

    def new_value_fix(self, s: gast.stmt, written: str) -> str:
        """The rewrite of the in-place operation ``s`` that makes a new array instead."""
        if id(s) in self.augmented:
            found = re.fullmatch(r"(\w+)\s*(\*\*|//|>>|<<|[-+*/@%&|^])=\s*(.+)", self.text(s))
            if found:
                lhs, op, rhs = found.groups()
                rhs = rhs if re.fullmatch(r"[\w.]+(\(.*\)|\[.*\])?", rhs) else f"({rhs})"
                return f"write `{lhs} = {lhs} {op} {rhs}`, which makes a new array"
            return f"write `{self.user_name(written)} = {self.user_name(written)} op ...`, " \
                "which makes a new array"
        return "read it again after the write"

    def copy_fix(self, made) -> str:
        """``c = x[1:]`` -> ``c = x[1:].copy()``, where the memory came to be shared."""
        found = re.fullmatch(r"(\w+)\s*=\s*([^=].*)", self.text(made)) if made is not None else None
        if found:
            lhs, rhs = found.groups()
            rhs = rhs if re.fullmatch(r"[\w.]+(\(.*\)|\[.*\])?", rhs) else f"({rhs})"
            return f"`{lhs} = {rhs}.copy()`"
        return f"`... = (...).copy()` on line {getattr(made, 'lineno', '?')}"

    def stale_read(self, var: str, read: gast.stmt, why: Stale) -> UnsupportedSyntaxError:
        name_, written = self.user_name(var), self.user_name(why.written)
        made = why.made if why.made is not None else why.write
        view = why.own and isinstance(getattr(made, "value", None),
                                      (gast.Subscript, gast.Attribute, gast.Call))
        who = f"`{name_}`, a view of `{written}`," if view else f"`{name_}`"
        return self.error(
            made, f"{who} may share memory with `{written}`, which {self.line(why.write)} "
            f"changes in place; `{name_}` is read after it, on {self.line(read)}",
            f"{who} read after an in-place change of `{written}`",
            f"{'Python' if _is_container_kind(self.kinds.get(why.written, UNKNOWN)) else 'NumPy'}"
            f" changes `{name_}` with `{written}`, so `{name_}` no longer holds what the "
            f"derivative computes with. If you mean the values it had, take a copy where the "
            f"memory comes to be shared ({self.copy_fix(made)}); or "
            f"{self.new_value_fix(why.write, why.written)}")

    def outside_write(self, s: gast.stmt, written: str, state: State) -> UnsupportedSyntaxError:
        name_ = self.user_name(written)
        made = state.made.get(written) or s
        return self.error(
            made, f"{self.line(s)} changes in place an array from outside the function (a "
            f"module-level or closure array, or what one holds): `{name_}` may share memory "
            "with it",
            f"in-place change of a module-level or closure array through `{name_}`",
            f"copy it into a local array first ({self.copy_fix(made)}), or "
            f"{self.new_value_fix(s, written)}; a derivative never changes values outside "
            "the function")

    def parameter_write(self, s: gast.stmt, written: str, param: str,
                        state: State) -> UnsupportedSyntaxError:
        name_ = self.user_name(written)
        through = "" if name_ == param else f" (through `{name_}`, which may share memory with it)"
        return self.error(
            s, f"{self.line(s)} writes in place into the parameter `{param}` of a called "
            f"function{through}: the caller's array changes, which the derivative would not "
            "follow",
            f"write into the parameter `{param}` of a called function",
            f"copy it first (`{param} = {param}.copy()`) and return the result, or "
            f"{self.new_value_fix(s, written)}")

    def argument_write(self, s: gast.stmt, written: str, param: str,
                       state: State) -> UnsupportedSyntaxError:
        name_ = self.user_name(written)
        made = state.made.get(written) or s
        return self.error(
            made, f"`{name_}` may share memory with the argument `{param}`, and "
            f"{self.line(s)} writes into it in place",
            f"write into `{name_}`, which may share memory with another array here",
            f"give `{name_}` its own memory where it is made ({self.copy_fix(made)}); the "
            "derivative never changes your arrays")


_OPERATORS = {gast.Add: "+", gast.Sub: "-", gast.Mult: "*", gast.Div: "/", gast.Pow: "**",
              gast.MatMult: "@", gast.FloorDiv: "//", gast.Mod: "%", gast.BitOr: "|",
              gast.BitAnd: "&", gast.BitXor: "^", gast.LShift: "<<", gast.RShift: ">>"}


def _is_module(node: gast.expr, env: Environment) -> bool:
    import types
    found = env.resolve(node)
    return isinstance(found, types.ModuleType) or isinstance(found, np.ufunc)


def _without_comment(line: str) -> str:
    """``c = x[1:]  # a view`` -> ``c = x[1:]`` (a ``#`` inside a string stays)."""
    import io
    import tokenize
    try:
        for token in tokenize.generate_tokens(io.StringIO(line).readline):
            if token.type == tokenize.COMMENT:
                return line[:token.start[1]].rstrip()
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return line.rstrip()


def _root(node: gast.expr) -> gast.Name | None:
    while isinstance(node, (gast.Attribute, gast.Subscript)):
        node = node.value
    return node if isinstance(node, gast.Name) else None


def _is_copy_of(value: gast.expr, p: str) -> bool:
    return (isinstance(value, gast.Call) and isinstance(value.func, gast.Attribute)
            and value.func.attr == "copy" and isinstance(value.func.value, gast.Name)
            and value.func.value.id == p and not value.args)


def _makes_new(obj: Any) -> bool:
    """A function of NumPy, math or the numeric builtins (views are told apart by name)."""
    import math
    if obj in _NUMERIC_BUILTINS:
        return True
    if from_numpy(obj):
        return True
    module = getattr(obj, "__module__", None) or ""
    if module in ("math", "cmath"):
        return True
    from .. import runtime
    return any(obj is f for f in runtime.HELPERS.values()) or obj is math


def check_aliasing(core: gast.FunctionDef, env: Environment, kinds: Mapping[str, Kind],
                   tree: gast.FunctionDef, *, callee: bool,
                   effects_of: EffectsOf | None = None) -> Effects:
    """See the module: refuse where an in-place operation would make the derivative differ
    from NumPy, or change memory that is not the function's; return what the function's
    result may hold of its arguments. ``callee``: a function the differentiated one calls
    (its parameters are the caller's arrays)."""
    if env.filename.startswith("<sourcead"):
        return conservative_effects(len(core.args.args))
    return MayAlias(core, env, kinds, tree, callee, effects_of).run()


def refuse_unread_writes(tree: gast.FunctionDef, env: Environment, kinds: Mapping[str, Kind],
                         why: str) -> None:
    """A called function sourcead cannot read into the core language (``why``), run as it
    is where no derivative flows through it: refused if its text may change an argument in
    place (``y op= v``, ``a[i] = v``, ``out=a``, a mutating call) on a name that is not an
    array the function itself made (``m = np.zeros(n)``) or a parameter that is a number."""
    made = _names_made_here(tree)
    numbers = {a.id for a in tree.args.args if not _holds_memory(kinds.get(a.id, UNKNOWN))}
    for n in gast.walk(tree):
        if isinstance(n, gast.AugAssign) and isinstance(n.target, gast.Name):
            target = n.target
        elif isinstance(n, (gast.Subscript, gast.Attribute)) and isinstance(n.ctx, gast.Store):
            target = _root(n)
        elif isinstance(n, gast.Call) and (any(k.arg == "out" for k in n.keywords)
                                           or is_mutator(n, env)):
            target = None
        else:
            continue
        if target is None or target.id not in made | numbers:
            raise UnsupportedSyntaxError(
                f"cannot differentiate a call of `{tree.name}`, which sourcead cannot read "
                f"({why}) and which may change its argument in place here",
                filename=env.filename, lineno=getattr(n, "lineno", None),
                construct=f"in-place change in `{tree.name}`",
                hint="make a new value instead of changing one in place, or copy the "
                     "argument first (`a = a.copy()`)")


def _names_made_here(tree: gast.FunctionDef) -> set[str]:
    """Names only ever bound to a new value: arithmetic, a literal, or a call that is not a
    view (``np.zeros(n)``, ``a.copy()``); never to another name, an element or an attribute."""
    bound: dict[str, bool] = {a.id: False for a in tree.args.args}
    for n in gast.walk(tree):
        targets = n.targets if isinstance(n, gast.Assign) else [n.target] if isinstance(
            n, (gast.For, gast.AnnAssign, gast.NamedExpr)) else []
        for t in targets:
            for name_ in (m for m in gast.walk(t) if isinstance(m, gast.Name)
                          and isinstance(m.ctx, gast.Store)):
                value = getattr(n, "value", None) if isinstance(t, gast.Name) else None
                new = isinstance(value, (gast.BinOp, gast.UnaryOp, gast.Constant, gast.List,
                                         gast.ListComp)) or (
                    isinstance(value, gast.Call) and _called_name(value) not in VIEW_NAMES)
                bound[name_.id] = bound.get(name_.id, True) and new
    return {v for v, new in bound.items() if new}


def _called_name(call: gast.Call) -> str:
    return call.func.attr if isinstance(call.func, gast.Attribute) else \
        call.func.id if isinstance(call.func, gast.Name) else ""


__all__ = ["Effects", "check_aliasing", "conservative_effects", "augmented_statements",
           "refuse_unread_writes"]
