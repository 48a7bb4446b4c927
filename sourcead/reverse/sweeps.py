"""Whole derivative functions: both sweeps in one ``f_grad``, or the ``f_fwd``/``f_adj`` pair
of a callee, with the tape, the adjoints' zeros and the blocks nothing reached skipped.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import copy

import gast

from ..analyze import signature, dims_of, definitely_assigned, live_before, reads
from ..naming import MATH, NUMPY, unmark
from .. import runtime
from ..rules.template import walk, assign, const, expr, name, stmts as template_stmts
from ..unreached import Values, guard_unreached
from .records import _stored, initialize_recorded, prune_records, without

if TYPE_CHECKING:  # the class these functions serve imports them
    from .statements import Reverse


def build_sweeps(rev: Reverse, body: list[gast.stmt], result: str, live_out: set[str]):
    """Primal and adjoint sweeps of ``body`` with only the needed records kept."""
    primal, adjoint = rev.block(body)
    dead = prune_records(rev.records, adjoint, live_out)
    primal, adjoint = without(primal, dead), without(adjoint, dead)
    return primal, adjoint


def gradient_initializations(rev: Reverse, result: str, wrt: list[str]) -> list[gast.stmt]:
    """Zero gradients, shaped like the arguments, for parameters the function never rebinds
    (so their final value is the argument). A rebound parameter's adjoint starts as 0.0 at
    the adjoint sweep instead: it is first the adjoint of the final value, whose shape may
    differ; the API gives the returned gradient its argument's shape."""
    rebound = _stored(rev.fn.body)
    return [assign(rev.bar(v), rev.zero(v)) for v in wrt if v != result and v not in rebound]


def bar_initializations(rev: Reverse, result: str, wrt: list[str], with_wrt: bool = False,
                        passed_in: tuple[str, ...] = ()) -> list[gast.stmt]:
    """Zero adjoints before the adjoint sweep. ``with_wrt``: also the parameters' (a split
    adjoint sweep, whose caller's accumulation gives them their shape), otherwise those of
    rebound parameters. ``passed_in``: stacks whose adjoint stack the caller hands over."""
    rebound = _stored(rev.fn.body)
    inits = [assign(rev.bar(v), const(0.0)) for v in wrt
             if v != result and (with_wrt or v in rebound)]
    inits += [assign(rev.bar(v), _zero_of_kind(rev, v)) for v in sorted(rev.activity.active)
              if v != result and v not in wrt and v not in passed_in]
    return inits


def _zero_of_kind(rev: Reverse, var: str) -> gast.expr:
    """Adjoints start at 0.0; a stack's adjoint is a stack (of the values' adjoints)."""
    if var in rev.activity.stacks:
        return gast.List(elts=[], ctx=gast.Load())
    if rev.activity.kind(var).tag == "list":  # one adjoint per element: appends pop them
        return expr("zeros_like(x)", x=var)
    return const(0.0)


def grad_function(rev: Reverse, name_: str, wrt: list[str], preserve_result: bool) -> gast.FunctionDef:
    """``f_grad(params..., out_bar=1.0)``: both sweeps in one function."""
    fn = rev.fn
    body, ret = fn.body[:-1], fn.body[-1]
    result = ret.value.id
    seed = rev.bar(result)
    returns = [name(rev.bar(v)) for v in wrt]
    value_name = rev.namer.fresh("value") if preserve_result else None
    primal, adjoint = build_sweeps(rev, body, result, set())
    keep = [assign(value_name, name(result))] if preserve_result else []
    params = {a.id for a in fn.args.args}
    primal = initialize_recorded(primal, params, rev.tape)
    inits = bar_initializations(rev, result, wrt)
    # a list's adjoint starts shaped like the list, which a branch may not have built
    local = _stored(primal)
    unbound = sorted(reads(gast.Module(body=inits, type_ignores=[])) & local
                     - definitely_assigned(primal, params))
    primal = [assign(v, const(None)) for v in unbound] + primal
    grads = returns[0] if len(returns) == 1 else gast.Tuple(elts=returns, ctx=gast.Load())
    value = gast.Tuple(elts=[grads, name(value_name)], ctx=gast.Load()) if preserve_result else grads
    starts = gradient_initializations(rev, result, wrt)
    adjoint = skip_unreached(rev, starts + inits, adjoint, frozenset())
    stmts_ = (starts + _tape_init(rev, primal + adjoint)
              + primal + keep + inits + adjoint
              + [gast.Return(value=value)])
    args = copy.deepcopy(fn.args)
    args.args = args.args + [name(seed, store=False)]
    args.args[-1].ctx = gast.Param()
    args.defaults = list(args.defaults) + [const(1.0)]
    return _function(name_, args, stmts_)


def split_functions(rev: Reverse, fwd_name: str, adj_name: str, wrt: list[str]):
    """``f_fwd(tape, params...)`` records the values ``f_adj(tape, out_bar)`` needs."""
    fn = rev.fn
    body, ret = fn.body[:-1], fn.body[-1]
    result = ret.value.id
    primal, adjoint = build_sweeps(rev, body, result, set())
    params = {a.id for a in fn.args.args}
    local = params | {n.id for s in primal for n in walk(s)
                      if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)}
    stacks = [v for v in wrt if v in rev.activity.stacks]
    values = [v for v in wrt if v not in stacks]
    inits = bar_initializations(rev, result, values, True, tuple(stacks))
    live = sorted((live_before(inits + adjoint, set()) & local) - set(rev.bars.values()) - {rev.tape})
    primal = initialize_recorded(primal, params, rev.tape)
    unbound = [v for v in live if v not in definitely_assigned(primal, params)]
    primal = [assign(v, const(None)) for v in unbound] + primal
    saves = [gast.Expr(value=expr("tape.append(v)", tape=rev.tape, v=v)) for v in live]
    loads = [assign(v, expr("tape.pop()", tape=rev.tape)) for v in reversed(live)]
    fwd_args = copy.deepcopy(fn.args)
    fwd_args.args = [gast.Name(id=rev.tape, ctx=gast.Param(), annotation=None, type_comment=None)] + [
        gast.Name(id=a.id, ctx=gast.Param(), annotation=None, type_comment=None) for a in fn.args.args]
    fwd = _function(fwd_name, fwd_args, primal + saves + [gast.Return(value=name(result))])
    returns = [name(rev.bar(v)) for v in values]
    value = (returns[0] if len(returns) == 1 else
             gast.Tuple(elts=returns, ctx=gast.Load()) if returns else const(None))
    adj_params = [rev.tape, rev.bar(result)] + [rev.bar(v) for v in stacks]
    adj_args = gast.arguments(args=[gast.Name(id=n, ctx=gast.Param(), annotation=None,
                                              type_comment=None) for n in adj_params],
                              posonlyargs=[], vararg=None, kwonlyargs=[], kw_defaults=[],
                              kwarg=None, defaults=[])
    # the caller passes 0.0 for the seed where nothing reached the result
    adjoint = skip_unreached(rev, inits, adjoint, frozenset({rev.bar(result)}))
    adj = _function(adj_name, adj_args, loads + inits + adjoint + [gast.Return(value=value)])
    return fwd, adj


def skip_unreached(rev: Reverse, setup: list[gast.stmt], adjoint: list[gast.stmt],
                   zeros: frozenset[str]) -> list[gast.stmt]:
    """The adjoint sweep with each block that a plain-zero adjoint would break run only
    where that adjoint was reached (see ``unreached``)."""
    primal_of = {bar: var for var, bar in rev.bars.items()}
    kinds = rev.activity.kinds

    def shaped(value: gast.expr) -> bool:
        if isinstance(value, gast.Name) and value.id in primal_of:  # a reached adjoint
            var = primal_of[value.id]
            return var not in rev.lazy and bool(dims_of(rev.activity.kind(var)))
        return bool(signature(value, kinds, rev.env))

    zeroed = _assigned_zero(rev.fn)

    def maybe_number(var: str) -> bool:  # at a higher order, a lower order's adjoint
        return var in zeroed and dims_of(rev.activity.kind(var)) is None

    def known(call: gast.Call) -> bool:  # not a callee's adjoint, nor a user's hook
        func = call.func
        if isinstance(func, gast.Attribute):  # np.f, np.linalg.f, math.f
            while isinstance(func, gast.Attribute):
                func = func.value
            return isinstance(func, gast.Name) and func.id in (NUMPY, MATH)
        name_ = (unmark(func.id) or func.id) if isinstance(func, gast.Name) else None
        return name_ in runtime.HELPERS or name_ in _BUILTIN_ADJOINT_CALLS
    values = Values(frozenset(primal_of), shaped, maybe_number, known)
    return guard_unreached(setup, adjoint, rev.fragile, zeros, values)


def _assigned_zero(fn: gast.FunctionDef) -> set[str]:
    """Variables assigned a plain zero somewhere (where ``fn`` is generated code, adjoints
    nothing may reach)."""
    return {n.targets[0].id for n in walk(fn) if isinstance(n, gast.Assign)
            and isinstance(n.targets[0], gast.Name) and isinstance(n.value, gast.Constant)
            and isinstance(n.value.value, (int, float)) and n.value.value == 0}


_BUILTIN_ADJOINT_CALLS = {"sum", "float", "slice", "abs", "len", "range", "reversed"}


def _tape_init(rev: Reverse, stmts_: list[gast.stmt]) -> list[gast.stmt]:
    uses = any(isinstance(n, gast.Name) and n.id == rev.tape
               for s in stmts_ for n in walk(s))
    return template_stmts("tape = []", tape=rev.tape) if uses else []


def _function(name_: str, args: gast.arguments, body: list[gast.stmt]) -> gast.FunctionDef:
    for a in args.args:
        a.annotation = None
    return gast.FunctionDef(name=name_, args=args, body=body, decorator_list=[], returns=None,
                            type_comment=None, type_params=[])
