"""Functions that build dict keys and names with f-strings (test_format_strings)."""
import numpy as np


def polynomial(params, x):
    total = 0.0
    for k in range(3):
        total = total + params[f"w{k}"] * x ** (k + 1)
    return total


def padded_keys(params, x):
    total = 0.0
    for k in range(2):
        total = total + params[f"layer_{k:02d}"] * np.sin(x * (k + 1))
    assert np.ndim(total) == 0, f"a loss is a number, not {np.shape(total)!r}"
    assert np.isfinite(total), f"a loss, not {total!r}"
    return total


def mlp(params, x):
    h = x
    for layer in range(2):
        h = np.tanh(params[f"W{layer}"] @ h + params[f"b{layer}"])
    return np.sum(h ** 2)
