"""Calls into functions imported from another module: the callee's derivative runs with the
callee's own globals (its aliases and constants), in every mode."""
import math

import pytest

import sourcead
from userpkg import shapes
from userpkg.shapes import scaled_sine


def uses_module_attribute(x):
    return shapes.scaled_sine(x) * x


def uses_imported_name(x, y):
    return scaled_sine(x * y) + shapes.twice_then(x, y)


def test_module_attribute_call():
    expected = 3.0 * math.cos(0.7) * 0.7 + 3.0 * math.sin(0.7)
    assert sourcead.grad(uses_module_attribute)(0.7) == pytest.approx(expected, rel=1e-14)
    assert sourcead.grad(uses_module_attribute, mode="forward")(0.7) == pytest.approx(expected, rel=1e-14)


def test_imported_name_call_both_arguments():
    x, y = 0.7, 1.3
    gx, gy = sourcead.grad(uses_imported_name, wrt=(0, 1))(x, y)
    assert gx == pytest.approx(3.0 * math.cos(x * y) * y + 2.0 * y, rel=1e-14)
    assert gy == pytest.approx(3.0 * math.cos(x * y) * x + 2.0 * x, rel=1e-14)


def test_imported_second_derivative():
    # d2/dx2 [3 sin(x) x] = 6 cos x - 3 x sin x
    expected = 6.0 * math.cos(0.7) - 3.0 * 0.7 * math.sin(0.7)
    assert sourcead.hessian(uses_module_attribute)(0.7) == pytest.approx(expected, rel=1e-13)
    assert sourcead.grad(sourcead.grad(uses_module_attribute))(0.7) == pytest.approx(expected, rel=1e-13)
