"""Rows of NumPy's products (dot, matmul, tensordot, einsum, kron, ...): bilinear functions,
whose adjoints are products again.
"""
from __future__ import annotations

import functools

import numpy as np

from .core import Rule


def _bilinear(function: str, left: str, right: str, extra: str = "", vector=None) -> Rule:
    """``function(x, y, extra...)``, linear in each argument; ``left``/``right`` name the
    helpers giving the adjoints of x and y (each has rows of its own, see _runtime_rows)."""
    args = f", {extra}" if extra else ""
    params = ("x", "y") + tuple(p.strip() for p in extra.split(",") if p.strip())
    return Rule(params=params, shape="reduce",
                tangents={"x": f"{function}(x_dot, y{args})", "y": f"{function}(x, y_dot{args})"},
                adjoints={"x": f"{left}(g, x, y{args})", "y": f"{right}(g, x, y{args})"},
                vector_tangents=vector or {})


def _adjoint_of_bilinear(function: str, left: str, right: str, side: str, extra: str = ""):
    """Rows of the helpers ``left(v, x, y)`` / ``right(v, x, y)`` that give a bilinear
    function's adjoints: linear in ``v`` and in the other argument, so that gradients can be
    differentiated again in both modes. ``<w, left(v, x, y)> = <v, function(w, y)>``."""
    args = f", {extra}" if extra else ""
    params = ("v", "x", "y") + tuple(p.strip() for p in extra.split(",") if p.strip())
    # vector mode, where the shapes are known only at run time: one direction at a time
    # (with shapes known, shaped.py writes these helpers as plain products instead)
    each = (lambda helper, k, dot: f"per_direction({helper}, {k}, {dot}, v, x, y)") \
        if not extra else (lambda helper, k, dot: None)
    if side == "x":
        return Rule(params=params, tangents={"v": f"{left}(v_dot, x, y{args})",
                                             "y": f"{left}(v, x, y_dot{args})"},
                    vector_tangents=_present({"v": each(left, 0, "v_dot"),
                                              "y": each(left, 2, "y_dot")}),
                    adjoints={"v": f"{function}(g, y{args})", "y": f"{right}(v, g, y{args})"})
    return Rule(params=params, tangents={"v": f"{right}(v_dot, x, y{args})",
                                         "x": f"{right}(v, x_dot, y{args})"},
                vector_tangents=_present({"v": each(right, 0, "v_dot"),
                                          "x": each(right, 1, "x_dot")}),
                adjoints={"v": f"{function}(x, g{args})", "x": f"{left}(v, x, g{args})"})


def _present(templates: dict) -> dict:
    return {k: t for k, t in templates.items() if t is not None}


_EINSUM_SLOTS = ("a", "b", "c")


_EINSUM_TANGENTS = {s: "np.einsum(subscripts, " + ", ".join(
    f"{t}_dot" if t == s else t for t in _EINSUM_SLOTS) + ")" for s in _EINSUM_SLOTS}


def explicit_subscripts(subscripts: str) -> str:
    """Einsum subscripts with their output written: implicit mode ('ij,jk') outputs the
    letters that appear once, in alphabetical (ASCII) order, after '...' where an operand has
    one ('ij,jk' -> 'ij,jk->ik')."""
    text = subscripts.replace(" ", "")
    if "->" in text:
        return text
    letters = text.replace("...", "").replace(",", "")
    once = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    return f"{text}->{'...' if '...' in text else ''}{once}"


def _einsum_specialized(constants: dict) -> "str | Rule | None":
    subscripts = constants.get("subscripts")
    if not isinstance(subscripts, str):
        return ("with subscripts that are not a string or lists of integers written in the "
                "call (write them in the call, e.g. np.einsum('ij,jk->ik', a, b))")
    return _einsum_as_einsums(explicit_subscripts(subscripts))


_ELLIPSIS = "*"  # '...' as one letter while the adjoints' subscripts are worked out


@functools.lru_cache(maxsize=None)
def _einsum_as_einsums(subscripts: str) -> Rule | None:
    """When no operand repeats a letter or sums one alone, operand k's adjoint is the einsum
    of the output's adjoint with the other operands, written to k's subscripts
    ('ij,jk->ik': a_bar = np.einsum('ik,jk->ij', g, b)): einsums all the way down, so every
    order works. Vector mode adds a letter for the directions. '...' is one more letter when
    it leads every operand that has one and the output. NumPy broadcasts a letter of length 1
    (and '...') against the other operands, so each adjoint is summed back to its operand's
    shape by unbroadcast. Otherwise None (the general row, through einsum_adjoint)."""
    inputs, output = subscripts.replace("...", _ELLIPSIS).split("->")
    inputs = inputs.split(",")
    if len(inputs) > len(_EINSUM_SLOTS) or any(
            _ELLIPSIS in s[1:] for s in inputs + [output]):
        return None
    for k, own in enumerate(inputs):
        others = set(output).union(*[set(s) for j, s in enumerate(inputs) if j != k])
        if len(set(own)) != len(own) or not set(own) <= others:
            return None
    free = next(c for c in "zyxwvutsrqponmlkjihgfedcbaZYXWVUTSRQPONMLKJIHGFEDCBA"
                if c not in subscripts)
    slots = _EINSUM_SLOTS[:len(inputs)]

    def spelled(spec: str) -> str:
        return repr(spec.replace(_ELLIPSIS, "..."))

    adjoints, vector = {}, {}
    for k, (slot, own) in enumerate(zip(slots, inputs)):
        # (NumPy sums no axis of '...': an operand without one gets the adjoint of every
        # '...' axis, summed back by unbroadcast, as is one whose '...' broadcasts)
        target = own if _ELLIPSIS in own or _ELLIPSIS not in output else _ELLIPSIS + own
        spec = ",".join([output] + [s for j, s in enumerate(inputs) if j != k]) + "->" + target
        rest = "".join(", " + s for j, s in enumerate(slots) if j != k)
        # (summed back by unbroadcast where operand k broadcasts: a letter of length 1 in it
        # and longer in another operand, or its '...' against the others')
        adjoints[slot] = f"unbroadcast(np.einsum({spelled(spec)}, g{rest}), {slot})"
        each = ",".join(free + s if j == k else s for j, s in enumerate(inputs)) + "->" + free + output
        vector[slot] = "np.einsum(" + spelled(each) + ", " + ", ".join(
            f"{s}_dot" if j == k else s for j, s in enumerate(slots)) + ")"
    return Rule(params=("subscripts",) + _EINSUM_SLOTS, shape="reduce",
                defaults={"b": None, "c": None}, tangents=_EINSUM_TANGENTS,
                adjoints=adjoints, vector_tangents=vector)


def _einsum_adjoint(k: int) -> str:
    """Operand k's adjoint; operand k itself is passed by its shape (only that is read)."""
    slots = [f"np.shape({s})" if j == k else s for j, s in enumerate(_EINSUM_SLOTS)]
    return f"einsum_adjoint(g, subscripts, {k}, {', '.join(slots)})"


def _product_rows() -> dict:
    matmul_vector = {"x": "matmul_each_left(x_dot, x, y)", "y": "matmul_each_right(x, y_dot, y)"}
    return {
        np.matmul: _bilinear("np.matmul", "matmul_adjoint_x", "matmul_adjoint_y",
                             vector=matmul_vector),
        np.tensordot: Rule(**{**_bilinear("np.tensordot", "tensordot_adjoint_x",
                                          "tensordot_adjoint_y", "axes").__dict__,
                              "defaults": {"axes": 2},
                              "vector_tangents": {
                                  "x": "tensordot_each_left(x_dot, x, y, axes)",
                                  "y": "tensordot_each_right(x, y_dot, y, axes)"}}),
        np.inner: Rule(params=("x", "y"), shape="reduce",
                       tangents={"x": "np.inner(x_dot, y)", "y": "np.inner(x, y_dot)"},
                       adjoints={"x": "tensordot_adjoint_x(g, x, y, inner_axes(x, y))",
                                 "y": "tensordot_adjoint_y(g, x, y, inner_axes(x, y))"},
                       vector_tangents={
                           "x": "tensordot_each_left(x_dot, x, y, inner_axes(x, y))",
                           "y": "tensordot_each_right(x, y_dot, y, inner_axes(x, y))"}),
        np.kron: _bilinear("np.kron", "kron_adjoint_x", "kron_adjoint_y"),
        np.einsum: Rule(params=("subscripts",) + _EINSUM_SLOTS, shape="reduce",
                        defaults={"b": None, "c": None}, specialize=_einsum_specialized,
                        tangents=_EINSUM_TANGENTS,
                        adjoints={s: _einsum_adjoint(k) for k, s in enumerate(_EINSUM_SLOTS)}),
        np.trace: Rule(params=("x", "offset", "axis1", "axis2"), shape="reduce",
                       defaults={"offset": 0, "axis1": 0, "axis2": 1},
                       tangents={"x": "np.trace(x_dot, offset, axis1, axis2)"},
                       adjoints={"x": "untrace(g, x, offset, axis1, axis2)"},
                       vector_tangents={"x": "np.trace(x_dot, offset, each_axis(axis1, x), "
                                             "each_axis(axis2, x))"}),
    }
