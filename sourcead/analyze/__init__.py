"""Facts about core-language code that the transformations need, as frozen results.

In: a normalized FunctionDef (or any list of core statements), its Environment, the kinds of
its parameters and which parameters are differentiated.
Out:
* ``Activity``: per variable its ``Kind`` (int, scalar, array shaped like a parameter, ...)
  and whether it is *active* (depends on a wrt input through differentiable operations AND
  reaches the returned value). Only active variables get tangents or adjoints; integer and
  boolean values never do.
* ``live_before``: backward liveness over structured code, used to keep only the tape
  records and statements that something reads.
* The fence: a value that depends on a differentiated parameter reaches an output only
  through a rule; what it flows into without one (an unknown function or method, an
  object's own indexing, an ``out=`` array) is refused with the user's line
  (``NoDerivativeError``), never dropped.
Nothing is stored on the nodes; every result is a value of its own.

The modules, lowest first: ``kinds`` (what a value is, and how kinds combine),
``operations`` (what one operation is: its rule, operands and user call), ``values`` (the
kind and shape signature of an operation's result), ``flows`` (how an operation reads each
variable: through a derivative, with a zero one, or unruled; the fence), ``activity`` (the
fixed point over a function, which runs the fence), ``liveness``. This package re-exports
what the rest of sourcead uses.
"""
from __future__ import annotations

from .activity import (Activity, analyze_activity, assignments, container_operand,
                       refuse_container_arithmetic, refuse_dropped_derivatives, shape_anchors,
                       stack_parameters)
from .kinds import (BOOL, INT, NONE, SCALAR, UNKNOWN, AnyShape, InstanceOf, Kind, anchors_of,
                    anchors_union, broadcast, dims_of, has_shape_of, is_container, join,
                    kind_of_annotation, kind_of_value)
from .liveness import definitely_assigned, live_before, reads
from .operations import (UserCall, bound_arguments, differentiable_operands, hint_for, operands,
                         operation, operation_function, stack_pop, stack_push, user_call)
from .values import signature, value_kind

__all__ = [
    # kinds
    "BOOL", "INT", "NONE", "SCALAR", "UNKNOWN", "AnyShape", "InstanceOf", "Kind", "anchors_of",
    "anchors_union", "broadcast", "dims_of", "has_shape_of", "is_container", "join",
    "kind_of_annotation", "kind_of_value",
    # operations
    "UserCall", "bound_arguments", "differentiable_operands", "hint_for", "operands",
    "operation", "operation_function", "stack_pop", "stack_push", "user_call",
    # values
    "signature", "value_kind",
    # activity
    "Activity", "analyze_activity", "assignments", "container_operand",
    "refuse_container_arithmetic", "refuse_dropped_derivatives", "shape_anchors",
    "stack_parameters",
    # liveness
    "definitely_assigned", "live_before", "reads",
]
