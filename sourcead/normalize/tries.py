"""``try``/``finally``: the body, then the ``finally`` block.

In: the FunctionDef before ``fence``, and its Environment.
Out: the same function where ``try: B finally: F`` is ``B; F``: where ``B`` raises, the
function raises too (after ``F``, whose values are then lost), and so does its derivative. A
``finally`` that returns, breaks or continues (it would swallow the exception) is refused. A
``try`` with ``except`` handlers stays, for the fence to refuse: which path it takes is known
only as it runs (NumPy numbers even give ``inf`` where Python's raise), and a derivative of
the ``try`` body alone could return a number where the function took the handler.
"""
from __future__ import annotations

import ast
import builtins
import copy
import dataclasses
from types import FunctionType

import gast

from ..naming import Namer, mark
from ..parse import LIFTED, Environment, Parsed
from ..rules.template import assign, clone, const, name, name_nodes, names_in, walk
from .common import error


def without_tries(fn: gast.FunctionDef, env: Environment) -> gast.FunctionDef:
    if not any(isinstance(n, gast.Try) and not n.handlers for n in walk(fn)):
        return fn
    fn.body = _block(fn.body, env)
    return fn


def _block(stmts: list[gast.stmt], env: Environment) -> list[gast.stmt]:
    out: list[gast.stmt] = []
    for s in stmts:
        for field_name in ("body", "orelse"):
            if not isinstance(s, gast.Try) and isinstance(getattr(s, field_name, None), list):
                setattr(s, field_name, _block(getattr(s, field_name), env))
        if isinstance(s, gast.Try) and not s.handlers:
            for n in (m for f in s.finalbody for m in walk(f)):
                if isinstance(n, (gast.Return, gast.Break, gast.Continue)):
                    raise error(n, env, "`return`, `break` or `continue` in a `finally` block",
                                "move it after the `try` statement")
            out.extend(_block(s.body + s.finalbody, env))
        else:
            out.append(s)
    return out


# ---- try/except: a guard asks, before the body runs, whether the except path would ---------

def probed_tries(parsed: Parsed) -> Parsed:
    """``try: B except E: H`` -> ``failed = raises(probe, a, b); if failed: raise
    except_taken(file, line)``, then ``B`` (and the ``else`` block). ``probe(a, b)`` is the
    ``try`` statement as the user wrote it, with each handler replaced by ``return True``, run on
    the values ``B`` reads: the derivative follows the ``try`` body, and says so where the
    ``except`` path would run instead. ``B`` runs twice (the guard's run changes nothing: only
    assignments to names are allowed in it); a ``try`` whose body does more stays refused."""
    tree, env = parsed.tree, parsed.env
    tries = [n for n in walk(tree) if isinstance(n, gast.Try) and n.handlers
             and _probe_safe(n)]
    if not tries:
        return parsed
    tree = clone(tree)
    namer = Namer(names_in(tree) | set(env.globals) | set(env.closure) | set(vars(builtins)))
    probes: dict[str, FunctionType] = {}
    tree.body = _guarded_block(tree.body, env, namer, probes, tree)
    return dataclasses.replace(parsed, tree=tree, env=env.with_names(probes))


def _probe_safe(s: gast.Try) -> bool:
    """A body that only assigns names (in branches and loops too), so running it once more
    changes nothing, and that neither returns nor jumps out of the statement."""
    for part in s.body:
        for n in walk(part):
            if isinstance(n, (gast.Return, gast.Break, gast.Continue, gast.Try, gast.Yield,
                              gast.Global, gast.Nonlocal, gast.Delete, gast.With)):
                return False
            if isinstance(n, (gast.Subscript, gast.Attribute)) and isinstance(n.ctx, gast.Store):
                return False
            if isinstance(n, gast.Expr) and not (isinstance(n.value, gast.Call) and isinstance(
                    n.value.func, gast.Name) and n.value.func.id == "print"):
                return False
    return True


def _guarded_block(stmts, env, namer, probes, tree) -> list[gast.stmt]:
    out: list[gast.stmt] = []
    for s in stmts:
        for field_name in ("body", "orelse", "finalbody"):
            block = getattr(s, field_name, None)
            if isinstance(block, list) and not isinstance(s, gast.FunctionDef):
                setattr(s, field_name, _guarded_block(block, env, namer, probes, tree))
        if isinstance(s, gast.Try) and s.handlers and _probe_safe(s):
            out.extend(_guarded(s, env, namer, probes, tree))
        else:
            out.append(s)
    return out


def _guarded(s: gast.Try, env, namer, probes, tree) -> list[gast.stmt]:
    # the values the body reads that exist before it runs: parameters, and names the function
    # assigns outside this statement (one assigned only in it is the body's own)
    inside = {id(n) for n in walk(s)}
    known = {a.id for a in tree.args.args} | {
        n.id for n in name_nodes(tree) if isinstance(n.ctx, gast.Store) and id(n) not in inside}
    reads = sorted({n.id for part in s.body for n in name_nodes(part)
                    if isinstance(n.ctx, gast.Load)} & known)
    ident = namer.fresh(f"try_line_{s.lineno}")
    probes[ident] = _probe(s, ident, reads, env)
    flag = namer.fresh("except_runs")
    call = gast.Call(func=name(mark("raises")), args=[name(ident)] + [name(r) for r in reads],
                     keywords=[])
    error = gast.Call(func=name(mark("except_taken")),
                      args=[const(env.filename), const(s.lineno)], keywords=[])
    guard = [assign(flag, call),
             gast.If(test=name(flag), body=[gast.Raise(exc=error, cause=None)], orelse=[])]
    return [gast.copy_location(g, s) for g in _located_all(guard, s)] + s.body + s.orelse \
        + s.finalbody


def _located_all(stmts, where):
    for st in stmts:
        for n in walk(st):
            if hasattr(n, "lineno") or isinstance(n, (gast.stmt, gast.expr)):
                n.lineno, n.col_offset = where.lineno, where.col_offset
                n.end_lineno, n.end_col_offset = where.lineno, where.col_offset
    return stmts


def _probe(s: gast.Try, ident: str, reads: list[str], env) -> FunctionType:
    """``def ident(a, b): try: B except E: return True; return False``, compiled in the
    function's module (it runs the user's own code, so Python's numbers raise as they do)."""
    handlers = [gast.ExceptHandler(type=h.type, name=h.name, body=[gast.Return(value=const(True))])
                for h in s.handlers]
    body = [gast.Try(body=copy.deepcopy(s.body), handlers=handlers, orelse=[], finalbody=[]),
            gast.Return(value=const(False))]
    args = gast.arguments(args=[gast.Name(id=r, ctx=gast.Param(), annotation=None,
                                          type_comment=None) for r in reads],
                          posonlyargs=[], vararg=None, kwonlyargs=[], kw_defaults=[],
                          kwarg=None, defaults=[])
    fn = gast.FunctionDef(name=ident, args=args, body=body, decorator_list=[], returns=None,
                          type_comment=None, type_params=[])
    _located_all([fn], s)
    module = gast.gast_to_ast(gast.Module(body=[copy.deepcopy(fn)], type_ignores=[]))
    ast.fix_missing_locations(module)
    namespace = {**env.globals, **env.closure}
    exec(compile(module, env.filename, "exec"), namespace)
    made = namespace[ident]
    setattr(made, LIFTED, (fn, env))
    return made
