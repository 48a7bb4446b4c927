"""Differentiating a NumPy, math or builtin function itself: ``grad(np.arctan2)``,
``jacobian(np.sin)``, ``hessian(np.linalg.norm)``.

Such a function has no Python source to read, but it has a row in the rule tables. It is
differentiated as the one-line function a user would write around it,
``def arctan2(*args, **kwargs): return np.arctan2(*args, **kwargs)``, made once per function
(so its derivatives are cached like any other) and registered with its text, so the
generated source reads like any other derivative's.
"""
from __future__ import annotations

import builtins
import math
import threading
from typing import Any, Callable

import numpy as np

from .parse import is_code, register_source
from .rules import lookup_call

_MADE: dict[Any, Callable] = {}
_LOCK = threading.Lock()


def as_function(f: Any) -> Any:
    """``f`` itself, or, for a library function with a derivative rule, the Python function
    that calls it."""
    if is_code(f):
        return f
    try:
        with _LOCK:
            if f in _MADE:
                return _MADE[f]
    except TypeError:   # unhashable: not a library function
        return f
    spelled = _spelling(f)
    if spelled is None or _rule_of(f) is None:
        return f
    made = _wrapper(f, spelled)
    with _LOCK:
        return _MADE.setdefault(f, made)


def _rule_of(f: Any):
    try:
        return lookup_call(f)
    except TypeError:
        return None


def _spelling(f: Any) -> str | None:
    """How code names ``f``: ``np.arctan2``, ``np.linalg.norm``, ``math.sin``, ``abs``."""
    name = getattr(f, "__name__", None)
    if not isinstance(name, str) or not name.isidentifier():
        return None
    for prefix, namespace in (("np.", np), ("np.linalg.", np.linalg), ("math.", math),
                              ("", builtins)):
        if getattr(namespace, name, None) is f:
            return prefix + name
    return None


def _wrapper(f: Any, spelled: str) -> Callable:
    name = spelled.rsplit(".", 1)[-1]
    text = f"def {name}(*args, **kwargs):\n    return {spelled}(*args, **kwargs)\n"
    namespace = {"np": np, "math": math, "__name__": "sourcead.library"}
    exec(compile(text, f"<sourcead: {spelled}>", "exec"), namespace)
    return register_source(namespace[name], text)
