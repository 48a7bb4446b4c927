"""Shape signatures (which axes have size 1): generated code without run-time shape helpers,
and dispatch that keeps shapes differing only by a size-1 axis apart.

A derivative specialized for x of shape (3,) must never run on x of shape (1,): there
``np.sin(x) * y`` broadcasts x, and its adjoint must be summed back. Each function below is
called through ONE derivative object with such shapes in turn, in every mode, and checked
against exact values and finite differences.
"""
import sys
from pathlib import Path

import numpy as np
import pytest

import sourcead
from sourcead import shapes
from sourcead.numeric import numeric_grad, numeric_jacobian

import models

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples"))
import convolution  # noqa: E402


def sin_times(x, y):
    return np.sum(np.sin(x) * y)


def sin_times_array(x, y):
    return np.sin(x) * y


def mean_product(x, y):
    return np.mean(x * y * x)


def tanh_matmul(A, x):
    return np.sum(np.tanh(A @ x))


def _sum_to(g, shape):
    """Sum a broadcast value back to ``shape`` (written out here, independent of sourcead)."""
    g = np.asarray(g, dtype=float)
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and g.shape[axis] != 1:
            g = g.sum(axis=axis, keepdims=True)
    return g


def _arrays(shape_x, shape_y, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(0.2, 1.2, shape_x), rng.uniform(-1.0, 2.0, shape_y)


BROADCAST_SHAPES = [((3,), (3,)), ((1,), (3,)), ((3,), (1,)), ((3, 4), (1, 4)),
                    ((1, 4), (3, 4)), ((3, 4), (3, 1)), ((3, 1), (3, 4)), ((1, 1), (3, 4)),
                    ((4,), (3, 4)), ((1,), (3, 1))]


# ---- generated code: the shape helpers are gone ----------------------------------------------

def _logistic_args(n=50, d=7):
    rng = np.random.default_rng(1)
    return (rng.standard_normal(d) * 0.1, 0.1, rng.standard_normal((n, d)),
            (rng.random(n) > 0.5).astype(float))


def _mlp_args(batch=6, d=5, hidden=4, classes=3):
    rng = np.random.default_rng(2)
    return (rng.standard_normal((d, hidden)) * 0.5, rng.standard_normal(hidden) * 0.1,
            rng.standard_normal((hidden, classes)) * 0.5, np.zeros(classes),
            rng.standard_normal((batch, d)), np.eye(classes)[rng.integers(0, classes, batch)])


def _code(source: str, name: str) -> str:
    """The generated function ``name`` alone (without the helpers printed above it)."""
    return source[source.index(f"def {name}("):]


def test_logistic_gradient_reads_like_hand_written():
    g = sourcead.grad(models.logistic, wrt=(0, 1))
    args = _logistic_args()
    g(*args)
    code = _code(sourcead.source(g), "logistic_grad")
    for helper in ("unbroadcast", "matmul_adjoint", "np.broadcast", "unreduce"):
        assert helper not in code
    assert "np.size(y)" in code
    assert "w_bar = z_bar @ X" in code


def test_mlp_gradient_has_plain_matrix_products():
    g = sourcead.grad(models.mlp, wrt=(0, 1, 2, 3))
    g(*_mlp_args())
    code = _code(sourcead.source(g), "mlp_grad")
    assert "matmul_adjoint" not in code
    assert "h_bar = logits_bar @ W2.T" in code
    assert "W2_bar = h.T @ logits_bar" in code
    assert "W1_bar = X.T @ X_matmul_W1_plus_b1_bar" in code
    # the biases and the row-wise max and logsumexp are broadcast: summed back over the
    # axes the signatures name, as a person writes it
    assert "b1_bar = np.sum(X_matmul_W1_plus_b1_bar, axis=0)" in code
    assert "b2_bar = np.sum(logits_bar, axis=0)" in code
    assert "logsumexp_bar = -np.sum(logp_bar, axis=1, keepdims=True)" in code
    assert "m_bar = -np.sum(shifted_bar, axis=1, keepdims=True)" in code
    # a spread that the product's broadcasting does anyway is left out
    assert "shifted_bar = logp_bar + logsumexp_bar / sum_exp_shifted * exp_shifted" in code
    assert "logits_bar = shifted_bar + m_bar * extreme_mask(logits, m, 1, True)" in code
    assert "unbroadcast" not in code and "unreduce" not in code


def _mlp_gradient_by_hand(W1, b1, W2, b2, X, labels):
    h = np.tanh(X @ W1 + b1)
    logits = h @ W2 + b2
    e = np.exp(logits - np.max(logits, axis=1, keepdims=True))
    p = e / np.sum(e, axis=1, keepdims=True)
    d_logits = (p * np.sum(labels, axis=1, keepdims=True) - labels) / X.shape[0]
    d_a = (d_logits @ W2.T) * (1 - h * h)
    return X.T @ d_a, np.sum(d_a, axis=0), h.T @ d_logits, np.sum(d_logits, axis=0)


@pytest.mark.parametrize("batch, d, hidden, classes", [(6, 5, 4, 3), (1, 5, 4, 3), (6, 1, 1, 3),
                                                       (6, 5, 4, 1), (1, 1, 1, 1)])
def test_mlp_gradient_summed_over_named_axes_is_exact_for_every_signature(batch, d, hidden, classes):
    # one derivative, specialized per shape signature: size-1 axes sum differently
    g = sourcead.grad(models.mlp, wrt=(0, 1, 2, 3))
    args = _mlp_args(batch, d, hidden, classes)
    for got, exact in zip(g(*args), _mlp_gradient_by_hand(*args)):
        assert np.shape(got) == np.shape(exact)
        np.testing.assert_allclose(got, exact, rtol=1e-12, atol=1e-14)
    for got, numeric in zip(g(*args), numeric_grad(models.mlp, *args, wrt=(0, 1, 2, 3))):
        np.testing.assert_allclose(got, numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("out, arg, axes", [
    ("nn", "n", ((0,), ())),            # a bias added to every row
    ("nn", "n1", ((), (1,))),           # a column: kept, size 1
    ("nnn", "1n", ((0,), (0,))),
    ("nn", "nn", ((), ())),
    ("n1", "1", ((0,), ())),
    ("n?", "n", None),                  # an axis of unknown size: unbroadcast decides
    ("n", "nn", None),
    ("1n", "nn", None),                 # the value is smaller than the argument
    (None, "n", None),
])
def test_summed_axes(out, arg, axes):
    assert shapes.summed_axes(out, arg) == axes


def test_convolution_element_adjoints_are_numbers():
    x = np.array([0.5, -1.0, 2.0, 0.25, 1.5, -0.5])
    w = np.array([1.0, -2.0, 0.5])
    g = sourcead.grad(convolution.convolve, wrt=(0, 1))
    g(x, w)
    code = _code(sourcead.source(g), "convolve_grad")
    assert "unbroadcast" not in code
    assert "np.copy" not in code  # an element read is a copy already
    assert "w_j_bar = out_new_bar * x_i_plus_j" in code


def test_rnn_gradient_from_a_shape_read_at_run_time():
    """``h = np.zeros(Wh.shape[0])`` has one axis: the loop's products are written out."""
    rng = np.random.default_rng(3)
    args = (rng.standard_normal((4, 4)) * 0.3, rng.standard_normal((4, 3)) * 0.3,
            rng.standard_normal((5, 3)))
    g = sourcead.grad(models.rnn, wrt=(0, 1))
    got = g(*args)
    code = _code(sourcead.source(g), "rnn_grad")
    assert "matmul_adjoint" not in code and "unbroadcast" not in code
    assert "Wh_bar = Wh_bar + np.outer(t_1_bar, h)" in code
    assert "h_bar = t_1_bar @ Wh" in code
    for g_, e in zip(got, numeric_grad(models.rnn, *args, wrt=(0, 1))):
        np.testing.assert_allclose(g_, e, rtol=1e-6, atol=1e-9)
    for shapes_ in [((1, 1), (1, 3), (5, 3)), ((1, 1), (1, 1), (2, 1)), ((2, 2), (2, 1), (1, 1))]:
        small = tuple(rng.standard_normal(s) * 0.5 for s in shapes_)
        for g_, e in zip(g(*small), numeric_grad(models.rnn, *small, wrt=(0, 1))):
            np.testing.assert_allclose(g_, e, rtol=1e-6, atol=1e-9)


def test_forward_tangents_are_not_spread_where_shapes_agree():
    j = sourcead.jvp(models.logistic, wrt=0)
    w, b, X, y = _logistic_args()
    value, tangent = j(w, b, X, y, w)
    assert "spread" not in _code(sourcead.source(j, w, b, X, y), "logistic_jvp")
    assert tangent == pytest.approx(np.dot(sourcead.grad(models.logistic)(w, b, X, y), w),
                                    rel=1e-12)


@pytest.mark.parametrize("n_x,n_w", [(6, 3), (3, 1), (1, 1), (2, 2), (4, 1)])
def test_convolution_values_with_size_one_axes(n_x, n_w):
    g = sourcead.grad(convolution.convolve, wrt=(0, 1))  # one object for every shape
    rng = np.random.default_rng(n_x * 10 + n_w)
    for _ in range(2):
        x, w = rng.standard_normal(n_x), rng.standard_normal(n_w)
        gx, gw = g(x, w)
        ex, ew = convolution.exact_gradient(x, w)
        np.testing.assert_allclose(gx, ex, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(gw, ew, rtol=1e-12, atol=1e-12)


def test_convolution_one_derivative_many_lengths():
    g = sourcead.grad(convolution.convolve, wrt=(0, 1))
    h = sourcead.hessian(convolution.convolve, wrt=1)
    for n_x, n_w in [(6, 3), (3, 1), (1, 1), (5, 2), (2, 1)]:
        rng = np.random.default_rng(n_x + n_w)
        x, w = rng.standard_normal(n_x), rng.standard_normal(n_w)
        for got, want in zip(g(x, w), convolution.exact_gradient(x, w)):
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
        # the loss is quadratic in w: H = 2 sum_i x[i:i+k] x[i:i+k]^T, exactly
        windows = np.array([x[i:i + n_w] for i in range(n_x - n_w + 1)])
        np.testing.assert_allclose(h(x, w), 2 * windows.T @ windows, rtol=1e-12, atol=1e-12)


# ---- the same derivative object, shapes differing by a size-1 axis -------------------------

@pytest.fixture(scope="module")
def sin_times_derivatives():
    return {"reverse": sourcead.grad(sin_times, wrt=(0, 1)),
            "forward": sourcead.grad(sin_times, wrt=(0, 1), mode="forward"),
            "hessian": sourcead.hessian(sin_times, wrt=0),
            "vjp": sourcead.vjp(sin_times_array, wrt=(0, 1)),
            "jvp": sourcead.jvp(sin_times_array, wrt=(0, 1))}


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_gradient_keeps_size_one_axes_apart(sin_times_derivatives, mode):
    g = sin_times_derivatives[mode]
    for shape_x, shape_y in BROADCAST_SHAPES:  # in turn, through one object
        x, y = _arrays(shape_x, shape_y)
        gx, gy = g(x, y)
        full = np.broadcast_shapes(shape_x, shape_y)
        np.testing.assert_allclose(gx, _sum_to(np.broadcast_to(np.cos(x) * y, full), shape_x),
                                   rtol=1e-12, err_msg=f"{shape_x} {shape_y}")
        np.testing.assert_allclose(gy, _sum_to(np.broadcast_to(np.sin(x), full), shape_y),
                                   rtol=1e-12, err_msg=f"{shape_x} {shape_y}")
        np.testing.assert_allclose(gx, numeric_grad(sin_times, x, y, wrt=0), rtol=1e-6)
        np.testing.assert_allclose(gy, numeric_grad(sin_times, x, y, wrt=1), rtol=1e-6)


def test_hessian_keeps_size_one_axes_apart(sin_times_derivatives):
    h = sin_times_derivatives["hessian"]
    g = sin_times_derivatives["reverse"]
    for shape_x, shape_y in BROADCAST_SHAPES:
        x, y = _arrays(shape_x, shape_y)
        full = np.broadcast_shapes(shape_x, shape_y)
        diagonal = _sum_to(np.broadcast_to(-np.sin(x) * y, full), shape_x).ravel()
        exact = np.diag(diagonal).reshape(shape_x + shape_x)
        np.testing.assert_allclose(h(x, y), exact, rtol=1e-12, atol=1e-14,
                                   err_msg=f"{shape_x} {shape_y}")
        numeric = numeric_jacobian(lambda x_: g(x_, y)[0], x)  # differences of the gradient
        np.testing.assert_allclose(h(x, y), numeric, rtol=1e-5, atol=1e-7)


def test_vjp_and_jvp_keep_size_one_axes_apart(sin_times_derivatives):
    pullback, pushforward = sin_times_derivatives["vjp"], sin_times_derivatives["jvp"]
    for shape_x, shape_y in BROADCAST_SHAPES:
        x, y = _arrays(shape_x, shape_y)
        full = np.broadcast_shapes(shape_x, shape_y)
        c = np.linspace(-1.0, 1.0, int(np.prod(full))).reshape(full)
        value, (gx, gy) = pullback(x, y, c)
        np.testing.assert_allclose(value, np.sin(x) * y)
        np.testing.assert_allclose(gx, _sum_to(c * np.cos(x) * y, shape_x), rtol=1e-12)
        np.testing.assert_allclose(gy, _sum_to(c * np.sin(x), shape_y), rtol=1e-12)
        dx, dy = _arrays(shape_x, shape_y, seed=3)
        value, tangent = pushforward(x, y, dx, dy)
        np.testing.assert_allclose(tangent, np.cos(x) * dx * y + np.sin(x) * dy, rtol=1e-12)
        # the dot-product test: <c, J (dx, dy)> = <J^T c, (dx, dy)>
        assert np.sum(c * tangent) == pytest.approx(np.sum(gx * dx) + np.sum(gy * dy), rel=1e-12)


def test_mean_size_follows_the_arguments():
    g = sourcead.grad(mean_product, wrt=(0, 1))
    for shape_x, shape_y in BROADCAST_SHAPES:
        x, y = _arrays(shape_x, shape_y)
        size = np.prod(np.broadcast_shapes(shape_x, shape_y))
        full = np.broadcast_shapes(shape_x, shape_y)
        gx, gy = g(x, y)
        np.testing.assert_allclose(gx, _sum_to(np.broadcast_to(2 * x * y, full) / size, shape_x),
                                   rtol=1e-12, err_msg=f"{shape_x} {shape_y}")
        np.testing.assert_allclose(gy, _sum_to(np.broadcast_to(x * x, full) / size, shape_y),
                                   rtol=1e-12)
        np.testing.assert_allclose(sourcead.hessian(mean_product)(x, y), numeric_jacobian(
            lambda x_: g(x_, y)[0], x), rtol=1e-5, atol=1e-8)


MATMUL_SHAPES = [((3, 4), (4,)), ((1, 4), (4,)), ((3, 1), (1,)), ((1, 1), (1,)), ((3, 4), (4, 2)),
                 ((3, 1), (1, 2)), ((1, 4), (4, 1)), ((4,), (4, 2)), ((1,), (1, 3)), ((4,), (4,)),
                 ((1,), (1,))]


def test_matmul_adjoints_for_every_number_of_axes():
    g = sourcead.grad(tanh_matmul, wrt=(0, 1))
    h = sourcead.hessian(tanh_matmul, wrt=1)
    for shape_a, shape_x in MATMUL_SHAPES:
        A, x = _arrays(shape_a, shape_x)
        slope = 1 - np.tanh(A @ x) ** 2
        gA, gx = g(A, x)
        exact_a = (np.outer(slope, x) if A.ndim == 2 and x.ndim == 1 else
                   slope @ x.T if A.ndim == 2 else
                   x @ slope if x.ndim == 2 else slope * x)
        exact_x = (A.T @ slope if A.ndim == 2 else np.outer(A, slope) if x.ndim == 2
                   else slope * A)
        np.testing.assert_allclose(gA, exact_a, rtol=1e-12, err_msg=f"{shape_a} {shape_x}")
        np.testing.assert_allclose(gx, exact_x, rtol=1e-12, err_msg=f"{shape_a} {shape_x}")
        np.testing.assert_allclose(gA, numeric_grad(tanh_matmul, A, x, wrt=0), rtol=1e-6,
                                   atol=1e-9)
        fx = sourcead.grad(tanh_matmul, wrt=1, mode="forward")(A, x)
        np.testing.assert_allclose(fx, exact_x, rtol=1e-12)
        np.testing.assert_allclose(h(A, x), numeric_jacobian(lambda x_: g(A, x_)[1], x),
                                   rtol=1e-5, atol=1e-8)


def test_reverse_over_reverse_with_size_one_axes():
    """The vjp of the generated gradient (reverse over reverse), one object for all shapes:
    H is diagonal, so H @ ones is its diagonal."""
    pullback = sourcead.vjp(sourcead.grad(sin_times, wrt=0), wrt=0)
    for shape_x, shape_y in BROADCAST_SHAPES:
        x, y = _arrays(shape_x, shape_y)
        _, second = pullback(x, y, np.ones(shape_x))
        full = np.broadcast_shapes(shape_x, shape_y)
        np.testing.assert_allclose(second, _sum_to(np.broadcast_to(-np.sin(x) * y, full),
                                                   shape_x), rtol=1e-12, err_msg=f"{shape_x} {shape_y}")


# ---- dispatch ---------------------------------------------------------------------------------

def test_same_signature_reuses_the_compiled_function():
    g = sourcead.grad(sin_times, wrt=(0, 1))
    first = g.specialize(*_arrays((3,), (3,)))
    assert g.specialize(*_arrays((5,), (5,))) is first          # a new length, same signature
    assert g.specialize(*_arrays((1,), (3,))) is not first      # a size-1 axis is another
    assert g.specialize(*_arrays((1000,), (1000,))) is first
    x, y = _arrays((7,), (7,))
    np.testing.assert_allclose(g(x, y)[0], np.cos(x) * y)


def test_new_batch_size_generates_no_code():
    from sourcead import api
    g = sourcead.grad(models.logistic, wrt=(0, 1))
    g(*_logistic_args(n=50))
    built = len(api._CACHE)
    for n in (20, 31, 2, 500):
        w, b, X, y = _logistic_args(n=n)
        gw, _ = g(w, b, X, y)
        np.testing.assert_allclose(gw, numeric_grad(models.logistic, w, b, X, y), rtol=1e-5,
                                   atol=1e-8)
    assert len(api._CACHE) == built


def test_signature_algebra():
    assert shapes.of_shape((3, 1, 0)) == "n1n"
    assert shapes.broadcast(["n1", "1n"]) == "nn"
    assert shapes.broadcast(["?", "1n"]) == "1n"
    assert shapes.broadcast(["1", "?"]) == "?"
    assert shapes.covers("n", "n") and shapes.covers("1", "1") and not shapes.covers("1", "n")
    assert not shapes.covers("?", "n") and not shapes.covers("n", "nn")
    assert shapes.reduced("nn", 1, True) == "n1" and shapes.reduced("nn", (0, -1), False) == ""
    assert shapes.matmul("nn", "n") == "n" and shapes.matmul("n", "n") == ""
    assert shapes.matmul("1nn", "nn1") == "nn1"
    assert shapes.indexed("nn", ["int"]) == "n" and shapes.indexed("n", ["none", "..."]) == "1n"
    assert shapes.indexed("n", ["slice"]) == "?" and shapes.indexed("n", ["other"]) is None
    assert shapes.reshaped((-1, 1)) == "?1" and shapes.raveled("n1") == "?"


def scaled_sum(x, y, scale=2.0):
    return np.sum(np.sin(x) * y) * scale


def test_keywords_and_defaults_keep_size_one_axes_apart():
    g = sourcead.grad(scaled_sum, wrt=(0, 1))  # defaults: the general dispatcher
    for shape_x, shape_y in BROADCAST_SHAPES[:4]:
        x, y = _arrays(shape_x, shape_y)
        full = np.broadcast_shapes(shape_x, shape_y)
        for gx, gy in (g(x, y), g(x, y=y), g(y=y, x=x), g(x, y, scale=2.0)):
            np.testing.assert_allclose(gx, _sum_to(2 * np.broadcast_to(np.cos(x) * y, full),
                                                   shape_x), rtol=1e-12)
            np.testing.assert_allclose(gy, _sum_to(2 * np.broadcast_to(np.sin(x), full),
                                                   shape_y), rtol=1e-12)


def dict_loss(params, x):
    return np.sum(np.tanh(params["w"] * x + params["b"]))


def test_arrays_inside_a_dict_keep_size_one_axes_apart():
    g = sourcead.grad(dict_loss)
    x = np.array([0.3, -0.5, 0.9])
    for w, b in [(np.ones(3) * 0.5, np.zeros(3)), (np.ones(1) * 0.5, np.zeros(3)),
                 (np.ones(3) * 0.5, np.zeros(1)), (np.ones(1) * 0.5, np.zeros(1))]:
        got = g({"w": w, "b": b}, x)
        slope = 1 - np.tanh(w * x + b) ** 2
        np.testing.assert_allclose(got["w"], _sum_to(slope * x, w.shape), rtol=1e-12)
        np.testing.assert_allclose(got["b"], _sum_to(slope, b.shape), rtol=1e-12)


def flag_index(x, flag):
    y = x[flag] + x
    return np.sum(np.sin(y))


def comparison_index(x, k):
    v = x[k > 0]
    return np.sum(np.sin(v * x))


@pytest.mark.parametrize("f,index", [(flag_index, True), (comparison_index, 1)])
def test_a_bool_index_adds_an_axis(f, index):
    """``x[True]`` is ``x`` with a new axis of size 1, not an element: the gradient keeps x's
    shape and values."""
    x = np.array([0.1, 0.5, 0.9])
    got = sourcead.grad(f)(x, index)
    assert got.shape == x.shape
    np.testing.assert_allclose(got, numeric_grad(f, x, index), rtol=1e-7)
