"""Aliasing and in-place operations (issue 11, item 14): one may-alias analysis decides, for
every in-place operation, whether the derivative is exact or the program is refused.

Every function of ``aliasing_functions.RIGHT`` is checked in every mode (reverse and forward
``grad``, ``jvp``, ``vjp``, ``hessian``, reverse over reverse) against central differences
of the user's own function, run on fresh copies of its arguments; every function of
``REFUSED`` is refused in every mode, naming the marked line. In both, the arguments are
exactly what they were: a derivative never changes the caller's arrays.
"""
from __future__ import annotations

import copy
import inspect
import sys
from pathlib import Path

import numpy as np
import pytest

import sourcead
from sourcead import UnsupportedSyntaxError

import aliasing_functions as af

X = np.array([0.3, -0.7, 0.9, 0.45])
A = np.array([[0.3, -0.7, 0.9], [0.2, 0.5, -1.1]])
Y = 0.8


def arguments(fn) -> tuple:
    """The arguments a function of ``aliasing_functions`` takes (fresh copies)."""
    params = list(inspect.signature(fn).parameters)
    first = {"x": X, "A": A}[params[0]]
    rest = {"y": Y, "box": af.Box(np.array([1.5, -0.5, 2.0, 0.25]))}
    return copy.deepcopy((first,) + tuple(rest[p] for p in params[1:]))


def same(a, b) -> bool:
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.dtype == b.dtype and np.array_equal(a, b)
    if isinstance(a, af.Box):
        return same(a.w, b.w)
    if isinstance(a, tuple):
        return all(same(u, v) for u, v in zip(a, b))
    return a == b


def value(fn, args, wrt, v):
    """The user's function at ``args`` with argument ``wrt`` replaced by ``v``, on copies
    (the function may change its arguments in place: NumPy does)."""
    args = list(copy.deepcopy(args))
    args[wrt] = copy.deepcopy(v)
    return float(fn(*args))


def differences(phi, v, eps=1e-6):
    if np.ndim(v) == 0:
        return (phi(v + eps) - phi(v - eps)) / (2 * eps)
    out = np.zeros(np.shape(v))
    for k in range(np.size(v)):
        e = np.zeros(np.shape(v))
        e.flat[k] = eps
        out.flat[k] = (phi(v + e) - phi(v - e)) / (2 * eps)
    return out


def positions(fn) -> list[int]:
    """The differentiable arguments (not an object holding arrays)."""
    return getattr(fn, "wrt", [k for k, a in enumerate(arguments(fn))
                               if not isinstance(a, af.Box)])


RIGHT = [(fn, wrt) for fn in af.RIGHT for wrt in positions(fn)] + [(af.attribute_changed, 0)]
RIGHT_IDS = [f"{fn.__name__}-wrt{wrt}" for fn, wrt in RIGHT]


def unchanged_after(call, args):
    before = copy.deepcopy(args)
    out = call(*args)
    assert same(args, before), "a derivative changed the caller's arguments"
    return out


@pytest.mark.parametrize("fn, wrt", RIGHT, ids=RIGHT_IDS)
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_gradient_matches_differences_and_leaves_arguments_alone(fn, wrt, mode):
    args = arguments(fn)
    got = unchanged_after(sourcead.grad(fn, wrt=wrt, mode=mode), args)
    expected = differences(lambda v: value(fn, args, wrt, v), args[wrt])
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7)
    assert np.shape(got) == np.shape(args[wrt])


@pytest.mark.parametrize("fn, wrt", RIGHT, ids=RIGHT_IDS)
def test_jvp_and_vjp_match_differences_and_leave_arguments_alone(fn, wrt):
    args = arguments(fn)
    expected = differences(lambda v: value(fn, args, wrt, v), args[wrt])
    direction = 0.7 if np.ndim(args[wrt]) == 0 else \
        np.linspace(0.9, -0.6, np.size(args[wrt])).reshape(np.shape(args[wrt]))
    out, tangent = unchanged_after(
        lambda *a: sourcead.jvp(fn, wrt=wrt)(*a, direction), args)
    assert out == pytest.approx(value(fn, args, wrt, args[wrt]), rel=1e-12)
    assert tangent == pytest.approx(np.sum(expected * direction), rel=1e-6, abs=1e-7)
    pulled = unchanged_after(lambda *a: sourcead.vjp(fn, wrt=wrt)(*a, 1.5), args)
    gradient = pulled[1] if isinstance(pulled, tuple) else pulled
    np.testing.assert_allclose(gradient, 1.5 * expected, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("fn, wrt", RIGHT, ids=RIGHT_IDS)
def test_hessian_matches_differences_of_the_gradient(fn, wrt):
    args = arguments(fn)
    hessian = unchanged_after(sourcead.hessian(fn, wrt=wrt), args)
    gradient = sourcead.grad(fn, wrt=wrt)

    def grad_at(v):
        a = list(copy.deepcopy(args))
        a[wrt] = v
        return gradient(*a)
    x = args[wrt]
    if np.ndim(x) == 0:
        expected = (grad_at(x + 1e-5) - grad_at(x - 1e-5)) / 2e-5
        second = unchanged_after(sourcead.grad(sourcead.grad(fn, wrt=wrt), wrt=wrt), args)
        assert second == pytest.approx(hessian, rel=1e-9, abs=1e-12)
    else:
        rows = []
        for k in range(np.size(x)):
            e = np.zeros(np.shape(x))
            e.flat[k] = 1e-5
            rows.append(np.ravel((grad_at(x + e) - grad_at(x - e)) / 2e-5))
        expected = np.array(rows).T.reshape(np.shape(x) + np.shape(x))
    np.testing.assert_allclose(hessian, expected, rtol=1e-5, atol=1e-6)


def marked_line(fn) -> tuple[str, int, str]:
    """(file, line, text) of the line marked ``# <-`` in ``fn``."""
    lines, first = inspect.getsourcelines(fn)
    for k, text in enumerate(lines):
        if "# <-" in text:
            return inspect.getsourcefile(fn), first + k, text.split("# <-")[0].strip()
    raise AssertionError(f"{fn.__name__} has no marker")


MODES = {
    "reverse": lambda fn: sourcead.grad(fn),
    "forward": lambda fn: sourcead.grad(fn, mode="forward"),
    "jvp": lambda fn: (lambda *a: sourcead.jvp(fn)(*a, np.ones_like(a[0]))),
    "vjp": lambda fn: (lambda *a: sourcead.vjp(fn)(*a, 1.0)),
    "hessian": lambda fn: sourcead.hessian(fn),
}


@pytest.mark.parametrize("fn", af.REFUSED, ids=[f.__name__ for f in af.REFUSED])
@pytest.mark.parametrize("mode", list(MODES))
def test_refused_at_the_line_in_every_mode(fn, mode):
    args = arguments(fn)
    before = copy.deepcopy(args)
    with pytest.raises(UnsupportedSyntaxError) as info:
        MODES[mode](fn)(*args)
    filename, line, text = marked_line(af.REFUSED_IN.get(fn, fn))
    assert info.value.filename == filename and info.value.lineno == line
    message = str(info.value)
    assert text in message and "what to do:" in message
    assert same(args, before)


@pytest.mark.parametrize("fn", [f for f in af.REFUSED if f not in (
    af.puts_into_its_argument, af.adds_at_indices, af.sorted_result_of_a_method)],
    ids=lambda f: f.__name__)
def test_a_refusal_says_how_to_give_the_memory_its_own_copy(fn):
    with pytest.raises(UnsupportedSyntaxError) as info:
        sourcead.grad(fn)(*arguments(fn))
    assert ".copy()" in info.value.hint


def test_refused_programs_are_what_numpy_computes():
    # the reason for each refusal, checked on NumPy itself: the other name follows the write
    x = X.copy()
    assert af.view_then_whole_array_multiplied(x) == pytest.approx(np.sum((0.5 * X[1:]) ** 2))
    x = X.copy()
    assert af.unpacks_a_tuple_variable(x) == pytest.approx(np.sum(np.sin(0.5 * X)))
    x = X.copy()
    assert af.calls_a_halving_function(x) == pytest.approx(np.sum(np.tanh(0.5 * X)))
    np.testing.assert_allclose(x, 0.5 * X)   # the user's function halves its argument


def test_the_issue_examples_messages():
    with pytest.raises(UnsupportedSyntaxError) as info:
        sourcead.grad(af.view_then_whole_array_multiplied)(X.copy())
    message = str(info.value)
    assert "`c`, a view of `x`" in message and "x *= 0.5" in message
    assert "return np.sum(c ** 2)" in message            # where it is read
    assert "`c = x[1:].copy()`" in message and "`x = x * 0.5`" in message
    with pytest.raises(UnsupportedSyntaxError) as info:
        sourcead.grad(af.unpacks_a_tuple_variable)(X.copy())
    assert "t *= 0.5" in str(info.value) and "`t = t * 0.5`" in str(info.value)
    with pytest.raises(UnsupportedSyntaxError) as info:
        sourcead.grad(af.calls_a_halving_function)(X.copy())
    assert "parameter `a` of a called function" in str(info.value)


def test_a_float_rebound_in_a_loop_keeps_the_value_copied_before():
    # issue example m: d/dy y^2 = 2y, at every order and in every mode
    for mode in ("reverse", "forward"):
        assert sourcead.grad(af.float_rebound_in_a_loop, wrt=1, mode=mode)(X, Y) == \
            pytest.approx(2 * Y, rel=1e-14)
        np.testing.assert_array_equal(sourcead.grad(af.float_rebound_in_a_loop, mode=mode)(X, Y),
                                      np.zeros_like(X))
    assert sourcead.hessian(af.float_rebound_in_a_loop, wrt=1)(X, Y) == pytest.approx(2.0)
    assert sourcead.jvp(af.float_rebound_in_a_loop, wrt=1)(X, Y, 1.0) == \
        pytest.approx((Y ** 2, 2 * Y))


def test_a_mutating_statement_is_refused_with_its_rewrite():
    with pytest.raises(UnsupportedSyntaxError) as info:
        sourcead.grad(af.puts_into_its_argument)(X.copy(), Y)
    assert "`x[index] = v`" in info.value.hint
    with pytest.raises(UnsupportedSyntaxError) as info:
        sourcead.grad(af.sorted_result_of_a_method)(X.copy(), Y)
    assert "`a = np.sort(a)`" in info.value.hint


def test_an_array_sorted_in_place_is_its_sorted_copy():
    text = sourcead.source(sourcead.grad(af.sorts_a_new_array), X, Y)
    assert "a[...] = np.sort(a)" in text.replace("sort_a", "np.sort(a)") or "np.sort(a)" in text


def test_generated_code_writes_out_into_a_copy_of_the_argument():
    text = sourcead.source(sourcead.grad(af.out_into_the_argument), X, Y)
    assert "x = x.copy()" in text and "x[...] = " in text


if __name__ == "__main__":
    sys.exit(pytest.main([str(Path(__file__))]))
