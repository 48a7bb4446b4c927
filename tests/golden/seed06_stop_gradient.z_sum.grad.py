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

def z_sum_grad(x, out_bar=1.0):
    y = x * x
    u = sourcead.stop_gradient(y)
    # adjoint of line 12: return np.sum(z)
    z_bar = unreduce(out_bar, x)
    # adjoint of line 11: z = u * x
    x_bar = z_bar * u
    return x_bar
