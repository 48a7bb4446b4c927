"""Issue 12, language: dicts iterated directly, writes into lists and dicts (``xs[i] = v``,
``d[k] = v``, ``update``, ``extend``, ``insert``, ``copy``), ``sorted``/``list``/``tuple`` of
values. Every mode (reverse, forward, jvp, vjp, Hessian, reverse over reverse) against exact
values and finite differences; what stays refused is refused with the line and a rewrite."""
import math

import numpy as np
import pytest

import sourcead

import language_data_functions as ld

X, W = 0.7, 1.3


def _running_states(x):
    """The exact first and second derivative of ld.running_states (by hand, forward)."""
    s, ds, dds = x, 1.0, 0.0
    total, dtotal, ddtotal = s, ds, dds
    for _ in range(3):
        th = math.tanh(s)
        sech2 = 1.0 - th * th
        s, ds, dds = (th * x, sech2 * ds * x + th,
                      -2.0 * th * sech2 * ds * ds * x + sech2 * dds * x + 2.0 * sech2 * ds)
        total, dtotal, ddtotal = total + s, dtotal + ds, ddtotal + dds
    return dtotal, ddtotal


_RS = _running_states(X)

# (function, arguments, wrt, exact gradient, exact Hessian)
CASES = [
    (ld.l2_penalty, (X,), 0, 12 * X, 12.0),
    (ld.weighted_items, (X,), 0,
     4 * X + 4 * math.cos(X) + 3 * X * X + math.sin(X) + X * math.cos(X),
     4 - 4 * math.sin(X) + 6 * X + 2 * math.cos(X) - X * math.sin(X)),
    (ld.scaled_in_place, (X, W), (0, 1), (W + 6 * X * X * W * W, X + 4 * X ** 3 * W),
     ((12 * X * W * W, 1 + 12 * X * X * W), (1 + 12 * X * X * W, 4 * X ** 3))),
    (ld.replaced_element, (X,), 0, 6 * X * X + 3, 12 * X),
    (ld.running_states, (X,), 0, _RS[0], _RS[1]),
    (ld.config_dict, (X,), 0, 6 * X, 6.0),
    (ld.merged_settings, (X,), 0, 8 * X ** 3 + 3, 24 * X * X),
    (ld.grown_list, (X,), 0, 9 * X * X + 5, 18 * X),
    (ld.written_copy, (X,), 0, 4 * X + 4 * X ** 3 + 3 * X * X, 4 + 12 * X * X + 6 * X),
    (ld.nested_then_rebound, (X,), 0, 3 * X * X, 6 * X),
    (ld.nested_then_rebound_array, (X,), 0, 3 * X * X, 6 * X),
    (ld.ranked_losses, (X,), 0, 20 * X + 3, 20.0),
    (ld.largest_two, (X,), 0, 6 - 4 * X, -4.0),
    (ld.tuple_to_list, (X,), 0, 9 * X * X, 18 * X),
    (ld.list_to_tuple, (X,), 0, 3 * X * X, 6 * X),
    (ld.copied_params, (X,), 0, 6 * X * X + 2, 12 * X),
    (ld.trial_step, (X,), 0, 3 * X * X + 2 * X + 1, 6 * X + 2),
    (ld.spread_tuple, (X,), 0, 27 * X * X, 54 * X),
    (ld.spread_tail, (X,), 0, 5 * X ** 4, 20 * X ** 3),
    (ld.spread_keywords, (X,), 0, 3 * X * X + 2 * X, 6 * X + 2),
    (ld.reduced_sum, (X,), 0, 1 + 2 * X, 2.0),
    (ld.reduced_product, (X,), 0, 9 * X * X, 18 * X),
    (ld.cleaned_up, (X,), 0, 2 * X + 1, 2.0),
    (ld.guarded_division, (X, W), (0, 1), (2 * X, 0.0), ((2.0, 0.0), (0.0, 0.0))),
    (ld.accumulated, (X, W), (0, 1), (4 * X * W, 2 * X * X), ((4 * W, 4 * X), (4 * X, 0.0))),
    (ld.counted, (X, W), (0, 1), (2 * W + 12 * X * W, 2 * X + 6 * X * X),
     ((12 * W, 2 + 12 * X), (2 + 12 * X, 0.0))),
]
IDS = [c[0].__name__ for c in CASES]
EXACT = dict(rtol=1e-10, atol=1e-12)
NUMERIC = dict(rtol=1e-6, atol=1e-8)


def _close(got, expected, **tol):
    if isinstance(expected, tuple):
        assert isinstance(got, tuple) and len(got) == len(expected)
        for g, e in zip(got, expected):
            _close(g, e, **tol)
        return
    np.testing.assert_allclose(got, expected, **tol)


def _positions(wrt):
    return wrt if isinstance(wrt, tuple) else (wrt,)


@pytest.mark.parametrize("fn, args, wrt, exact, hess", CASES, ids=IDS)
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_gradient(fn, args, wrt, exact, hess, mode):
    got = sourcead.grad(fn, wrt=wrt, mode=mode)(*args)
    _close(got, exact, **EXACT)
    _close(got, sourcead.numeric_grad(fn, *args, wrt=wrt), **NUMERIC)


@pytest.mark.parametrize("fn, args, wrt, exact, hess", CASES, ids=IDS)
def test_jvp_and_vjp(fn, args, wrt, exact, hess):
    exacts = exact if isinstance(wrt, tuple) else (exact,)
    tangents = [0.5 + 0.25 * k for k in range(len(exacts))]
    value, tangent = sourcead.jvp(fn, wrt=wrt)(*args, *tangents)
    assert value == pytest.approx(fn(*args), rel=1e-12)
    assert tangent == pytest.approx(sum(e * t for e, t in zip(exacts, tangents)), rel=1e-10)
    value, grads = sourcead.vjp(fn, wrt=wrt)(*args, 2.0)
    assert value == pytest.approx(fn(*args), rel=1e-12)
    _close(grads, tuple(2.0 * e for e in exacts) if isinstance(wrt, tuple) else 2.0 * exact,
           **EXACT)


@pytest.mark.parametrize("fn, args, wrt, exact, hess", CASES, ids=IDS)
def test_hessian(fn, args, wrt, exact, hess):
    got = sourcead.hessian(fn, wrt=wrt)(*args)
    _close(got, hess, rtol=1e-9, atol=1e-9)
    for p in _positions(wrt):   # differences of the reverse gradient
        def slope(v, p=p):
            shifted = list(args)
            shifted[p] = v
            return sourcead.grad(fn, wrt=p)(*shifted)
        h = 1e-6
        column = (slope(args[p] + h) - slope(args[p] - h)) / (2 * h)
        expected = hess[p][p] if isinstance(wrt, tuple) else hess
        assert column == pytest.approx(expected, rel=1e-5, abs=1e-6)


@pytest.mark.parametrize("fn, args, wrt, exact, hess", CASES, ids=IDS)
def test_reverse_over_reverse(fn, args, wrt, exact, hess):
    for p in _positions(wrt):
        got = sourcead.grad(sourcead.grad(fn, wrt=p), wrt=p)(*args)
        expected = hess[p][p] if isinstance(wrt, tuple) else hess
        assert got == pytest.approx(expected, rel=1e-9, abs=1e-9)


# ---- containers as arguments ------------------------------------------------------------------

PARAMS = {"w": 0.7, "b": np.array([1.0, -2.0])}


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_loop_over_a_dict_argument(mode):
    got = sourcead.grad(ld.penalty_of_params, wrt=0, mode=mode)(PARAMS, W)
    assert set(got) == {"w", "b"}
    np.testing.assert_allclose(got["w"], 2 * 0.7 * W, **EXACT)
    np.testing.assert_allclose(got["b"], 2 * PARAMS["b"] * W, **EXACT)
    slope = sourcead.grad(ld.penalty_of_params, wrt=1, mode=mode)(PARAMS, W)
    assert slope == pytest.approx(0.49 + 5.0, rel=1e-12)
    assert slope == pytest.approx(sourcead.numeric_grad(ld.penalty_of_params, PARAMS, W, wrt=1))


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_write_into_a_list_argument_leaves_the_callers_list(mode):
    xs = [1.5, 2.0]
    got = sourcead.grad(ld.written_list_argument, wrt=1, mode=mode)(xs, X)
    assert got == pytest.approx(2 * 1.5 * X, rel=1e-12)
    assert xs == [1.5, 2.0]
    got = sourcead.grad(ld.written_list_argument, wrt=0, mode=mode)(xs, X)
    np.testing.assert_allclose(got, [X * X, 1.0], **EXACT)
    assert xs == [1.5, 2.0]


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_starred_tuple_argument(mode):
    got = sourcead.grad(ld.spread_argument, wrt=(0, 1), mode=mode)((0.5, 2.0), X)
    assert isinstance(got[0], tuple)
    np.testing.assert_allclose(got[0], (4.0 * X, 2.0 * X), **EXACT)
    assert got[1] == pytest.approx(2.0, rel=1e-12)


# ---- what stays refused --------------------------------------------------------------------

REFUSED = [
    (ld.written_in_a_try, "`try` statement with `except`", "test the condition with an `if`"),
    (ld.accumulated_in_an_expression, "call of `step` (which assigns `nonlocal` variables) "
     "inside an expression", "call it in a statement of its own"),
    (ld.spread_of_a_grown_list, "starred expression", "pass the arguments one by one"),
    (ld.element_changed_in_place, "`op=` on an element of the list or dict `xs`",
     "`xs[i] = xs[i] + v`"),
    (ld.write_seen_through_a_second_name, "`e` read after an in-place change of `d`",
     "`e = d.copy()`"),
    (ld.reduced_with_a_weight, "`lambda` that reads the local variables w, used as a value",
     "a `for` loop over `xs`"),
    (ld.copy_shares_its_arrays, "`ys` read after an in-place change of `row`", "read it again"),
]


def _marked_line(fn):
    import inspect
    lines, first = inspect.getsourcelines(fn)
    return next(first + k for k, text in enumerate(lines) if "# <-" in text)


@pytest.mark.parametrize("fn, construct, hint", REFUSED, ids=[r[0].__name__ for r in REFUSED])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_refused_with_the_line_and_a_rewrite(fn, construct, hint, mode):
    with pytest.raises(sourcead.SourceADError) as info:
        sourcead.grad(fn, mode=mode)(X)
    error = info.value
    assert error.filename.endswith("language_data_functions.py")
    assert error.lineno == _marked_line(fn)
    assert construct in str(error) and hint in str(error)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_the_except_path_taken_as_the_derivative_runs_is_refused_at_the_try(mode):
    derivative = sourcead.grad(ld.guarded_division, wrt=0, mode=mode)
    assert derivative(X, W) == pytest.approx(2 * X, rel=1e-12)
    with pytest.raises(sourcead.SourceADError) as info:
        derivative(X, 0.0)   # 1 / 0 raises: the function takes its except path
    import inspect
    lines, first = inspect.getsourcelines(ld.guarded_division)
    assert info.value.lineno == first + 1 and "`except` path" in str(info.value)
    assert info.value.filename.endswith("language_data_functions.py")


def test_a_try_around_numpy_linear_algebra():
    a, b = 3.0, 0.5
    # c = [[a, 1], [1, 2]]^-1 [b, 1]; sum(c) = (2 b - 1 + a - b) / (2 a - 1)
    def exact(a, b):
        return (b - 1 + a) / (2 * a - 1) * a
    h = 1e-6
    want = ((exact(a + h, b) - exact(a - h, b)) / (2 * h), (exact(a, b + h) - exact(a, b - h)) / (2 * h))
    for mode in ("reverse", "forward"):
        got = sourcead.grad(ld.guarded_solve, wrt=(0, 1), mode=mode)(a, b)
        np.testing.assert_allclose(got, want, rtol=1e-7)
    with pytest.raises(sourcead.SourceADError):
        sourcead.grad(ld.guarded_solve, wrt=0)(0.5, b)   # a singular matrix
