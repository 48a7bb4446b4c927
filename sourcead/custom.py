"""User-registered derivative rules, in the same one-row form as the built-in tables.

In: a function object and either its partial derivatives (elementwise functions) or, per
argument, a tangent template and an adjoint template. Out: a ``Rule`` row in the shared table
(so every mode, and higher orders, use it), and a checker that compares a registered rule
with finite differences, so a wrong rule is caught before it gives wrong derivatives.
"""
from __future__ import annotations

import ast
import builtins
import sys
from typing import Callable, Sequence

import numpy as np

from .errors import UsageError
from .rules.core import Rule
from .rules.tables import CALLS
from .runtime import HELPERS


def defrule(func: Callable, *, params: Sequence[str] | None = None,
            partials: Sequence[str | None] | None = None,
            tangents: dict[str, str] | None = None,
            adjoints: dict[str, str] | None = None) -> Callable:
    """Register how to differentiate ``func``; returns ``func`` (usable as a decorator factory).

    ``partials``: one Python expression per argument, the partial derivative of the result
    with respect to it, written with the argument names (``params``, default ``x, y, z``),
    ``out`` for the result and ``np``/``math`` (e.g. ``defrule(softplus, partials=["1 / (1 +
    np.exp(-x))"])``). Or ``tangents``/``adjoints``: per argument, its contribution to the
    result's tangent (using ``x_dot``) and the adjoint it receives (using ``g``, the result's
    adjoint). Every argument that can carry a derivative must get a term in each direction
    (or ``None`` as its partial), so a missing one is an error, not a silent zero.
    """
    caller = sys._getframe(1)
    where = {"filename": caller.f_code.co_filename, "lineno": caller.f_lineno}
    if (partials is None) == (tangents is None and adjoints is None):
        raise UsageError("defrule takes either partials=... or tangents=... and adjoints=...",
                         **where)
    names = tuple(params) if params is not None else ("x", "y", "z")[:len(partials or tangents)]
    if partials is not None:
        if len(partials) != len(names):
            raise UsageError(f"defrule: {len(partials)} partials for parameters {names}", **where)
        rule = Rule(params=names, partials=tuple(partials))
    else:
        tangents, adjoints = dict(tangents or {}), dict(adjoints or {})
        if set(tangents) != set(adjoints):
            raise UsageError("defrule: give a tangent and an adjoint for the same arguments "
                             f"(tangents for {sorted(tangents)}, adjoints for {sorted(adjoints)})",
                             **where)
        rule = Rule(params=names, tangents=tangents, adjoints=adjoints, shape="reduce")
    _check_templates(rule, caller.f_globals, where)
    CALLS[func] = rule
    _forget_generated_code()
    return func


def _check_templates(rule: Rule, module: dict, where: dict) -> None:
    """Each template is a Python expression over names it can read: the parameters, ``out``,
    ``g`` (adjoints), ``p_dot`` (tangents), ``np``, ``math``, builtins, sourcead's helpers and
    the defining module's names. Checked now, so a typo fails here, not in a derivative."""
    known = set(rule.params) | {"out", "np", "math"} | set(vars(builtins)) | set(HELPERS) \
        | set(module)
    texts = [(f"partial for {p}", t, set()) for p, t in zip(rule.params, rule.partials or ())]
    texts += [(f"tangent for {p}", t, {f"{q}_dot" for q in rule.params})
              for p, t in rule.tangents.items()]
    texts += [(f"adjoint for {p}", t, {"g"}) for p, t in rule.adjoints.items()]
    for param in list(rule.tangents) + list(rule.adjoints):
        if param not in rule.params:
            raise UsageError(f"defrule: a rule for `{param}`, which is not one of the "
                             f"parameters {rule.params}", hint="name them with params=(...)",
                             **where)
    for what, text, extra in texts:
        if text is None:
            continue
        if not isinstance(text, str):
            raise UsageError(f"defrule: the {what} is {text!r}, not the text of an expression",
                             **where)
        try:
            tree = ast.parse(text.strip(), mode="eval")
        except SyntaxError as err:
            raise UsageError(f"defrule: the {what} is not a Python expression: {text!r} "
                             f"({err.msg})", construct=text, **where) from None
        unknown = sorted({n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
                         - known - extra)
        if unknown:
            readable = ", ".join(list(rule.params) + ["out"] + sorted(extra))
            raise UsageError(f"defrule: the {what} reads {', '.join(unknown)}, which it cannot "
                             f"see: {text!r}", construct=text,
                             hint=f"write it with {readable}, np and math (or names of the "
                                  "module that calls defrule)", **where)


def _forget_generated_code() -> None:
    """Derivatives built before a rule changed must be built again."""
    from .dispatch import clear_cache  # (dispatch builds with the rules: it comes later)
    clear_cache()


def check_rule(func: Callable, *args, rtol: float = 1e-6) -> None:
    """Compare ``func``'s registered rule with central differences at ``args``, in forward mode
    (the jvp along random tangents) and reverse mode (the dot-product test); raises
    ``AssertionError`` naming the direction that disagrees."""
    from .api import jvp, vjp
    from .numeric import numeric_jacobian

    positions = tuple(range(len(args)))
    caller = _call_through(func, len(args))
    rng = np.random.default_rng(0)
    tangents = [rng.standard_normal(np.shape(a)) if np.ndim(a) else 0.7 for a in args]
    value, derivative = jvp(caller, wrt=positions)(*args, *tangents)
    expected = sum(np.tensordot(numeric_jacobian(caller, *args, wrt=p), t, axes=np.ndim(t))
                   for p, t in zip(positions, tangents))
    if not np.allclose(derivative, expected, rtol=rtol, atol=rtol):
        raise AssertionError(f"forward rule of {func.__name__} disagrees with differences: "
                             f"{derivative} vs {expected}")
    cotangent = rng.standard_normal(np.shape(value)) if np.ndim(value) else 0.37
    _, grads = vjp(caller, wrt=positions)(*args, cotangent)
    grads = grads if isinstance(grads, tuple) else (grads,)
    left = np.sum(cotangent * derivative)
    right = sum(np.sum(g * t) for g, t in zip(grads, tangents))
    if not np.isclose(left, right, rtol=rtol, atol=rtol):
        raise AssertionError(f"reverse rule of {func.__name__} disagrees with its forward rule: "
                             f"<u, J v> = {left} but <J^T u, v> = {right}")


def _call_through(func: Callable, count: int) -> Callable:
    """A plain Python function calling ``func``, so the rule is exercised as users meet it."""
    import linecache
    params = ", ".join(f"a{k}" for k in range(count))
    text = f"def call_{func.__name__}({params}):\n    return rule_under_test({params})\n"
    filename = f"<sourcead: check_rule {func.__name__}>"
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    namespace = {"rule_under_test": func, "np": np}
    exec(compile(text, filename, "exec"), namespace)
    return namespace[f"call_{func.__name__}"]
