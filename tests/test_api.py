"""The public API: decorator forms, wrt by position and name, preserve_result, verbose,
vjp, caching, source, and the command line."""
import math
import os
import subprocess
import sys

import numpy as np
import pytest

import sourcead
from sourcead.api import _CACHE

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def poly(x, y):
    return x * x * y + y + 2


def test_decorator_without_arguments():
    @sourcead.grad
    def square(x):
        return x * x
    assert square(3.0) == 6.0


def test_decorator_with_arguments():
    @sourcead.grad(wrt=(0, 1))
    def product(x, y):
        return x * y
    assert product(3.0, 4.0) == (4.0, 3.0)


@pytest.mark.parametrize("wrt, expected", [(0, 24.0), ("x", 24.0), (1, 10.0), ("y", 10.0),
                                           ((0, 1), (24.0, 10.0)), (("y", "x"), (10.0, 24.0)),
                                           ((1,), (10.0,)), (-1, 10.0)])
def test_wrt_by_position_name_and_tuple(wrt, expected):
    assert sourcead.grad(poly, wrt=wrt)(3.0, 4.0) == expected


def test_integer_arguments_are_differentiated_as_floats():
    gx, gy = sourcead.grad(poly, wrt=(0, 1))(3, 4)
    assert (gx, gy) == (24.0, 10.0)
    assert isinstance(gx, float) and isinstance(gy, float)


def test_preserve_result_returns_gradient_and_value():
    assert sourcead.grad(poly, wrt=(0, 1), preserve_result=True)(3.0, 4.0) == ((24.0, 10.0), 42.0)
    assert sourcead.grad(poly, preserve_result=True)(3.0, 4.0) == (24.0, 42.0)


def test_verbose_prints_the_generated_source(capsys):
    def cube(x):
        return x * x * x
    sourcead.grad(cube, verbose=True)(2.0)
    printed = capsys.readouterr().out
    assert "def cube_grad(x" in printed and "# adjoint of line" in printed


def test_derivative_is_generated_once_and_cached():
    def twice(x):
        return 2.0 * x
    before = len(_CACHE)
    sourcead.grad(twice)(1.0)
    sourcead.grad(twice)(5.0)
    sourcead.grad(twice)(7.0)
    assert len(_CACHE) == before + 1


def test_specializations_for_scalars_and_arrays_are_both_correct():
    def f(x, y):
        return np.sum(x * y)
    df = sourcead.grad(f, wrt=(0, 1))
    assert df(2.0, 3.0) == (3.0, 2.0)
    gx, gy = df(np.array([1.0, 2.0]), 3.0)
    np.testing.assert_allclose(gx, [3.0, 3.0])
    assert np.ndim(gy) == 0 and gy == 3.0  # summed back to the scalar's shape
    gx, gy = df(np.ones((2, 1)), np.array([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(gx, [[6.0], [6.0]])
    np.testing.assert_allclose(gy, [2.0, 2.0, 2.0])


def test_vjp_with_a_cotangent():
    def f(x):
        return np.sin(x) * x
    x = np.array([0.5, 1.0, 2.0])
    u = np.array([1.0, -2.0, 0.5])
    value, grad = sourcead.vjp(f)(x, u)
    np.testing.assert_allclose(value, np.sin(x) * x)
    np.testing.assert_allclose(grad, u * (np.cos(x) * x + np.sin(x)))


def test_source_before_any_call_uses_annotations():
    def annotated(x: float, y: float) -> float:
        return math.sin(x) * y
    text = sourcead.source(sourcead.grad(annotated, wrt=(0, 1)))
    assert "math.cos(x)" in text and "unbroadcast" not in text


def test_source_with_example_arguments():
    def f(x):
        return np.sum(np.sin(x))
    df = sourcead.grad(f)
    text = sourcead.source(df, np.ones(3))
    assert "np.cos(x)" in text


def test_source_of_a_plain_function_is_refused():
    with pytest.raises(sourcead.UsageError):
        sourcead.source(poly)


def test_command_line_prints_generated_source():
    result = subprocess.run(
        [sys.executable, "-m", "sourcead", "examples/seed01_polynomial.py:f", "--wrt", "x,y"],
        cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.startswith("def f_grad(x, y, out_bar=1.0):")
    assert "x_bar" in result.stdout and "y_bar" in result.stdout


def test_command_line_reports_refusals_on_stderr(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def f(x):\n    try:\n        return x\n    except Exception:\n        return 0.0\n")
    result = subprocess.run([sys.executable, "-m", "sourcead", f"{bad}:f"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert "bad.py" in result.stderr and "line 2" in result.stderr


def test_gradient_accepts_keyword_arguments():
    assert sourcead.grad(poly, wrt=(0, 1))(x=3.0, y=4.0) == (24.0, 10.0)
    assert sourcead.grad(poly, wrt="y")(3.0, y=4.0) == 10.0


def _sin_times(x, y):
    return np.sum(np.sin(x) * y + x * x)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("x, kind", [
    (0.5, float), (np.float64(0.5), np.float64), (np.float32(0.5), np.float32),
    (np.array(0.5), np.ndarray), (np.int64(2), np.float64), (2, float),
    (np.array([0.5, 1.0], dtype=np.float32), np.ndarray), (np.array([1, 2]), np.ndarray)])
def test_a_gradient_has_the_type_dtype_and_shape_of_its_argument(x, kind, mode):
    g = sourcead.grad(_sin_times, mode=mode)(x, 2.0)
    assert type(g) is kind and np.shape(g) == np.shape(x)
    if isinstance(x, (np.ndarray, np.generic)):
        expected_dtype = x.dtype if np.issubdtype(x.dtype, np.floating) else np.float64
        assert g.dtype == expected_dtype
    exact = 2.0 * np.cos(np.asarray(x, dtype=float)) + 2 * np.asarray(x, dtype=float)
    np.testing.assert_allclose(g, exact, rtol=1e-6 if np.asarray(x).dtype == np.float32 else 1e-14)
