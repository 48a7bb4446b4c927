"""NumPy rows against closed-form gradients, in both modes."""
import numpy as np
import pytest

import sourcead

import numpy_exact as ne

X = np.array([0.3, -1.2, 0.9, 0.45])
W = ne.W
N = X.size
MEAN = X.mean()

EXACT = {
    "var": (ne.var_of, 2 * (X - MEAN) / N),
    "std": (ne.std_of, (X - MEAN) / (N * X.std())),
    "norm": (ne.norm_of, X / np.linalg.norm(X)),
    "cumsum": (ne.weighted_cumsum, np.cumsum(W[::-1])[::-1]),
    "max": (ne.max_of, np.array([0.0, 0.0, 1.0, 0.0])),
    "mean": (ne.mean_of, W / N),
    "clip": (ne.clipped, W * ((X >= -0.5) & (X <= 0.5))),
    "where": (ne.chosen, np.where(X > 0, 2 * X, 3.0)),
    "maximum": (ne.larger, W * (X >= 0.1)),
    "stack": (ne.stacked, 3 * W),
    "concatenate": (ne.joined, W + 2 * X * W),
    "take": (ne.taken, np.array([2.0, 0.0, 0.0, 1.0])),
    "transpose": (ne.transposed, np.array([1.0, 3.0, 2.0, 4.0])),
}


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("name", list(EXACT))
def test_numpy_row_exact_gradient(name, mode):
    f, expected = EXACT[name]
    np.testing.assert_allclose(sourcead.grad(f, mode=mode)(X.copy()), expected,
                               rtol=1e-12, atol=1e-14)


def test_max_ties_share_the_gradient():
    x = np.array([1.0, 3.0, 3.0, 0.0])
    np.testing.assert_allclose(sourcead.grad(ne.max_of)(x), [0.0, 0.5, 0.5, 0.0])
