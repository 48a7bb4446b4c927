"""Objects built inside the differentiated function, as records of their attributes.

In: a parsed function that builds an object of a class of the user's and uses it
(``layer = Dense(W, b); return layer.apply(x)``; ``layers = [Dense(W1, b1), Dense(W2, b2)];
for layer in layers: x = layer(x)``). Out: the same function without the object, where the
class's ``__init__`` only stores attributes (``self.W = W``): each attribute is a local
variable (``layer_W = W``), ``layer.W`` reads it, and each method it calls is lifted into a
function of its own that takes the attributes it reads as keyword parameters
(``Dense_apply(x, self_W=layer_W, self_b=layer_b)``): a value of the derivative flows through
them like any other. A loop over a list of such objects runs once per object.

The lifted method keeps its class's module as its environment; the build reads the method
through the class (a recorded lookup), so the derivative checks that the class still has
that method's code each time it runs. Anything else (an ``__init__`` that does more than
store, a method that writes ``self``, the object passed on or returned) is left as it was,
for the later stages to take or refuse.
"""
from __future__ import annotations

import copy
import dataclasses
import inspect
from types import FunctionType
from typing import Any

import gast

from .callees import _NOT_STATIC, body_for, static_value
from .naming import Namer
from .parse import LIFTED, Environment, Parsed, _compiled, _literal, _read, is_code
from .rules.template import assign, name, name_nodes, names_in, walk


@dataclasses.dataclass
class _Record:
    """An object built in the function: its class, where the class was read from, and the
    local variable holding each attribute."""
    cls: type
    base: str
    steps: tuple
    attrs: dict[str, str]


def inline_records(parsed: Parsed) -> Parsed:
    tree, env = parsed.tree, parsed.env
    if not any(_builds_an_object(s, env) for s in tree.body):
        return parsed
    tree = copy.deepcopy(tree)
    namer = Namer(names_in(tree) | set(env.globals) | set(env.closure))
    counts: dict[str, int] = {}
    for n in name_nodes(tree):
        if isinstance(n.ctx, gast.Store):
            counts[n.id] = counts.get(n.id, 0) + 1
    records: dict[str, _Record] = {}
    lists: dict[str, list[str]] = {}
    box = {"env": env}   # (the environment, with the functions objects are built with)
    body: list[gast.stmt] = []
    for stmt in tree.body:
        made = _built(stmt, box, namer, counts, records, lists)
        if made is not None:
            body += made
            continue
        _index_records(stmt, lists)
        if _aliased(stmt, counts, records):
            continue
        unrolled = _unrolled(stmt, lists)
        body += unrolled if unrolled is not None else [stmt]
    if not records:
        return parsed
    env = box["env"]
    tree.body = body
    if not _only_attribute_uses(tree, records):
        return parsed
    env = _replace_uses(tree, env, namer, records)
    if any(n.id in records for n in name_nodes(tree)):
        return parsed   # (a use it could not replace: a class attribute, a method not lifted)
    return Parsed(tree, env)


def _builds_an_object(stmt: gast.stmt, env: Environment) -> bool:
    """``v = C(...)`` or ``vs = [C(...), ...]`` with ``C`` a class the environment holds."""
    if not (isinstance(stmt, gast.Assign) and len(stmt.targets) == 1):
        return False
    value = stmt.value
    calls = [value] if isinstance(value, gast.Call) else list(value.elts) if isinstance(
        value, (gast.List, gast.Tuple)) else []
    for call in calls:
        if isinstance(call, gast.Call):
            found = static_value(call.func, env)
            if isinstance(found, tuple) and isinstance(found[0], type):
                return True
    return False


def _built(stmt: gast.stmt, box: dict, namer: Namer, counts: dict,
           records: dict, lists: dict) -> list[gast.stmt] | None:
    """``v = C(...)`` or ``vs = [C(...), C(...)]``: the statements storing the attributes."""
    if not (isinstance(stmt, gast.Assign) and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], gast.Name) and counts.get(stmt.targets[0].id) == 1):
        return None
    target = stmt.targets[0].id
    if isinstance(stmt.value, gast.Call):
        return _construct(stmt.value, target, stmt, box, namer, records)
    if isinstance(stmt.value, (gast.List, gast.Tuple)) and stmt.value.elts and all(
            isinstance(e, gast.Call) for e in stmt.value.elts):
        out, names = [], []
        for k, element in enumerate(stmt.value.elts):
            ident = namer.fresh(f"{target}_{k}")
            made = _construct(element, ident, stmt, box, namer, records)
            if made is None:
                for n in names:
                    records.pop(n, None)
                return None
            out += made
            names.append(ident)
        lists[target] = names
        return out
    return None


def _construct(call: gast.Call, target: str, where: gast.stmt, box: dict,
               namer: Namer, records: dict) -> list[gast.stmt] | None:
    env = box["env"]
    found = static_value(call.func, env)
    if found is None or not isinstance(found, tuple) or not isinstance(found[0], type):
        return None
    cls, base, steps = found
    stores = _init_stores(cls, env)
    if stores is None or any(isinstance(a, gast.Starred) for a in call.args) \
            or any(k.arg is None for k in call.keywords):
        return None
    init = cls.__dict__["__init__"]
    try:
        bound = inspect.signature(init).bind(None, *call.args,
                                             **{k.arg: k.value for k in call.keywords})
    except TypeError:
        return None
    bound.apply_defaults()
    out, held = [], {}
    for p, value in list(bound.arguments.items())[1:]:
        function = _function_argument(value, p, init, base, steps, env)
        held[p] = namer.fresh(f"{target}_{p}")
        if function is not None:   # a free name: a callee calls it as the function it is
            box["env"] = box["env"].with_names({held[p]: function[0]},
                                               {held[p]: ("via", *function[1:])})
            continue
        literal = value if isinstance(value, gast.AST) else _literal(value)
        if literal is None:
            return None
        out.append(gast.copy_location(assign(held[p], copy.deepcopy(literal)), where))
    attrs = {}
    for attr, expr in stores:
        expr = copy.deepcopy(expr)
        for n in name_nodes(expr):
            n.id = held.get(n.id, n.id)
        if isinstance(expr, gast.Name) and expr.id in held.values() and attr not in attrs:
            attrs[attr] = expr.id
            continue
        attrs[attr] = namer.fresh(f"{target}_{attr}")
        out.append(gast.copy_location(assign(attrs[attr], expr), where))
    records[target] = _Record(cls, base, steps, attrs)
    env.note(base, steps + ("__init__",), init, "object")   # (its code, checked each call)
    return out


def _function_argument(value: Any, param: str, init: FunctionType, base: str, steps: tuple,
                       env: Environment):
    """(function, base, steps) for an argument of ``__init__`` that is a function the
    environment holds (``Dense(W, b, np.tanh)``), or a default that is one
    (``act=np.tanh``, read where the class keeps it); None otherwise."""
    if isinstance(value, gast.AST):
        found = static_value(value, env)
        if found is _NOT_STATIC or not callable(found[0]) or isinstance(found[0], type):
            return None
        return found
    if not callable(value) or isinstance(value, type):
        return None
    names = init.__code__.co_varnames[:init.__code__.co_argcount]
    if param in names:
        index = names.index(param) - (len(names) - len(init.__defaults__ or ()))
        return value, base, steps + ("__init__", "__defaults__", ("item", index))
    return value, base, steps + ("__init__", "__kwdefaults__", ("item", param))


def _init_stores(cls: type, env: Environment) -> list[tuple[str, gast.expr]] | None:
    """(attribute, expression of the parameters) per statement of ``__init__``, if all it
    does is store attributes from its parameters and names the caller sees alike."""
    init = cls.__dict__.get("__init__")
    if not isinstance(init, FunctionType) or not is_code(init) or cls.__bases__ != (object,) \
            or "__slots__" in cls.__dict__:
        return None
    try:
        tree, init_env = _read(init)
    except Exception:  # (no source: not a record sourcead can read)
        return None
    args = tree.args
    if args.vararg or args.kwarg or not args.args:
        return None
    self_name = args.args[0].id
    params = {a.id for a in args.args + args.kwonlyargs}
    stores = []
    for s in tree.body:
        if isinstance(s, gast.Expr) and isinstance(s.value, gast.Constant):
            continue   # (the docstring)
        if not (isinstance(s, gast.Assign) and len(s.targets) == 1
                and isinstance(s.targets[0], gast.Attribute)
                and isinstance(s.targets[0].value, gast.Name)
                and s.targets[0].value.id == self_name):
            return None
        for n in name_nodes(s.value):
            if n.id == self_name or (n.id not in params and init_env.lookup_quiet(n.id)
                                     is not env.lookup_quiet(n.id)):
                return None
        stores.append((s.targets[0].attr, s.value))
    return stores


def _index_records(stmt: gast.stmt, lists: dict[str, list[str]]) -> None:
    """``layers[0]`` (a constant index into a list of records) -> the record itself."""
    if not lists:
        return
    for node in walk(stmt):
        for field, child in list(gast.iter_fields(node)):
            items = child if isinstance(child, list) else [child]
            for k, item in enumerate(items):
                if isinstance(item, gast.Subscript) and isinstance(item.value, gast.Name) \
                        and item.value.id in lists and isinstance(item.slice, gast.Constant) \
                        and type(item.slice.value) is int \
                        and -len(lists[item.value.id]) <= item.slice.value \
                        < len(lists[item.value.id]):
                    items[k] = gast.copy_location(
                        name(lists[item.value.id][item.slice.value]), item)
                    if not isinstance(child, list):
                        setattr(node, field, items[k])


def _aliased(stmt: gast.stmt, counts: dict, records: dict) -> bool:
    """``layer = layers_0`` (assigned once): another name of the same record."""
    if isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 \
            and isinstance(stmt.targets[0], gast.Name) and counts.get(stmt.targets[0].id) == 1 \
            and isinstance(stmt.value, gast.Name) and stmt.value.id in records:
        records[stmt.targets[0].id] = records[stmt.value.id]
        return True
    return False


def _class_constant(cls: type, attr: str) -> bool:
    """A value the class itself keeps (``bias = 0.5`` in its body), not a method."""
    value = cls.__dict__.get(attr)
    return attr in cls.__dict__ and not attr.startswith("__") and not callable(value) \
        and not isinstance(value, (property, staticmethod, classmethod))


def _unrolled(stmt: gast.stmt, lists: dict[str, list[str]]) -> list[gast.stmt] | None:
    """``for layer in layers:`` over a list of records: the body once per record."""
    if not (isinstance(stmt, gast.For) and isinstance(stmt.iter, gast.Name)
            and stmt.iter.id in lists and isinstance(stmt.target, gast.Name)
            and not stmt.orelse):
        return None
    if any(isinstance(n, (gast.Break, gast.Continue, gast.Return)) for s in stmt.body
           for n in walk(s)):
        return None
    return [s for ident in lists[stmt.iter.id] for s in body_for(stmt, ident)]


def _only_attribute_uses(tree: gast.FunctionDef, records: dict) -> bool:
    """Every use of a record reads an attribute, calls a method or calls the object."""
    allowed = set()
    for node in walk(tree):
        if isinstance(node, gast.Attribute) and isinstance(node.value, gast.Name) \
                and node.value.id in records:
            allowed.add(id(node.value))
        if isinstance(node, gast.Call) and isinstance(node.func, gast.Name) \
                and node.func.id in records:
            allowed.add(id(node.func))
    return all(id(n) in allowed for n in name_nodes(tree) if n.id in records)


def _replace_uses(tree: gast.FunctionDef, env: Environment, namer: Namer,
                  records: dict) -> Environment:
    lifted: dict[type, dict] = {}
    for node in walk(tree):
        for field, child in list(gast.iter_fields(node)):
            items = child if isinstance(child, list) else [child]
            for k, item in enumerate(items):
                new = _replacement(item, env, namer, records, lifted)
                if new is None:
                    continue
                env, items[k] = new
                if not isinstance(child, list):
                    setattr(node, field, items[k])
    return env


def _replacement(child: Any, env: Environment, namer: Namer, records: dict, lifted: dict):
    """(env, node) replacing ``rec.attr`` or ``rec.method(...)`` / ``rec(...)``; or None."""
    if isinstance(child, gast.Attribute) and isinstance(child.value, gast.Name) \
            and child.value.id in records:
        record = records[child.value.id]
        if child.attr in record.attrs:
            return env, gast.copy_location(name(record.attrs[child.attr]), child)
        if _class_constant(record.cls, child.attr):   # read where the class keeps it
            ident = namer.fresh(f"{record.cls.__name__}_{child.attr}")
            env = env.with_names({ident: record.cls.__dict__[child.attr]},
                                 {ident: ("via", record.base, record.steps + (child.attr,))})
            return env, gast.copy_location(name(ident), child)
        return None
    if not isinstance(child, gast.Call):
        return None
    func = child.func
    if isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name) \
            and func.value.id in records and func.attr not in records[func.value.id].attrs:
        record, method = records[func.value.id], func.attr
    elif isinstance(func, gast.Name) and func.id in records:
        record, method = records[func.id], "__call__"
    else:
        return None
    made = _lift_method(record, method, env, namer, lifted.setdefault(record.cls, {}))
    if made is None:
        return None
    env, ident, used = made
    child.func = gast.copy_location(name(ident), func)
    child.keywords = child.keywords + [gast.keyword(arg=f"self_{a}", value=name(record.attrs[a]))
                                       for a in used]
    return env, child


def _lift_method(record: _Record, method: str, env: Environment, namer: Namer, lifted: dict):
    """(env, name, attributes read) for the method lifted into a function of its arguments
    and the attributes it reads; None if it is not a method of a record."""
    made = _lifted_function(record, method, namer, lifted, set())
    if made is None:
        return None
    fn, ident, used, methods = made
    for m in methods:   # each method's code, checked where the class keeps it
        env.note(record.base, record.steps + (m,), record.cls.__dict__[m], "object")
    return env.with_names({ident: fn}), ident, used


def _lifted_function(record: _Record, method: str, namer: Namer, lifted: dict, active: set):
    func = record.cls.__dict__.get(method)
    if not isinstance(func, FunctionType) or method in active:
        return None
    if method in lifted:
        return lifted[method]
    tree, menv = _read(func)
    args = tree.args
    if not args.args or args.vararg or args.kwarg:
        return None
    self_name = args.args[0].id
    used: set[str] = set()
    methods = {method}
    extra: dict[str, Any] = {}
    for node in walk(tree):   # self.other(...): that method, lifted too
        if isinstance(node, gast.Call) and isinstance(node.func, gast.Attribute) \
                and isinstance(node.func.value, gast.Name) and node.func.value.id == self_name \
                and node.func.attr not in record.attrs:
            inner = _lifted_function(record, node.func.attr, namer, lifted, active | {method})
            if inner is None:
                return None
            fn, ident, inner_used, inner_methods = inner
            methods |= inner_methods
            extra[ident] = fn
            used |= set(inner_used)
            node.func = gast.copy_location(name(ident), node.func)
            node.keywords = node.keywords + [gast.keyword(arg=f"self_{a}", value=name(
                f"self_{a}")) for a in inner_used]
    own_class = menv.globals.get(record.cls.__name__) is record.cls
    for node in walk(tree):
        for field, child in list(gast.iter_fields(node)):
            if not (isinstance(child, gast.Attribute) and isinstance(child.value, gast.Name)
                    and child.value.id == self_name and isinstance(child.ctx, gast.Load)):
                continue
            if child.attr in record.attrs:
                used.add(child.attr)
                setattr(node, field, gast.copy_location(name(f"self_{child.attr}"), child))
            elif own_class and _class_constant(record.cls, child.attr):  # Cls.bias
                child.value = gast.copy_location(name(record.cls.__name__), child.value)
    if any(n.id == self_name for n in name_nodes(tree) if n is not args.args[0]):
        return None   # self used otherwise (passed on, written): not a record
    ordered = sorted(used)
    args.args = args.args[1:]
    args.kwonlyargs = args.kwonlyargs + [gast.Name(id=f"self_{a}", ctx=gast.Param(),
                                                   annotation=None, type_comment=None)
                                         for a in ordered]
    args.kw_defaults = args.kw_defaults + [None] * len(ordered)
    ident = namer.fresh(f"{record.cls.__name__}_{method.strip('_')}")
    tree.name = ident
    menv = dataclasses.replace(menv, owner=func).with_names(extra)
    fn = _compiled(_without_end_positions(tree), menv, {**menv.globals, **menv.closure})
    setattr(fn, LIFTED, (tree, menv))
    lifted[method] = (fn, ident, ordered, methods)
    return lifted[method]


def _without_end_positions(tree: gast.FunctionDef) -> gast.FunctionDef:
    """A copy to compile (a method written as a lambda has end positions before its start
    once it is a ``def``); the lines stay the user's."""
    copied = copy.deepcopy(tree)
    for node in walk(copied):
        if getattr(node, "lineno", None) is not None:
            node.col_offset = getattr(node, "col_offset", None) or 0
            node.end_lineno, node.end_col_offset = node.lineno, node.col_offset
    return copied
