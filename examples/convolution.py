"""A 1-D convolution written with loops and in-place writes (issue 4's example).

The generated gradient writes into ``out`` in place like the function does, records each
element it overwrites, and puts it back in the adjoint sweep. Run it to see the code:

    python examples/convolution.py
"""
import numpy as np

import sourcead


def convolve(x, w):
    out = np.zeros(len(x) - len(w) + 1)
    for i in range(len(out)):
        for j in range(len(w)):
            out[i] += w[j] * x[i + j]
    return np.sum(out ** 2)


def exact_gradient(x, w):
    """By hand: out = correlate(x, w); d/dx and d/dw of sum(out ** 2)."""
    out = np.correlate(x, w, mode="valid")
    gx, gw = np.zeros_like(x), np.zeros_like(w)
    for i, o in enumerate(out):
        gx[i:i + len(w)] += 2 * o * w
        gw += 2 * o * x[i:i + len(w)]
    return gx, gw


def _show(label, got, expected):
    print(f"{label:<12} got {got!r:<44} expected {expected!r}")


if __name__ == "__main__":
    x = np.array([0.5, -1.0, 2.0, 0.25, 1.5, -0.5])
    w = np.array([1.0, -2.0, 0.5])
    df = sourcead.grad(convolve, wrt=(0, 1))
    gx, gw = df(x, w)
    ex, ew = exact_gradient(x, w)
    for k in range(len(x)):
        _show(f"d/dx[{k}]", float(gx[k]), float(ex[k]))
    for k in range(len(w)):
        _show(f"d/dw[{k}]", float(gw[k]), float(ew[k]))
    print(sourcead.source(df))
