"""Statement-level desugaring.

In: the function's statements (comprehensions already loops), its Environment and the Namer.
Out: ``desugar_block`` returns the same program without augmented assignment, chained or
tuple targets, annotated assignments, ``pass``, transparent ``with`` blocks, docstrings and
bare constants: every target is a name or a write ``a[i] = v`` into an array, and the only
statements kept for their effect are ``print(...)`` and a list's ``append``/``pop``. A
NumPy call that writes into an array (``f(..., out=a)``, ``a.fill(v)``, ``np.copyto(a, v)``,
``a.sort()``) becomes that write, ``a[...] = ...``; other calls that change an array in place
(``a.put(i, v)``), a discarded value and an unsupported target are refused with the user's
line.
``check_stacks`` returns nothing; it refuses lists that are appended to but not made in
the function, or that get a second name.
"""
from __future__ import annotations

import builtins
import copy

import gast

from ..naming import Namer
from ..parse import Environment
from ..rules.template import walk, assign, const, name, names_in
from .containers import container_method
from .common import _is_stack_pop, _is_stack_push, _load, _located, enumerated_zip, error
from .writes import is_mutator, performed_write, refused_mutator, write_statement


def desugar_block(stmts: list[gast.stmt], env: Environment, namer: Namer) -> list[gast.stmt]:
    out: list[gast.stmt] = []
    for s in stmts:
        out.extend(_located(desugar_stmt(s, env, namer), s))
    return out


def desugar_stmt(s: gast.stmt, env: Environment, namer: Namer) -> list[gast.stmt]:
    if isinstance(s, gast.Expr):
        if _is_stack_pop(s.value):  # `t.pop()` for its effect: the value goes to a throwaway
            return [assign(namer.fresh("popped"), s.value)]
        return desugar_expr_stmt(s, env, namer)
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
    if isinstance(s, gast.For):
        s = unpacked_in_body(counted_from_zero(s, env, namer), env, namer)
    for field_name in ("body", "orelse"):
        if hasattr(s, field_name):
            setattr(s, field_name, desugar_block(getattr(s, field_name), env, namer))
    return [s]


def desugar_expr_stmt(s: gast.Expr, env: Environment, namer: Namer) -> list[gast.stmt]:
    if isinstance(s.value, gast.Constant):  # a docstring or a bare constant does nothing
        return []
    if isinstance(s.value, gast.Call) and env.resolve(s.value.func) is builtins.print:
        return [s]
    if _is_stack_push(s.value):  # `tape.append(v)`: a list used as a stack (see analyze)
        return [s]
    write = performed_write(s.value, env)   # `np.sin(a, out=a)`, `a.fill(v)`: `a[...] = ...`
    if write is not None:
        return [write_statement(*write)]
    spelled = container_method(s, env, namer)   # `d.update(e)`, `xs.extend(ys)`: writes
    if spelled is not None:
        return desugar_block(spelled, env, namer)
    if is_mutator(s.value, env):   # `a.put(i, v)`: refused with the value-making spelling
        raise refused_mutator(s.value, env, s)
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
    write = performed_write(s.value, env, used=True)   # `r = np.add(a, b, out=o)`
    if write is not None:
        return [write_statement(*write)] + desugar_assign(
            gast.Assign(targets=[target], value=name(write[0]), type_comment=None), env, namer)
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


def counted_from_zero(s: gast.For, env: Environment, namer: Namer) -> gast.For:
    """``for k, x in enumerate(xs, start=1)`` -> ``for i, x in enumerate(xs): k = i + 1``:
    one form of ``enumerate`` for the passes after this one (a start that is a name or a
    number; anything else is left to be refused)."""
    it, target = s.iter, s.target
    if not (isinstance(it, gast.Call) and isinstance(target, gast.Tuple)
            and len(target.elts) == 2 and isinstance(target.elts[0], gast.Name)
            and len(it.args) + len(it.keywords) == 2 and it.args
            and env.resolve(it.func) is builtins.enumerate):
        return s
    starts = it.args[1:] + [k.value for k in it.keywords if k.arg == "start"]
    if len(starts) != 1 or not isinstance(starts[0], (gast.Name, gast.Constant)):
        return s
    counter = namer.fresh("i")
    offset = assign(target.elts[0].id, gast.BinOp(left=name(counter), op=gast.Add(),
                                                   right=copy.deepcopy(starts[0])))
    loop = gast.For(target=gast.Tuple(elts=[name(counter, store=True), target.elts[1]],
                                      ctx=gast.Store()),
                    iter=gast.Call(func=it.func, args=[it.args[0]], keywords=[]),
                    body=_located([offset], s) + s.body, orelse=s.orelse, type_comment=None)
    return _located([loop], s)[0]


def unpacked_in_body(s: gast.For, env: Environment, namer: Namer) -> gast.For:
    """A loop's target as names the loop binds, unpacked by the body's first statements:
    ``for a, b in pairs`` -> ``for ab in pairs: a, b = ab``, and a nested target
    (``for (a, b), c in zip(pairs, cs)``) -> ``for ab, c in ...: a, b = ab``, so that one
    plain tuple assignment does the unpacking (kinds, lengths and errors as it has them). Only
    ``zip`` and ``enumerate`` bind several names themselves; ``enumerate(zip(xs, ys))`` binds
    the index and one name per sequence (the flattener reads them by index)."""
    if not isinstance(s.target, gast.Tuple):
        return s
    it, elts = s.iter, s.target.elts
    helper = env.resolve(it.func) if isinstance(it, gast.Call) and not it.keywords else None
    unpack: list[gast.stmt] = []

    def bound(target: gast.expr) -> gast.expr:
        if isinstance(target, gast.Name):
            return target
        base = "".join(n.id for n in walk(target) if isinstance(n, gast.Name))[:16]
        fresh = namer.fresh(base or "item")
        unpack.append(gast.Assign(targets=[target], value=name(fresh), type_comment=None))
        return name(fresh, store=True)
    if enumerated_zip(it, s.target, env):
        pairs = gast.Tuple(elts=[bound(t) for t in elts[1].elts], ctx=gast.Store())
        targets = [bound(elts[0]), pairs]
    elif helper in (builtins.zip, builtins.enumerate):
        targets = [bound(t) for t in elts]
    else:
        targets = [bound(s.target)]
    target = targets[0] if len(targets) == 1 else gast.Tuple(elts=targets, ctx=gast.Store())
    return _located([gast.For(target=target, iter=it, body=_located(unpack, s) + s.body,
                              orelse=s.orelse, type_comment=None)], s)[0]
