"""Rows of NumPy functions that sample, interpolate or filter (nan_to_num, linspace, median,
percentile, quantile, gradient, convolve, correlate, interp), with the rows of their helpers
(``runtime/samples.py``).
"""
from __future__ import annotations

import numpy as np

from .. import runtime
from .core import CONSTANT, ZERO, Rule


def _nan_to_num() -> Rule:
    """The value where x is finite (slope 1), the replacement elsewhere (slope 0 in x; a
    replacement given as a value carries its own derivative). ``np.where``, not a product:
    the tangent of a NaN is often NaN."""
    replaced = {"nan": "np.isnan(x)", "posinf": "np.isposinf(x)", "neginf": "np.isneginf(x)"}
    tangents = {"x": "np.where(np.isfinite(x), x_dot, 0.0)",
                **{p: f"np.where({c}, {p}_dot, 0.0)" for p, c in replaced.items()}}
    vector = {"x": tangents["x"], **{p: f"np.where({c}, lift({p}_dot, out), 0.0)"
                                     for p, c in replaced.items()}}
    return Rule(params=("x", "copy", "nan", "posinf", "neginf"), shape="reduce",
                defaults={"copy": True, "nan": 0.0, "posinf": None, "neginf": None},
                tangents=tangents, vector_tangents=vector,
                adjoints={"x": "np.where(np.isfinite(x), g, 0.0)",
                          **{p: f"unbroadcast(np.where({c}, g, 0.0), {p})"
                             for p, c in replaced.items()}})


_LINSPACE = "num, endpoint, axis"


def _linspace_use(constants: dict) -> str | None:
    if constants.get("retstep"):
        return ("with retstep=True: call np.linspace without it and compute the step as "
                "(stop - start) / (num - 1)")
    return None


def _linspace() -> Rule:
    """Linear in its ends: ``start (1 - t) + stop t`` (``num`` a constant)."""
    ends = {"start": ("stop", ""), "stop": ("start", ", end=True")}
    return Rule(params=("start", "stop", "num", "endpoint", "retstep", "dtype", "axis"),
                defaults={"num": 50, "endpoint": True, "retstep": False, "dtype": None,
                          "axis": 0}, shape="reduce", specialize=_linspace_use,
                tangents={p: f"linspace_part({p}_dot, {o}, {_LINSPACE}{e})"
                          for p, (o, e) in ends.items()},
                vector_tangents={p: f"linspace_part_each({p}_dot, {p}, {o}, {_LINSPACE}{e})"
                                 for p, (o, e) in ends.items()},
                adjoints={p: f"linspace_adjoint(g, {p}, {o}, {_LINSPACE}{e})"
                          for p, (o, e) in ends.items()})


def _linear_method(constants: dict) -> str | None:
    method = constants.get("method", "linear")
    if method != "linear":
        return (f"with method={method!r}: sourcead differentiates the default method "
                "'linear' (write np.quantile(x, q) or np.sort(x) and index it)")
    return None


def _quantile(q: str, params: tuple[str, ...]) -> Rule:
    """A quantile interpolates two order statistics: its derivative flows to those two
    elements with the interpolation's weights (``q`` is a constant)."""
    call = f"x, {q}, axis, keepdims"
    return Rule(params=params, shape="reduce", specialize=_linear_method,
                defaults={"axis": None, "out": None, "overwrite_input": False,
                          "method": "linear", "keepdims": False},
                tangents={"x": f"quantile_tangent(x_dot, {call})"},
                vector_tangents={"x": f"quantile_tangent(x_dot, {call})"},
                adjoints={"x": f"quantile_adjoint(g, {call})"},
                underived=("q",) if "q" in params else ())


_GRADIENT = "spacing, more_spacing, axis, edge_order"


def _gradient_axes(axes: dict) -> str | None:
    """np.gradient of an array of several axes, with no axis, is a tuple of derivatives."""
    if (axes.get("f") or 1) > 1 and "axis" not in axes:
        return "an array of several axes and no axis (a tuple of derivatives)"
    if axes.get("f") == 0:
        return "a number (np.gradient needs an array)"
    return None


def _gradient() -> Rule:
    """Linear in the samples, along one axis (a second positional spacing binds
    ``more_spacing``, and is refused when it runs)."""
    return Rule(params=("f", "spacing", "more_spacing", "axis", "edge_order"), shape="reduce",
                defaults={"spacing": 1.0, "more_spacing": None, "axis": None, "edge_order": 1},
                tangents={"f": f"gradient_of(f_dot, f, {_GRADIENT})"},
                vector_tangents={"f": f"gradient_of(f_dot, f, {_GRADIENT})"},
                adjoints={"f": f"ungradient(g, f, {_GRADIENT})"}, underived=("spacing",),
                refuse_axes=_gradient_axes)


def _convolution(function: str, flipped: bool) -> Rule:
    """Bilinear in its two vectors; ``np.correlate(a, v)`` is ``np.convolve(a, v[::-1])``."""
    v = "np.flip(v)" if flipped else "v"
    v_back = "np.flip(unconvolve(g, {v}, a, mode))" if flipped else "unconvolve(g, v, a, mode)"
    return Rule(params=("a", "v", "mode"), shape="reduce",
                defaults={"mode": "valid" if flipped else "full"},
                tangents={"a": f"{function}(a_dot, v, mode)", "v": f"{function}(a, v_dot, mode)"},
                vector_tangents={"a": f"each_direction({function}, a_dot, (), (v, mode))",
                                 "v": f"each_direction({function}, v_dot, (a,), (mode,))"},
                adjoints={"a": f"unconvolve(g, a, {v}, mode)", "v": v_back.format(v=v)})


_INTERP_SLOPE = "weighted(fp, interp_slopes(x, xp), x)"


def _interp_use(constants: dict) -> str | None:
    if constants.get("period") is not None:
        return ("with a period: map x into one period yourself (np.mod(x - xp[0], period) + "
                "xp[0]) and extend xp and fp by one sample at each end")
    return None


def _interp() -> Rule:
    """Piecewise linear in x (the slope of its segment, 0 outside xp), linear in fp; the
    sample positions xp (and left/right given as values) are not differentiated."""
    return Rule(params=("x", "xp", "fp", "left", "right", "period"), shape="reduce",
                defaults={"left": None, "right": None, "period": None},
                specialize=_interp_use, underived=("xp", "left", "right"),
                tangents={"x": f"x_dot * {_INTERP_SLOPE}",
                          "fp": "interp_part(fp_dot, x, xp, left, right)"},
                vector_tangents={"x": f"x_dot * {_INTERP_SLOPE}",
                                 "fp": "interp_part(fp_dot, x, xp, left, right)"},
                adjoints={"x": f"g * {_INTERP_SLOPE}", "fp": "uninterp(g, x, xp, left, right)"})


def _sample_rows() -> dict:
    return {
        np.nan_to_num: _nan_to_num(),
        np.linspace: _linspace(),
        np.median: _quantile("0.5", ("x", "axis", "out", "overwrite_input", "keepdims")),
        np.quantile: _quantile("q", ("x", "q", "axis", "out", "overwrite_input", "method",
                                     "keepdims")),
        np.percentile: _quantile("np.asarray(q) / 100", (
            "x", "q", "axis", "out", "overwrite_input", "method", "keepdims")),
        np.gradient: _gradient(),
        np.convolve: _convolution("np.convolve", False),
        np.correlate: _convolution("np.correlate", True),
        np.interp: _interp(),
        np.isposinf: ZERO, np.isneginf: ZERO,
    }


def _linear_in(first: str, params: tuple[str, ...], helper: str, adjoint: str,
               vector: str | None = None, **extra) -> Rule:
    """A helper linear in its first argument: its tangent is itself of the tangent."""
    rest = ", ".join(params[1:])
    return Rule(params=params, shape="reduce",
                tangents={first: f"{helper}({first}_dot, {rest})", **extra.get("tangents", {})},
                vector_tangents={first: vector or f"{helper}({first}_dot, {rest})",
                                 **extra.get("tangents", {})},
                adjoints={first: adjoint, **extra.get("adjoints", {})},
                defaults=extra.get("defaults", {}))


def _sampled_helper_rows() -> dict:
    ends = ("v", "other", "num", "endpoint", "axis", "end")
    on_ends = {"defaults": {"num": 50, "endpoint": True, "axis": 0, "end": False}}
    on_quantile = {"defaults": {"axis": None, "keepdims": False}}
    on_gradient = {"defaults": {"spacing": 1.0, "more_spacing": None, "axis": None,
                                "edge_order": 1}}
    on_interp = {"left": None, "right": None}
    quantile = ("x", "q", "axis", "keepdims")
    gradient = ("spacing", "more_spacing", "axis", "edge_order")
    interp = ("x", "xp", "left", "right")
    slope_v = "weighted(v, interp_slopes(x, xp), x)"
    return {
        runtime.linspace_part: _linear_in(
            "v", ends, "linspace_part", "linspace_adjoint(g, v, other, num, endpoint, axis, end)",
            "linspace_part_each(v_dot, v, other, num, endpoint, axis, end)", **on_ends),
        runtime.linspace_adjoint: _linear_in(
            "w", ("w",) + ends, "linspace_adjoint",
            "linspace_part(g, other, num, endpoint, axis, end)", **on_ends),
        runtime.linspace_part_each: Rule(params=("t",) + ends, shape="reduce", **on_ends, tangents={
            "t": "linspace_part_each(t_dot, v, other, num, endpoint, axis, end)"}),
        runtime.quantile_tangent: _linear_in(
            "v", ("v",) + quantile, "quantile_tangent", "quantile_adjoint(g, x, q, axis, keepdims)",
            **on_quantile),
        runtime.quantile_adjoint: _linear_in(
            "w", ("w",) + quantile, "quantile_adjoint", "quantile_tangent(g, x, q, axis, keepdims)",
            **on_quantile),
        runtime.gradient_of: _linear_in(
            "v", ("v", "x") + gradient, "gradient_of",
            "ungradient(g, x, spacing, more_spacing, axis, edge_order)", **on_gradient),
        runtime.ungradient: _linear_in(
            "w", ("w", "x") + gradient, "ungradient",
            "gradient_of(g, x, spacing, more_spacing, axis, edge_order)", **on_gradient),
        # linear in w and bilinear in (w, v); a gives only a length
        runtime.unconvolve: Rule(params=("w", "a", "v", "mode"), shape="reduce",
                                 defaults={"mode": "full"},
                                 tangents={"w": "unconvolve(w_dot, a, v, mode)",
                                           "v": "unconvolve(w, a, v_dot, mode)"},
                                 vector_tangents={
                                     "w": "each_direction(unconvolve, w_dot, (), (a, v, mode))",
                                     "v": "each_direction(unconvolve, v_dot, (w, a), (mode,))"},
                                 adjoints={"w": "np.convolve(g, v, mode)",
                                           "v": "unconvolve(w, v, g, mode)"}),
        runtime.each_direction: Rule(params=("f", "v", "before", "after"), shape="reduce",
                                     defaults={"before": (), "after": ()},
                                     tangents={"v": "each_direction(f, v_dot, before, after)"}),
        runtime.interp_slopes: CONSTANT,
        runtime.weighted: _linear_in("v", ("v", "weights", "x"), "weighted",
                                     "unweighted(g, weights, x)"),
        runtime.unweighted: _linear_in("w", ("w", "weights", "x"), "unweighted",
                                       "weighted(g, weights, x)"),
        runtime.interp_part: _linear_in(
            "v", ("v",) + interp, "interp_part", "uninterp(g, x, xp, left, right)",
            tangents={"x": f"x_dot * {slope_v}"}, adjoints={"x": f"g * {slope_v}"},
            defaults=on_interp),
        runtime.uninterp: _linear_in(
            "v", ("v",) + interp, "uninterp", "interp_part(g, x, xp, left, right)",
            tangents={"x": "unweighted(v * x_dot, interp_slopes(x, xp), x)"},
            adjoints={"x": "v * weighted(g, interp_slopes(x, xp), x)"}, defaults=on_interp),
    }
