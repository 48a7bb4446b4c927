"""Lambdas, min/max builtins, transparent `with np.errstate`, default arguments: exact values,
in every mode."""
import math

import numpy as np
import pytest

import sourcead

import python_features as pf


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_lambda_assigned_at_module_level(mode):
    expected = 2 * 1.3 * math.cos(1.3 ** 2)
    assert sourcead.grad(pf.square_then_sin, mode=mode)(1.3) == pytest.approx(expected, rel=1e-14)


def test_with_errstate_is_transparent():
    x = np.array([0.5, 2.0])
    np.testing.assert_allclose(sourcead.grad(pf.with_errstate)(x), np.log(x) + 1, rtol=1e-14)


@pytest.mark.parametrize("a, b, expected", [(1.5, 1.0, (4.0, 0.0)), (0.5, 1.0, (1.0, 1.0)),
                                            (0.5, 0.2, (1.0, 2.0))])
def test_min_max_builtins(a, b, expected):
    # max(a*a, b) + min(a, 2b)
    assert sourcead.grad(pf.builtin_minmax, wrt=(0, 1))(a, b) == pytest.approx(expected)
    assert sourcead.grad(pf.builtin_minmax, wrt=(0, 1), mode="forward")(a, b) == pytest.approx(expected)


def test_default_arguments_of_the_differentiated_function():
    def f(x, scale=3.0, power=2):
        return scale * x ** power
    assert sourcead.grad(f)(2.0) == pytest.approx(12.0)
    assert sourcead.grad(f)(2.0, 1.0, 3) == pytest.approx(12.0)
