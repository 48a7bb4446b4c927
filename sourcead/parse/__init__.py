"""Source of a function -> gast FunctionDef plus the environment it runs in.

In: a callable (a user function, a bound method, a ``functools.partial``, a function that
sourcead lifted out of another, or code sourcead generated: emit registers that in
linecache, so both are read the same way) and the ``Shape`` of the call that runs it. Out:
a ``Parsed`` value whose tree has line numbers of the user's file, no decorators, and a
*concrete signature*: plain positional parameters, one per argument the call passes, in the
callee's parameter order. Everything else the function receives is a constant of the
specialization, the way argument kinds are: defaults and partial/bound arguments become
``p = 1.0`` statements (or names in the ``Environment``), ``*args`` becomes ``args_0,
args_1``, ``**kw`` one parameter per keyword. Nested ``def`` and ``lambda`` are lifted out
into functions of their own that take the outer variables they read as extra parameters.

One module per part: ``common`` (what the others share), ``environment`` (what a build
reads, and from where), ``callables`` (what can be differentiated and how it is called),
``reading`` (source text, lambdas, registered sources), ``signature`` (one concrete signature
per call shape), ``lifting``
(nested functions become functions of their own).
"""
from __future__ import annotations

from .common import LIFTED
from .environment import Environment, MISSING, Parsed, Read, build_memo, recording
from .callables import (Shape, call_order, callable_name, callee_parts, differentiated_again,
                        full_shape, is_code, signature_of)
from .reading import _read, bind_methods, not_python, parse_function, register_source
from .signature import _literal
from .lifting import _compiled

__all__ = ["Environment", "LIFTED", "MISSING", "Parsed", "Read", "Shape", "_compiled", "_literal",
           "_read", "bind_methods", "build_memo", "call_order", "callable_name", "callee_parts",
           "differentiated_again", "full_shape", "is_code", "not_python", "parse_function",
           "recording", "register_source", "signature_of"]
