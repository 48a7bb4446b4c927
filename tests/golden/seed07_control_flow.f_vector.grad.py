import numpy as np

def unreduce(v, x, axis=None, keepdims=False):
    """Spread a reduction's adjoint ``v`` back over the shape of ``x`` (the reduced axes
    were summed, so each element receives the whole adjoint)."""
    if np.ndim(x) == 0:  # the sum of a number is the number: keep a float a float
        return v[()] if isinstance(v, np.ndarray) and v.ndim == 0 else v
    if axis is None:
        return np.full(np.shape(x), v, dtype=np.result_type(x, 0.0))
    if not keepdims:
        axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
        v = np.expand_dims(v, tuple(a % np.ndim(x) for a in axes))
    return np.array(np.broadcast_to(v, np.shape(x)), dtype=np.result_type(x, 0.0))  # writable copy

def f_vector_grad(a, out_bar=1.0):
    b = a * 2
    norm_b = np.linalg.norm(b)
    norm_b_lt_1000 = norm_b < 1000
    trips = 0
    while norm_b_lt_1000:
        trips = trips + 1
        b = b * 2
        norm_b = np.linalg.norm(b)
        norm_b_lt_1000 = norm_b < 1000
    sum_b_gt_0 = np.sum(b) > 0
    if sum_b_gt_0:
        c = b
    else:
        c = 100 * b
    # adjoint of line 28: return np.sum(c)
    c_bar = unreduce(out_bar, c)
    if sum_b_gt_0:
        # adjoint of line 25: c = b
        b_bar = c_bar
    else:
        # adjoint of line 27: c = 100 * b
        b_bar = c_bar * 100
    for _ in range(trips):
        # adjoint of line 23: b = b * 2
        b_bar = b_bar * 2
    # adjoint of line 21: b = a * 2
    a_bar = b_bar * 2
    return a_bar
