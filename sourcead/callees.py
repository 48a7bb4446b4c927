"""Functions chosen while the function runs, resolved where the build can know them.

In: a parsed function whose calls may go through a value it looked up itself
(``act = ACTIVATIONS[name]; act(x)``, ``cfg["loss"](pred, y)``, ``fn = relu; fn(x)``,
``layer = LAYERS[0]; layer.apply(x)``). Out: the same function where each such value, when
constants decide it (a dict entry with a constant key, an attribute of a known object, a
name of a module), is a free name of the ``Environment`` read through the same steps
(slot ``("via", name, steps)``): the build records the read, so the derivative reads the
value again from where it lives every time it runs, and checks that it is still the same
function (or code) it was built for; a changed key or entry builds it again. A callee that
depends on a value known only when the function runs (a key passed as an argument) is
refused, with the rewrite that fits.
"""
from __future__ import annotations

import copy
import inspect
from types import ModuleType
from typing import Any

import gast
import numpy as np

from .errors import UnsupportedSyntaxError
from .naming import Namer
from .parse import MISSING, Environment, Parsed
from .rules.template import name, name_nodes, names_in, walk

_NOT_STATIC = object()


def resolve_callees(parsed: Parsed) -> Parsed:
    """``parsed`` with callees that constants decide made free names of the environment."""
    tree, env = parsed.tree, parsed.env
    params = {a.id for a in tree.args.args}
    _refuse_parameter_callees(tree, env, params)
    if not _worth_a_look(tree, env):
        return parsed
    tree = copy.deepcopy(tree)
    stores = _store_counts(tree)
    namer = Namer(names_in(tree) | set(env.globals) | set(env.closure))
    env, aliases = _resolve_aliases(tree, env, stores, params)
    env, loops = _unroll_static_loops(tree, env, namer, stores)
    env, calls = _resolve_computed_calls(tree, env, namer)
    if not aliases and not calls and not loops:
        return parsed
    return Parsed(tree, env)


def _worth_a_look(tree: gast.FunctionDef, env: Environment) -> bool:
    """Whether a statement of the kinds this pass changes is there (most functions have
    none: they are not copied)."""
    for node in walk(tree):
        if isinstance(node, gast.Call) and isinstance(node.func, gast.Call):
            return True
        if isinstance(node, gast.Call) and _has_item(node.func):
            return True
        if isinstance(node, gast.For) and isinstance(node.target, gast.Name) and isinstance(
                node.iter, (gast.Tuple, gast.List, gast.Name, gast.Attribute, gast.Subscript)):
            return True
    for stmt in tree.body:
        if _single_target(stmt) is None:
            continue
        if isinstance(stmt.value, gast.Call):
            maker = static_value(stmt.value.func, env)
            if maker is not _NOT_STATIC and getattr(maker[0], "__module__", None) \
                    == "sourcead.api":
                return True
            continue
        if isinstance(stmt.value, gast.Subscript):
            return True   # (a key known only when it runs is refused with a rewrite)
        found = static_value(stmt.value, env)
        if found is not _NOT_STATIC and _callee_like(found[0]):
            return True
    return False


def _store_counts(tree: gast.FunctionDef) -> dict[str, int]:
    counts: dict[str, int] = {}
    for n in name_nodes(tree):
        if isinstance(n.ctx, gast.Store):
            counts[n.id] = counts.get(n.id, 0) + 1
    return counts


def _resolve_aliases(tree: gast.FunctionDef, env: Environment, stores: dict[str, int],
                     params: set[str]) -> tuple[Environment, bool]:
    """``act = ACTIVATIONS["relu"]`` at the top of the body, ``act`` assigned nowhere else:
    the statement goes, and ``act`` is a free name read through those steps."""
    kept, changed = [], False
    for stmt in tree.body:
        target = _single_target(stmt)
        if target is None or stores.get(target, 0) != 1 or target in params:
            kept.append(stmt)
            continue
        made = derivative_made(stmt.value, env)
        if made is not _NOT_STATIC:
            env = env.with_names({target: made})
            changed = True
            continue
        found = static_value(stmt.value, env)
        if found is _NOT_STATIC or not _callee_like(found[0]):
            _refuse_runtime_choice(stmt, target, tree, env)
            kept.append(stmt)
            continue
        value, base, steps = found
        env = env.with_names({target: value}, {target: ("via", base, steps)})
        changed = True
    tree.body = kept
    return env, changed


def _single_target(stmt: gast.stmt) -> str | None:
    if isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 \
            and isinstance(stmt.targets[0], gast.Name) \
            and isinstance(stmt.value, (gast.Name, gast.Attribute, gast.Subscript, gast.Call)):
        return stmt.targets[0].id
    return None


_MAKERS = ("grad", "jvp")   # (their derivatives are differentiated through their code)
_REFUSED_MAKERS = {
    "vjp": "for a function returning a number, `cotangent * sourcead.grad(f)(x)` is its vjp "
           "(and `sourcead.jvp(f)(x, v)` pushes a direction forward); both can be "
           "differentiated again",
    "hessian": "differentiate `sourcead.grad(f)` again instead (`sourcead.jvp(sourcead.grad(f))"
               "(x, v)` is a Hessian-vector product), or compute the Hessian outside",
    "jacobian": "use `sourcead.jvp(f)(x, v)` for the directions you need (it can be "
                "differentiated again), or compute the Jacobian outside",
}


def derivative_made(node: gast.expr, env: Environment):
    """``sourcead.grad(inner)`` or ``sourcead.jvp(inner, wrt=1)`` with every argument a
    known function or a constant: the derivative, made now; ``_NOT_STATIC`` otherwise. The
    build depends on which function each argument is (checked each call)."""
    if not isinstance(node, gast.Call) or any(k.arg is None for k in node.keywords):
        return _NOT_STATIC
    maker = static_value(node.func, env)
    if maker is _NOT_STATIC or getattr(maker[0], "__module__", None) != "sourcead.api":
        return _NOT_STATIC
    if getattr(maker[0], "__name__", None) in _REFUSED_MAKERS:
        what = maker[0].__name__
        raise UnsupportedSyntaxError(
            f"cannot differentiate a call of `sourcead.{what}(...)` inside a function being "
            "differentiated", filename=env.filename, lineno=getattr(node, "lineno", None),
            construct=f"sourcead.{what}(...)(...)", hint=_REFUSED_MAKERS[what])
    if getattr(maker[0], "__name__", None) not in _MAKERS:
        return _NOT_STATIC
    values = [_argument_value(a, env) for a in list(node.args) + [k.value for k in node.keywords]]
    if any(v is _NOT_STATIC for v in values):
        return _NOT_STATIC
    plain, keywords = values[:len(node.args)], dict(zip([k.arg for k in node.keywords],
                                                        values[len(node.args):]))
    try:
        return maker[0](*plain, **keywords)
    except Exception:   # (the maker's own complaint comes when the call runs)
        return _NOT_STATIC


def _argument_value(arg: gast.expr, env: Environment):
    """A constant (``wrt=(0, 1)``), a derivative made the same way, or a function the
    environment holds (which one it is, the build depends on: checked each call)."""
    if isinstance(arg, gast.Constant):
        return arg.value
    if isinstance(arg, gast.Tuple):
        items = [_argument_value(e, env) for e in arg.elts]
        return _NOT_STATIC if any(i is _NOT_STATIC for i in items) else tuple(items)
    if isinstance(arg, gast.Call):   # sourcead.jvp(sourcead.grad(f))
        return derivative_made(arg, env)
    found = static_value(arg, env)
    if found is _NOT_STATIC or isinstance(found[0], np.ndarray):
        return _NOT_STATIC
    value, base, steps = found
    env.note(base, steps, value, "equal")
    return value


def _unroll_static_loops(tree: gast.FunctionDef, env: Environment, namer: Namer,
                         stores: dict[str, int]) -> tuple[Environment, bool]:
    """``for layer in LAYERS: x = layer(x)`` over a list or tuple of functions or objects the
    environment holds: the body once per element, each a free name read through
    ``LAYERS[k]``. The derivative depends on the list's length and its elements' kinds
    (checked each call, with each element's code)."""
    changed = False

    def block(stmts: list[gast.stmt]) -> list[gast.stmt]:
        nonlocal env, changed
        out = []
        for stmt in stmts:
            for field in ("body", "orelse", "finalbody"):
                if isinstance(getattr(stmt, field, None), list):
                    setattr(stmt, field, block(getattr(stmt, field)))
            elements = _static_elements(stmt, env, stores)
            if elements is None:
                out.append(stmt)
                continue
            for k, (value, base, steps) in enumerate(elements):
                ident = namer.fresh(f"{stmt.target.id}_{k}")
                env = env.with_names({ident: value}, {ident: ("via", base, steps)})
                out.extend(body_for(stmt, ident))
            changed = True
        return out

    tree.body = block(tree.body)
    return env, changed


def _static_elements(stmt: gast.stmt, env: Environment, stores: dict[str, int]):
    """[(value, base, steps)] per element a ``for`` over known callables runs with; None if
    it is not such a loop."""
    if not (isinstance(stmt, gast.For) and isinstance(stmt.target, gast.Name)
            and not stmt.orelse and stores.get(stmt.target.id) == 1):
        return None
    if any(isinstance(n, (gast.Break, gast.Continue, gast.Return, gast.FunctionDef))
           for s in stmt.body for n in walk(s)):
        return None
    if isinstance(stmt.iter, (gast.Tuple, gast.List)):
        found = [static_value(e, env) for e in stmt.iter.elts]
        if not found or any(f is _NOT_STATIC or not _callee_like(f[0]) for f in found):
            return None
        return found
    found = static_value(stmt.iter, env)
    if found is _NOT_STATIC or not isinstance(found[0], (list, tuple)) or not found[0] \
            or not all(_callee_like(v) for v in found[0]):
        return None
    value, base, steps = found
    env.note(base, steps, value)   # (its kind: its length, and each element's class)
    return [(v, base, steps + (("item", k),)) for k, v in enumerate(value)]


def _resolve_computed_calls(tree: gast.FunctionDef, env: Environment, namer: Namer
                            ) -> tuple[Environment, bool]:
    """``cfg["loss"](pred, y)``: the callee becomes a free name read through those steps."""
    changed = False
    for node in walk(tree):
        if isinstance(node, gast.Call) and isinstance(node.func, gast.Call):
            made = derivative_made(node.func, env)
            if made is not _NOT_STATIC:
                ident = namer.fresh(made.__name__)
                env = env.with_names({ident: made})
                node.func = gast.copy_location(name(ident), node.func)
                changed = True
            continue
        if not (isinstance(node, gast.Call) and _has_item(node.func)):
            continue
        found = static_value(node.func, env)
        if found is _NOT_STATIC or not callable(found[0]):
            continue
        value, base, steps = found
        ident = namer.fresh(_readable(node.func))
        env = env.with_names({ident: value}, {ident: ("via", base, steps)})
        node.func = gast.copy_location(name(ident), node.func)
        changed = True
    return env, changed


def _has_item(node: gast.expr) -> bool:
    while isinstance(node, (gast.Attribute, gast.Subscript)):
        if isinstance(node, gast.Subscript):
            return True
        node = node.value
    return False


def _readable(node: gast.expr) -> str:
    """``CFG["loss"]`` -> ``CFG_loss`` (the name generated code calls it by)."""
    if isinstance(node, gast.Name):
        return node.id
    if isinstance(node, gast.Attribute):
        return f"{_readable(node.value)}_{node.attr}"
    if isinstance(node, gast.Subscript) and isinstance(node.slice, gast.Constant):
        return f"{_readable(node.value)}_{node.slice.value}"
    return f"{_readable(node.value)}_item" if isinstance(node, gast.Subscript) else "callee"


def static_value(node: gast.expr, env: Environment):
    """(value, base name, steps) for ``name``, ``a.b`` or ``a["k"]`` (chains of them) that
    the environment and constants decide; ``_NOT_STATIC`` otherwise. Keys read from names
    are noted as constants of the derivative."""
    if isinstance(node, gast.Name):
        value = env.lookup_quiet(node.id)
        return _NOT_STATIC if value is MISSING else (value, node.id, ())
    if not isinstance(node, (gast.Attribute, gast.Subscript)):
        return _NOT_STATIC
    found = static_value(node.value, env)
    if found is _NOT_STATIC or isinstance(found[0], np.ndarray):
        return _NOT_STATIC
    base_value, base, steps = found
    if isinstance(node, gast.Attribute):
        try:  # a property runs code: only plain attributes are read
            if isinstance(inspect.getattr_static(base_value, node.attr), property):
                return _NOT_STATIC
        except AttributeError:
            return _NOT_STATIC
        value = getattr(base_value, node.attr, MISSING)
        return _NOT_STATIC if value is MISSING else (value, base, steps + (node.attr,))
    if not isinstance(base_value, (dict, list, tuple)):
        return _NOT_STATIC
    key = _static_key(node.slice, env)
    if key is _NOT_STATIC:
        return _NOT_STATIC
    try:
        value = base_value[key]
    except (KeyError, IndexError, TypeError):
        return _NOT_STATIC
    return value, base, steps + (("item", key),)


def _static_key(node: gast.expr, env: Environment):
    """A key written as a constant, or read from a name the environment holds (whose value
    the derivative then depends on)."""
    if isinstance(node, gast.Constant) and isinstance(node.value, (str, int)) \
            and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, (gast.Name, gast.Attribute)):
        found = static_value(node, env)
        if found is _NOT_STATIC or not isinstance(found[0], (str, int)) \
                or isinstance(found[0], bool):
            return _NOT_STATIC
        value, base, steps = found
        env.note_constant(base, steps, value)
        return value
    return _NOT_STATIC


def _callee_like(value: Any) -> bool:
    """A value a call can go through: a function, a module, or an object of a class of
    the user's (whose methods are called); not data, which flows as values do."""
    if isinstance(value, (np.ndarray, np.generic, int, float, complex, str, bytes, list,
                          tuple, dict, set, type(None))):
        return False
    return callable(value) or isinstance(value, ModuleType) or (
        type(value).__module__ not in ("builtins", "numpy") and hasattr(value, "__dict__"))


def _refuse_runtime_choice(stmt: gast.Assign, target: str, tree: gast.FunctionDef,
                           env: Environment) -> None:
    """``act = ACTIVATIONS[name]`` with ``name`` known only when the function runs, then
    ``act(x)``: which function runs is not known when the derivative is built."""
    value = stmt.value
    if not isinstance(value, gast.Subscript):
        return
    table = static_value(value.value, env)
    if table is _NOT_STATIC or not isinstance(table[0], dict) or not table[0] \
            or not all(callable(v) for v in table[0].values()):
        return
    varied = _depends_on_parameters(tree)
    if not any(isinstance(n, gast.Call) and isinstance(n.func, gast.Name)
               and n.func.id == target and any(m.id in varied for a in n.args
                                               for m in name_nodes(a)) for n in walk(tree)):
        return   # (a call of it on constants only: nothing to differentiate through it)
    table_text, key_text = _source_text(value.value), _source_text(value.slice)
    first = next(iter(table[0]))
    raise UnsupportedSyntaxError(
        f"cannot differentiate a call of `{target}`, chosen from `{table_text}` by a key "
        "known only when the function runs", filename=env.filename,
        lineno=getattr(stmt, "lineno", None), construct=f"{target} = {table_text}[{key_text}]",
        hint=f"make `{key_text}` a constant (a default argument, or a module-level name), so "
             f"the derivative is built for the function it picks; or branch on it: "
             f"`if {key_text} == {first!r}: y = {table_text}[{first!r}](...)`")


def _refuse_parameter_callees(tree: gast.FunctionDef, env: Environment, params: set[str]
                              ) -> None:
    """``act(x)`` or ``cfg["loss"](pred, y)`` where ``act`` or ``cfg`` is an argument of the
    differentiated function: which function runs is a value of the call, not of the code."""
    varied = None
    for node in walk(tree):
        if not isinstance(node, gast.Call):
            continue
        base = node.func
        while isinstance(base, (gast.Attribute, gast.Subscript)):
            base = base.value
        if not (isinstance(base, gast.Name) and base.id in params) or (
                isinstance(node.func, gast.Attribute) and node.func.value is base):
            continue   # (a method of an argument: found from its class, later)
        varied = varied if varied is not None else _depends_on_parameters(tree)
        if not any(n.id in varied for a in list(node.args) + [k.value for k in node.keywords]
                   for n in name_nodes(a)):
            continue
        text, owner = _source_text(node.func), tree.name
        raise UnsupportedSyntaxError(
            f"cannot differentiate a call of `{text}`, a function given as an argument",
            filename=env.filename, lineno=getattr(node, "lineno", None),
            construct=f"{text}(...)",
            hint=f"fix the argument, so the derivative is built for the function it holds: "
                 f"`sourcead.grad(functools.partial({owner}, {base.id}=...))`, or give "
                 f"`{base.id}` a default (`def {owner}(..., {base.id}=...)`)")


def _depends_on_parameters(tree: gast.FunctionDef) -> set[str]:
    """The parameters and every variable assigned from an expression that reads one."""
    varied = {a.id for a in tree.args.args}
    changed = True
    while changed:
        changed = False
        for node in walk(tree):
            if isinstance(node, (gast.Assign, gast.AugAssign, gast.For)):
                value = node.iter if isinstance(node, gast.For) else node.value
                targets = node.targets if isinstance(node, gast.Assign) else [node.target]
                if any(n.id in varied for n in name_nodes(value)):
                    new = {n.id for t in targets for n in name_nodes(t)} - varied
                    varied |= new
                    changed = changed or bool(new)
    return varied


def _source_text(node: gast.expr) -> str:
    import astor  # (only for the message)
    return astor.to_source(gast.gast_to_ast(node)).strip()


def body_for(loop: gast.For, ident: str) -> list[gast.stmt]:
    """A copy of the loop's body for one element, its target read as ``ident`` (a loop over
    known functions or records unrolled)."""
    out = []
    for s in loop.body:
        copied = copy.deepcopy(s)
        for n in name_nodes(copied):
            if n.id == loop.target.id:
                n.id = ident
        out.append(copied)
    return out
