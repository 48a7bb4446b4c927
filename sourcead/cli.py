"""Example arguments for the command line: ``--args "W=(784,256) b=(256,) x=float"``.

The generated code is specialized on the kinds of the arguments (a Python number, an
integer, an array and which of its axes have size 1), so the command line needs examples to
print the code a call runs rather than the generic form. Each item is ``NAME=EXAMPLE`` or,
before any named one, ``EXAMPLE`` for the next parameter in order. An example is

* ``float``, ``int``, ``bool``: a Python number of that type (``x=float``);
* a number (``x=0.5``, ``n=3``): that number;
* a shape in parentheses (``W=(784,256)``, ``b=(256,)``, ``s=()``): a float64 array of it;
* ``array``: an array of any shape (the code that works for every shape).

A parameter left out takes its default, or else what its annotation says (``float``,
``int``, ``bool``, ``np.ndarray``); a parameter with neither is a usage error.
"""
from __future__ import annotations

import ast
import inspect
import re
from typing import Any, Callable

import numpy as np

from .analyze import AnyShape

_ITEM = re.compile(r"\s*(?:([A-Za-z_]\w*)\s*=\s*)?(\([^()]*\)|[^\s()=]+)")
_TYPES: dict[str, Any] = {"float": 0.5, "int": 1, "bool": True}
_ANNOTATED: dict[Any, Callable[[], Any]] = {
    float: lambda: 0.5, int: lambda: 1, bool: lambda: True,
    np.ndarray: lambda: np.zeros(1).view(AnyShape)}


class ArgsError(ValueError):
    """``--args`` text that does not describe the function's arguments (a usage error)."""


def example_arguments(text: str, fn: Callable) -> tuple:
    """The positional example arguments ``text`` describes for ``fn``."""
    params = _positional_parameters(fn)
    given = _assign(_items(text), params, fn)
    args = []
    for param in params:
        if param.name in given:
            args.append(given[param.name])
        elif param.default is not param.empty:
            args.append(param.default)
        else:
            args.append(_from_annotation(param, fn))
    if "*" in given:
        return tuple(args) + given["*"]
    while args and params[len(args) - 1].name not in given \
            and params[len(args) - 1].default is not inspect.Parameter.empty:
        args.pop()  # trailing defaults: left to the function, as a call that omits them
    return tuple(args)


def _positional_parameters(fn: Callable) -> list[inspect.Parameter]:
    parameters = list(inspect.signature(fn).parameters.values())
    required = [p.name for p in parameters if p.kind is p.KEYWORD_ONLY and p.default is p.empty]
    if required:
        raise ArgsError(f"{fn.__name__} has keyword-only parameters without defaults "
                        f"({', '.join(required)}): the command line cannot give them; wrap the "
                        "function in one that takes them by position")
    return [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


def _items(text: str) -> list[tuple[str | None, Any]]:
    """(name or None, example value) per item of ``text``."""
    items, position = [], 0
    text = text.strip()
    if re.fullmatch(r"[^()]*(\([^()]*\)[^()]*)*", text) is None:
        raise ArgsError(f"unbalanced or nested parentheses in {text!r}: a shape is written "
                        "(784,256)")
    while position < len(text):
        match = _ITEM.match(text, position)
        if match is None or match.end() == position:
            raise ArgsError(f"cannot read --args from {text[position:]!r}: write NAME=EXAMPLE "
                            "items, e.g. \"W=(784,256) b=(256,) x=float\"")
        items.append((match.group(1), _example(match.group(2))))
        position = match.end()
        while position < len(text) and text[position].isspace():
            position += 1
    return items


def _example(text: str):
    if text in _TYPES:
        return _TYPES[text]
    if text == "array":
        return np.zeros(1).view(AnyShape)
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        value = None
    if isinstance(value, bool) or (isinstance(value, (int, float)) and text[0] != "("):
        return value
    if isinstance(value, int):  # "(3)": a shape of one axis, written without its comma
        value = (value,)
    if isinstance(value, tuple) and all(isinstance(n, int) and not isinstance(n, bool)
                                        and n >= 0 for n in value):
        return np.full(value, 0.5)
    raise ArgsError(f"{text!r} is not an example: use float, int, bool, array, a number, or a "
                    "shape such as (784,256) or (256,)")


def _assign(items: list, params: list[inspect.Parameter], fn: Callable) -> dict[str, Any]:
    """Example per parameter name (``"*"``: extra positional examples for ``*args``)."""
    names = [p.name for p in params]
    variadic = any(p.kind is p.VAR_POSITIONAL for p in inspect.signature(fn).parameters.values())
    given: dict[str, Any] = {}
    extra: list = []
    named = False
    for k, (name, value) in enumerate(items):
        if name is None:
            if named:
                raise ArgsError("an example without a name after a named one: put the "
                                "positional examples first")
            if k < len(names):
                given[names[k]] = value
            elif variadic:
                extra.append(value)
            else:
                raise ArgsError(f"{len(items)} examples given by position; {fn.__name__} "
                                f"takes {len(names)} ({', '.join(names)})")
            continue
        named = True
        if name not in names:
            raise ArgsError(f"{fn.__name__} has no parameter {name!r} (it has "
                            f"{', '.join(names) or 'none'})")
        if name in given:
            raise ArgsError(f"parameter {name!r} is given twice")
        given[name] = value
    if extra:
        given["*"] = tuple(extra)
    return given


def _from_annotation(param: inspect.Parameter, fn: Callable):
    annotation = param.annotation
    if isinstance(annotation, str):  # `from __future__ import annotations`
        try:
            annotation = eval(annotation, getattr(fn, "__globals__", {}))  # noqa: S307
        except Exception:  # an annotation that does not evaluate: as if there were none
            annotation = param.empty
    try:
        make = _ANNOTATED.get(annotation)
    except TypeError:  # an unhashable annotation
        make = None
    if make is None:
        raise ArgsError(f"parameter {param.name!r} needs an example: add it to --args "
                        f"(e.g. {param.name}=float or {param.name}=(3,4)) or annotate it "
                        "(float, int, bool, np.ndarray)")
    return make()
