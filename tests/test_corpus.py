"""Reverse-mode gradients of the corpus (tests/corpus.py) against exact and numeric values.

Each corpus row is checked for: the exact hand-derived gradient (tight tolerance), agreement
with central finite differences, gradient type and shape matching the argument,
``preserve_result=True`` returning ``(gradient, f(*args))``, no mutation of the caller's
arguments, and (for some rows) ``wrt`` given by parameter name.
"""

from __future__ import annotations

import copy
import inspect
from typing import Any

import numpy as np
import pytest

import sourcead
from sourcead.numeric import numeric_grad

try:  # tests/ may or may not become a package; support both layouts.
    from tests import corpus
except ImportError:  # pragma: no cover - depends on how pytest sets sys.path
    import corpus  # type: ignore[no-redef]

EXACT_RTOL, EXACT_ATOL = 1e-11, 1e-12
NUMERIC_RTOL, NUMERIC_ATOL = 1e-6, 1e-7


def _params(cases: list[corpus.Case]) -> list[Any]:
    return [pytest.param(c, id=c.id, marks=c.marks) for c in cases]


ALL = _params(corpus.CASES)
EXACT = _params([c for c in corpus.CASES if c.exact is not None])
NUMERIC = _params([c for c in corpus.CASES if c.numeric])
EXACT_AND_NUMERIC = _params([c for c in corpus.CASES if c.exact is not None and c.numeric])
BY_NAME = _params([c for c in corpus.CASES if c.by_name])


def _as_tuple(c: corpus.Case, value: Any) -> tuple[Any, ...]:
    """A gradient for a single ``wrt`` as a 1-tuple, so checks can zip over arguments."""
    return value if isinstance(c.wrt, tuple) else (value,)


def _positions(c: corpus.Case) -> tuple[int, ...]:
    return c.wrt if isinstance(c.wrt, tuple) else (c.wrt,)


def _fresh_args(c: corpus.Case) -> tuple[Any, ...]:
    """Deep copies, so one test cannot leak a mutated array into the next."""
    return copy.deepcopy(c.args)


def _reverse_grad(c: corpus.Case, args: tuple[Any, ...]) -> tuple[Any, ...]:
    return _as_tuple(c, sourcead.grad(c.fn, wrt=c.wrt)(*args))


def _assert_close(got: Any, expected: Any, rtol: float, atol: float, what: str) -> None:
    np.testing.assert_allclose(np.asarray(got, dtype=float), np.asarray(expected, dtype=float),
                               rtol=rtol, atol=atol, err_msg=what)


@pytest.mark.parametrize("c", EXACT)
def test_exact_gradient(c: corpus.Case) -> None:
    args = _fresh_args(c)
    got = _reverse_grad(c, args)
    expected = _as_tuple(c, c.exact(*copy.deepcopy(c.args)))
    assert len(got) == len(expected)
    for pos, g, e in zip(_positions(c), got, expected):
        _assert_close(g, e, EXACT_RTOL, EXACT_ATOL, f"d{c.id}/d(arg {pos}), exact")


@pytest.mark.parametrize("c", NUMERIC)
def test_matches_numeric(c: corpus.Case) -> None:
    got = _reverse_grad(c, _fresh_args(c))
    numeric = _as_tuple(c, numeric_grad(c.fn, *_fresh_args(c), wrt=c.wrt))
    for pos, g, n in zip(_positions(c), got, numeric):
        _assert_close(g, n, NUMERIC_RTOL, NUMERIC_ATOL, f"d{c.id}/d(arg {pos}), numeric")


@pytest.mark.parametrize("c", ALL)
def test_gradient_type_and_shape(c: corpus.Case) -> None:
    """A float argument gets a float gradient; an array argument an array of its shape."""
    args = _fresh_args(c)
    for pos, g in zip(_positions(c), _reverse_grad(c, args)):
        if isinstance(args[pos], np.ndarray):
            assert isinstance(g, np.ndarray), f"arg {pos}: got {type(g).__name__}"
            assert g.shape == args[pos].shape
            assert np.issubdtype(g.dtype, np.floating)
        else:
            assert isinstance(g, float) and not isinstance(g, np.ndarray), \
                f"arg {pos}: got {type(g).__name__} for a float argument"


@pytest.mark.parametrize("c", ALL)
def test_preserve_result(c: corpus.Case) -> None:
    df = sourcead.grad(c.fn, wrt=c.wrt, preserve_result=True)
    result = df(*_fresh_args(c))
    assert isinstance(result, tuple) and len(result) == 2
    grad, value = result
    _assert_close(value, c.fn(*_fresh_args(c)), 1e-13, 0.0, "preserved value")
    for g, e in zip(_as_tuple(c, grad), _reverse_grad(c, _fresh_args(c))):
        _assert_close(g, e, 1e-13, 0.0, "gradient with preserve_result")


@pytest.mark.parametrize("c", ALL)
def test_arguments_not_mutated(c: corpus.Case) -> None:
    args = _fresh_args(c)
    before = copy.deepcopy(args)
    sourcead.grad(c.fn, wrt=c.wrt)(*args)
    for a, b in zip(args, before):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("c", BY_NAME)
def test_wrt_by_name(c: corpus.Case) -> None:
    names = list(inspect.signature(c.fn).parameters)
    wrt_names: Any = tuple(names[p] for p in _positions(c))
    if not isinstance(c.wrt, tuple):
        wrt_names = wrt_names[0]
    by_name = _as_tuple(c, sourcead.grad(c.fn, wrt=wrt_names)(*_fresh_args(c)))
    for g, e in zip(by_name, _reverse_grad(c, _fresh_args(c))):
        _assert_close(g, e, 0.0, 0.0, f"wrt={wrt_names!r}")


@pytest.mark.parametrize("c", EXACT_AND_NUMERIC)
def test_hand_derivative_agrees_with_numeric(c: corpus.Case) -> None:
    """Guards the corpus itself: a typo in a hand-written derivative must not pass as truth."""
    exact = _as_tuple(c, c.exact(*_fresh_args(c)))
    numeric = _as_tuple(c, numeric_grad(c.fn, *_fresh_args(c), wrt=c.wrt))
    for pos, e, n in zip(_positions(c), exact, numeric):
        _assert_close(e, n, NUMERIC_RTOL, NUMERIC_ATOL, f"hand derivative of {c.id}, arg {pos}")


def test_corpus_is_large_and_ids_unique() -> None:
    ids = [c.id for c in corpus.CASES]
    assert len({c.fn for c in corpus.CASES}) >= 45
    assert len(ids) == len(set(ids))
