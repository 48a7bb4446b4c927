"""Products: matmul, tensordot, einsum, and their adjoints and vector-mode forms.
"""
from __future__ import annotations

import numpy as np

from .basics import refused, unbroadcast


# ---- products ------------------------------------------------------------------------------------

def matmul_or_zero(a, b):
    """``a @ b``, or a plain zero where one of them is one (an adjoint of an adjoint that
    nothing reached: matmul itself takes no 0-d operand)."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return 0.0
    return np.matmul(a, b)


def matmul_adjoint_x(g, x, y):
    """The adjoint of ``x @ y`` for ``x``: vectors are promoted as matmul promotes them, and
    a stack of matrices broadcast against ``x`` is summed back to ``x``'s shape."""
    if np.ndim(y) == 0 or (np.ndim(g) == 0 and np.ndim(x) + np.ndim(y) > 2):
        return 0.0  # a plain zero: matmul takes no 0-d operand, and gives one only for two vectors
    if np.ndim(x) == 2 and np.ndim(y) == 2:  # the common case, nothing to promote or sum
        return g @ y.T
    if np.ndim(x) == 1 and np.ndim(y) == 1:
        return g * y
    if np.ndim(x) == 1:
        g = np.expand_dims(g, -2)
    if np.ndim(y) == 1:
        g, y = np.expand_dims(g, -1), np.expand_dims(y, 0)
    else:
        y = np.swapaxes(y, -1, -2)
    g = np.matmul(g, y)
    return unbroadcast(g[..., 0, :] if np.ndim(x) == 1 else g, x)


def matmul_adjoint_y(g, x, y):
    """The adjoint of ``x @ y`` for ``y`` (see ``matmul_adjoint_x``)."""
    if np.ndim(x) == 0 or (np.ndim(g) == 0 and np.ndim(x) + np.ndim(y) > 2):
        return 0.0  # a plain zero (see matmul_adjoint_x)
    if np.ndim(x) == 2 and np.ndim(y) <= 2 and np.ndim(y) >= 1:  # nothing to promote or sum
        return g @ x if np.ndim(y) == 1 else x.T @ g
    if np.ndim(x) == 1 and np.ndim(y) == 1:
        return g * x
    if np.ndim(y) == 1:
        g = np.expand_dims(g, -1)
    if np.ndim(x) == 1:
        g, x = np.expand_dims(g, -2), np.expand_dims(x, -1)
    else:
        x = np.swapaxes(x, -1, -2)
    g = np.matmul(x, g)
    return unbroadcast(g[..., 0] if np.ndim(y) == 1 else g, y)


def matmul_each_left(x_dot, x, y):
    """``x_dot @ y`` for each direction's tangent of ``x`` (axis 0 holds directions)."""
    if np.ndim(x_dot) == 0:  # a constant's tangent is a plain zero
        return x_dot
    x_dot = x_dot if np.ndim(x) > 1 else np.expand_dims(x_dot, -2)
    pad = max(np.ndim(y), 2) - max(np.ndim(x), 2)
    x_dot = np.reshape(x_dot, np.shape(x_dot)[:1] + (1,) * max(pad, 0) + np.shape(x_dot)[1:])
    out = np.matmul(x_dot, y if np.ndim(y) > 1 else np.expand_dims(y, -1))
    out = out[..., 0] if np.ndim(y) == 1 else out
    if np.ndim(x) == 1:
        out = out[..., 0] if np.ndim(y) == 1 else out[..., 0, :]
    return out


def matmul_each_right(x, y_dot, y):
    """``x @ y_dot`` for each direction's tangent of ``y`` (axis 0 holds directions)."""
    if np.ndim(y_dot) == 0:  # a constant's tangent is a plain zero
        return y_dot
    y_dot = y_dot if np.ndim(y) > 1 else np.expand_dims(y_dot, -1)
    pad = max(np.ndim(x), 2) - max(np.ndim(y), 2)
    y_dot = np.reshape(y_dot, np.shape(y_dot)[:1] + (1,) * max(pad, 0) + np.shape(y_dot)[1:])
    out = np.matmul(x if np.ndim(x) > 1 else np.expand_dims(x, 0), y_dot)
    out = out[..., 0] if np.ndim(y) == 1 else out
    if np.ndim(x) == 1:
        out = out[..., 0] if np.ndim(y) == 1 else out[..., 0, :]
    return out


def _contracted(x, y, axes):
    """``np.tensordot``'s ``axes`` as two lists of non-negative axes of ``x`` and ``y``."""
    if np.ndim(axes) == 0:
        return list(range(np.ndim(x) - axes, np.ndim(x))), list(range(axes))
    left, right = axes
    left = [left] if np.ndim(left) == 0 else list(left)
    right = [right] if np.ndim(right) == 0 else list(right)
    return [a % np.ndim(x) for a in left], [a % np.ndim(y) for a in right]


def tensordot_adjoint_x(g, x, y, axes=2):
    """The adjoint of ``np.tensordot(x, y, axes)`` for ``x``: ``g`` contracted with ``y``
    over y's free axes, then x's axes put back in order."""
    left, right = _contracted(x, y, axes)
    free_y = [a for a in range(np.ndim(y)) if a not in right]
    free_x = np.ndim(x) - len(left)
    out = np.tensordot(g, y, (list(range(free_x, np.ndim(g))), free_y))
    # out holds x's free axes, then y's contracted axes in increasing order
    order = [left[right.index(a)] for a in sorted(right)]
    placed = [a for a in range(np.ndim(x)) if a not in left] + order
    return np.transpose(out, np.argsort(placed))


def tensordot_adjoint_y(g, x, y, axes=2):
    """The adjoint of ``np.tensordot(x, y, axes)`` for ``y``."""
    left, right = _contracted(x, y, axes)
    free_x = [a for a in range(np.ndim(x)) if a not in left]
    out = np.tensordot(x, g, (free_x, list(range(len(free_x)))))
    # out holds x's contracted axes in increasing order, then y's free axes
    order = [right[left.index(a)] for a in sorted(left)]
    placed = order + [a for a in range(np.ndim(y)) if a not in right]
    return np.transpose(out, np.argsort(placed))


def tensordot_each_left(x_dot, x, y, axes=2):
    """``np.tensordot(x_dot, y, axes)`` for each direction's tangent of ``x``."""
    if np.ndim(x_dot) == 0:  # a constant's tangent is a plain zero
        return x_dot
    left, right = _contracted(x, y, axes)
    return np.tensordot(x_dot, y, ([a + 1 for a in left], right))


def tensordot_each_right(x, y_dot, y, axes=2):
    """``np.tensordot(x, y_dot, axes)`` for each direction's tangent of ``y``."""
    if np.ndim(y_dot) == 0:  # a constant's tangent is a plain zero
        return y_dot
    left, right = _contracted(x, y, axes)
    out = np.tensordot(x, y_dot, (left, [a + 1 for a in right]))
    return np.moveaxis(out, np.ndim(x) - len(left), 0)


def inner_axes(x, y):
    """``np.inner(x, y)`` is ``np.tensordot(x, y, inner_axes(x, y))``."""
    if np.ndim(x) == 0 or np.ndim(y) == 0:
        return 0
    return ([np.ndim(x) - 1], [np.ndim(y) - 1])


def _einsum_parts(subscripts, ndims):
    """'ij,jk->ik' -> (['ij', 'jk'], 'ik'), the output written where the call leaves it
    implicit (the letters that appear once, in ASCII order) and '...' spelled as letters of
    its own for the operands' numbers of axes ``ndims`` (right-aligned, as NumPy aligns
    the axes '...' stands for)."""
    text = subscripts.replace(" ", "")
    if "->" not in text:
        letters = text.replace("...", "").replace(",", "")
        once = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
        text = f"{text}->{'...' if '...' in text else ''}{once}"
    inputs, output = text.split("->")
    inputs = inputs.split(",")
    if "..." not in text:
        return inputs, output
    spans = [n - len(s.replace("...", "")) for s, n in zip(inputs, ndims)]
    pool = [c for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
            if c not in text][:max(spans)]
    inputs = [s.replace("...", "".join(pool[len(pool) - n:]) if n else "")
              for s, n in zip(inputs, spans)]
    return inputs, output.replace("...", "".join(pool))


def einsum_adjoint(g, subscripts, k, a, b=None, c=None):
    """The adjoint of ``np.einsum(subscripts, a, b, c)`` for operand ``k``: the einsum of
    ``g`` with the other operands, written to operand k's subscripts. Operand k itself is
    only read for its shape (a letter it sums alone is spread back over its length; a letter
    repeated in it, a diagonal, gets the adjoint on that diagonal)."""
    operands = [o for o in (a, b, c) if o is not None]
    ndims = [len(o) if j == k and isinstance(o, tuple) else np.ndim(o)
             for j, o in enumerate(operands)]
    inputs, output = _einsum_parts(subscripts, ndims)
    own = inputs[k]
    others = [(s, o) for j, (s, o) in enumerate(zip(inputs, operands)) if j != k]
    present = set(output).union(*[set(s) for s, _ in others])
    letters = "".join(sorted(set(own) & present, key=own.index))
    spec = ",".join([output] + [s for s, _ in others]) + "->" + letters
    part = np.einsum(spec, g, *[o for _, o in others])
    shape = tuple(operands[k]) if isinstance(operands[k], tuple) else np.shape(operands[k])
    sizes = dict(zip(own, shape))
    full = "".join(dict.fromkeys(own))  # own letters, each once
    part = np.einsum(letters + "->" + letters, part)
    for letter in full:  # letters summed in operand k alone: the adjoint is spread over them
        if letter not in letters:
            part = np.broadcast_to(np.expand_dims(part, -1), np.shape(part) + (sizes[letter],))
            letters = letters + letter
    part = np.einsum(letters + "->" + full, part)
    if len(full) == len(own):  # (summed back where operand k broadcasts a length 1)
        return np.array(unbroadcast(part, np.zeros(shape)), dtype=float)
    out = np.zeros(shape)  # repeated letters: the adjoint sits on the diagonal
    np.einsum(own + "->" + full, out)[...] = part
    return out


def per_direction(f, k, v, a, b, c):
    """``f(a, b, c)`` with argument ``k`` replaced by each direction of the vector-mode
    tangent ``v`` (axis 0 holds directions), stacked: the vector form of a helper linear in
    that argument whose shapes are only known at run time (the adjoints of a product); a
    constant's tangent is a plain zero and stays one."""
    if np.ndim(v) == 0:
        return v
    args = [a, b, c]
    parts = [f(*(args[:k] + [d] + args[k + 1:])) for d in v]
    return np.stack(np.broadcast_arrays(*parts))
