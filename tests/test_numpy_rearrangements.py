"""Rearranging and sampling NumPy functions (issue 12) in realistic uses: exact derivatives
(worked out by hand below) and finite differences, in every mode."""
import numpy as np
import pytest

import sourcead

import numpy_rearrangement_functions as nr

MODES = ["reverse", "forward"]


def _all_modes(f, args, wrt, expected):
    """grad in both modes, jvp and vjp against ``expected`` (the gradient blocks)."""
    expected = expected if isinstance(expected, tuple) else (expected,)
    for mode in MODES:
        got = sourcead.grad(f, wrt=wrt, mode=mode)(*args)
        got = got if isinstance(got, tuple) else (got,)
        for g, e in zip(got, expected):
            np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-12, err_msg=mode)
    rng = np.random.default_rng(0)
    wrt = wrt if isinstance(wrt, tuple) else (wrt,)
    tangents = [rng.standard_normal(np.shape(args[p])) for p in wrt]
    _, directional = sourcead.jvp(f, wrt=wrt)(*args, *tangents)
    np.testing.assert_allclose(directional, sum(np.sum(e * t) for e, t in zip(expected, tangents)),
                               rtol=1e-12, atol=1e-12, err_msg="jvp")
    _, pulled = sourcead.vjp(f, wrt=wrt)(*args, 2.0)
    pulled = pulled if isinstance(pulled, tuple) else (pulled,)
    for g, e in zip(pulled, expected):
        np.testing.assert_allclose(g, 2.0 * e, rtol=1e-12, atol=1e-12, err_msg="vjp")
    for k, (p, e) in enumerate(zip(wrt, expected)):
        numeric = sourcead.numeric_grad(f, *args, wrt=p) if len(wrt) > 1 else \
            sourcead.numeric_grad(f, *args)
        np.testing.assert_allclose(e, numeric, rtol=1e-6, atol=1e-6, err_msg=f"differences {k}")


def test_edge_padded_smoothing():
    x = np.array([1.0, -2.0, 0.5, 3.0])
    # the smoothing matrix: each output averages its neighbours, the ends counted twice
    A = np.array([[2, 1, 0, 0], [1, 1, 1, 0], [0, 1, 1, 1], [0, 0, 1, 2]]) / 3.0
    _all_modes(nr.edge_padded_smoothing, (x,), 0, 2 * A.T @ (A @ x))
    # the Hessian is exact: 2 A^T A, in vector mode and reverse over reverse
    np.testing.assert_allclose(sourcead.hessian(nr.edge_padded_smoothing)(x), 2 * A.T @ A,
                               rtol=1e-12, atol=1e-14)
    u = np.array([1.0, 0.0, -1.0, 2.0])
    _, hu = sourcead.vjp(sourcead.grad(nr.edge_padded_smoothing), wrt=0)(x, u)
    np.testing.assert_allclose(hu, 2 * A.T @ A @ u, rtol=1e-12, atol=1e-14)


def test_zero_padded_energy_is_the_ramp_inside():
    image = np.arange(6.0).reshape(2, 3)
    ramp = np.arange(4 * 5, dtype=float).reshape(4, 5)
    _all_modes(nr.zero_padded_energy, (image,), 0, ramp[1:3, 0:3])


def test_bias_column_least_squares():
    X = np.array([[1.0, 2.0], [0.5, -1.0], [3.0, 0.0]])
    w = np.array([0.1, -0.3, 0.7])
    design = np.column_stack([np.ones(3), X])
    r = design @ w
    _all_modes(nr.with_bias_column, (X, w), (0, 1), (2 * np.outer(r, w[1:]), 2 * design.T @ r))


def test_appended_and_inserted():
    history = np.array([0.2, -0.4, 1.5])
    # calibrated = [reading, h0, h1, h2, 2 reading], weighted 1..5
    _all_modes(nr.appended_and_inserted, (history, 0.7), (0, 1),
               (np.array([2.0, 3.0, 4.0]), 1.0 + 2.0 * 5.0))


def test_halves_product():
    x = np.arange(1.0, 17.0).reshape(4, 4) / 4.0
    left, right, top, bottom = x[:, :2], x[:, 2:], x[:2], x[2:]
    expected = np.hstack([right, left]) + np.vstack([bottom ** 2, 2 * top * bottom])
    _all_modes(nr.halves_product, (x,), 0, expected)


def test_layered_images():
    a, b = np.ones((2, 3)), np.arange(6.0).reshape(2, 3)
    _all_modes(nr.layered, (a, b), (0, 1), (np.full((2, 3), 1.0), np.full((2, 3), 3.0)))


def test_pad_that_computes_values_is_refused_with_a_rewrite(tmp_path):
    path = tmp_path / "padmean.py"
    path.write_text("import numpy as np\n\n\ndef f(x):\n"
                    "    return np.sum(np.pad(x, 2, mode='mean'))\n")
    import importlib.util
    spec = importlib.util.spec_from_file_location("padmean", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with pytest.raises(sourcead.SourceADError) as info:
        sourcead.grad(module.f)(np.ones(3))
    text = str(info.value)
    assert "padmean.py" in text and "line 5" in text and "np.concatenate" in text
