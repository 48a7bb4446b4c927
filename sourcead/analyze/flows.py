"""The fence of the analysis: a differentiated value reaches an output only through a rule.

In: a normalized function, its Environment, the kinds of its variables, the differentiated
parameters and the outputs. ``analyze_activity`` runs the check last, for every function it
analyses (a user's, a callee, generated code being differentiated again), so neither mode
and no callee can be reached around it.
Out: ``reads_of`` says how one operation reads each variable: ``through`` a derivative the
transformations give (an argument of a rule row, of a user function sourcead reads, an
element of a container written out, the array or container an index reads), with a
derivative that is ``zero`` (comparisons, integer-valued rows, the index itself, shapes, the
arguments a row declares constant), or neither: ``unruled``. ``refuse_unruled_flows``
raises a ``NoDerivativeError`` (the user's file, line and construct, and a rewrite) where a
value that depends on a differentiated parameter flows unruled into an operation whose
result reaches an output, or that may write into a value that does.

There is no list of offenders here: what is not known to give a derivative or a zero is
refused. Activity itself (``activity.py``) follows only the ``through`` reads, so without
this check an unruled read would be a derivative silently dropped.
"""
from __future__ import annotations

import builtins
import functools
import inspect
import math
import statistics
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

import gast
import numpy as np

from ..errors import NoDerivativeError
from ..parse import MISSING, Environment
from ..rules import Rule
from ..rules.template import loaded_names
from .kinds import Kind, NONE
from .operations import (_INTEGER_ATTRIBUTES, METHOD_HINT, bound_arguments,
                         differentiable_operands, dotted, hint_for, indexer, method, operands,
                         operation, operation_function, stack_pop)


@dataclass(frozen=True)
class Reads:
    """How an operation reads the variables it reads (see the module docstring), and what
    about the operation leaves the ``unruled`` ones without a derivative (for the message)."""
    through: frozenset[str]
    zero: frozenset[str]
    unruled: frozenset[str]
    why: str = ""


def reads_of(value: gast.expr, env: Environment, kinds: Mapping[str, Kind]) -> Reads:
    """Every variable ``value`` reads, in exactly one of three classes. A read the analysis
    would call ``through`` but the transformations do not differentiate through
    (``differentiable_operands``) is unruled: the two can never disagree silently."""
    names = loaded_names(value)
    through, zero, why = _classify(value, env, kinds)
    through = through & differentiable_operands(value, env)
    zero = (zero & names) - through
    return Reads(frozenset(through), frozenset(zero), frozenset(names - through - zero), why)


def _classify(value: gast.expr, env: Environment, kinds: Mapping[str, Kind]):
    """(through, zero, why) for one operation; the rest of its reads are unruled."""
    names = loaded_names(value)
    if isinstance(value, (gast.Compare, gast.BoolOp, gast.Constant)) or (
            isinstance(value, gast.UnaryOp) and isinstance(value.op, gast.Not)):
        return set(), names, ""  # a truth value
    if isinstance(value, gast.Name):
        return {value.id}, set(), ""
    if stack_pop(value) is not None:
        return {stack_pop(value)}, set(), ""
    if isinstance(value, (gast.Tuple, gast.List)):
        return _names(value.elts), set(), "an element that is not a variable"
    if isinstance(value, gast.Dict):  # a key selects (a piecewise constant), a value flows
        return _names(value.values), {n for k in value.keys if k is not None
                                      for n in loaded_names(k)}, ""
    op = operation(value, env)
    if _on_object(value, kinds) and method(value, env) is not None:
        return set(), set(), ""  # named like an array's method (x.sum()), it runs its own code
    if isinstance(value, gast.Subscript) and op.rule is None:
        return _index(value, env, kinds)
    if isinstance(value, gast.Attribute) and op.rule is None:
        integer = value.attr in _INTEGER_ATTRIBUTES and not _is_object(value.value, kinds)
        return set(), names if integer else set(), ""
    if op.user is not None:
        return set(operands(value)), set(), ""
    if op.rule is None:
        return set(), set(), ""
    return _by_row(value, op.rule, env, kinds)


def _names(nodes: Iterable[gast.expr]) -> set[str]:
    return {n.id for n in nodes if isinstance(n, gast.Name)}


_CONTAINERS = (np.ndarray, list, tuple, dict, str, bytes, int, float, np.generic)


def _index(value: gast.Subscript, env: Environment, kinds: Mapping[str, Kind]):
    """``a[i]``: ``a`` flows (an element, a part); the index only selects, where ``a`` is an
    array or a container (a float index into an array fails when it runs). An object of
    another class indexes with code of its own (``np.s_``, a class with ``__getitem__``):
    nothing is known about it. (A local value of unknown kind is taken for an array: an
    object's class is known where it is a parameter, a global, or made by calling its class
    in the function, see ``values.value_kind``.)"""
    base, index = value.value, loaded_names(value.slice)
    if isinstance(base, gast.Name) and base.id in kinds:  # a local variable
        if kinds[base.id].cls is not None:
            return set(), set(), ""
        return {base.id}, index, ""
    found = env.resolve(base)  # a global, or an attribute of a module or class
    if found is not MISSING and isinstance(found, _CONTAINERS):
        return set(), index, ""
    return set(), set(), ""


def _axes_of(bound: Mapping[str, gast.expr], kinds: Mapping[str, Kind]) -> dict:
    """Each argument the call gives, by param: its number of axes where its kind says it
    (an array's), else None."""
    found = {}
    for param, node in bound.items():
        kind = kinds.get(node.id, NONE) if isinstance(node, gast.Name) else NONE
        known = kind.tag == "array" and kind.dims is not None
        found[param] = len(kind.dims) if known else 0 if kind.tag in ("scalar", "int") \
            else None
    return found


def _is_object(node: gast.expr, kinds: Mapping[str, Kind]) -> bool:
    """A local value that is an instance of a class (not an array or a number)."""
    return isinstance(node, gast.Name) and kinds.get(node.id, NONE).cls is not None


def _by_row(value: gast.expr, rule: Rule, env: Environment, kinds: Mapping[str, Kind]):
    """The arguments a row differentiates flow; those it declares constant are zero;
    arguments it does not know (``out=``, an extra positional one) are unruled."""
    if rule.integer:  # an integer or boolean result: zero, unless it writes an `out` array
        if _writes_out(value, env):
            return set(), set(), "an `out` array to write into"
        if _keys_of_data(value, env, kinds):
            return set(), set(), "an object that is not a dict"
        return set(), loaded_names(value), ""
    bound = bound_arguments(value, rule, env)
    if any(p.startswith("argument ") for p in bound):  # more positional ones than it knows
        extra = [p for p in bound if int(p.split()[1]) > len(rule.params)]
        return set(), set(), ", ".join(extra)
    missing = [p for p in rule.params if p not in bound and p not in rule.defaults]
    if missing:
        return set(), set(), f"fewer arguments than its rule is written for (no {missing[0]})"
    unknown = sorted(f"{p}=" for p in bound if p not in rule.params)
    if rule.refuse_axes is not None and not unknown:
        refused = rule.refuse_axes(_axes_of(bound, kinds))
        if refused:
            return set(), set(), refused
    through, zero, why = set(), set(), ", ".join(unknown)
    for param, node in bound.items():
        if param not in rule.params:
            continue
        if param not in rule.active_params():
            zero |= loaded_names(node)
        elif param in rule.sequences and isinstance(node, (gast.List, gast.Tuple)):
            through |= {e.id for e in node.elts if isinstance(e, gast.Name)
                        and not (rule.indexed and kinds.get(e.id, NONE).tag == "other")}
            why = why or "a tuple in its brackets"
        elif isinstance(node, gast.Name) and (param in rule.sequences or
                                              not _container_for_array(value, node, env, kinds)):
            through.add(node.id)
        elif isinstance(node, gast.Name):
            why = why or "a tuple or dict where its rule expects an array"
    return through, zero, why


def _container_for_array(value: gast.expr, node: gast.Name, env: Environment,
                         kinds: Mapping[str, Kind]) -> bool:
    """A tuple or dict handed to a NumPy function where its row expects an array
    (``np.sum(np.linalg.slogdet(x))``): NumPy converts it, but the row's derivative is
    written for arrays. (Lists are the business of the rows themselves.)"""
    func = operation_function(value, env)
    return kinds.get(node.id, NONE).tag == "other" and \
        (getattr(func, "__module__", None) or "").split(".")[0] == "numpy"


def _keys_of_data(value: gast.expr, env: Environment, kinds: Mapping[str, Kind]) -> bool:
    """The keys of a dict select its values, and are constants where the dict was built with
    the keys written out; not so for an object of unknown kind (a Counter of data values)."""
    from .. import runtime
    return operation_function(value, env) is runtime.keys_of and not all(
        kinds.get(a.id, NONE).tag == "other" for a in value.args if isinstance(a, gast.Name))


def _writes_out(value: gast.expr, env: Environment) -> bool:
    """A function given an array to write its result into (``np.floor(x, out)``,
    ``np.fix(x, out=y)``)."""
    if not isinstance(value, gast.Call):
        return False
    if any(k.arg == "out" for k in value.keywords):
        return True
    func = env.resolve(value.func)
    if isinstance(func, np.ufunc):
        return len(value.args) > func.nin
    try:
        parameters = list(inspect.signature(func).parameters)
    except (TypeError, ValueError):  # no signature to read: any argument may be an `out`
        return len(value.args) > 1
    return "out" in parameters[:len(value.args)]


# ---- the check ------------------------------------------------------------------------------

def refuse_unruled_flows(assigns: list[gast.Assign], env: Environment,
                         kinds: Mapping[str, Kind], varied: set[str], useful: set[str],
                         flows: Mapping[int, Reads]) -> None:
    """Refuse the first assignment where a ``varied`` value (one that depends on a
    differentiated parameter, through any read but a zero one) is read unruled, and either
    the result is ``useful`` (it reaches an output) or the operation, having no rule, may
    write into a useful value it is handed (``_ = np.copyto(out, x)``)."""
    for a in assigns:
        reads = flows[id(a)]
        dropped = sorted(reads.unruled & varied)
        if not dropped:
            continue
        if a.targets[0].id in useful or _may_write_into_useful(a.value, env, kinds, useful):
            raise _refusal(a, env, kinds, reads.why)


def _may_write_into_useful(value: gast.expr, env: Environment, kinds: Mapping[str, Kind],
                           useful: set[str]) -> bool:
    """A call nothing is known about may change the arrays and containers it is handed."""
    op = operation(value, env)
    if op.rule is not None or op.user is not None or not isinstance(value, gast.Call):
        return False
    return any(v in useful and kinds.get(v, NONE).tag not in ("scalar", "int", "none")
               for v in operands(value))


def _refusal(a: gast.Assign, env: Environment, kinds: Mapping[str, Kind],
             why: str) -> NoDerivativeError:
    value = a.value
    op = operation(value, env)
    what = _construct(value, env, kinds, op.what) + (f" with {why}" if why else "")
    hint = next((text for start, text in _BY_REASON if why.startswith(start)), None) or \
        _hint(value, env, kinds)
    if _on_object(value, kinds) and isinstance(value, gast.Call):
        hint = METHOD_HINT
    elif op.what.startswith("call of the local"):
        hint = hint_for(op.what, hint)  # a function held in a variable
    return NoDerivativeError(
        f"no derivative rule for `{what}`, and a value that depends on a differentiated "
        "argument flows into it (its derivative would be lost)",
        filename=env.filename, lineno=getattr(a, "lineno", None), construct=what, hint=hint)


def _on_object(value: gast.expr, kinds: Mapping[str, Kind]) -> bool:
    """A method or attribute of an instance of a class of yours (not of an array)."""
    base = value.func.value if isinstance(value, gast.Call) and isinstance(
        value.func, gast.Attribute) else value.value if isinstance(
        value, (gast.Attribute, gast.Subscript)) else None
    return base is not None and _is_object(base, kinds)


def _construct(value: gast.expr, env: Environment, kinds: Mapping[str, Kind],
               what: str) -> str:
    """The operation as the user wrote it, as far as a name goes."""
    if isinstance(value, gast.Subscript):
        base = value.value
        if indexer(value, env) is not None:
            return what
        kind = kinds.get(base.id) if isinstance(base, gast.Name) else None
        if kind is not None and kind.cls is not None:
            return f"{base.id}[...] (indexing an object of class {kind.cls.__name__})"
        found = env.resolve(base) if kind is None else MISSING
        return f"{dotted(base)}[...]" + (
            f" (indexing an object of class {type(found).__name__})" if found is not MISSING
            else "")
    if isinstance(value, gast.Attribute):
        return f"{dotted(value.value)}.{value.attr}"
    if isinstance(value, gast.Call):
        if _on_object(value, kinds):
            cls = kinds[value.func.value.id].cls
            owner = f" (a method of an object of class {cls.__name__})" if cls is not object \
                else " (a method of an object)"
            return f"{dotted(value.func)}(...){owner}"
        if what.startswith("call of the local"):
            return what  # (it says where the callable comes from)
        called = f"{dotted(value.func)}(...)"
        # (a row refused for these arguments says why: "np.einsum in implicit mode ...")
        return what if what.startswith(dotted(value.func) + " ") else called
    if isinstance(value, (gast.BinOp, gast.UnaryOp)):
        return f"the operator {_SYMBOLS.get(type(value.op), type(value.op).__name__)}"
    return what or type(value).__name__


_SYMBOLS = {gast.Add: "+", gast.Sub: "-", gast.Mult: "*", gast.Div: "/", gast.Pow: "**",
            gast.Mod: "%", gast.FloorDiv: "//", gast.MatMult: "@", gast.USub: "-",
            gast.UAdd: "+", gast.BitAnd: "&", gast.BitOr: "|", gast.BitXor: "^",
            gast.LShift: "<<", gast.RShift: ">>", gast.Invert: "~"}


def _hint(value: gast.expr, env: Environment, kinds: Mapping[str, Kind]) -> str:
    """A rewrite that works, for the constructs people write; else the general ways out."""
    target = value.value if isinstance(value, gast.Subscript) else \
        value.func if isinstance(value, gast.Call) else None
    found = env.resolve(target) if target is not None else MISSING
    known = _REWRITES.get(id(found)) if found is not MISSING else None
    if known is not None:
        return known
    if isinstance(value, gast.Call) and isinstance(value.func, gast.Attribute) \
            and isinstance(value.func.value, gast.Name) and value.func.value.id in kinds:
        return (f"`.{value.func.attr}()` has no rule: use the NumPy function of the same name "
                f"(np.{value.func.attr}(x)) if sourcead lists it, index the array, or "
                + _GENERAL)
    if isinstance(value, gast.Attribute):
        return (f"`.{value.attr}` of a value sourcead differentiates has no rule: compute it "
                "with NumPy functions (e.g. x.ravel()[i] for x.flat[i]), or " + _GENERAL)
    if isinstance(value, gast.Subscript):
        return ("sourcead differentiates indexing of arrays, lists, tuples and dicts, not "
                "an object's own __getitem__: call a function of yours (a def) with the value "
                "instead, or " + _GENERAL)
    return _GENERAL


_BY_REASON = [  # what to do, by what about the call left it without a derivative
    ("an `out` array", "assign the result instead of passing an array to write it into "
                       "(y = np.floor(x), not np.floor(x, y))"),
    ("a tuple or dict", "index its parts (t[0], t[1]), or make an array of values written in "
                        "the call (np.array([a, b]))"),
    ("a tuple in its brackets", "write the values in the brackets (np.r_[a, b]), or join with "
                                "np.concatenate([a, b])"),
    ("an array of several axes and no axis", "differentiate along one axis per call: "
                                    "np.gradient(f, dx, axis=0), np.gradient(f, dy, axis=1)"),
    ("a number (np.gradient", "give np.gradient an array of samples (np.gradient of a number "
                              "is an empty list)"),
]

_GENERAL = ("give the function a rule with sourcead.defrule(f, partials=[...]) (see "
            "sourcead.check_rule), write it with operations sourcead knows (the README lists "
            "them), or wrap the value in sourcead.stop_gradient(...) where its derivative "
            "should be dropped")


def _rewrites() -> dict[int, str]:
    """Per object (by id: some are unhashable), a rewrite with a rule."""
    index_object = ("an index object does not compute with a value: index the array itself "
                    "(x[a:b]), or make values with np.linspace / np.arange")
    each = ("call your function on the whole array (NumPy's operations broadcast), or loop "
            "over range(len(x)) and build the result with np.array([...])")
    by_object = {
        np.r_: ("np.r_[...] is differentiated with numbers, arrays and lists in its brackets; "
                "for a range or a directive, join with np.concatenate([a, np.arange(...)])"),
        np.c_: ("np.c_[...] is differentiated with numbers, arrays and lists in its brackets; "
                "otherwise np.stack([a, b], axis=1) joins vectors as columns"),
        np.s_: index_object, np.index_exp: index_object, np.ogrid: index_object,
        np.mgrid: index_object,
        builtins.reversed: "write x[::-1] (an array or a list, reversed, with a derivative)",
        builtins.list: ("use the array or tuple itself, index it (x[i]), or loop over "
                        "range(len(x)); np.array([a, b]) of values written in the call works"),
        builtins.tuple: "use the value itself, or index it (x[i])",
        builtins.map: each, builtins.filter: each, functools.reduce: (
            "np.prod(x), np.sum(x), or a loop over range(len(x)) that updates one value"),
        builtins.sorted: "np.sort(x) (of an array; np.array(xs) first for a list)",
        builtins.max: ("max(xs) of one list or array, or max(a, b) of two values, without "
                       "key= or default= (np.max(x, axis=...) along an axis)"),
        builtins.min: ("min(xs) of one list or array, or min(a, b) of two values, without "
                       "key= or default= (np.min(x, axis=...) along an axis)"),
        builtins.complex: "keep the real and imaginary parts in separate float variables",
        math.fsum: "np.sum(x) (or sum(xs) of a list)", math.prod: "np.prod(x)",
        statistics.mean: "np.mean(x)", statistics.fmean: "np.mean(x)",
        np.vectorize: each, np.frompyfunc: each, np.apply_along_axis: each, np.piecewise: (
            "np.where(condition, f(x), g(x)) with both branches written out"),
    }
    return {id(obj): text for obj, text in by_object.items()}


_REWRITES = _rewrites()
