"""Central finite differences, the approximate baseline every exact derivative is checked against.

In:  a plain Python function ``f``, the arguments to call it with, and ``wrt`` (an int position,
     a parameter name, or a tuple of them).
Out: ``numeric_grad`` -- for each ``wrt`` argument, d f / d arg with the argument's type and
     shape (a float for a scalar argument, an ndarray of the same shape for an array argument);
     a tuple when ``wrt`` is a tuple.  ``f`` must return a scalar.
     ``numeric_jacobian`` -- an ndarray of shape ``out.shape + in.shape`` (a tuple of them for a
     tuple ``wrt``); ``f`` may return any array.

Invariants: the caller's arguments are never mutated (every perturbed argument is a fresh
copy); ``f`` is called exactly twice per differenced element; nothing here imports the rest of
sourcead, so the checker stays independent of the code it checks.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable, Sequence, Tuple, Union

import numpy as np

__all__ = ["numeric_grad", "numeric_jacobian", "default_step"]

Wrt = Union[int, str, Tuple[Union[int, str], ...]]  # typing spelling: Python 3.9 runs this line

# Central differences have truncation error ~ h**2 * |f'''| and rounding error ~ u * |f| / h
# (u = machine epsilon).  Their sum is smallest near h = u ** (1/3) ~ 6e-6, giving about
# 1e-10 relative accuracy for well-scaled functions.
_RELATIVE_STEP = float(np.finfo(np.float64).eps) ** (1.0 / 3.0)


def default_step(x: float) -> float:
    """Step for differencing at ``x``: relative for large ``|x|`` so that ``x + h != x``."""
    return _RELATIVE_STEP * max(1.0, abs(float(x)))


def numeric_grad(f: Callable[..., Any], *args: Any, wrt: Wrt = 0,
                 eps: float | None = None) -> Any:
    """Gradient of the scalar ``f(*args)`` by central differences, shaped like each argument.

    ``eps`` is an absolute step; by default each element gets ``default_step(x)``, about
    6e-6 * max(1, |x|), which balances truncation against rounding error (see above).
    """
    positions = _positions(f, wrt, len(args))
    grads = tuple(_grad_one(f, args, pos, eps) for pos in positions)
    return grads if isinstance(wrt, tuple) else grads[0]


def numeric_jacobian(f: Callable[..., Any], *args: Any, wrt: Wrt = 0,
                     eps: float | None = None) -> Any:
    """Jacobian ``d f(*args) / d arg``, shaped ``out.shape + arg.shape``, by central differences."""
    positions = _positions(f, wrt, len(args))
    jacs = tuple(_jacobian_one(f, args, pos, eps) for pos in positions)
    return jacs if isinstance(wrt, tuple) else jacs[0]


def _positions(f: Callable[..., Any], wrt: Wrt, n_args: int) -> tuple[int, ...]:
    """Resolve ``wrt`` (positions and/or parameter names) to argument positions."""
    items = wrt if isinstance(wrt, tuple) else (wrt,)
    names = _parameter_names(f) if any(isinstance(w, str) for w in items) else []
    positions = []
    for item in items:
        pos = names.index(item) if isinstance(item, str) and item in names else item
        if not isinstance(pos, int) or not -n_args <= pos < n_args:
            raise ValueError(f"wrt={item!r} does not name one of the {n_args} arguments")
        positions.append(pos % n_args)
    return tuple(positions)


def _parameter_names(f: Callable[..., Any]) -> list[str]:
    """Positional parameter names of ``f``, in order."""
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return [p.name for p in inspect.signature(f).parameters.values() if p.kind in kinds]


def _grad_one(f: Callable[..., Any], args: Sequence[Any], pos: int,
              eps: float | None) -> Any:
    """Gradient with respect to one argument: the Jacobian of a scalar output. A list, tuple
    or dict of numbers and arrays is differenced leaf by leaf, through one flat vector, and
    the gradient comes back nested like it (as ``sourcead.grad`` returns it)."""
    if isinstance(args[pos], (list, tuple, dict)):
        flat, rebuild = _flattened(args[pos])

        def of_flat(*a: Any) -> float:
            return _scalar(f(*_replace_with(a, pos, rebuild(a[pos]))))
        return rebuild(_jacobian_one(of_flat, _replace_with(args, pos, flat), pos, eps))
    jac = _jacobian_one(lambda *a: _scalar(f(*a)), args, pos, eps)
    return jac if isinstance(args[pos], np.ndarray) else float(jac)


def _flattened(tree: Any) -> tuple[np.ndarray, Callable[[np.ndarray], Any]]:
    """The numbers of a nest of lists, tuples, dicts, floats and arrays as one float vector,
    and the function that builds a nest of the same form from such a vector."""
    if isinstance(tree, (list, tuple, dict)):
        keys = list(tree) if isinstance(tree, dict) else range(len(tree))
        parts = [_flattened(tree[k]) for k in keys]
        sizes = np.cumsum([0] + [p[0].size for p in parts])

        def rebuild(v: np.ndarray) -> Any:
            items = [p[1](v[a:b]) for p, a, b in zip(parts, sizes[:-1], sizes[1:])]
            return dict(zip(keys, items)) if isinstance(tree, dict) else type(tree)(items)
        flat = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0)
        return flat, rebuild
    if isinstance(tree, np.ndarray):
        shape = tree.shape
        return np.array(tree, dtype=np.float64).reshape(-1), lambda v: np.array(v).reshape(shape)
    return np.array([float(tree)]), lambda v: float(v[0])


def _replace_with(args: Sequence[Any], pos: int, value: Any) -> list[Any]:
    new = list(args)
    new[pos] = value
    return new


def _scalar(value: Any) -> float:
    """The single number ``f`` returned; a float, 0-d or size-1 array qualifies."""
    if np.size(value) != 1:
        raise ValueError(f"numeric_grad needs f to return a scalar, got shape {np.shape(value)}")
    return float(np.asarray(value, dtype=np.float64).reshape(()))


def _jacobian_one(f: Callable[..., Any], args: Sequence[Any], pos: int,
                  eps: float | None) -> np.ndarray:
    """Difference every element of ``args[pos]``; columns stacked into out.shape + in.shape."""
    x0 = np.array(args[pos], dtype=np.float64)  # a fresh float copy: never the caller's
    columns = [_central_difference(f, args, pos, x0, idx, eps) for idx in np.ndindex(x0.shape)]
    out_shape = columns[0].shape if columns else np.shape(f(*args))
    stacked = np.stack(columns, axis=-1) if columns else np.zeros(out_shape + (0,))
    return stacked.reshape(out_shape + x0.shape)


def _central_difference(f: Callable[..., Any], args: Sequence[Any], pos: int,
                        x0: np.ndarray, idx: tuple[int, ...], eps: float | None) -> np.ndarray:
    """(f(x + h e_idx) - f(x - h e_idx)) / (2 h) for one element ``idx`` of argument ``pos``."""
    h = default_step(x0[idx]) if eps is None else float(eps)
    # Use the step actually representable at x0[idx], so the divisor matches the perturbation.
    plus, minus = x0.copy(), x0.copy()
    plus[idx] += h
    minus[idx] -= h
    width = float(plus[idx] - minus[idx])
    f_plus = _as_array(f(*_replace(args, pos, plus)))
    f_minus = _as_array(f(*_replace(args, pos, minus)))
    return (f_plus - f_minus) / width


def _replace(args: Sequence[Any], pos: int, value: np.ndarray) -> list[Any]:
    """Copy of ``args`` with ``args[pos]`` swapped for ``value`` in the caller's form.

    A float argument is passed as a Python float (not a 0-d array) so that ``f`` sees the same
    types it would be called with; other array arguments are copied so ``f`` cannot mutate them.
    """
    new = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    new[pos] = value if isinstance(args[pos], np.ndarray) else float(value)
    return new


def _as_array(value: Any) -> np.ndarray:
    """Output of ``f`` as a float ndarray (a scalar becomes a 0-d array)."""
    return np.asarray(value, dtype=np.float64)
