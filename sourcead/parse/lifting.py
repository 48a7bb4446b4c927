"""Lambda lifting: nested functions become functions of their own, their captured values
passed in.
"""
from __future__ import annotations

import copy
from types import FunctionType

import gast

from ..naming import Namer
from ..rules.template import name, name_nodes, names_in, walk
from ..nonlocals import pass_nonlocals
from .common import LIFTED, _lambda_as_def, _own_names, _refuse, _stores
from .environment import Environment


def lift_nested(tree: gast.FunctionDef, env: Environment) -> tuple[gast.FunctionDef, Environment]:
    """Hoist each nested ``def`` and ``lambda`` out of ``tree`` into a function that takes the
    local variables it reads as extra (keyword) parameters; every call passes them. A closure
    reads a variable's value when it is called, which is what the call passes."""
    nested = _nested_functions(tree, env)
    if not nested:
        return tree, env
    pass_nonlocals(tree, nested, lambda node, what, hint: _refuse(node, env, what, hint))
    outer_locals = {p.id for p in tree.args.args} | _stores(tree.body)
    captured = _captured(nested, outer_locals, env)
    for fn in [tree] + list(nested.values()):
        _pass_captured(fn, nested, captured, env)
    for ident, fn in nested.items():
        fn.args.kwonlyargs += [gast.Name(id=c, ctx=gast.Param(), annotation=None, type_comment=None)
                               for c in captured[ident]]
        fn.args.kw_defaults += [None] * len(captured[ident])
    namespace = {**env.globals, **env.closure}
    lifted = {ident: _compiled(fn, env, namespace) for ident, fn in nested.items()}
    namespace.update(lifted)
    lifted_env = env.with_names(lifted)
    for ident, fn in nested.items():
        setattr(lifted[ident], LIFTED, (fn, lifted_env))
    return tree, lifted_env


def _nested_functions(tree: gast.FunctionDef, env: Environment) -> dict[str, gast.FunctionDef]:
    """Nested defs (and ``f = lambda ...``) at the top of the body, taken out of it; other
    lambdas replaced by the name of their lifted function."""
    nested: dict[str, gast.FunctionDef] = {}
    body = []
    for s in tree.body:
        if isinstance(s, gast.FunctionDef):
            if s.decorator_list:
                raise _refuse(s, env, "decorated nested `def`",
                              "define the decorated function at module level")
            nested[s.name] = s
        elif isinstance(s, gast.Assign) and len(s.targets) == 1 and isinstance(
                s.targets[0], gast.Name) and isinstance(s.value, gast.Lambda):
            nested[s.targets[0].id] = _lambda_as_def(s.value, s.targets[0].id, s)
        else:
            body.append(s)
    tree.body = body
    namer = Namer(names_in(tree) | set(nested) | set(env.globals) | set(env.closure))
    for node in _outer_nodes(tree):
        for field_name, child in list(gast.iter_fields(node)):
            values = child if isinstance(child, list) else [child]
            for k, v in enumerate(values):
                if isinstance(v, gast.Lambda):
                    ident = namer.fresh("lambda")
                    nested[ident] = _lambda_as_def(v, ident, v)
                    values[k] = gast.copy_location(name(ident), v)
                elif isinstance(v, (gast.FunctionDef, gast.ClassDef)) and node is not tree:
                    what = "nested `def` inside a block" if isinstance(v, gast.FunctionDef) \
                        else "class definition"
                    raise _refuse(v, env, what, "define it once, at the top level of the "
                                  "function (or at module level)")
            if not isinstance(child, list) and isinstance(child, gast.Lambda):
                setattr(node, field_name, values[0])
    stored = _stores(tree.body)
    for ident, fn in nested.items():
        if ident in stored:
            raise _refuse(fn, env, f"nested function `{ident}` whose name is assigned again",
                          "give the function and the other value different names")
        for n in walk(fn):   # (one at the top of the function's body: nonlocals.py)
            if isinstance(n, gast.Nonlocal) and n not in fn.body:
                raise _refuse(n, env, "`nonlocal` statement inside a block or a deeper function",
                              "declare it at the top of the nested function's body")
        for d in fn.args.defaults + [d for d in fn.args.kw_defaults if d is not None]:
            if not isinstance(d, gast.Constant):
                raise _refuse(d, env, "default value of a nested function that is not a constant",
                              "write the default as a constant, or pass the value")
    return nested


def _outer_nodes(tree: gast.FunctionDef):
    """Nodes of ``tree`` outside lambdas (an inner lambda is lifted with its outer one)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for child in gast.iter_child_nodes(node):
            if not isinstance(child, (gast.Lambda, gast.FunctionDef)):
                stack.append(child)


def _captured(nested: dict[str, gast.FunctionDef], outer_locals: set[str],
              env: Environment) -> dict[str, list[str]]:
    """The outer local variables each nested function reads, directly or through another
    nested function it calls."""
    reads = {}
    for ident, fn in nested.items():
        free = {n.id for n in name_nodes(fn)
                if isinstance(n.ctx, gast.Load)} - _own_names(fn)
        reads[ident] = free
    captured = {ident: (reads[ident] & outer_locals) for ident in nested}
    changed = True
    while changed:
        changed = False
        for ident in nested:
            more = set().union(*[captured[o] for o in reads[ident] & set(nested)]) \
                - _own_names(nested[ident]) - captured[ident]
            if more:
                captured[ident] |= more
                changed = True
    return {ident: sorted(c) for ident, c in captured.items()}


def _pass_captured(fn: gast.FunctionDef, nested: dict, captured: dict, env: Environment) -> None:
    """Calls of a lifted function pass the variables it captured, by keyword."""
    calls = set()
    for node in walk(fn):
        if isinstance(node, gast.Call) and isinstance(node.func, gast.Name) \
                and node.func.id in nested and captured[node.func.id]:
            node.keywords = node.keywords + [gast.keyword(arg=c, value=name(c))
                                             for c in captured[node.func.id]]
            calls.add(id(node.func))
    for node in walk(fn):
        if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Load) \
                and node.id in nested and captured[node.id] and id(node) not in calls \
                and node.id not in _own_names(fn):
            reads = ", ".join(captured[node.id])
            if node.id.startswith("lambda"):   # (a lifted inline lambda: the user named none)
                raise _refuse(node, env, f"`lambda` that reads the local variables {reads}, "
                              "used as a value", "write out what the function receiving it "
                              "does with it (for `functools.reduce(f, xs)`, a `for` loop over "
                              "`xs`), or define a function that takes "
                              f"{reads} as arguments and call it where it is needed")
            raise _refuse(node, env, f"nested function `{node.id}` used as a value",
                          f"call `{node.id}` directly: it reads the local variables "
                          f"{reads}, which a function receiving it "
                          "cannot see; or pass them as arguments")


def _compiled(fn: gast.FunctionDef, env: Environment, namespace: dict) -> FunctionType:
    """A real function object for a lifted tree (for calls that need no derivative)."""
    import ast
    module = gast.gast_to_ast(gast.Module(body=[copy.deepcopy(fn)], type_ignores=[]))
    ast.fix_missing_locations(module)
    exec(compile(module, env.filename, "exec"), namespace)
    return namespace[fn.name]
