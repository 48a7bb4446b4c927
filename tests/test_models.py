"""Logistic regression, a 2-layer MLP with softmax cross-entropy, an RNN unrolled in a Python
loop, and Rosenbrock: reverse and forward mode against finite differences; Hessians where
they are cheap. (1-D convolution with in-place writes waits for array writes.)"""
import numpy as np
import pytest

import sourcead

import models

RNG = np.random.default_rng(0)
X = RNG.standard_normal((8, 3))
CASES = {
    "logistic": (models.logistic, (RNG.standard_normal(3), 0.1, X,
                                   (RNG.random(8) > 0.5).astype(float)), (0, 1)),
    "mlp": (models.mlp, (RNG.standard_normal((3, 5)) * 0.5, RNG.standard_normal(5) * 0.1,
                         RNG.standard_normal((5, 4)) * 0.5, np.zeros(4), X,
                         np.eye(4)[RNG.integers(0, 4, 8)]), (0, 1, 2, 3)),
    "rnn": (models.rnn, (RNG.standard_normal((4, 4)) * 0.3, RNG.standard_normal((4, 3)) * 0.3,
                         RNG.standard_normal((5, 3))), (0, 1)),
    "rosenbrock": (models.rosen, (np.linspace(-1.0, 1.0, 6),), 0),
}


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("name", list(CASES))
def test_model_gradient(name, mode):
    f, args, wrt = CASES[name]
    got = sourcead.grad(f, wrt=wrt, mode=mode)(*args)
    expected = sourcead.numeric_grad(f, *args, wrt=wrt)
    got, expected = (got, expected) if isinstance(wrt, tuple) else ((got,), (expected,))
    for g, e, p in zip(got, expected, wrt if isinstance(wrt, tuple) else (wrt,)):
        assert np.shape(g) == np.shape(args[p])
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-7)


def test_rosenbrock_hessian_exact_entries():
    x = np.linspace(-1.0, 1.0, 6)
    H = sourcead.hessian(models.rosen)(x)
    # d2/dx0^2 = 1200 x0^2 - 400 x1 + 2; d2/dx0 dx1 = -400 x0
    assert H[0, 0] == pytest.approx(1200 * x[0] ** 2 - 400 * x[1] + 2, rel=1e-12)
    assert H[0, 1] == pytest.approx(-400 * x[0], rel=1e-12)
    np.testing.assert_allclose(H, H.T, rtol=1e-12)


def test_rnn_jacobian_equals_gradient():
    f, args, _ = CASES["rnn"]
    np.testing.assert_allclose(sourcead.jacobian(f, wrt=0)(*args),
                               sourcead.grad(f)(*args), rtol=1e-12)
