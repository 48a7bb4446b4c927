"""f-strings inside a differentiated function: ``params[f"W{layer}"]`` reads a dict by a key
built while the function runs (issue 12: refused before, "cannot differentiate a f-string").
Exact values and differences, in every mode; messages of assert are kept as written."""
import math

import numpy as np
import pytest

import sourcead
import format_string_functions as fs

X = 0.7
PARAMS = {"w0": 0.5, "w1": -1.5, "w2": 2.0}


def test_keys_built_in_a_loop_in_every_mode():
    exact_x = sum(PARAMS[f"w{k}"] * (k + 1) * X ** k for k in range(3))
    exact_params = {f"w{k}": X ** (k + 1) for k in range(3)}
    for mode in ("reverse", "forward"):
        g_params, g_x = sourcead.grad(fs.polynomial, wrt=(0, 1), mode=mode)(PARAMS, X)
        assert g_x == pytest.approx(exact_x, rel=1e-14)
        assert g_params == pytest.approx(exact_params, rel=1e-14)
    second = sum(PARAMS[f"w{k}"] * (k + 1) * k * X ** (k - 1) for k in range(1, 3))
    assert sourcead.hessian(fs.polynomial, wrt=1)(PARAMS, X) == pytest.approx(second, rel=1e-13)
    assert sourcead.grad(sourcead.grad(fs.polynomial, wrt=1), wrt=1)(PARAMS, X) == \
        pytest.approx(second, rel=1e-13)


def test_format_specs_and_conversions_and_messages_kept():
    params = {"layer_00": 1.5, "layer_01": -0.5}
    exact = 1.5 * math.cos(X) - 0.5 * 2 * math.cos(2 * X)
    assert sourcead.grad(fs.padded_keys, wrt=1)(params, X) == pytest.approx(exact, rel=1e-14)
    text = sourcead.source(sourcead.grad(fs.padded_keys, wrt=1), params, X)
    assert "f'a loss, not {total!r}'" in text
    with pytest.raises(AssertionError, match=r"a loss is a number, not \(2,\)"):
        sourcead.grad(fs.padded_keys, wrt=1)(params, np.array([X, X]))


def test_a_network_whose_layers_are_named_with_f_strings():
    rng = np.random.default_rng(3)
    params = {"W0": rng.standard_normal((3, 3)), "b0": rng.standard_normal(3),
              "W1": rng.standard_normal((2, 3)), "b1": rng.standard_normal(2)}
    x = rng.standard_normal(3)
    numeric = sourcead.numeric_grad(fs.mlp, params, x)
    for mode in ("reverse", "forward"):
        got = sourcead.grad(fs.mlp, mode=mode)(params, x)
        for k in params:
            np.testing.assert_allclose(got[k], numeric[k], rtol=1e-6, atol=1e-8, err_msg=k)
    h0 = np.tanh(params["W0"] @ x + params["b0"])        # the last layer's bias, by hand
    h1 = np.tanh(params["W1"] @ h0 + params["b1"])
    np.testing.assert_allclose(sourcead.grad(fs.mlp)(params, x)["b1"], 2 * h1 * (1 - h1 ** 2),
                               rtol=1e-13)
