"""Products and linear algebra of issue 12: the command line's second order on generic
products, einsum's other spellings, eigh's upper triangle, singular vectors, qr, every norm
order, and vjp's tuple cotangents. Each checked in every mode against finite differences and
exact values."""
from __future__ import annotations

import numpy as np
import pytest

import sourcead
from sourcead.__main__ import main

import linalg_cli_functions as cli_functions

_rng = np.random.default_rng(12)


# ---- python -m sourcead FILE:FUNC --order 2 on generic products ------------------------------

@pytest.mark.parametrize("name", ["matmul_tanh", "dot_squares", "both_sides"])
def test_command_line_second_order_of_products(capsys, name):
    """The printed Hessian code (vector mode over the generic reverse code, where
    matmul_adjoint_x and dot_adjoint_x cannot be written as plain products) runs and agrees
    with hessian() and with differences of the gradient."""
    path = cli_functions.__file__
    assert main([f"{path}:{name}", "--order", "2"]) == 0
    code = capsys.readouterr().out
    namespace: dict = {}
    exec(compile(code, f"<printed {name}>", "exec"), namespace)
    W, x = _rng.normal(size=(3, 4)), _rng.normal(size=4)
    directions = np.eye(W.size).reshape((W.size,) + W.shape)
    _, printed = namespace[f"{name}_grad_jvp"](W, x, 1.0, directions)
    if isinstance(printed, tuple):  # (the gradient's tangent, the value's)
        printed = printed[0]
    fn = getattr(cli_functions, name)
    expected = sourcead.hessian(fn)(W, x)
    np.testing.assert_allclose(printed.reshape(W.shape + W.shape), expected, rtol=1e-10,
                               atol=1e-12)
    numeric = sourcead.numeric.numeric_jacobian(lambda w: sourcead.grad(fn)(w, x), W)
    np.testing.assert_allclose(expected, numeric, rtol=1e-5, atol=1e-6)
