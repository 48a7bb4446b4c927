"""Every row of the rule tables, in both modes, from the same declaration (DESIGN invariant 4).

Forward mode is checked against central differences; reverse mode by the dot-product test
<u, J v> = <J^T u, v> with random u, v. Each row has an input domain where it is smooth."""
from __future__ import annotations

import importlib.util
import math

import numpy as np
import pytest

import sourcead
import rule_check
from sourcead.rules.tables import CALLS, OPERATORS

POSITIVE, UNIT, ANY, ABOVE_ONE = (0.2, 2.0), (-0.9, 0.9), (-2.0, 2.0), (1.1, 3.0)

# name: (expression over x (and y), domain of x, domain of y)
UNARY = {
    "sin": ANY, "cos": ANY, "tan": UNIT, "exp": ANY, "exp2": ANY, "expm1": ANY, "log": POSITIVE,
    "log2": POSITIVE, "log10": POSITIVE, "log1p": POSITIVE, "sqrt": POSITIVE, "cbrt": POSITIVE,
    "sinh": ANY, "cosh": ANY, "tanh": ANY, "arcsin": UNIT, "arccos": UNIT, "arctan": ANY,
    "arcsinh": ANY, "arccosh": ABOVE_ONE, "arctanh": UNIT, "abs": POSITIVE, "square": ANY,
    "reciprocal": POSITIVE, "negative": ANY, "positive": ANY, "absolute": POSITIVE,
    "fabs": POSITIVE, "deg2rad": ANY, "radians": ANY, "rad2deg": ANY, "degrees": ANY,
    "sinc": (-3.0, 3.0),
}
BINARY = {"add": ANY, "subtract": ANY, "multiply": ANY, "divide": POSITIVE,
          "true_divide": POSITIVE, "power": POSITIVE, "arctan2": POSITIVE, "hypot": POSITIVE,
          "logaddexp": ANY, "logaddexp2": ANY, "float_power": POSITIVE}
OPERATOR_EXPRESSIONS = {"Add": "x + y", "Sub": "x - y", "Mult": "x * y", "Div": "x / y",
                        "Pow": "x ** y", "Mod": "x % y", "USub": "-x", "UAdd": "+x",
                        "MatMult": "x @ y"}
MATH_UNARY = {"sin": ANY, "cos": ANY, "tan": UNIT, "exp": ANY, "expm1": ANY, "log": POSITIVE,
              "log2": POSITIVE, "log10": POSITIVE, "log1p": POSITIVE, "sqrt": POSITIVE,
              "sinh": ANY, "cosh": ANY, "tanh": ANY, "asin": UNIT, "acos": UNIT, "atan": ANY,
              "asinh": ANY, "acosh": ABOVE_ONE, "atanh": UNIT, "fabs": POSITIVE, "erf": ANY,
              "exp2": ANY, "cbrt": POSITIVE, "radians": ANY, "degrees": ANY}


def _rows():
    rows = [(f"np.{n}", f"np.sum(np.{n}(x))", d, None) for n, d in UNARY.items()]
    rows += [(f"np.{n}", f"np.sum(np.{n}(x, y))", d, d) for n, d in BINARY.items()]
    rows += [(f"op.{n}", f"np.sum({e})", POSITIVE, POSITIVE) for n, e in OPERATOR_EXPRESSIONS.items()
             if n not in ("Mod", "MatMult")]
    rows += [("op.Mod", "np.sum(x % y)", (0.2, 0.9), (1.0, 1.5))]
    rows += [(f"np.{n}", f"np.sum(np.{n}(x, y))", (0.2, 0.9), (1.0, 1.5))
             for n in ("mod", "remainder", "fmod")]
    rows += [("np.sinc", "np.sinc(x[0] * 0.0) + np.sum(np.sinc(x) * y)", ANY, ANY)]  # at 0 too
    rows += [("op.MatMult", "x @ y", ANY, ANY), ("np.dot", "np.dot(x, y)", ANY, ANY),
             ("np.sum", "np.sum(x * y)", ANY, ANY)]
    rows += [("np.maximum", "np.sum(np.maximum(x, y))", ANY, ANY),
             ("np.minimum", "np.sum(np.minimum(x, y))", ANY, ANY),
             ("np.fmax", "np.sum(np.fmax(x, y))", ANY, ANY),
             ("np.fmin", "np.sum(np.fmin(x, y))", ANY, ANY),
             ("np.where", "np.sum(np.where(x > 0.1, x * y, y * y))", ANY, ANY),
             ("np.clip", "np.sum(np.clip(x, -0.5, 0.5) * y)", ANY, ANY),
             ("np.sum(axis)", "np.sum(np.sin(np.sum(x.reshape(2, 2), axis=1, keepdims=True))"
                              " * y.reshape(2, 2))", ANY, ANY),
             ("np.mean", "np.sum(np.mean(x.reshape(2, 2), axis=0) * y[:2])", ANY, ANY),
             ("np.max", "np.sum(np.max(x.reshape(2, 2), axis=1) * y[:2])", ANY, ANY),
             ("np.min", "np.min(x * y)", ANY, ANY),
             ("np.reshape", "np.sum(np.reshape(x, (2, 2)) @ y.reshape(2, 2))", ANY, ANY),
             ("np.transpose", "np.sum(np.transpose(x.reshape(2, 2)) * y.reshape(2, 2))", ANY, ANY),
             ("x.T", "np.sum(x.reshape(2, 2).T * y.reshape(2, 2))", ANY, ANY),
             ("np.ravel", "np.sum(np.ravel(np.outer(x, y)) ** 2)", ANY, ANY),
             ("x.sum/mean/max", "x.sum() * y.mean() + (x * y).max()", ANY, ANY),
             ("np.var", "np.var(x * y) + np.sum(np.var(x.reshape(2, 2), axis=0) * y[:2])", ANY, ANY),
             ("np.std", "np.std(x + y) + np.sum(x.reshape(2, 2).std(axis=1) * y[:2])", ANY, ANY),
             ("np.linalg.norm", "np.linalg.norm(x * y)", ANY, ANY),
             ("np.cumsum", "np.sum(np.cumsum(x) * y) + np.sum(np.cumsum(x.reshape(2, 2), axis=1)"
                           " * y.reshape(2, 2))", ANY, ANY),
             ("np.squeeze", "np.sum(np.squeeze(x.reshape(1, 4)) * y)", ANY, ANY),
             ("np.expand_dims", "np.sum(np.expand_dims(x, 0) * y)", ANY, ANY),
             ("np.broadcast_to", "np.sum(np.broadcast_to(x[:2], (3, 2)) * y[:2])", ANY, ANY),
             ("np.flip", "np.sum(np.flip(x) * y)", ANY, ANY),
             ("np.swapaxes", "np.sum(np.swapaxes(x.reshape(2, 2), 0, 1) * y.reshape(2, 2))", ANY, ANY),
             ("np.moveaxis", "np.sum(np.moveaxis(x.reshape(2, 2), 0, 1) * y.reshape(2, 2))", ANY, ANY),
             ("np.roll", "np.sum(np.roll(x, 1) * y)", ANY, ANY),
             ("np.take", "np.sum(np.take(x, [0, 2, 2]) * y[:3]) + np.sum(np.take(x.reshape(2, 2),"
                         " 1, axis=1) * y[:2])", ANY, ANY),
             ("np.array", "np.sum(np.array([x[0] * y[1], np.sin(x[2]), 2.0]) ** 2)", ANY, ANY),
             ("np.stack", "np.sum(np.stack([x, y * 2.0], axis=1) ** 3)", ANY, ANY),
             ("np.concatenate", "np.sum(np.concatenate([x, y, x * y]) ** 2)", ANY, ANY),
             ("np.real", "np.sum(np.real(x * y) * np.conjugate(x) + np.imag(y) + "
                         "np.real_if_close(y) ** 2)", ANY, ANY),
             ("np.conjugate", "np.sum(np.conjugate(x * y) ** 2)", ANY, ANY),
             ("np.imag", "np.sum(np.imag(x) + x * y)", ANY, ANY),
             ("np.real_if_close", "np.sum(np.real_if_close(x * y) ** 2)", ANY, ANY)]
    rows += [(f"math.{n}", f"math.{n}(x)", d, None) for n, d in MATH_UNARY.items()
             if hasattr(math, n)]  # math.exp2 and math.cbrt: Python >= 3.11
    rows += [("math.pow", "math.pow(x, y)", POSITIVE, POSITIVE),
             ("math.atan2", "math.atan2(x, y)", POSITIVE, POSITIVE),
             ("math.hypot", "math.hypot(x, y)", POSITIVE, POSITIVE),
             ("abs", "abs(x)", POSITIVE, None), ("float", "float(x)", ANY, None),
             ("pow", "pow(x, y)", POSITIVE, POSITIVE)]
    return rows


ROWS = _rows()


def _function(tmp_path, expression: str, binary: bool):
    params = "x, y" if binary else "x"
    path = tmp_path / "rule_row.py"
    path.write_text(f"import math\nimport numpy as np\n\ndef f({params}):\n    return {expression}\n")
    spec = importlib.util.spec_from_file_location(f"rule_row_{abs(hash(expression))}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.f


def _point(domain, scalar: bool, rng):
    low, high = domain
    return float(rng.uniform(low, high)) if scalar else rng.uniform(low, high, size=4)


@pytest.mark.parametrize("label, expression, dx, dy", ROWS, ids=[f"{r[0]}:{r[1]}" for r in ROWS])
def test_row_in_both_modes(tmp_path, label, expression, dx, dy):
    rng = np.random.default_rng(7)
    scalar = label.startswith(("math.", "abs", "float", "pow"))
    f = _function(tmp_path, expression, dy is not None)
    args = (_point(dx, scalar, rng),) + ((_point(dy, scalar, rng),) if dy else ())
    wrt = tuple(range(len(args)))
    tangents = [_point(ANY, scalar, rng) for _ in args]
    # forward: the jvp against central differences along the tangent
    _, derivative = sourcead.jvp(f, wrt=wrt)(*args, *tangents)
    eps = 1e-6
    plus = f(*[a + eps * t for a, t in zip(args, tangents)])
    minus = f(*[a - eps * t for a, t in zip(args, tangents)])
    np.testing.assert_allclose(derivative, (plus - minus) / (2 * eps), rtol=1e-6, atol=1e-7)
    # reverse: <u, J v> == <J^T u, v> (the output is a scalar, so u is a number)
    u = 0.37
    _, grads = sourcead.vjp(f, wrt=wrt)(*args, u)
    grads = grads if isinstance(grads, tuple) else (grads,)
    assert np.isclose(u * derivative, sum(np.sum(g * t) for g, t in zip(grads, tangents)),
                      rtol=1e-10, atol=1e-12)


def test_every_elementwise_numpy_and_math_row_is_covered():
    named = {r[0] for r in ROWS}
    for func, rule in CALLS.items():
        module = getattr(func, "__module__", None) or ""
        if rule.partials is None or not rule.differentiable:
            continue
        if isinstance(func, np.ufunc) or module == "math" or getattr(func, "__name__", "") in dir(math):
            key = (f"np.{func.__name__}" if isinstance(func, np.ufunc) else f"math.{func.__name__}")
            if func.__name__ in ("abs", "pow", "float"):
                key = func.__name__
            assert key in named or func.__name__ in named, f"no test row for {key}"
    for op in OPERATORS:
        assert f"op.{op.__name__}" in named or not OPERATORS[op].differentiable


def _arguments(label, dx, dy, rng):
    scalar = label.startswith(("math.", "abs", "float", "pow"))
    return (_point(dx, scalar, rng),) + ((_point(dy, scalar, rng),) if dy else ())


@pytest.mark.parametrize("label, expression, dx, dy", ROWS, ids=[f"{r[0]}:{r[1]}" for r in ROWS])
def test_row_to_second_order(tmp_path, label, expression, dx, dy):
    """Hessian (forward over reverse) against differences of the gradient, and reverse over
    reverse against the Hessian."""
    rng = np.random.default_rng(11)
    f = _function(tmp_path, expression, dy is not None)
    args = _arguments(label, dx, dy, rng)
    rule_check.check_second_order(f, args, tuple(range(len(args))), rng)


# rows without a vector form: jacobian and hessian run them once per direction instead
ONE_DIRECTION_AT_A_TIME = {"np.ravel", "np.broadcast_to"}


@pytest.mark.parametrize("label, expression, dx, dy", ROWS, ids=[f"{r[0]}:{r[1]}" for r in ROWS])
def test_row_in_vector_mode(tmp_path, label, expression, dx, dy):
    rng = np.random.default_rng(5)
    f = _function(tmp_path, expression, dy is not None)
    args, wrt = _arguments(label, dx, dy, rng), tuple(range(1 + (dy is not None)))
    if label in ONE_DIRECTION_AT_A_TIME:
        with pytest.raises(sourcead.SourceADError):
            rule_check.check_vector(f, args, wrt)
        return
    rule_check.check_vector(f, args, wrt)
