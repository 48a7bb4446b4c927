import numpy as np

def _plain_zero(v) -> bool:
    """A number equal to 0: stands for a zero of any shape (``x * 0`` is 0 whatever the shape)."""
    return isinstance(v, (int, float)) and v == 0

def dot_adjoint_x(g, x, y):
    """The adjoint of ``np.dot(x, y)`` for ``x`` (beyond 2 dims NumPy contracts x's last
    axis with y's second to last)."""
    if _plain_zero(y):  # a constant's tangent (the Hessian of a product): no contribution
        return np.zeros(np.shape(x))
    if np.ndim(x) == 0 or np.ndim(y) == 0:
        return unbroadcast(g * y, x)
    if np.ndim(x) > 2 or np.ndim(y) > 2:
        y = y if np.ndim(y) == 1 else np.moveaxis(y, -2, -1)
        return np.tensordot(g, y, (list(range(np.ndim(x) - 1, np.ndim(g))),
                                   list(range(np.ndim(y) - 1))))
    if np.ndim(y) == 1:
        return g * y if np.ndim(x) == 1 else np.outer(g, y)
    if np.ndim(x) == 1:
        return np.dot(y, g)
    return g @ y.T  # matmul multiplies a transposed matrix without copying it (np.dot may)

def dot_adjoint_y(g, x, y):
    """The adjoint of ``np.dot(x, y)`` (or ``x @ y``) for ``y``."""
    if _plain_zero(x):  # a constant's tangent (the Hessian of a product): no contribution
        return np.zeros(np.shape(y))
    if np.ndim(x) == 0 or np.ndim(y) == 0:
        return unbroadcast(g * x, y)
    if np.ndim(x) > 2 or np.ndim(y) > 2:
        free = list(range(np.ndim(x) - 1))
        out = np.tensordot(x, g, (free, free))
        return out if np.ndim(y) == 1 else np.moveaxis(out, 0, -2)
    if np.ndim(x) == 1:
        return g * x if np.ndim(y) == 1 else np.outer(x, g)
    if np.ndim(y) == 1:
        return np.dot(g, x)
    return x.T @ g  # matmul multiplies a transposed matrix without copying it (np.dot may)

def unbroadcast(g, x):
    """Sum ``g`` down to the shape of ``x``: the adjoint of NumPy broadcasting."""
    shape = np.shape(x)
    if np.shape(g) == shape:
        return g
    g = np.asarray(g)
    full = np.broadcast_shapes(g.shape, shape)
    if g.shape != full:  # g stands for its broadcast (a zero, a number per row): spread it
        g = g + np.zeros(full)
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and g.shape[axis] != 1:
            g = g.sum(axis=axis, keepdims=True)
    return g if shape else float(g) if np.ndim(g) == 0 and isinstance(x, float) else g

def y_grad(x, out_bar=1.0):
    # adjoint of line 9: return 2 * np.dot(x, x)
    dot_x_x_bar = out_bar * 2
    x_bar = dot_adjoint_x(dot_x_x_bar, x, x) + dot_adjoint_y(dot_x_x_bar, x, x)
    return x_bar
