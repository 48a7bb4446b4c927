"""The rule type and the rows every table uses (``ZERO``, ``CONSTANT``, ``elementwise``)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass(frozen=True)
class Rule:
    """How to differentiate one operation.

    params: placeholder names of the arguments, in call order.
    partials: for elementwise rows, the partial derivative of ``out`` with respect to each
        param as a template (``None``: no derivative through that argument).
    adjoints / tangents: for other rows, per param, the contribution ``g`` (the output's
        adjoint) makes to that param's adjoint, and the term that param's tangent ``x_dot``
        adds to the output's tangent. Declared side by side, one row per operation.
    shape: how the output's shape relates to the inputs': "broadcast" (elementwise),
        "reduction" (a scalar when called with the array alone), "first" (like the first
        argument: a write into it), "container" (a container shaped like its first container
        argument), "tuple" (a tuple of values, whose adjoint is a tuple of adjoints or a plain
        zero), or "reduce" (anything else).
    specialize: for rows whose derivative depends on arguments written as constants (by
        param): the reason this use is not differentiated (a str), a more specific row for
        it (einsum's adjoints written as einsums of the given subscripts), or None.
    """
    params: tuple[str, ...]
    partials: tuple[str | None, ...] | None = None
    adjoints: dict[str, str] = field(default_factory=dict)
    tangents: dict[str, str] = field(default_factory=dict)
    vector_tangents: dict[str, str] = field(default_factory=dict)  # x_dot has a leading axis
    shape: str = "broadcast"
    integer: bool = False      # output is an integer/boolean: never active
    defaults: dict[str, object] = field(default_factory=dict)  # for params a call may omit
    # params that take a list of values (np.stack([a, b])): the adjoint template of element
    # ``x`` at position ``k`` of the list ``xs``; the tangent template sees ``xs_dot``, the list
    # of the elements' tangents
    sequences: tuple[str, ...] = ()
    # for a sequence param given as a list variable (not written in the call): the adjoint
    # of the whole list, one entry per element
    list_adjoints: dict[str, str] = field(default_factory=dict)
    specialize: Callable[[dict[str, Any]], "str | Rule | None"] | None = None
    # params the result depends on but whose derivative the row does not give (a derivative
    # of a higher order than sourcead provides): differentiating through them is an error
    underived: tuple[str, ...] = ()
    # an index expression (``np.r_[a, b]``): the one sequence param is the items written in
    # the brackets, and a template spells their tangents as items too (``np.r_[xs_dot]``)
    indexed: bool = False
    # for rows whose derivative depends on how many axes an argument has: given each param
    # the call gives and its argument's number of axes (None where not known), the reason
    # this call is not differentiated (a str, which ``analyze/flows._BY_REASON`` gives a
    # rewrite), or None
    refuse_axes: Callable[[dict[str, int | None]], "str | None"] | None = None

    @property
    def differentiable(self) -> bool:
        return bool(self.active_params()) and not self.integer

    def active_params(self) -> tuple[str, ...]:
        """Params a derivative flows through. A row that gives a tangent but no adjoint (or
        the reverse) still lists the param, so the missing direction is an error, not a 0."""
        if self.partials is not None:
            return tuple(p for p, d in zip(self.params, self.partials) if d)
        return tuple(p for p in self.params
                     if p in self.adjoints or p in self.tangents or p in self.underived)


# the key under which a row's ``specialize`` finds the params given as values that are not
# constants (a variable ``compute_uv`` is not the default)
VARIABLES = "(variables)"


ZERO = Rule(params=(), integer=True)          # integer or boolean result: never active
CONSTANT = Rule(params=("x",), partials=(None,))  # a float result that does not depend on x


def elementwise(*partials: str | None, params: tuple[str, ...] = ("x", "y", "z")) -> Rule:
    return Rule(params=params[:len(partials)], partials=tuple(partials))
