"""What the passes of parse share: the marker of lifted functions, a nested function's own
names, a lambda written as a ``def``, and the refusal of syntax sourcead does not read.
"""
from __future__ import annotations

import gast

from ..errors import UnsupportedSyntaxError
from ..rules.template import walk
from .environment import Environment


def _lambda_as_def(lam: gast.Lambda, name_: str, where: gast.AST) -> gast.FunctionDef:
    func = gast.FunctionDef(name=name_, args=lam.args, body=[gast.Return(value=lam.body)],
                            decorator_list=[], returns=None, type_comment=None, type_params=[])
    gast.copy_location(func, where)
    func.body[0].lineno = getattr(lam.body, "lineno", where.lineno)
    return func


def _refuse(node: gast.AST, env: Environment, what: str, hint: str) -> UnsupportedSyntaxError:
    return UnsupportedSyntaxError(f"cannot differentiate a {what}", filename=env.filename,
                                  lineno=getattr(node, "lineno", None), construct=what, hint=hint)


# On a function sourcead lifted out of another: (its tree, its environment), or (its tree,
# None) for a copy made to run with a derivative (whose module namespace is its environment).
# Kept on the function itself, so it lives exactly as long as the function.
LIFTED = "__sourcead_lifted__"


def _stores(stmts: list[gast.stmt]) -> set[str]:
    return {n.id for s in stmts for n in walk(s)
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)}


def _own_names(fn: gast.FunctionDef | gast.Lambda) -> set[str]:
    a = fn.args
    if isinstance(fn, gast.Lambda):
        return {p.id for p in a.posonlyargs + a.args + a.kwonlyargs}
    params = [p.id for p in a.posonlyargs + a.args + a.kwonlyargs] + [
        p.id for p in (a.vararg, a.kwarg) if p is not None]
    return set(params) | _stores(fn.body)
