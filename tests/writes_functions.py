"""Functions that write into arrays (``a[i] = v``, ``a[i] += v``, ``a[mask] = v``), for
tests/test_writes.py. Each comes with its exact gradient, written by hand."""
import numpy as np


def convolve(x, w):
    """A 1-D valid convolution written with loops and in-place accumulation."""
    n, k = len(x), len(w)
    out = np.zeros(n - k + 1)
    for i in range(n - k + 1):
        for j in range(k):
            out[i] += w[j] * x[i + j]
    return np.sum(out ** 2)


def convolve_exact(x, w):
    out = np.convolve(x, w[::-1], mode="valid")
    gx = np.zeros_like(x)
    gw = np.zeros_like(w)
    for i, o in enumerate(out):
        gx[i:i + len(w)] += 2 * o * w
        gw += 2 * o * x[i:i + len(w)]
    return gx, gw


def slice_write(x, y):
    a = np.zeros(5)
    a[1:4] = x          # one scalar, broadcast over a slice
    a[3] = y            # overwrites an element written just before
    return np.sum(a * np.arange(5.0))


def slice_write_exact(x, y):
    return 1.0 + 2.0, 3.0


def relu_by_mask(x):
    y = x.copy()
    y[y < 0] = 0.0
    return np.sum(y ** 2)


def relu_by_mask_exact(x):
    return 2 * x * (x > 0)


def power_in_place(x, n):
    a = np.ones(2)
    for i in range(n):
        a[0] = a[0] * x  # read, then overwrite the same element, every iteration
    a[1] = x
    return a[0] + a[1]


def power_in_place_exact(x, n):
    return n * x ** (n - 1) + 1.0


def square_first(x):
    """Writes into its own argument: the derivative works on a copy."""
    x[0] = x[0] ** 2
    return np.sum(x)


def square_first_exact(x):
    g = np.ones_like(x)
    g[0] = 2 * x[0]
    return g


def recurrent(W, xs):
    """Hidden states kept as the rows of one array, each row written once."""
    T, n = xs.shape
    H = np.zeros((T + 1, n))
    for t in range(T):
        H[t + 1] = np.tanh(W @ H[t] + xs[t])
    return np.sum(H[T] ** 2)


def prefix_sums(x):
    s = np.zeros(len(x))
    s[0] = x[0]
    for i in range(1, len(x)):
        s[i] = s[i - 1] + x[i]
    return np.sum(s * s)


def prefix_sums_exact(x):
    s = np.cumsum(x)
    return np.cumsum((2 * s)[::-1])[::-1]


def write_in_branch(x):
    a = np.zeros(3)
    for i in range(3):
        if x[i] > 0:
            a[i] = x[i] ** 2
        else:
            a[i] = -x[i]
    return np.sum(a)


def write_in_branch_exact(x):
    return np.where(x > 0, 2 * x, -1.0)


def fill(out, x):
    out[0] = x   # writes into the caller's array
    return out


def calls_a_writer(x):
    a = np.zeros(2)
    b = fill(a, x)
    return np.sum(b)


def repeated_index(x):
    a = np.zeros(3)
    a[np.array([0, 0])] = np.array([x, 2 * x])
    return np.sum(a)


def heat(u0, k):
    """Explicit heat equation: a new array each step, filled element by element."""
    u = u0.copy()
    for step in range(3):
        new = np.zeros(len(u))
        for i in range(1, len(u) - 1):
            new[i] = u[i] + k * (u[i - 1] - 2.0 * u[i] + u[i + 1])
        u = new
    return np.sum(u * u)


def square_first_vector(x):
    x[0] = x[0] ** 2
    return x


# ---- views read before a write (a NumPy row is a view: the write changes it too)

def row_used_after_its_write(A):
    A = A.copy()
    row = A[0]
    A[0] = 2.0 * row
    return np.sum(row)          # NumPy: 2 * the old row, so d/dA[0] = 2


def rows_swapped_through_a_view(A):
    A = A.copy()
    t = A[0]
    A[0] = A[1]
    A[1] = t                    # NumPy: t is the new A[0] here, so both rows end as A[1]
    return np.sum(A * np.arange(6.0).reshape(2, 3))


def row_in_a_loop_used_after_its_write(A):
    A = A.copy()
    total = 0.0
    for i in range(A.shape[0]):
        row = A[i]
        A[i] = row * row
        total = total + np.sum(row)
    return total


def rows_swapped_through_a_copy(A):
    A = A.copy()
    t = A[0].copy()
    A[0] = A[1]
    A[1] = t
    return np.sum(A * np.arange(6.0).reshape(2, 3))


def rows_swapped_exact(A):
    return np.arange(6.0).reshape(2, 3)[::-1].copy()


def elements_swapped(a):
    a = a.copy()
    t = a[0]                    # an element of a 1-D array is a number, not a view
    a[0] = a[1]
    a[1] = t
    return np.sum(a * np.array([1.0, 2.0, 3.0]))


def elements_swapped_exact(a):
    return np.array([2.0, 1.0, 3.0])


def other_row_written(A):
    A = A.copy()
    r0 = A[0]                   # row 0 is read after a write into row 1 only: unchanged
    A[1] = 3.0 * r0
    return np.sum(r0 * r0) + np.sum(A)


def other_row_written_exact(A):
    return np.array([2.0 * A[0] + 1.0 + 3.0, np.zeros(A.shape[1])])
