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


def test_moving_average_by_convolution():
    x = np.array([1.0, 2.0, -1.0, 0.5, 3.0])
    k = np.array([0.5, 0.25, 0.25])
    smooth = np.convolve(x, k, "valid")          # smooth[i] = sum_j x[i + 2 - j] k[j]
    gx = np.zeros(5)
    gk = np.zeros(3)
    for i in range(3):
        for j in range(3):
            gx[i + 2 - j] += 2 * smooth[i] * k[j]
            gk[j] += 2 * smooth[i] * x[i + 2 - j]
    _all_modes(nr.moving_average, (x, k), (0, 1), (gx, gk))
    # second order: the Hessian in x is 2 A^T A (A: the convolution's matrix)
    A = np.array([np.convolve(e, k, "valid") for e in np.eye(5)]).T
    np.testing.assert_allclose(sourcead.hessian(nr.moving_average)(x, k), 2 * A.T @ A,
                               rtol=1e-12, atol=1e-14)


def test_matched_filter_by_correlation():
    s = np.array([0.3, -1.0, 2.0, 0.7])
    t = np.array([1.0, 0.5])
    # scores[k] = sum_n s[n + k - 1] t[n] (lags -1..3), weight k + 1
    gs, gt = np.zeros(4), np.zeros(2)
    for k in range(5):
        for n in range(2):
            if 0 <= n + k - 1 < 4:
                gs[n + k - 1] += (k + 1) * t[n]
                gt[n] += (k + 1) * s[n + k - 1]
    _all_modes(nr.matched_filter_peak, (s, t), (0, 1), (gs, gt))


def test_robust_loss_of_median_and_percentile():
    p = np.array([1.0, 2.5, -0.5, 4.0, 0.2])
    y = np.array([0.5, 2.0, 0.5, 1.0, 0.0])
    e = p - y                                  # [0.5, 0.5, -1, 3, 0.2]
    # median of |e| = [0.5, 0.5, 1, 3, 0.2]: the third smallest (a tie 0.5 / 0.5 below it,
    # so pick distinct values instead)
    p = np.array([1.0, 2.6, -0.5, 4.0, 0.2])
    e = p - y                                  # [0.5, 0.6, -1, 3, 0.2]; |e| sorted 0.2 0.5 0.6 1 3
    grad = np.zeros(5)
    grad[1] += np.sign(e[1])                   # the median is |e[1]| = 0.6
    # e ** 2 sorted: 0.04 0.25 0.36 1 9; the 90th percentile sits at 3.6: 0.4 * 1 + 0.6 * 9
    grad[2] += 0.4 * 2 * e[2]
    grad[3] += 0.6 * 2 * e[3]
    _all_modes(nr.robust_loss, (p, y), (0, 1), (grad, -grad))


def test_column_quartiles():
    x = np.array([[1.0, 4.0], [3.0, -2.0], [2.0, 0.5], [0.0, 1.5], [5.0, 3.0]])
    # n = 5: quartiles sit at 1 and 3 of each sorted column, exactly
    expected = np.zeros_like(x)
    for c in range(2):
        order = np.argsort(x[:, c])
        expected[order[1], c] += 1.0
        expected[order[3], c] += 2.0
    _all_modes(nr.column_quantiles, (x,), 0, expected)


def test_masked_residuals():
    prediction = np.array([2.0, 1.0, -3.0, -1.0])
    data = np.array([1.5, np.nan, -2.0, np.inf])
    # finite residuals pass their derivative; the replaced ones (NaN, inf) pass none
    expected = -2 * np.where(np.isfinite(data), data - prediction, 0.0)
    _all_modes(nr.masked_residuals, (prediction, data), 0, expected)


def test_ramp_between_active_ends():
    t = np.linspace(0.0, 1.0, 5)
    weights = np.arange(5.0)
    _all_modes(nr.ramp_between, (0.5, 2.0), (0, 1),
               (np.sum(weights * (1 - t)), np.sum(weights * t)))
    ends = (np.array([0.0, 1.0]), np.array([2.0, -1.0]))
    grads = sourcead.grad(nr.ramp_between, wrt=(0, 1))(*ends)
    np.testing.assert_allclose(grads[0], np.full(2, np.sum(weights * (1 - t))), rtol=1e-12)
    np.testing.assert_allclose(grads[1], np.full(2, np.sum(weights * t)), rtol=1e-12)


def test_slope_penalty():
    f = np.array([0.0, 1.0, 4.0, 9.0, 16.0])
    dx = 0.5
    D = np.array([np.gradient(e, dx) for e in np.eye(5)]).T
    _all_modes(nr.slope_penalty, (f, dx), 0, 2 * D.T @ (D @ f))
    np.testing.assert_allclose(sourcead.hessian(nr.slope_penalty)(f, dx), 2 * D.T @ D,
                               rtol=1e-12, atol=1e-12)


def test_lookup_table():
    x = np.array([0.25, 1.5, 3.0, 5.0])        # the last one beyond the table: its end value
    values = np.array([1.0, 3.0, 2.0, 6.0])
    out = np.interp(x, np.array([0.0, 1.0, 2.0, 4.0]), values)
    slopes = np.array([2.0, -1.0, 2.0, 0.0])
    weights = np.array([[0.75, 0.25, 0, 0], [0, 0.5, 0.5, 0], [0, 0, 0.5, 0.5], [0, 0, 0, 1]])
    _all_modes(nr.lookup_table, (x, values), (0, 1), (2 * out * slopes, weights.T @ (2 * out)))
    # the mixed second derivative: d/dvalues of 2 out slope
    hessian = sourcead.hessian(nr.lookup_table, wrt=(0, 1))(x, values)
    slope_rows = np.array([[-1, 1, 0, 0], [0, -1, 1, 0], [0, 0, -0.5, 0.5], [0, 0, 0, 0]])
    mixed = 2 * (weights * slopes[:, None] + out[:, None] * slope_rows)
    np.testing.assert_allclose(hessian[0][1], mixed, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(hessian[0][0], np.diag(2 * slopes ** 2), rtol=1e-12, atol=1e-12)


REFUSED = {
    "interp with active xp": ("def f(x, xp):\n    return np.sum(np.interp(0.5, xp, x))\n",
                              (np.ones(3), np.array([0.0, 1.0, 2.0])), (0, 1), "xp"),
    "gradient along two axes": ("def f(x):\n    return np.sum(np.gradient(x)[0])\n",
                                (np.ones((3, 3)),), 0, "axis=0"),
    "quantile method": ("def f(x):\n    return np.quantile(x, 0.5, method='nearest')\n",
                        (np.arange(3.0),), 0, "linear"),
    "linspace retstep": ("def f(a):\n    return np.linspace(a, 2.0, 5, retstep=True)[1]\n",
                         (0.5,), 0, "num - 1"),
}


@pytest.mark.parametrize("label", sorted(REFUSED))
def test_refused_with_the_line_and_a_rewrite(tmp_path, label):
    import importlib.util
    body, args, wrt, hint = REFUSED[label]
    path = tmp_path / "refused_row.py"
    path.write_text("import numpy as np\n\n\n" + body)
    spec = importlib.util.spec_from_file_location(f"refused_{abs(hash(label))}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for mode in MODES:
        with pytest.raises(sourcead.SourceADError) as info:
            sourcead.grad(module.f, wrt=wrt, mode=mode)(*args)
        text = str(info.value)
        assert "refused_row.py" in text and "line 5" in text and hint in text, text
