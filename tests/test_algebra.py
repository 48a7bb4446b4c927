"""The algebra on adjoint expressions (sourcead/algebra.py): exact simplification, checked
against evaluation at random points, and end to end against exact gradients and differences."""
from __future__ import annotations

import ast
import math

import gast
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import sourcead
from sourcead.algebra import (Simplifier, divided_exactly, operations, plus, times, atom,
                              constant, scaled)

DEFINITIONS = {"t": "1.0 + e", "p": "1.0 / t", "q": "1 - p", "m": "1 - b", "r": "2.0 * a"}


def parsed(text: str) -> gast.expr:
    return gast.parse(text).body[0].value


def text_of(node: gast.expr) -> str:
    return ast.unparse(gast.gast_to_ast(node))


def simplifier() -> Simplifier:
    return Simplifier({v: parsed(d) for v, d in DEFINITIONS.items()})


def evaluate(text: str, values: dict[str, float]) -> float:
    env = dict(values)
    env["t"] = 1.0 + env["e"]
    env["p"] = 1.0 / env["t"]
    env["q"] = 1 - env["p"]
    env["m"] = 1 - env["b"]
    env["r"] = 2.0 * env["a"]
    return eval(text, {}, env)


def test_the_adjoint_of_cross_entropy_through_a_sigmoid_is_y_minus_p():
    original = parsed("(a * b / p - a * m / q) * (p / t) * e")
    out = simplifier().simplified(original)
    assert text_of(out) == "a * (b - p)"
    assert operations(out) == 2 < operations(original) == 8


@pytest.mark.parametrize("text, want", [
    ("a * b + a * c", "a * (b + c)"),
    ("c * b / b", "c"),
    ("(c + 1) * (c + 1) - c * c", "2 * c + 1.0"),
    ("2 * c * b + 3 * c * b", "5 * b * c"),
    ("b * q - m * p", "b * q - m * p"),  # no divisor: definitions are not expanded
    ("e / t", "e / t"),              # as cheap as 1.0 - p: left alone
    ("r / a", "2.0"),             # a number alone stays a float
])
def test_simplified_forms(text, want):
    out = simplifier().simplified(parsed(text))
    assert text_of(out) == want
    values = {"a": 0.7, "b": 0.3, "c": 1.9, "e": 0.4}
    assert math.isclose(evaluate(text_of(out), values), evaluate(text, values), rel_tol=1e-12)


def test_exact_division_of_polynomials():
    d = plus(atom("x"), constant(-1))                       # x - 1
    p = plus(times(atom("x"), atom("y")), scaled(atom("y"), 3))  # x y + 3 y
    assert divided_exactly(times(p, d), d) == p
    assert divided_exactly(plus(times(p, d), constant(1)), d) is None
    laurent = plus(constant(1), atom("x", -1))               # 1 + 1/x
    assert divided_exactly(times(p, laurent), laurent) == p


ATOMS = ["a", "b", "c", "e", "p", "q", "t", "m", "r"]


@st.composite
def expressions(draw, depth=0):
    if depth >= 3 or draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from(ATOMS + ["1", "2.0", "0.5"]))
    op = draw(st.sampled_from(["+", "-", "*", "/", "*"]))
    left, right = draw(expressions(depth + 1)), draw(expressions(depth + 1))
    if op == "/" and right in ("1", "2.0", "0.5"):
        right = "t"
    return f"({left} {op} {right})"


SIGNED = st.floats(0.1, 3.0).flatmap(lambda v: st.sampled_from([v, -v]))


@settings(max_examples=300, deadline=None)
@given(expressions(), SIGNED, SIGNED, SIGNED, st.floats(0.1, 3.0))
def test_the_simplified_expression_has_the_same_value(text, a, b, c, e):
    """The algebra is exact: at any point where the original is defined, both agree."""
    values = {"a": a, "b": b, "c": c, "e": e}
    try:
        want = evaluate(text, values)
    except ZeroDivisionError:
        return
    if not math.isfinite(want):
        return
    out = simplifier().simplified(parsed(text))
    if out is None:
        return
    got = evaluate(text_of(out), values)
    scale = 1.0 + abs(want)
    assert abs(got - want) <= 1e-9 * scale * 1e3, (text, text_of(out))


# ---- end to end ------------------------------------------------------------------------------

def logistic(w, X, y):
    z = X @ w
    p = 1.0 / (1.0 + np.exp(-z))
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def logistic_exact(w, X, y):
    p = 1.0 / (1.0 + np.exp(-(X @ w)))
    return X.T @ (p - y) / y.size


def sigmoid_sum(x):
    s = 1.0 / (1.0 + np.exp(-x))
    return np.sum(s * s)


def ratio(x, y):
    u = x * y
    return np.sum(u / y + x * x / x)


@pytest.fixture
def data():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((20, 4))
    return rng.standard_normal(4) * 0.3, X, (rng.random(20) > 0.5).astype(float)


def test_logistic_gradient_is_exact_and_simplified(data):
    w, X, y = data
    g = sourcead.grad(logistic)
    np.testing.assert_allclose(g(w, X, y), logistic_exact(w, X, y), rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(g(w, X, y), sourcead.numeric_grad(logistic, w, X, y), rtol=1e-6)
    source = sourcead.source(g)
    assert "(p - y)" in source
    assert "/ p" not in source  # the log adjoints' divisions cancelled


def test_logistic_regression_gradient_reads_like_the_hand_written_one():
    """The README shows this code: the log and sigmoid adjoints cancel to y - p, and the
    matrix product's adjoint is one product (shape signatures)."""
    import models
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((30, 4)), (rng.random(30) > 0.5).astype(float)
    g = sourcead.grad(models.logistic, wrt=(0, 1))
    w = rng.standard_normal(4)
    got = g(w, 0.1, X, y)
    p = 1.0 / (1.0 + np.exp(-(X @ w + 0.1)))
    np.testing.assert_allclose(got[0], X.T @ (p - y) / y.size, rtol=1e-12, atol=1e-15)
    assert got[1] == pytest.approx(np.sum(p - y) / y.size, rel=1e-12)
    source = sourcead.source(g)
    for line in ("z_bar = out_bar / np.size(y) * (p - y)", "w_bar = z_bar @ X", "b_bar = np.sum(z_bar)",
                 "p = 1.0 / (1.0 + np.exp(-z))"):
        assert line in source
    assert "unbroadcast" not in source


def test_logistic_second_order_still_matches_differences(data):
    w, X, y = data
    h = sourcead.hessian(logistic)(w, X, y)
    p = 1.0 / (1.0 + np.exp(-(X @ w)))
    exact = X.T @ (X * (p * (1 - p))[:, None]) / y.size
    np.testing.assert_allclose(h, exact, rtol=1e-8, atol=1e-12)


def test_sigmoid_derivative_in_terms_of_its_output():
    x = np.linspace(-2, 2, 7)
    s = 1.0 / (1.0 + np.exp(-x))
    g = sourcead.grad(sigmoid_sum)
    np.testing.assert_allclose(g(x), 2 * s * s * (1 - s), rtol=1e-12)
    np.testing.assert_allclose(g(x), sourcead.numeric_grad(sigmoid_sum, x), rtol=1e-6)


@pytest.mark.parametrize("shape_x, shape_y", [((3,), (3,)), ((3,), (4, 1)), ((1,), (5,)), ((), (2, 3))])
def test_cancelled_factors_keep_the_gradient_shape(shape_x, shape_y):
    """``u / y`` with ``u = x * y`` is ``x`` in value, but not in shape when ``y`` broadcasts."""
    rng = np.random.default_rng(1)
    x = rng.random(shape_x) + 0.5 if shape_x else 0.7
    y = rng.random(shape_y) + 0.5
    g = sourcead.grad(ratio)(x, y)
    assert np.shape(g) == np.shape(x)
    count = np.broadcast(np.asarray(x), y).size / np.size(x)
    np.testing.assert_allclose(g, np.full(np.shape(x), 2.0 * count), rtol=1e-12)
    np.testing.assert_allclose(g, sourcead.numeric_grad(ratio, x, y), rtol=1e-6)
