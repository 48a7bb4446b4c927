"""Desugar a parsed function into the core language that the transformations understand.

In: a gast FunctionDef from ``parse`` (any Python the user wrote) and its Environment.
Out: an equivalent FunctionDef in the core language, or a ``SourceADError`` that names the
user's file, line and construct. The core language guarantees:

* every statement is one of: ``name = <op>``, ``if [not] name:``, ``while name:``,
  ``for name in range(atoms):``, ``if flag: break`` as the last statement of a loop body,
  ``print(...)``, and one final ``return name``;
* ``<op>`` is one operation on atoms (names and constants, and attributes of modules such
  as ``np.pi``): a binary or unary operator, one comparison, a call, a subscript, an
  attribute, a tuple, or a plain atom;
* no augmented assignment, tuple targets, ternaries, ``and``/``or``, ``continue``, early
  ``return`` or ``break`` in the middle of a body: jumps become flags that guard the rest
  of the block (``if not broke: ...``), so every block runs straight through;
* a ``for`` over anything but ``range`` iterates over indices (``for i in range(len(xs))``);
* a ``while`` test is a name recomputed at the end of the body;
* variables assigned only in straight-line top-level code get one name per value
  (``x``, ``x_1``, ...), so the reverse sweep can read old values without a tape;
* every statement keeps the line number of the user's statement it came from.
"""
from __future__ import annotations

import builtins
import copy
import re
from collections import Counter
from typing import Any, Mapping
from dataclasses import dataclass, field

import gast

from .errors import UnsupportedSyntaxError
from .naming import Namer, describe
from .parse import Environment, Parsed
from .parse import MISSING, MISSING as MISSING_VALUE
from .rules.template import Transformer, clone, name_nodes, statements, walk, assign, const, index_syntax, index_value, name, names_in, substitute

RESULT = "out"

_REFUSED = {
    gast.Try: ("`try` statement", "move the try/except outside the differentiated function"),
    gast.AsyncWith: ("`async with`", "differentiate synchronous code only"),
    gast.AsyncFor: ("`async for`", "differentiate synchronous code only"),
    gast.AsyncFunctionDef: ("`async def`", "differentiate synchronous code only"),
    gast.Yield: ("`yield`", "return a value instead of a generator"),
    gast.YieldFrom: ("`yield from`", "return a value instead of a generator"),
    gast.Await: ("`await`", "differentiate synchronous code only"),
    gast.Global: ("`global` statement", "pass the value as an argument and return the new value"),
    gast.Nonlocal: ("`nonlocal` statement", "pass the value as an argument and return the new value"),
    gast.Delete: ("`del` statement", "remove the `del`; reassign the name instead"),
    gast.ClassDef: ("class definition", "define the class outside the function"),
    gast.FunctionDef: ("nested `def`", "define the helper at module level and call it"),
    gast.Lambda: ("`lambda`", "define the function with `def` at module level"),
    gast.SetComp: ("set comprehension", "use a list comprehension"),
    gast.Starred: ("starred expression", "pass the arguments one by one"),
    gast.Raise: ("`raise` statement", "check the inputs before calling the derivative"),
    gast.Assert: ("`assert` statement", "check the inputs before calling the derivative"),
    gast.Import: ("`import` inside the function", "import at module level"),
    gast.ImportFrom: ("`import` inside the function", "import at module level"),
    gast.Set: ("set literal", "use a tuple or an array"),
    gast.JoinedStr: ("f-string", "format strings outside the differentiated function"),
}


def error(node: gast.AST, env: Environment, what: str, hint: str, reason: str | None = None):
    return UnsupportedSyntaxError(reason or f"cannot differentiate a {what}",
                                  filename=env.filename, lineno=getattr(node, "lineno", None),
                                  construct=what, hint=hint)


def normalize(parsed: Parsed) -> gast.FunctionDef:
    """The whole stage: fence, desugar, jumps to flags, ANF, SSA names."""
    fn, env = clone(parsed.tree), parsed.env   # (clone: several times faster than deepcopy)
    fn = without_frees(fn, env)
    fence(fn, env)
    # temporaries never take a global's or a builtin's name (`max = x.max()` would shadow)
    namer = Namer(names_in(fn) | set(env.globals) | set(env.closure) | set(vars(builtins)))
    fn = inline_local_partials(fn, env, namer)
    body = desugar_block(desugar_comprehensions(fn, env, namer), env, namer)
    body = check_writes(fn, body, env) + body
    check_stacks(body, env, {a.id for a in fn.args.args})
    body = JumpEliminator(namer, env).function_body(body)
    body = Flattener(namer, env, local_names(fn, body)).block(body)
    body = rename_straight_line(fn, body, namer)
    fn.body = expand_lists(replace_tuples(body))
    return fn


def without_frees(fn: gast.FunctionDef, env: Environment) -> gast.FunctionDef:
    """Sourcead's own code frees arrays early (``del a, b``, see optimize.free_arrays);
    values do not depend on it, and its derivative manages its own (a user's ``del`` is
    refused by the fence)."""
    if not env.filename.startswith("<sourcead"):
        return fn

    class Drop(Transformer):
        def visit_Delete(self, node):
            if all(isinstance(t, gast.Name) for t in node.targets):
                return None
            return node
    return Drop().visit(fn)


def inline_local_partials(fn: gast.FunctionDef, env: Environment, namer: Namer) -> gast.FunctionDef:
    """``g = functools.partial(f, a, k=b)`` made inside the function, where ``g`` is bound
    once and only ever called: the values it fixes are named where it is made (``g_0 = a``,
    ``g_k = b``, so later changes of ``a`` do not reach them), and each call ``g(x)`` becomes
    ``f(g_0, x, k=g_k)``, a call sourcead resolves like any other."""
    import functools
    loads: dict[str, list[gast.Name]] = {}
    stores: dict[str, int] = {}
    for n in name_nodes(fn):
        if n.ctx.__class__ is gast.Store:
            stores[n.id] = stores.get(n.id, 0) + 1
        else:
            loads.setdefault(n.id, []).append(n)
    called = {id(n.func) for n in walk(fn) if isinstance(n, gast.Call)}
    made: dict[str, tuple] = {}
    for s in walk(fn):
        if isinstance(s, gast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], gast.Name) \
                and isinstance(s.value, gast.Call) and s.value.args \
                and env.resolve(s.value.func) is functools.partial \
                and env.resolve(s.value.args[0]) is not MISSING_VALUE \
                and not any(isinstance(a, gast.Starred) for a in s.value.args) \
                and all(k.arg is not None for k in s.value.keywords):
            g = s.targets[0].id
            if stores.get(g) == 1 and all(id(n) in called for n in loads.get(g, [])):
                made[g] = (s, [namer.fresh(f"{g}_{k}") for k in range(len(s.value.args) - 1)],
                           {k.arg: namer.fresh(f"{g}_{k.arg}") for k in s.value.keywords})
    if not made:
        return fn

    class Inline(gast.NodeTransformer):
        def visit_Assign(self, node):
            for g, (s, fixed, keywords) in made.items():
                if node is s:  # the values the partial fixes, named where it is made
                    values = node.value.args[1:] + [k.value for k in node.value.keywords]
                    return _located([assign(v, e) for v, e in
                                     zip(fixed + list(keywords.values()), values)], node)
            return self.generic_visit(node)

        def visit_Call(self, node):
            self.generic_visit(node)
            if isinstance(node.func, gast.Name) and node.func.id in made:
                s, fixed, keywords = made[node.func.id]
                given = {k.arg for k in node.keywords}
                node.func = copy.deepcopy(s.value.args[0])
                node.args = [name(v) for v in fixed] + node.args
                node.keywords = [gast.keyword(arg=k, value=name(v)) for k, v in keywords.items()
                                 if k not in given] + node.keywords
            return node
    return Inline().visit(fn)


# --- the fence: refuse what we cannot differentiate, with the user's line -------------------

def fence(fn: gast.FunctionDef, env: Environment) -> None:
    args = fn.args
    if args.vararg or args.kwarg or args.kwonlyargs or args.posonlyargs:
        raise error(fn, env, "`*args`, `**kwargs` or keyword-only parameter",
                    "use plain positional parameters")
    check_walrus(fn, env)
    for node in walk(fn):
        if node is fn:
            continue
        kind = type(node)
        if kind is gast.With and not _transparent(node, env):
            raise error(node, env, "`with` block", "move the `with` outside the differentiated "
                        "function (only `with np.errstate(...)` is allowed inside)")
        if kind in _REFUSED:
            what, hint = _REFUSED[kind]
            raise error(node, env, what, hint)
        if kind is gast.Constant and isinstance(node.value, complex):
            raise error(node, env, "complex constant", "sourcead differentiates real values "
                        "only: keep the real and imaginary parts in separate float variables")
        if kind in (gast.For, gast.While) and node.orelse:
            raise error(node, env, "`else` clause of a loop", "set a flag before `break` instead")


_COMPREHENSIONS = (gast.ListComp, gast.SetComp, gast.DictComp, gast.GeneratorExp)


def check_walrus(fn: gast.FunctionDef, env: Environment) -> None:
    """``(y := v)`` becomes ``y = v`` just before its statement. That is the same program
    unless the statement read ``y`` before the walrus ran, or it sits in a comprehension."""
    for stmt in _walk_stmts(fn.body):
        parts = [v for f, v in gast.iter_fields(stmt) if f not in ("body", "orelse")]
        nodes = [n for part in parts for item in (part if isinstance(part, list) else [part])
                 if isinstance(item, gast.AST) for n in walk(item)]
        for comp in (n for n in nodes if isinstance(n, _COMPREHENSIONS)):
            for inner in walk(comp):
                if isinstance(inner, gast.NamedExpr):
                    raise error(inner, env, "assignment expression `:=` in a comprehension",
                                "write the loop out, assigning the value in its own statement")
        for walrus in (n for n in nodes if isinstance(n, gast.NamedExpr)):
            own = {id(n) for n in walk(walrus)}
            where = (walrus.lineno, walrus.col_offset)
            for n in nodes:
                if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load) \
                        and n.id == walrus.target.id and id(n) not in own \
                        and (n.lineno, n.col_offset) < where:
                    raise error(walrus, env, f"assignment expression `:=` to `{n.id}`, which "
                                "the same statement reads before it",
                                f"assign `{n.id}` in its own statement first")


# --- statement-level desugaring ----------------------------------------------------------------

def desugar_block(stmts: list[gast.stmt], env: Environment, namer: Namer) -> list[gast.stmt]:
    out: list[gast.stmt] = []
    for s in stmts:
        out.extend(_located(desugar_stmt(s, env, namer), s))
    return out


def desugar_stmt(s: gast.stmt, env: Environment, namer: Namer) -> list[gast.stmt]:
    if isinstance(s, gast.Expr):
        if _is_stack_pop(s.value):  # `t.pop()` for its effect: the value goes to a throwaway
            return [assign(namer.fresh("popped"), s.value)]
        return desugar_expr_stmt(s, env)
    if isinstance(s, gast.Pass):
        return []
    if isinstance(s, gast.With):  # only transparent ones pass the fence: keep the body
        return desugar_block(s.body, env, namer)
    if isinstance(s, gast.AugAssign):
        _check_target(s.target, env)
        value = gast.BinOp(left=_load(s.target), op=s.op, right=s.value)
        return [gast.Assign(targets=[s.target], value=value, type_comment=None)]
    if isinstance(s, gast.AnnAssign):
        return [] if s.value is None else desugar_stmt(
            gast.Assign(targets=[s.target], value=s.value, type_comment=None), env, namer)
    if isinstance(s, gast.Assign):
        return desugar_assign(s, env, namer)
    for field_name in ("body", "orelse"):
        if hasattr(s, field_name):
            setattr(s, field_name, desugar_block(getattr(s, field_name), env, namer))
    return [s]


def desugar_expr_stmt(s: gast.Expr, env: Environment) -> list[gast.stmt]:
    if isinstance(s.value, gast.Constant):  # a docstring or a bare constant does nothing
        return []
    if isinstance(s.value, gast.Call) and env.resolve(s.value.func) is builtins.print:
        return [s]
    if _is_stack_push(s.value):  # `tape.append(v)`: a list used as a stack (see analyze)
        return [s]
    raise error(s, env, "statement whose value is discarded",
                "a call used only for its side effect may change state sourcead cannot see; "
                "assign its result, or move it outside the differentiated function")


def desugar_assign(s: gast.Assign, env: Environment, namer: Namer) -> list[gast.stmt]:
    if len(s.targets) > 1:  # a = b = v
        first = s.targets[-1]
        rest = [gast.Assign(targets=[t], value=_load(first), type_comment=None) for t in s.targets[:-1]]
        return desugar_assign(gast.Assign(targets=[first], value=s.value, type_comment=None),
                              env, namer) + [x for r in rest for x in desugar_assign(r, env, namer)]
    target = s.targets[0]
    if isinstance(target, (gast.Tuple, gast.List)):
        return unpack(target, s.value, env, namer)
    _check_target(target, env)
    return [s]


def unpack(target: gast.Tuple, value: gast.expr, env: Environment, namer: Namer) -> list[gast.stmt]:
    """``a, b = x, y`` assigns element-wise; ``a, b = v`` indexes ``v``."""
    for elt in target.elts:
        if not isinstance(elt, gast.Name):
            raise error(target, env, "nested or starred unpacking target", "unpack step by step")
    targets = [t.id for t in target.elts]
    if isinstance(value, (gast.Tuple, gast.List)) and len(value.elts) == len(targets):
        if not names_in(value) & set(targets):
            return [assign(t, v) for t, v in zip(targets, value.elts)]
        temps = [namer.fresh(f"{t}_new") for t in targets]
        return ([assign(tmp, v) for tmp, v in zip(temps, value.elts)]
                + [assign(t, name(tmp)) for t, tmp in zip(targets, temps)])
    source = value if isinstance(value, gast.Name) and value.id not in targets else None
    pre = []
    if source is None:
        packed = namer.fresh("_".join(targets))
        pre, source = [assign(packed, value)], name(packed)
    return pre + [assign(t, gast.Subscript(value=copy.deepcopy(source), slice=const(k), ctx=gast.Load()))
                  for k, t in enumerate(targets)]


def check_stacks(body: list[gast.stmt], env: Environment, params: set[str] = frozenset()) -> None:
    """A list that is appended to is made in this function and never aliased: it is bound
    to ``[]``, a list literal or a call's result, and otherwise only read (indexed, measured,
    iterated, summed, passed on, returned). Its adjoint then mirrors it element by element."""
    module = gast.Module(body=body, type_ignores=[])
    stacks = {n.value.func.value.id for n in walk(module)
              if isinstance(n, gast.Expr) and (_is_stack_push(n.value) or _is_stack_pop(n.value))}
    stacks |= {n.value.func.value.id for n in walk(module)
               if isinstance(n, gast.Assign) and _is_stack_pop(n.value)}
    generated = env.filename.startswith("<sourcead")
    for n in walk(module):
        if isinstance(n, gast.Attribute) and isinstance(n.value, gast.Name) and n.value.id in params \
                and n.attr in ("append", "pop") and not generated:
            raise error(n, env, "change to a list argument", "a derivative cannot see changes "
                        "to its arguments: build a new list (`ys = [v for v in xs]`), append "
                        "to it and return it")
        if generated:  # generated code hands adjoint lists on by name
            continue
        if isinstance(n, gast.Assign) and isinstance(n.targets[0], gast.Name) \
                and n.targets[0].id in stacks and not isinstance(n.value, (gast.List, gast.Call)):
            raise error(n, env, "list bound to another name's list",
                        "lists that are appended to must be made here (`xs = []`, a list "
                        "literal or comprehension): two names for one list are not supported")
        if isinstance(n, gast.Assign) and isinstance(n.value, gast.Name) and n.value.id in stacks:
            raise error(n, env, "second name for a list",
                        "use the list's own name (two names for one list are not supported)")
        if isinstance(n, gast.Call) and _is_stack_push(n) and isinstance(n.args[0], gast.Name) \
                and n.args[0].id in stacks:
            raise error(n, env, "list appended to a list",
                        "append a tuple of its values, or build the nested list with a literal")


_TRANSPARENT_CONTEXTS = ("errstate",)


def _transparent(node: gast.With, env: Environment) -> bool:
    """Context managers that change no values (``np.errstate``): their body is inlined."""
    import numpy as np
    return all(isinstance(item.context_expr, gast.Call) and item.optional_vars is None
               and env.resolve(item.context_expr.func) is np.errstate for item in node.items)


def _is_stack_pop(call: gast.expr) -> bool:
    return (isinstance(call, gast.Call) and isinstance(call.func, gast.Attribute)
            and call.func.attr == "pop" and isinstance(call.func.value, gast.Name)
            and not call.args and not call.keywords)


def _is_stack_push(call: gast.expr) -> bool:
    return (isinstance(call, gast.Call) and isinstance(call.func, gast.Attribute)
            and call.func.attr == "append" and isinstance(call.func.value, gast.Name)
            and len(call.args) == 1 and not call.keywords)


def _check_target(target: gast.expr, env: Environment) -> None:
    if isinstance(target, gast.Subscript) and isinstance(target.value, gast.Name):
        return  # a write into an array: see check_writes
    if isinstance(target, gast.Subscript):
        raise error(target, env, "write through a nested subscript (`a[i][j] = v`)",
                    "index once: `a[i, j] = v`")
    if isinstance(target, gast.Attribute):
        raise error(target, env, "write into an attribute (`obj.x = v`)",
                    "writes into attributes are not supported; "
                    "build a new value instead, or keep it in a local variable")
    if not isinstance(target, gast.Name):
        raise error(target, env, f"assignment to this target ({type(target).__name__})",
                    "assign to a plain name")


# --- writes into arrays ----------------------------------------------------------------------
# ``a[i] = v`` mutates ``a`` in place. The analyses see it as the value ``a = with_item(a, i, v)``;
# that is exact as long as no other name shares ``a``'s memory, which the checks below ensure
# (a view *read* from ``a``, like ``row = a[0]``, is fine unless it is used after a later write
# that may touch it: ``StaleViews``). Generated code writes in place and restores the
# overwritten elements from the tape in the adjoint sweep.

WRITE = "with_item"

# sources that may share memory with something else: writing into them would change it too
_VIEWS = {"reshape", "ravel", "transpose", "squeeze", "expand_dims", "broadcast_to", "swapaxes",
          "moveaxis", "asarray", "asanyarray", "atleast_1d", "atleast_2d", "atleast_3d",
          "diagonal", "flip", "fliplr", "flipud", "rot90", "view", "real", "imag", "T"}


def written_arrays(body: list[gast.stmt]) -> set[str]:
    return {n.targets[0].value.id for n in walk(gast.Module(body=body, type_ignores=[]))
            if isinstance(n, gast.Assign) and isinstance(n.targets[0], gast.Subscript)}


def check_writes(fn: gast.FunctionDef, body: list[gast.stmt], env: Environment) -> list[gast.stmt]:
    """Refuse writes into arrays that may share memory at that point; copy written parameters,
    so the caller's arrays are never changed. Returns the copies to put first."""
    written = written_arrays(body)
    if not written:
        return []
    own_helper(WRITE, fn, env, "writes into arrays")
    params = [a.id for a in fn.args.args]
    defined = params + [n.id for n in walk(gast.Module(body=body, type_ignores=[]))
                        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)]
    for n in walk(gast.Module(body=body, type_ignores=[])):
        if isinstance(n, gast.Assign) and isinstance(n.targets[0], gast.Subscript) \
                and n.targets[0].value.id not in defined:
            raise error(n, env, f"write into `{n.targets[0].value.id}`, which is not a local "
                        "variable", "copy it into a local array first: "
                        f"`{n.targets[0].value.id} = {n.targets[0].value.id}.copy()`")
    first_write = {}
    for n in walk(gast.Module(body=body, type_ignores=[])):
        if isinstance(n, gast.Assign) and isinstance(n.targets[0], gast.Subscript):
            first_write.setdefault(n.targets[0].value.id, n)
    for n in walk(gast.Module(body=body, type_ignores=[])):
        if isinstance(n, gast.Assign) and isinstance(n.targets[0], gast.Name) \
                and n.targets[0].id in written and isinstance(n.value, _CONTAINER_SYNTAX):
            raise refused_container_write(first_write[n.targets[0].id], env, n.targets[0].id)
    SharingScan(env, written).scan(body)
    # the copy carries the line of the first write, which is what an error about it concerns
    return [_located([assign(p, _method_call(p, "copy"))], first_write[p])[0]
            for p in params if p in written]


_CONTAINER_SYNTAX = (gast.Dict, gast.List, gast.Tuple, gast.DictComp, gast.ListComp)


def refused_container_write(node: gast.AST, env: Environment, container: str):
    return error(node, env, f"write into the list, tuple or dict `{container}`",
                 "build a new one instead (a literal, a comprehension, or appends to a new "
                 "list); writes are supported into NumPy arrays")


@dataclass
class SharingScan:
    """Follows, statement by statement, which written arrays may share memory with another
    name (``shared``: array -> the statement that made it so); a write into one is refused.
    Loops are scanned twice, so what an iteration leaves reaches the next one."""
    env: Environment
    written: set[str]
    handed_over: set[int] = field(default_factory=set)  # pushes right before a rebinding
    immutable: set[str] = field(default_factory=set)    # names known to hold numbers
    holding: set[str] = field(default_factory=set)      # stacks that may share what they hold

    def scan(self, body: list[gast.stmt]) -> None:
        """A push the pushed name is rebound right after (or that ends the function) hands
        the array over to the stack: what is later popped from it shares nothing. (A tape
        records a value just before the statement that overwrites it.)"""
        for stmts in _blocks(body):
            for k, st in enumerate(stmts):
                if not (isinstance(st, gast.Expr) and _is_stack_push(st.value)):
                    continue
                stack, pushed = st.value.func.value.id, st.value.args[0]
                rest = stmts[k + 1:]
                handed = isinstance(pushed, gast.Name) and (
                    (rest and isinstance(rest[0], gast.Assign) and isinstance(rest[0].targets[0], gast.Name)
                     and rest[0].targets[0].id == pushed.id)
                    or all(isinstance(r, gast.Return) or (isinstance(r, gast.Expr) and _is_stack_push(r.value))
                           for r in rest))
                if handed or not isinstance(pushed, gast.Name):
                    self.handed_over.add(id(st))
                else:
                    self.holding.add(stack)
        self.block(body, {})

    def block(self, stmts: list[gast.stmt], shared: dict) -> dict:
        for s in stmts:
            shared = self.stmt(s, shared)
        return shared

    # ``shared``: array -> {name that holds it too: the statement that made it so}
    @staticmethod
    def cause(shared: dict, array: str):
        holders = shared.get(array)
        return next(iter(holders.values())) if holders else None

    @staticmethod
    def merged(a: dict, b: dict) -> dict:
        return {k: {**a.get(k, {}), **b.get(k, {})} for k in set(a) | set(b)}

    @staticmethod
    def rebound(shared: dict, name_: str) -> dict:
        """``name_`` gets a new value: it holds nothing any more, and nothing holds it."""
        out = {k: {h: c for h, c in v.items() if h != name_} for k, v in shared.items() if k != name_}
        return {k: v for k, v in out.items() if v}

    def assigned(self, shared: dict, target: str, value: gast.expr, s: gast.stmt) -> dict:
        shared = self.rebound(shared, target)
        for v in self.held(value) - {target}:
            shared = {**shared, v: {**shared.get(v, {}), target: s}}
        popped = _is_stack_pop(value) and value.func.value.id not in self.holding
        number = isinstance(value, gast.Name) and value.id in self.immutable
        if target in self.written and _may_share_memory(value, self.env) and not (popped or number):
            shared[target] = {_partner(value): s}
        return shared

    def stmt(self, s: gast.stmt, shared: dict) -> dict:
        if isinstance(s, gast.If):
            return self.merged(self.block(s.body, dict(shared)), self.block(s.orelse, dict(shared)))
        if isinstance(s, (gast.For, gast.While)):
            once = self.merged(shared, self.block(s.body, dict(shared)))
            return self.merged(once, self.block(s.body, dict(once)))
        if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Subscript):
            array = s.targets[0].value.id
            cause = self.cause(shared, array)
            if cause is not None:
                raise error(cause, self.env, f"write into `{array}`, which may share memory "
                            "with another array here",
                            f"give `{array}` its own memory: `... = (...).copy()` (written "
                            f"into on line {getattr(s, 'lineno', '?')})")
            return shared
        if id(s) in self.handed_over:
            return shared
        if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name):
            return self.assigned(shared, s.targets[0].id, s.value, s)
        if isinstance(s, gast.Expr) and _is_stack_push(s.value):  # the stack holds it now
            stack = s.value.func.value.id
            for v in self.held(s.value.args[0]):
                shared = {**shared, v: {**shared.get(v, {}), stack: s}}
        return shared

    def held(self, value: gast.expr) -> set[str]:
        """Written arrays the value of ``value`` may hold or view as a whole (``a``, ``a.T``,
        ``(a, b)``, ``f(a)`` for a function of yours). Views of parts (``a[0]``) are allowed."""
        if isinstance(value, gast.Name):
            return {value.id} & self.written - self.immutable
        if isinstance(value, gast.Attribute):
            return self.held(value.value) if value.attr in _VIEWS else set()
        if isinstance(value, (gast.Tuple, gast.List)):
            return set().union(*(self.held(e) for e in value.elts))
        if isinstance(value, gast.IfExp):
            return self.held(value.body) | self.held(value.orelse)
        if isinstance(value, gast.BoolOp):
            return set().union(*(self.held(v) for v in value.values))
        if isinstance(value, gast.Call) and _may_share_memory(value, self.env):
            parts = list(value.args) + [k.value for k in value.keywords]
            if _data_first(value, self.env):  # sourcead's helpers: the rest give shapes
                parts = parts[:1]
            if isinstance(value.func, gast.Attribute):
                parts.append(value.func.value)
            return set().union(*(self.held(p) for p in parts))
        if isinstance(value, gast.Call) and _is_stack_push(value):
            return self.held(value.args[0])  # the stack now holds the array itself
        return set()


def refuse_shared_augmented(parsed: Parsed, kinds: Mapping[str, Any]) -> None:
    """``y *= v`` on an array changes it in place, where ``y = y * v`` (what it becomes) makes
    a new one: the same unless another name holds ``y`` (``z = y``, ``[y]``, a view), which
    sees the change. Refused there when ``y`` may be an array (``kinds``: the analysis' kinds
    of the normalized function, where ``y`` keeps its name or gets a suffix)."""
    body = parsed.tree.body
    targets = {n.target.id for n in walk(gast.Module(body=body, type_ignores=[]))
               if isinstance(n, gast.AugAssign) and isinstance(n.target, gast.Name)}
    if not targets:
        return
    names = {n.id for n in name_nodes(gast.Module(body=body, type_ignores=[]))}
    numbers = {y for y in names
               if all(k.tag in ("int", "scalar", "none") for v, k in kinds.items()
                      if v == y or re.fullmatch(re.escape(y) + r"_\d+", v))}
    if targets - numbers:  # a number is never changed in place, nor shares memory
        AugmentedScan(parsed.env, targets - numbers, immutable=numbers).scan(body)


class AugmentedScan(SharingScan):
    """The sharing scan, with ``y op= v`` on a name as the write into ``y``."""

    def stmt(self, s: gast.stmt, shared: dict) -> dict:
        if isinstance(s, gast.AugAssign) and isinstance(s.target, gast.Name):
            y, op = s.target.id, _OPERATOR_TEXT.get(type(s.op), "op")
            cause = self.cause(shared, y)
            if cause is not None:
                raise error(s, self.env, f"`{y} {op}= ...` on a value another name holds "
                            f"(line {getattr(cause, 'lineno', '?')})",
                            f"on an array `{y} {op}= ...` changes it in place, so the other "
                            f"name changes too: write `{y} = {y} {op} ...` for a new array, or "
                            "take the other name's value with `.copy()`")
            return shared
        if isinstance(s, gast.AugAssign):
            return shared
        if isinstance(s, gast.Assign) and isinstance(s.targets[0], (gast.Tuple, gast.List)):
            # `a, b = y, y` (not desugared yet): each target may hold what its value holds
            target, value = s.targets[0], s.value
            if isinstance(value, (gast.Tuple, gast.List)) and len(value.elts) == len(target.elts):
                pairs = list(zip(target.elts, value.elts))  # `y, z = x * 1.0, x * 1.0`
            else:
                pairs = [(n, value) for n in walk(target)]
            for t, v in pairs:
                if isinstance(t, gast.Name):
                    shared = self.assigned(shared, t.id, v, s)
            return shared
        if isinstance(s, gast.Assign) and not isinstance(s.targets[0], (gast.Name, gast.Subscript)):
            return shared
        return super().stmt(s, shared)


class StaleViews:
    """``row = A[0]`` is a NumPy view: a later write into ``A[0]`` changes ``row`` too, where
    the analyses (which see the write as a new value of ``A``) keep ``row`` as it was read.
    Reading such a view after a write that may touch its elements is refused: the derivative
    would be silently wrong. Run on the normalized function with its kinds; writes are
    ``A = with_item(A, i, v)`` there. Loops are scanned twice, so what an iteration leaves
    reaches the next one."""

    def __init__(self, env: Environment, kinds: Mapping[str, Any], written: set[str],
                 user_names: set[str]):
        self.env, self.kinds, self.written, self.user_names = env, kinds, written, user_names

    # state: (views: name -> (array, its index, the read), stale: name -> (view read, write))
    def block(self, stmts: list[gast.stmt], state: tuple) -> tuple:
        for s in stmts:
            state = self.stmt(s, state)
        return state

    @staticmethod
    def merged(a: tuple, b: tuple) -> tuple:
        return {**a[0], **b[0]}, {**a[1], **b[1]}

    def stmt(self, s: gast.stmt, state: tuple) -> tuple:
        if isinstance(s, gast.If):
            self.check_reads(s.test, state)
            return self.merged(self.block(s.body, state), self.block(s.orelse, state))
        if isinstance(s, (gast.For, gast.While)):
            self.check_reads(s.iter if isinstance(s, gast.For) else s.test, state)
            if isinstance(s, gast.For):
                state = self.rebound(state, s.target.id)
            once = self.merged(state, self.block(s.body, state))
            return self.merged(once, self.block(s.body, once))
        self.check_reads(s.value if isinstance(s, gast.Assign) else s, state)
        if not (isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)):
            return state
        target, value = s.targets[0].id, s.value
        if is_write(s):
            return self.written_into(state, target, value.args[1], s)
        views, stale = self.rebound(state, target)
        found = self.view_of(value, views)
        if found is not None:
            views[target] = (found[0], found[1], s)
        return views, stale

    def check_reads(self, node: gast.AST, state: tuple) -> None:
        for n in name_nodes(node):
            if n.id in state[1] and n.ctx.__class__ is gast.Load:
                read, write = state[1][n.id]
                array, view = write.targets[0].id, _unsuffixed(n.id, self.user_names)
                raise error(node, self.env, f"use of `{view}`, a view of `{array}` (read on "
                            f"line {getattr(read, 'lineno', '?')}), after a write into `{array}` "
                            f"(line {getattr(write, 'lineno', '?')})",
                            f"NumPy changes `{view}` too, so it no longer holds what was read; "
                            f"copy it when you read it (`{view} = {_text(read.value)}.copy()`), "
                            "or read it again after the write")

    @staticmethod
    def rebound(state: tuple, target: str) -> tuple:
        """``target`` holds a new value: it views nothing, and what viewed it views nothing
        that a write into the new ``target`` could change."""
        views = {v: seen for v, seen in state[0].items() if v != target and seen[0] != target}
        stale = {v: why for v, why in state[1].items() if v in views}
        return views, stale

    def written_into(self, state: tuple, array: str, index: gast.expr, s: gast.stmt) -> tuple:
        stale = dict(state[1])
        for v, (base, viewed, read) in state[0].items():
            if base == array and v not in stale and not _disjoint(viewed, index):
                stale[v] = (read, s)
        return state[0], stale

    def view_of(self, value: gast.expr, views: dict):
        """``(array, index)`` when ``value`` may be a view of a written array."""
        if isinstance(value, gast.Name):
            return views.get(value.id)
        if isinstance(value, gast.Attribute) and value.attr in _VIEWS:
            return self.view_of(value.value, views)
        if isinstance(value, gast.Call) and isinstance(value.func, gast.Attribute) \
                and value.func.attr in _VIEWS:
            return self.view_of(value.func.value, views)
        if not (isinstance(value, gast.Subscript) and isinstance(value.value, gast.Name)):
            return None
        base = value.value.id
        root = views[base][:2] if base in views else (base, value.slice) \
            if base in self.written else None
        return root if root is not None and self.is_view(base, value.slice) else None

    def is_view(self, base: str, index: gast.expr) -> bool:
        """Basic indexing gives a view unless it picks a single element; an index array or a
        mask (advanced indexing) gives a copy."""
        kind = self.kinds.get(base)
        if kind is not None and kind.tag in ("int", "scalar", "none"):
            return False
        parts = index.elts if isinstance(index, gast.Tuple) else [index]
        numbers = 0
        for part in parts:
            if isinstance(part, gast.Slice) or (isinstance(part, gast.Constant) and (
                    part.value is None or part.value is Ellipsis)):
                return True
            if isinstance(part, gast.Constant) and isinstance(part.value, int):
                numbers += 1
                continue
            part_kind = self.kinds.get(part.id) if isinstance(part, gast.Name) else None
            if part_kind is not None and part_kind.tag == "int":
                numbers += 1
                continue
            if part_kind is not None and part_kind.tag == "array":
                return False   # an index array or a mask: a copy
            return True        # not known: may be a view
        dims = getattr(kind, "dims", None)
        return dims is None or len(dims) > numbers


def _unsuffixed(var: str, user_names: set[str]) -> str:
    """The user's name for a value normalize renamed (``row_1`` -> ``row``)."""
    plain = re.sub(r"_\d+$", "", var)
    return var if var in user_names or plain not in user_names else plain


def _text(node: gast.expr) -> str:
    import astor
    return astor.to_source(gast.gast_to_ast(node)).strip()


def _disjoint(viewed: gast.expr, written: gast.expr) -> bool:
    """Two indices that surely pick different rows: distinct constants of the same sign."""
    first = [i.elts[0] if isinstance(i, gast.Tuple) and i.elts else i for i in (viewed, written)]
    if all(isinstance(i, gast.Constant) and type(i.value) is int for i in first):
        a, b = first[0].value, first[1].value
        return a != b and (a < 0) == (b < 0)
    return False


def refuse_stale_views(core: gast.FunctionDef, kinds: Mapping[str, Any], parsed: Parsed) -> None:
    """See ``StaleViews``; generated code is exempt: its adjoint sweep reads a view only once
    the tape has put back every element written since."""
    if parsed.env.filename.startswith("<sourcead"):
        return
    written = {s.targets[0].id for s in walk(core) if is_write(s)}
    if written:
        StaleViews(parsed.env, kinds, written, names_in(parsed.tree)).block(core.body, ({}, {}))


_OPERATOR_TEXT = {gast.Add: "+", gast.Sub: "-", gast.Mult: "*", gast.Div: "/", gast.Pow: "**",
                  gast.MatMult: "@", gast.FloorDiv: "//", gast.Mod: "%"}


def refuse_dict_iteration(parsed: Parsed, kinds) -> None:
    """``for k in d`` becomes a loop over positions (``d[0]``, ``d[1]``, ...), right for
    sequences and arrays but not for a dict, whose iteration yields keys: refused there."""
    fn, env = parsed.tree, parsed.env
    dicts = {n.targets[0].id for n in walk(fn) if isinstance(n, gast.Assign)
             and isinstance(n.targets[0], gast.Name) and isinstance(n.value, (gast.Dict, gast.DictComp))}
    for n in walk(fn):
        if isinstance(n, gast.For) and isinstance(n.iter, gast.Name):
            kind = kinds.get(n.iter.id)
            structure = getattr(kind, "structure", None)
            if n.iter.id in dicts or (structure is not None and structure[0] == "dict"):
                raise error(n, env, f"loop over the dict `{n.iter.id}`",
                            f"loop over `{n.iter.id}.keys()` or `{n.iter.id}.items()`")


def refuse_parameter_writes(parsed: Parsed) -> None:
    """A called function that writes into its parameter changes the caller's array: sourcead
    copies a differentiated function's written parameters, so it refuses that in callees."""
    fn, env = parsed.tree, parsed.env
    rebound = {n.id for n in name_nodes(fn) if n.ctx.__class__ is gast.Store}
    params = {a.id for a in fn.args.args} - rebound  # `p = p.copy()` first is fine
    for n in walk(fn):
        if isinstance(n, gast.Assign) and isinstance(n.targets[0], gast.Subscript) \
                and isinstance(n.targets[0].value, gast.Name) and n.targets[0].value.id in params:
            p = n.targets[0].value.id
            raise error(n, env, f"write into the parameter `{p}` of a called function",
                        f"the caller's array would change; copy it first (`{p} = {p}.copy()`) "
                        "and return the result")


def _partner(value: gast.expr) -> str:
    """Who else may hold the memory of ``value``: a local it views (``x`` of ``x[1:]``, ``x.T``),
    released when that name is rebound, or "?" (a function's result, a global) for good."""
    while isinstance(value, gast.Subscript) or (isinstance(value, gast.Attribute)
                                                and value.attr in _VIEWS):
        value = value.value
    return value.id if isinstance(value, gast.Name) else "?"


def _blocks(body: list[gast.stmt]):
    """Every statement list: the body and, at any depth, those of ifs and loops."""
    yield body
    for st in body:
        for field_name in ("body", "orelse"):
            if isinstance(getattr(st, field_name, None), list):
                yield from _blocks(getattr(st, field_name))


def _data_first(call: gast.Call, env: Environment) -> bool:
    """sourcead's own helpers return (a part of) their first argument at most; the other
    arguments only give shapes or indices (``unbroadcast(g, x)``, ``item(g, i)``)."""
    from .runtime import HELPERS
    found = env.resolve(call.func)
    return any(found is f for n, f in HELPERS.items() if n != "with_component")


def _may_share_memory(value: gast.expr, env: Environment) -> bool:
    """Whether ``value`` may be (a view of) an array some other name holds."""
    if isinstance(value, (gast.Name, gast.Subscript, gast.Attribute)):
        return True
    if isinstance(value, gast.IfExp):
        return _may_share_memory(value.body, env) or _may_share_memory(value.orelse, env)
    if isinstance(value, gast.BoolOp):
        return any(_may_share_memory(v, env) for v in value.values)
    if _is_stack_pop(value) and env.filename.startswith("<sourcead"):
        return False  # an adjoint sweep's tape held the array a callee's sweep left it, alone
    if isinstance(value, gast.Call):
        func = value.func
        attr = func.attr if isinstance(func, gast.Attribute) else func.id if isinstance(
            func, gast.Name) else ""
        if attr in _VIEWS:
            return True
        from .parse import is_code  # a user function may return an argument or a global
        from .rules.tables import METHODS
        from .runtime import FRESH, HELPERS
        found = env.resolve(func)
        if any(found is HELPERS[h] for h in FRESH):
            return False
        if found is MISSING_VALUE:  # a method: NumPy's make new arrays, others may not
            return not (isinstance(func, gast.Attribute) and func.attr in METHODS)
        return is_code(found)
    return False


def _method_call(obj: str, method: str) -> gast.Call:
    return gast.Call(func=gast.Attribute(value=name(obj), attr=method, ctx=gast.Load()),
                     args=[], keywords=[])


def own_helper(ident: str, node: gast.AST, env: Environment, use: str) -> None:
    """Normalize writes some constructs with sourcead's helpers (``with_item``, ``keys_of``,
    ``with_key``); a name of yours that is spelled the same would be called instead."""
    from . import runtime
    if env.lookup(ident) is not runtime.HELPERS[ident]:
        raise error(node, env, f"name `{ident}` of yours", f"rename your `{ident}`: sourcead "
                    f"uses the name for {use}")


def _load(node: gast.expr) -> gast.expr:
    node = copy.deepcopy(node)
    node.ctx = gast.Load()
    return node


def _located(stmts: list[gast.stmt], origin: gast.AST) -> list[gast.stmt]:
    """Give generated statements (recursively) the user's line when they have none."""
    for s in stmts:
        for node in walk(s):
            if getattr(node, "lineno", None) is None and hasattr(origin, "lineno"):
                node.lineno = origin.lineno
                node.col_offset = getattr(origin, "col_offset", 0)
    return stmts


# --- jumps become flags ----------------------------------------------------------------------

@dataclass
class Loop:
    skip: str | None = None    # set by continue/break/return: stop this iteration
    broke: str | None = None   # set by break/return: leave the loop

    @property
    def guard(self) -> str | None:
        return self.skip or self.broke


@dataclass
class JumpEliminator:
    """Replace break/continue/early return by flags so that every block runs to its end."""
    namer: Namer
    env: Environment
    returned: str | None = None
    result: str = RESULT
    loops: list[Loop] = field(default_factory=list)

    def function_body(self, body: list[gast.stmt]) -> list[gast.stmt]:
        returns = [n for n in _walk_stmts(body) if isinstance(n, gast.Return)]
        if not returns:
            raise UnsupportedSyntaxError("the function returns nothing to differentiate",
                                         filename=self.env.filename,
                                         lineno=body[0].lineno if body else None,
                                         construct="missing `return`", hint="return the value")
        if len(returns) == 1 and body[-1] is returns[0]:
            return self.block(body, guard=None)
        self.result = self.namer.fresh(RESULT)
        self.returned = self.namer.fresh("returned")
        init = [assign(self.returned, const(False)), assign(self.result, const(None))]
        new = self.block(body, guard=self.returned) + [gast.Return(value=name(self.result))]
        return _located(init, body[0]) + new

    def block(self, stmts: list[gast.stmt], guard: str | None) -> list[gast.stmt]:
        out: list[gast.stmt] = []
        for k, s in enumerate(stmts):
            new, jumps = self.stmt(s)
            out.extend(_located(new, s))
            if jumps == "always":
                return out
            if jumps == "maybe" and k + 1 < len(stmts):
                rest = self.block(stmts[k + 1:], guard)
                test = gast.UnaryOp(op=gast.Not(), operand=name(guard))
                out.append(_located([gast.If(test=test, body=rest, orelse=[])], stmts[k + 1])[0])
                return out
        return out

    def stmt(self, s: gast.stmt) -> tuple[list[gast.stmt], str]:
        """The rewritten statement and whether it jumps: 'never', 'maybe' or 'always'."""
        if isinstance(s, gast.Return):
            return self.early_return(s), "always"
        if isinstance(s, (gast.Break, gast.Continue)):
            if not self.loops:
                raise error(s, self.env, "`break` outside a loop", "remove it")
            loop = self.loops[-1]
            sets = [loop.skip] + ([loop.broke] if isinstance(s, gast.Break) else [])
            return [assign(f, const(True)) for f in sets if f], "always"
        if isinstance(s, gast.If):
            guard = self.loops[-1].guard if self.loops else self.returned
            jumps = _jumps_in(s.body + s.orelse, self.returned is not None)  # before rewriting
            body, orelse = self.block(s.body, guard), self.block(s.orelse, guard)
            return [gast.If(test=s.test, body=body, orelse=orelse)], "maybe" if jumps else "never"
        if isinstance(s, (gast.For, gast.While)):
            return self.loop(s)
        return [s], "never"

    def early_return(self, s: gast.Return) -> list[gast.stmt]:
        if self.returned is None:  # the single final return
            return [s]
        value = s.value if s.value is not None else const(None)
        sets = [assign(self.result, value), assign(self.returned, const(True))]
        for loop in self.loops:
            sets += [assign(f, const(True)) for f in (loop.skip, loop.broke) if f]
        return sets

    def loop(self, s: gast.For | gast.While) -> tuple[list[gast.stmt], str]:
        direct = list(_direct_jumps(s.body))
        has_return = any(isinstance(j, gast.Return) for j in _walk_stmts(s.body))
        loop = Loop()
        if any(isinstance(j, gast.Continue) for j in direct):
            loop.skip = self.namer.fresh("skip")
        if has_return or any(isinstance(j, gast.Break) for j in direct):
            loop.broke = self.namer.fresh("broke")
        self.loops.append(loop)
        body = self.block(s.body, loop.guard)
        self.loops.pop()
        pre: list[gast.stmt] = []
        if loop.skip:
            body = [assign(loop.skip, const(False))] + body
        if loop.broke:
            pre = [assign(loop.broke, const(False))]
            body = body + [gast.If(test=name(loop.broke), body=[gast.Break()], orelse=[])]
        s.body = _located(body, s)
        return _located(pre, s) + [s], "maybe" if has_return else "never"


def _walk_stmts(stmts: list[gast.stmt]):
    for s in stmts:
        yield s
        for field_name in ("body", "orelse"):
            yield from _walk_stmts(getattr(s, field_name, []) or [])


def _direct_jumps(stmts: list[gast.stmt]):
    """break/continue that belong to this loop (not to a nested one)."""
    for s in stmts:
        if isinstance(s, (gast.Break, gast.Continue)):
            yield s
        elif isinstance(s, gast.If):
            yield from _direct_jumps(s.body + s.orelse)


def _jumps_in(stmts: list[gast.stmt], function_has_flags: bool) -> bool:
    for s in _walk_stmts(stmts):
        if isinstance(s, gast.Return) and function_has_flags:
            return True
    return any(True for _ in _direct_jumps(stmts))


# --- flattening into one operation per statement (ANF) --------------------------------------------

def local_names(fn: gast.FunctionDef, body: list[gast.stmt]) -> set[str]:
    """Parameters and every name the body assigns: these are not globals."""
    params = {a.id for a in fn.args.args}
    stored = {n.id for n in walk(gast.Module(body=body, type_ignores=[]))
              if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)}
    return params | stored


class Flattener:
    """One operation per statement; nested operands get descriptive temporaries."""

    def __init__(self, namer: Namer, env: Environment, locals_: set[str]):
        self.namer, self.env, self.locals = namer, env, locals_

    def block(self, stmts: list[gast.stmt]) -> list[gast.stmt]:
        out: list[gast.stmt] = []
        for s in stmts:
            out.extend(_located(self.stmt(s), s))
        return out

    def stmt(self, s: gast.stmt) -> list[gast.stmt]:
        if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Subscript):
            return self.write(s)
        if isinstance(s, gast.Assign):
            target = s.targets[0].id
            if isinstance(s.value, (gast.IfExp, gast.BoolOp)):  # branches assign the target
                make = self.if_expression if isinstance(s.value, gast.IfExp) else self.bool_operation
                return make(s.value, target, into=target)[0]
            pre, value = self.operation(s.value, hint=target)
            return pre + [gast.Assign(targets=s.targets, value=value, type_comment=None)]
        if isinstance(s, gast.Return):
            pre, atom = self.atom(s.value if s.value is not None else const(None), RESULT)
            if not isinstance(atom, gast.Name):
                tmp = self.namer.fresh(RESULT)
                pre, atom = pre + [assign(tmp, atom)], name(tmp)
            return pre + [gast.Return(value=atom)]
        if isinstance(s, gast.If):
            pre, test = self.test(s.test)
            return pre + [gast.If(test=test, body=self.block(s.body), orelse=self.block(s.orelse))]
        if isinstance(s, gast.While):
            return self.while_loop(s)
        if isinstance(s, gast.For):
            return self.for_loop(s)
        if isinstance(s, gast.Expr):
            pre, call = self.operation(s.value, hint="t")
            return pre + [gast.Expr(value=call)]
        return [s]  # break

    def write(self, s: gast.Assign) -> list[gast.stmt]:
        """``a[i] = v`` -> ``a = with_item(a, i, v)``: the write as the value it makes."""
        target = s.targets[0]
        pre, index = self.index(target.slice)
        hint = describe(s.value)
        pre2, value = self.atom(s.value, hint if hint != "t" else f"{target.value.id}_new")
        call = gast.Call(func=name(WRITE), args=[name(target.value.id), index_value(index), value],
                         keywords=[])
        return pre + pre2 + [assign(target.value.id, call)]

    def test(self, node: gast.expr) -> tuple[list[gast.stmt], gast.expr]:
        """An if/while test becomes a name, or ``not name``."""
        if isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.Not):
            pre, inner = self.atom(node.operand, describe(node.operand))
            pre, inner = self._named(pre, inner, "cond")
            return pre, gast.UnaryOp(op=gast.Not(), operand=inner)
        pre, atom = self.atom(node, describe(node))
        return self._named(pre, atom, "cond")

    def _named(self, pre, atom, base):
        if isinstance(atom, gast.Name) and atom.id in self.locals:
            return pre, atom
        tmp = self.namer.fresh(base)
        return pre + [assign(tmp, atom)], name(tmp)

    def while_loop(self, s: gast.While) -> list[gast.stmt]:
        pre, test = self.test(s.test)
        if isinstance(test, gast.UnaryOp):  # `while not x:` keeps a plain name as its test
            tmp = self.namer.fresh("cond")
            pre, test = pre + [assign(tmp, test)], name(tmp)
        body = self.block(s.body)
        recompute = _located(copy.deepcopy(pre), s)
        if body and _is_break_trailer(body[-1]):
            flag = body[-1].test
            guarded = gast.If(test=gast.UnaryOp(op=gast.Not(), operand=copy.deepcopy(flag)),
                              body=recompute, orelse=[])
            body = body[:-1] + _located([guarded], s) + [body[-1]]
        else:
            body = body + recompute
        return pre + [gast.While(test=test, body=body, orelse=[])]

    def for_loop(self, s: gast.For) -> list[gast.stmt]:
        rewritten = self.iteration_helpers(s)
        if rewritten is not None:
            return self.block(rewritten)
        if not isinstance(s.target, gast.Name):
            raise error(s, self.env, "loop over several targets", "unpack inside the loop body")
        if any(isinstance(n, gast.Name) and n.id == s.target.id and isinstance(n.ctx, gast.Store)
               for b in s.body for n in walk(b)):
            raise error(s, self.env, "assignment to the loop variable inside the loop",
                        "use another name for the new value")
        it = s.iter
        if self.range_like(it):
            pre, rng = self.range_atoms(it)
            return pre + [gast.For(target=s.target, iter=rng, body=self.block(s.body),
                                   orelse=[], type_comment=None)]
        pre, seq = self.atom(it, describe(it))
        pre, seq = self._named(pre, seq, "seq")
        index = self.namer.fresh("i" if s.target.id != "i" else "k")
        element = assign(s.target.id, gast.Subscript(value=copy.deepcopy(seq), slice=name(index),
                                                     ctx=gast.Load()))
        rng = gast.Call(func=name("range"), args=[gast.Call(func=name("len"), args=[seq],
                                                            keywords=[])], keywords=[])
        len_tmp = self.namer.fresh(f"len_{seq.id}")
        pre = pre + [assign(len_tmp, rng.args[0])]
        rng.args = [name(len_tmp)]
        body = _located([element], s) + self.block(s.body)
        return pre + [gast.For(target=name(index, store=True), iter=rng, body=body, orelse=[],
                               type_comment=None)]

    def iteration_helpers(self, s: gast.For) -> list[gast.stmt] | None:
        """``enumerate``, ``zip`` and ``reversed`` become loops over indices."""
        it = s.iter
        if not (isinstance(it, gast.Call) and not it.keywords):
            return None
        helper = self.env.resolve(it.func)
        targets = s.target.elts if isinstance(s.target, gast.Tuple) else [s.target]
        if not all(isinstance(t, gast.Name) for t in targets):
            return None
        if helper is builtins.reversed and len(it.args) == 1 and isinstance(s.target, gast.Name):
            if self.range_like(it.args[0]):
                return [self._loop(s, s.target.id, _reverse(it.args[0]), [])]
            return self._indexed(s, [s.target.id], it.args, reverse=True)
        if helper is builtins.enumerate and len(it.args) == 1 and len(targets) == 2:
            return self._indexed(s, [targets[1].id], it.args, index=targets[0].id)
        if helper is builtins.zip and len(it.args) == len(targets) >= 2:
            return self._indexed(s, [t.id for t in targets], it.args)
        return None

    def _indexed(self, s: gast.For, names: list[str], sequences: list[gast.expr],
                 index: str | None = None, reverse: bool = False) -> list[gast.stmt]:
        """``for i in range(n): a = xs[i]; b = ys[i]; <body>`` (n the shortest length)."""
        index = index or self.namer.fresh("i")
        pre, seqs, backwards = [], [], []
        for seq in sequences:
            # ``zip(reversed(xs), ys)``: read ``xs`` from its end (an iterator has no len)
            backwards.append(reverse or self.reversed_call(seq))
            seq = seq.args[0] if self.reversed_call(seq) else seq
            if not isinstance(seq, gast.Name):
                tmp = self.namer.fresh(describe(seq) if describe(seq) != "t" else "seq")
                pre.append(_located([assign(tmp, seq)], s)[0])
                seq = name(tmp)
            seqs.append(seq)
        lengths = [gast.Call(func=name("len"), args=[copy.deepcopy(q)], keywords=[]) for q in seqs]
        count = lengths[0] if len(lengths) == 1 else gast.Call(func=name("min"), args=lengths,
                                                               keywords=[])
        rng = gast.Call(func=name("range"), args=[count], keywords=[])
        rng = _reverse(rng) if reverse else rng
        reads = [assign(n, gast.Subscript(value=copy.deepcopy(q), ctx=gast.Load(),
                                          slice=_from_end(q, index) if back and not reverse
                                          else name(index)))
                 for n, q, back in zip(names, seqs, backwards)]
        return pre + [self._loop(s, index, rng, _located(reads, s))]

    def reversed_call(self, node: gast.expr) -> bool:
        return (isinstance(node, gast.Call) and len(node.args) == 1 and not node.keywords
                and self.env.resolve(node.func) is builtins.reversed)

    @staticmethod
    def _loop(s: gast.For, target: str, iterable: gast.expr, first: list[gast.stmt]) -> gast.For:
        loop = gast.For(target=name(target, store=True), iter=iterable, body=first + s.body,
                        orelse=[], type_comment=None)
        return _located([loop], s)[0]

    def range_like(self, node: gast.expr) -> bool:
        """``range(...)``, or a slice of one (``range(n)[::-1]``, as generated code has)."""
        if isinstance(node, gast.Call):
            return self.env.resolve(node.func) is builtins.range and not node.keywords
        return isinstance(node, gast.Subscript) and self.range_like(node.value)

    def range_atoms(self, node: gast.expr) -> tuple[list[gast.stmt], gast.expr]:
        if isinstance(node, gast.Call):
            pre, args = self.atoms(node.args)
            return pre, gast.Call(func=name("range"), args=args, keywords=[])
        pre, value = self.range_atoms(node.value)
        pre2, index = self.index(node.slice)
        return pre + pre2, gast.Subscript(value=value, slice=index, ctx=gast.Load())

    # expressions

    def operation(self, node: gast.expr, hint: str) -> tuple[list[gast.stmt], gast.expr]:
        """Flatten ``node`` so that it is one operation on atoms."""
        if isinstance(node, gast.BinOp):
            pre, (left, right) = self.atoms([node.left, node.right])
            return pre, gast.BinOp(left=left, op=node.op, right=right)
        if isinstance(node, gast.UnaryOp):
            if isinstance(node.op, gast.USub) and isinstance(node.operand, gast.Constant):
                return [], const(-node.operand.value)
            pre, operand = self.atom(node.operand, describe(node.operand))
            return pre, gast.UnaryOp(op=node.op, operand=operand)
        if isinstance(node, gast.Compare):
            return self.compare(node)
        if isinstance(node, gast.Call):
            return self.call(node)
        if isinstance(node, gast.Subscript):
            pre, value = self.atom(node.value, describe(node.value))
            pre2, index = self.index(node.slice)
            return pre + pre2, gast.Subscript(value=value, slice=index, ctx=gast.Load())
        if isinstance(node, gast.Attribute):
            if self.is_atom(node):
                return [], node
            pre, value = self.atom(node.value, describe(node.value))
            return pre, gast.Attribute(value=value, attr=node.attr, ctx=gast.Load())
        if isinstance(node, (gast.Tuple, gast.List)):
            pre, elts = self.atoms(node.elts)
            return pre, type(node)(elts=elts, ctx=gast.Load())
        if isinstance(node, gast.Dict):
            if any(k is None for k in node.keys):
                raise error(node, self.env, "`**` in a dict literal", "write the keys out")
            pre, keys = self.atoms(node.keys)
            pre2, values = self.atoms(node.values)
            return pre + pre2, gast.Dict(keys=keys, values=values)
        if isinstance(node, gast.IfExp):
            return self.if_expression(node, hint)
        if isinstance(node, gast.NamedExpr):  # (y := v): y = v, then the value is y
            return self._assign_flat(node.target.id, node.value), name(node.target.id)
        if isinstance(node, gast.BoolOp):
            return self.bool_operation(node, hint)
        if self.is_atom(node):
            return [], node
        raise error(node, self.env, f"{type(node).__name__} expression",
                    "rewrite it with plain arithmetic and calls")

    def compare(self, node: gast.Compare) -> tuple[list[gast.stmt], gast.expr]:
        if len(node.ops) > 1:  # a < b < c  ->  a < b and b < c
            parts = []
            left = node.left
            for op, right in zip(node.ops, node.comparators):
                parts.append(gast.Compare(left=left, ops=[op], comparators=[right]))
                left = right
            return self.operation(gast.BoolOp(op=gast.And(), values=parts), "cond")
        pre, (left, right) = self.atoms([node.left, node.comparators[0]])
        return pre, gast.Compare(left=left, ops=node.ops, comparators=[right])

    def call(self, node: gast.Call) -> tuple[list[gast.stmt], gast.expr]:
        func = node.func
        if (len(node.args) > 2 and not node.keywords and self.env.resolve(func) in (min, max)
                and not any(isinstance(a, gast.Starred) for a in node.args)):
            # min(a, b, c) is min(min(a, b), c): the rule is for two values
            pair = gast.Call(func=func, args=node.args[:2], keywords=[])
            return self.call(gast.Call(func=copy.deepcopy(func), args=[pair] + node.args[2:],
                                       keywords=[]))
        if _is_sum_of_literal(node, self.env):  # sum((a, b, c)) is a + b + c
            values = node.args[0].elts if not node.args[1:] else node.args[1:] + node.args[0].elts
            total = values[0] if values else const(0)
            for v in values[1:]:
                total = gast.BinOp(left=total, op=gast.Add(), right=v)
            return self.operation(_located([gast.Expr(value=total)], node)[0].value, "total")
        pre: list[gast.stmt] = []
        if isinstance(func, gast.Attribute) and not self.is_atom(func):
            pre, base = self.atom(func.value, describe(func.value))
            func = gast.Attribute(value=base, attr=func.attr, ctx=gast.Load())
        elif not isinstance(func, (gast.Name, gast.Attribute)):
            raise error(node, self.env, "call of a computed function", "call the function by name")
        pre2, args = self.call_arguments(node)
        keywords = []
        for kw in node.keywords:
            if kw.arg is None:
                raise error(node, self.env, "`**` in a call", "pass the keywords one by one")
            pre3, value = self.atom(kw.value, kw.arg)
            pre2 += pre3
            keywords.append(gast.keyword(arg=kw.arg, value=value))
        return pre + pre2, gast.Call(func=func, args=args, keywords=keywords)

    def call_arguments(self, node: gast.Call) -> tuple[list[gast.stmt], list[gast.expr]]:
        """Atoms; a list literal stays a list of atoms where the callee's rule takes a list
        of values (``np.stack([a, b])``), so each element keeps its own derivative."""
        from .rules import lookup_call
        rule = lookup_call(self.env.resolve(node.func)) if isinstance(
            node.func, (gast.Name, gast.Attribute)) else None
        pre, args = [], []
        for k, arg in enumerate(node.args):
            if (rule is not None and k < len(rule.params) and rule.params[k] in rule.sequences
                    and isinstance(arg, (gast.List, gast.Tuple))):
                p, elts = self.atoms(arg.elts)
                pre, arg = pre + p, type(arg)(elts=elts, ctx=gast.Load())
            else:
                p, arg = self.atom(arg, describe(arg))
                pre += p
            args.append(arg)
        return pre, args

    def index(self, node: gast.expr) -> tuple[list[gast.stmt], gast.expr]:
        if isinstance(node, gast.Slice):
            pre, parts = [], []
            for part in (node.lower, node.upper, node.step):
                if part is None:
                    parts.append(None)
                    continue
                p, a = self.atom(part, describe(part))
                pre += p
                parts.append(a)
            return pre, gast.Slice(lower=parts[0], upper=parts[1], step=parts[2])
        if isinstance(node, gast.Tuple):
            pre, elts = [], []
            for e in node.elts:
                p, a = self.index(e)
                pre += p
                elts.append(a)
            return pre, gast.Tuple(elts=elts, ctx=gast.Load())
        return self.atom(node, describe(node))

    def if_expression(self, node: gast.IfExp, hint: str,
                      into: str | None = None) -> tuple[list[gast.stmt], gast.expr]:
        tmp = into or self.namer.fresh(hint)
        self.locals.add(tmp)
        pre, test = self.test(node.test)
        body = self._assign_flat(tmp, node.body)
        orelse = self._assign_flat(tmp, node.orelse)
        return pre + [gast.If(test=test, body=body, orelse=orelse)], name(tmp)

    def bool_operation(self, node: gast.BoolOp, hint: str,
                       into: str | None = None) -> tuple[list[gast.stmt], gast.expr]:
        """``a and b`` keeps Python's short circuit: b is evaluated only when a is true."""
        tmp = into or self.namer.fresh(hint if hint != "t" else "cond")
        self.locals.add(tmp)
        out = self._assign_flat(tmp, node.values[0])
        for value in node.values[1:]:
            test = name(tmp) if isinstance(node.op, gast.And) else gast.UnaryOp(
                op=gast.Not(), operand=name(tmp))
            out.append(gast.If(test=test, body=self._assign_flat(tmp, value), orelse=[]))
        return out, name(tmp)

    def _assign_flat(self, target: str, value: gast.expr) -> list[gast.stmt]:
        self.locals.add(target)
        pre, op = self.operation(value, target)
        return _located(pre + [assign(target, op)], value)

    def atoms(self, nodes: list[gast.expr]) -> tuple[list[gast.stmt], list[gast.expr]]:
        pre, out = [], []
        for n in nodes:
            p, a = self.atom(n, describe(n))
            pre += p
            out.append(a)
        return pre, out

    def atom(self, node: gast.expr, hint: str) -> tuple[list[gast.stmt], gast.expr]:
        if self.is_atom(node):
            return [], node
        pre, op = self.operation(node, hint)
        if isinstance(op, (gast.Constant, gast.Name)):  # already an atom (e.g. a ternary's result)
            return pre, op
        tmp = self.namer.fresh(hint)
        self.locals.add(tmp)
        return pre + _located([assign(tmp, op)], node), name(tmp)

    def is_atom(self, node: gast.expr) -> bool:
        """Names, constants, and attributes of non-local objects (``np.pi``, ``math.e``)."""
        if isinstance(node, (gast.Name, gast.Constant)):
            return True
        if isinstance(node, gast.Attribute):
            root = node
            while isinstance(root, gast.Attribute):
                root = root.value
            return isinstance(root, gast.Name) and root.id not in self.locals
        return False


def _is_sum_of_literal(node: gast.Call, env: Environment) -> bool:
    return (isinstance(node.func, gast.Name) and env.resolve(node.func) is builtins.sum
            and 1 <= len(node.args) <= 2 and not node.keywords
            and isinstance(node.args[0], (gast.Tuple, gast.List)))


def _from_end(seq: gast.Name, index: str) -> gast.expr:
    """``len(seq) - 1 - index``: position ``index`` counted from the end."""
    length = gast.Call(func=name("len"), args=[name(seq.id)], keywords=[])
    last = gast.BinOp(left=length, op=gast.Sub(), right=const(1))
    return gast.BinOp(left=last, op=gast.Sub(), right=name(index))


def _reverse(rng: gast.expr) -> gast.expr:
    """``range(...)[::-1]``: a reversed range that is still a range."""
    return gast.Subscript(value=rng, slice=gast.Slice(lower=None, upper=None, step=const(-1)),
                          ctx=gast.Load())


def _is_break_trailer(s: gast.stmt) -> bool:
    return isinstance(s, gast.If) and len(s.body) == 1 and isinstance(s.body[0], gast.Break)


# --- one name per value in straight-line code -----------------------------------------------------

def rename_straight_line(fn: gast.FunctionDef, body: list[gast.stmt], namer: Namer) -> list[gast.stmt]:
    """Variables assigned only by top-level statements get a new name per assignment.

    A value that is never overwritten needs no tape: the adjoint sweep reads it by name.
    Variables also assigned inside a branch or loop keep their single name (the branch or
    loop has to update the one variable later code reads), and the tape records them.
    """
    nested = {n.id for s in body if not isinstance(s, gast.Assign)
              for n in name_nodes(s) if n.ctx.__class__ is gast.Store}
    nested |= {s.targets[0].id for s in assignments_in(body) if is_write(s)}  # one array
    current = {a.id: a.id for a in fn.args.args}
    out = []
    for s in body:
        s = _rename_loads(s, current)
        if isinstance(s, gast.Assign):
            target = s.targets[0].id
            if target not in nested:
                new = namer.fresh(target) if target in current else target
                current[target] = new
                s.targets[0].id = new
        out.append(s)
    return out


def _rename_loads(s: gast.stmt, current: dict[str, str]) -> gast.stmt:
    for n in walk(s):
        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load) and n.id in current:
            n.id = current[n.id]
    return s


# --- tuples that are only unpacked --------------------------------------------------------

def replace_tuples(body: list[gast.stmt]) -> list[gast.stmt]:
    """``t = (a, b); p = t[0]`` -> ``p = a``, when every use of ``t`` is a constant index.

    A tuple built only to be unpacked carries no value of its own; reading its elements
    directly lets derivatives flow through it like through any other name.
    """
    literals = {s.targets[0].id: s.value.elts for s in body
                if isinstance(s, gast.Assign) and isinstance(s.value, (gast.Tuple, gast.List))}
    stores = Counter(n.id for s in body for n in walk(s)
                     if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store))
    candidates = {t for t in literals if stores[t] == 1}
    indexed = {id(s.value.value) for s in assignments_in(body) if _constant_index(s.value, candidates)}
    for s in body:
        for n in walk(s):
            if isinstance(n, gast.Name) and n.id in candidates and isinstance(n.ctx, gast.Load) \
                    and id(n) not in indexed:
                candidates.discard(n.id)
    out = []
    for s in body:
        if isinstance(s, gast.Assign) and s.targets[0].id in candidates:
            continue
        for a in assignments_in([s]):
            if _constant_index(a.value, candidates):
                a.value = copy.deepcopy(literals[a.value.value.id][a.value.slice.value])
        out.append(s)
    return out


def in_place(s: gast.Assign, kind, env: Environment):
    """A write ``a = with_item(a, i, v)`` as generated code does it: ``a[i] = v``. Returns
    ``(a, i, v, the statement)``; a write into a list, tuple or dict is refused here."""
    array, index, value = s.targets[0].id, s.value.args[1], s.value.args[2]
    if kind.tag not in ("array", "unknown", "none"):
        raise refused_container_write(s, env, array)
    statement = gast.Assign(targets=[gast.Subscript(value=name(array), slice=index_syntax(index),
                                                    ctx=gast.Store())],
                            value=value, type_comment=None)
    return array, index, value, statement


def is_write(s: gast.stmt) -> bool:
    """``a = with_item(a, i, v)``: a write into ``a`` (written ``a[i] = v``)."""
    return (isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)
            and isinstance(s.value, gast.Call) and isinstance(s.value.func, gast.Name)
            and s.value.func.id == WRITE and len(s.value.args) == 3
            and isinstance(s.value.args[0], gast.Name) and s.value.args[0].id == s.targets[0].id)


def assignments_in(stmts: list[gast.stmt]) -> list[gast.Assign]:
    return [n for s in stmts for n in statements(s) if isinstance(n, gast.Assign)]


def _constant_index(value: gast.expr, candidates: set[str]) -> bool:
    return (isinstance(value, gast.Subscript) and isinstance(value.value, gast.Name)
            and value.value.id in candidates and isinstance(value.slice, gast.Constant)
            and isinstance(value.slice.value, int))


# --- containers: comprehensions become loops; dict iteration; d.get -------------------------

_GENERATOR_HINT = "write the loop out with a `for` statement"


def desugar_comprehensions(fn: gast.FunctionDef, env: Environment, namer: Namer) -> list[gast.stmt]:
    """``[f(v) for v in xs if c]`` -> ``t = []; for v in xs: if c: t.append(f(v))``, likewise
    dict comprehensions (``t = with_key(t, k, v)``) and ``sum(... for ...)``; loops over
    ``d.items()``, ``d.keys()``, ``d.values()`` iterate over ``keys_of(d)``; ``d.get(k, v)`` is
    ``d[k] if k in d else v``. Every mode then differentiates plain loops."""
    counts: dict[str, int] = {}
    for n in walk(fn):
        if isinstance(n, gast.Name):
            counts[n.id] = counts.get(n.id, 0) + 1
    return _ComprehensionLifter(env, namer, counts).block(fn.body)


@dataclass
class _ComprehensionLifter(Transformer):
    env: Environment
    namer: Namer
    counts: dict[str, int]
    pre: list[gast.stmt] = field(default_factory=list)
    into: str | None = None   # the name the next comprehension builds its value in

    def block(self, stmts: list[gast.stmt]) -> list[gast.stmt]:
        out: list[gast.stmt] = []
        for s in stmts:
            out.extend(self.statement(s))
        return out

    def statement(self, s: gast.stmt) -> list[gast.stmt]:
        if isinstance(s, gast.While) and _has_comprehension(s.test):
            raise error(s, self.env, "comprehension in a `while` test",
                        "compute it in the loop body, into a variable the test reads")
        for field_name in ("body", "orelse"):
            if hasattr(s, field_name):
                setattr(s, field_name, self.block(getattr(s, field_name)))
        if isinstance(s, gast.For):
            s = self.dict_loop(s)
        saved, self.pre = self.pre, []
        into = _built_into(s)
        if into is not None:  # `ys = [... for ...]` builds ys itself (no second name)
            self.visit_with(s.value, into)
            pre, self.pre = self.pre, saved
            return pre
        for field_name in ("value", "test", "iter", "targets", "target"):
            part = getattr(s, field_name, None)
            if isinstance(part, list):
                setattr(s, field_name, [self.visit(p) for p in part])
            elif isinstance(part, gast.AST) and not isinstance(s, gast.While):
                setattr(s, field_name, self.visit(part))
        pre, self.pre = self.pre, saved
        return _located(pre, s) + [s]

    def dict_loop(self, s: gast.For) -> gast.For:
        """``for k, v in d.items()`` -> ``for k in keys_of(d): v = d[k]`` (and keys, values)."""
        it = s.iter
        if not (isinstance(it, gast.Call) and isinstance(it.func, gast.Attribute)
                and it.func.attr in ("items", "keys", "values") and not it.args
                and not it.keywords and self.env.resolve(it.func.value) is MISSING):
            return s
        mapping, kind = it.func.value, it.func.attr
        targets = s.target.elts if isinstance(s.target, gast.Tuple) else [s.target]
        if len(targets) != (2 if kind == "items" else 1) or not all(
                isinstance(t, gast.Name) for t in targets):
            raise error(s, self.env, f"loop over `.{kind}()` with these targets",
                        "write `for k, v in d.items()`, `for k in d.keys()` or "
                        "`for v in d.values()`")
        key = targets[0].id if kind != "values" else self.namer.fresh("key")
        reads = [] if kind == "keys" else [assign(targets[-1].id, gast.Subscript(
            value=copy.deepcopy(mapping), slice=name(key), ctx=gast.Load()))]
        own_helper("keys_of", s, self.env, "loops over a dict")
        keys = gast.Call(func=name("keys_of"), args=[mapping], keywords=[])
        return _located([gast.For(target=name(key, store=True), iter=keys,
                                  body=_located(reads, s) + s.body, orelse=[],
                                  type_comment=None)], s)[0]

    def visit_with(self, node, into: str):
        self.into = into
        try:
            return self.visit(node)
        finally:
            self.into = None

    def visit_ListComp(self, node):
        return self.lifted(node, gast.List(elts=[], ctx=gast.Load()), lambda t, n: gast.Expr(
            value=gast.Call(func=gast.Attribute(value=name(t), attr="append", ctx=gast.Load()),
                            args=[n.elt], keywords=[])), "list")

    def visit_DictComp(self, node):
        own_helper("with_key", node, self.env, "dict comprehensions")
        return self.lifted(node, gast.Dict(keys=[], values=[]), lambda t, n: assign(t, gast.Call(
            func=name("with_key"), args=[name(t), n.key, n.value], keywords=[])), "dict")

    def visit_GeneratorExp(self, node):
        raise error(node, self.env, "generator expression", "use it directly inside `sum(...)`, "
                    "or use a list comprehension")

    def visit_SetComp(self, node):
        raise error(node, self.env, "set comprehension", "use a list comprehension")

    def visit_Call(self, node):
        if (isinstance(node.func, gast.Name) and self.env.resolve(node.func) is builtins.sum
                and len(node.args) == 1 and not node.keywords
                and isinstance(node.args[0], gast.GeneratorExp)):
            gen = node.args[0]
            return self.lifted(gen, const(0), lambda t, n: assign(t, gast.BinOp(
                left=name(t), op=gast.Add(), right=n.elt)), "total")
        if (isinstance(node.func, gast.Attribute) and node.func.attr == "get"
                and isinstance(node.func.value, gast.Name) and not node.keywords
                and self.env.resolve(node.func.value) is MISSING and 1 <= len(node.args) <= 2):
            mapping, key = node.func.value, node.args[0]
            default = node.args[1] if len(node.args) == 2 else const(None)
            test = gast.Compare(left=copy.deepcopy(key), ops=[gast.In()],
                                comparators=[copy.deepcopy(mapping)])
            read = gast.Subscript(value=copy.deepcopy(mapping), slice=copy.deepcopy(key),
                                  ctx=gast.Load())
            return self.visit(gast.IfExp(test=test, body=read, orelse=default))
        return self.generic_visit(node)

    def lifted(self, node, start: gast.expr, add, hint: str) -> gast.Name:
        """The comprehension's loops (one per ``for``, outermost first, each with its ``if``s),
        placed before the statement; its value is a new name. A comprehension inside the
        element (``[[f(v) for v in row] for row in m]``) is lifted again, into the loop."""
        for gen in node.generators:
            renames = self.private_targets(node, gen.target)
            node = substitute(node, renames) if renames else node
        result, self.into = self.into or self.namer.fresh(hint), None
        body = [add(result, node)]
        for k, gen in reversed(list(enumerate(node.generators))):
            if gen.ifs:
                test = gen.ifs[0] if len(gen.ifs) == 1 else gast.BoolOp(op=gast.And(), values=gen.ifs)
                body = [gast.If(test=test, body=body, orelse=[])]
            # the first iterable is evaluated here; the others inside the loops around them
            body = [gast.For(target=gen.target, iter=self.visit(gen.iter) if k == 0 else gen.iter,
                             body=body, orelse=[], type_comment=None)]
        self.pre += _located([assign(result, start)], node) + self.statement(
            _located(body, node)[0])
        return name(result)

    def private_targets(self, node, target) -> dict[str, str]:
        """A comprehension's variables are its own: renamed when the function uses the name
        elsewhere too (the loop would overwrite it)."""
        inside: dict[str, int] = {}
        for n in walk(node):
            if isinstance(n, gast.Name):
                inside[n.id] = inside.get(n.id, 0) + 1
        stored = [n.id for n in name_nodes(target)]
        return {v: self.namer.fresh(v) for v in stored if self.counts.get(v, 0) > inside[v]}


def _built_into(s: gast.stmt) -> str | None:
    """``ys = [f(v) for v in xs]``: the name a comprehension (or ``sum`` of a generator) can be
    built in directly, when it does not read that name itself."""
    if not (isinstance(s, gast.Assign) and len(s.targets) == 1
            and isinstance(s.targets[0], gast.Name)):
        return None
    value, target = s.value, s.targets[0].id
    whole = isinstance(value, (gast.ListComp, gast.DictComp)) or (
        isinstance(value, gast.Call) and len(value.args) == 1
        and isinstance(value.args[0], gast.GeneratorExp))
    return target if whole and target not in names_in(value) else None


def _has_comprehension(node: gast.AST | None) -> bool:
    return node is not None and any(isinstance(n, (gast.ListComp, gast.DictComp, gast.SetComp,
                                                   gast.GeneratorExp)) for n in walk(node))


def expand_lists(body: list[gast.stmt]) -> list[gast.stmt]:
    """``xs = [a, b]`` -> ``xs = []; xs.append(a); xs.append(b)``: every list is built by
    appends, so its adjoint (a list as long as it) is taken apart by pops in one way."""
    out: list[gast.stmt] = []
    for s in body:
        for field_name in ("body", "orelse"):
            if hasattr(s, field_name):
                setattr(s, field_name, expand_lists(getattr(s, field_name)))
        if isinstance(s, gast.Assign) and isinstance(s.value, gast.List) and s.value.elts:
            target = s.targets[0].id
            pushes = [gast.Expr(value=gast.Call(func=gast.Attribute(
                value=name(target), attr="append", ctx=gast.Load()), args=[e], keywords=[]))
                for e in s.value.elts]
            out.extend(_located([assign(target, gast.List(elts=[], ctx=gast.Load()))] + pushes, s))
            continue
        out.append(s)
    return out
