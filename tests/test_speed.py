"""What makes generated NumPy gradients fast, checked as source in / source out and by values:
shape anchors (unbroadcast only where shapes may differ, nothing computed only for a shape),
scatters of several parts of one array into one buffer (never one that something else
can see), temporaries inlined into their one use, expressions computed once, arrays freed at
their last use, and the benchmark models' generated code."""
import re
import sys
import textwrap
from pathlib import Path

import astor
import gast
import numpy as np
import pytest

import sourcead
from sourcead.naming import plainly
from sourcead.optimize import (fold_negations, free_arrays, fuse_scatters, inline_single_uses,
                               share_common, simplify_signs)
from sourcead.rules.template import stmts as template_stmts

import models


def _marked(source: str) -> gast.Module:
    """Code as sourcead writes it: its helpers' names marked (``$scatter``, see naming)."""
    return gast.Module(body=template_stmts(textwrap.dedent(source)), type_ignores=[])


def _text(node: gast.AST) -> str:
    return astor.to_source(gast.gast_to_ast(plainly(node))).strip()


def _fused(source: str) -> str:
    fn = _marked(source).body[0]
    fn.body = fuse_scatters(fn.body)
    return _text(fn)


FUSIONS = {
    "parts of one array share one buffer": (
        """
        def f(x, a, b):
            v = scatter(a, x, slice(1, None, None))
            c = b * 2
            v = v + scatter(c, x, slice(None, -1, None))
            return v
        """,
        """
        def f(x, a, b):
            c = b * 2
            v = scatter(a, x, slice(1, None, None))
            v = scatter_into(v, c, slice(None, -1, None))
            return v
        """),
    "a buffer something else has seen is never filled in place": (
        """
        def f(x, a, b):
            v = scatter(a, x, slice(1, None, None))
            w = v
            v = v + scatter(b, x, slice(None, -1, None))
            return v, w
        """,
        None),
    "a part whose value changed in between stays where it was": (
        """
        def f(x, a, b):
            v = scatter(a, x, 0)
            a = a * 2
            v = v + scatter(a, x, 1)
            return v
        """,
        None),
    "a part of another array is added, not written into the buffer": (
        """
        def f(x, y, a, b):
            v = scatter(a, x, 0)
            v = v + scatter(b, y, 1)
            return v
        """,
        None),
    "a buffer is not carried into a loop": (
        """
        def f(x, a, b, n):
            v = scatter(a, x, 0)
            for i in range(n):
                v = v + scatter(b, x, i)
            return v
        """,
        None),
}


@pytest.mark.parametrize("source, expected", FUSIONS.values(), ids=list(FUSIONS))
def test_fuse_scatters(source, expected):
    assert _fused(source) == textwrap.dedent(expected or source).strip()


def _source(f, args, wrt):
    return sourcead.source(sourcead.grad(f, wrt=wrt), *args)


RNG = np.random.default_rng(1)
X = RNG.standard_normal((6, 3))
Y = (RNG.random(6) > 0.5).astype(float)


def test_nothing_is_computed_only_for_its_shape():
    text = _source(models.logistic, (RNG.standard_normal(3), 0.1, X, Y), (0, 1))
    body = text.split("def logistic_grad")[1]
    assert "= np.log(" not in body    # the loss's logs: only their shape was needed
    assert "np.size(y)" in body   # y has the shape of the mean's operand by itself
    assert "unbroadcast(z_bar, X_matmul_w)" not in body  # X @ w + b has the shape of X @ w
    assert "b_bar = np.sum(z_bar)" in body   # summed down to a number


def test_numbers_are_multiplied_before_arrays():
    body = _source(models.rosen, (np.linspace(-1, 1, 5),), 0).split("def rosen_grad")[1]
    assert "scatter(-2 * out_bar * t1_minus_x, x, " in body


NEGATIONS = {
    "a negated first contribution is subtracted instead": (
        """
        def f(a, b):
            v_bar = -a
            w = b * 2
            v_bar = v_bar + w
            return v_bar
        """,
        """
        def f(a, b):
            w = b * 2
            v_bar = w - a
            return v_bar
        """),
    "not past a use": (
        """
        def f(a, b):
            v_bar = -a
            w = v_bar * 2
            v_bar = v_bar + w
            return v_bar
        """,
        None),
    "not past a change of what was negated": (
        """
        def f(a, b):
            v_bar = -a
            a = b * 2
            v_bar = v_bar + a
            return v_bar
        """,
        None),
}


@pytest.mark.parametrize("source, expected", NEGATIONS.values(), ids=list(NEGATIONS))
def test_fold_negations(source, expected):
    fn = gast.parse(textwrap.dedent(source)).body[0]
    fn.body = fold_negations(fn.body, {"v_bar"})
    assert astor.to_source(gast.gast_to_ast(fn)).strip() == textwrap.dedent(expected or source).strip()


def test_rosenbrock_adjoint_fills_one_buffer():
    body = _source(models.rosen, (np.linspace(-1, 1, 5),), 0).split("def rosen_grad")[1]
    assert body.count("= scatter_into(x_bar, ") == 2 and body.count("= scatter(") == 1


def test_a_filled_buffer_is_the_callers_own():
    """Two calls give two arrays; neither aliases the argument."""
    x = np.linspace(-1, 1, 5)
    df = sourcead.grad(models.rosen)
    first, second = df(x), df(x)
    assert first is not second and not np.shares_memory(first, x)
    first[:] = 0.0
    np.testing.assert_array_equal(second, df(x))


def test_a_full_sums_adjoint_stays_a_number():
    body = _source(models.rosen, (np.linspace(-1, 1, 5),), 0).split("def rosen_grad")[1]
    assert "unreduce(" not in body and "200 * out_bar * x__minus_x__pow_2" in body


def test_a_number_adjoint_is_spread_where_an_array_needs_it():
    import corpus
    text = _source(corpus.number_adjoint_meets_an_array_one, (np.ones(3),), 0)
    assert "v_bar + unreduce(out_bar, u) * 2.0" in text


def test_adjoints_of_sourceads_own_temporaries_fold_into_their_use():
    body = _source(models.rosen, (np.linspace(-1, 1, 5),), 0).split("def rosen_grad")[1]
    assert not re.search(r"\bx__pow_2_bar\b", body) and not re.search(r"\bx_3_bar\b", body)


SIGNS = {
    "-(g * 2 * x)": "g * -2 * x",
    "-(a * (-b / c))": "a * (b / c)",
    "-a * (2 * b)": "a * (-2 * b)",
    "-(a * b)": "-(a * b)",                 # nothing to cancel or absorb: as it was
    "-(a ** 2)": "-a ** 2",
    "(-a) ** 2": "(-a) ** 2",               # not a product: the sign stays inside
    "f(-(a * 3))": "f(a * -3)",
}


@pytest.mark.parametrize("before, after", SIGNS.items(), ids=list(SIGNS))
def test_simplify_signs(before, after):
    module = gast.parse(f"y = {before}")
    module.body[0].value = simplify_signs(module.body[0].value)
    assert astor.to_source(gast.gast_to_ast(module)).strip() == f"y = {after}"
    env = {"a": 1.5, "b": -0.25, "c": 3.0, "g": 0.5, "x": 2.0, "f": lambda v: v + 1}
    assert eval(after, env) == eval(before, env)  # negation is exact: bit-identical values


def test_helpers_are_not_shaped_like_their_arguments_broadcast():
    """unbroadcast(g, x) has x's shape, not that of g broadcast with x: the kinds of generated
    code said otherwise and reverse over reverse was silently wrong (fuzzer seed 1030)."""
    import random_programs_more as rpm
    source, args = rpm.program(1030)
    assert rpm.check(source, args, second_order=True, twice=True) == "ok"


# ---- forward-sweep temporaries: inlined into their one use, shared when computed twice ----------

def _pass(source: str, run) -> str:
    fn = gast.parse(textwrap.dedent(source)).body[0]
    fn.body = run(fn.body)
    return astor.to_source(gast.gast_to_ast(fn)).strip()


INLINES = {
    "a temporary goes into its one use": (
        """
        def f(z):
            neg_z = -z
            exp_neg_z = np.exp(neg_z)
            return exp_neg_z
        """,
        """
        def f(z):
            exp_neg_z = np.exp(-z)
            return exp_neg_z
        """),
    "past statements that change nothing it reads": (
        """
        def f(x, tape):
            x_2 = x[:-1]
            y = x * 3
            tape.append(y)
            x__pow_2 = x_2 ** 2
            return x__pow_2
        """,
        """
        def f(x, tape):
            y = x * 3
            tape.append(y)
            x__pow_2 = x[:-1] ** 2
            return x__pow_2
        """),
    "not across a write into an operand": (
        """
        def f(a, v):
            x_2 = a * 2
            a[0] = v
            x__pow_2 = x_2 ** 2
            return x__pow_2
        """,
        None),
    "not across a write into what may share an operand's memory": (
        """
        def f(a, b, v):
            x_2 = a * 2
            b[0] = v
            x__pow_2 = x_2 ** 2
            return x__pow_2
        """,
        None),
    "not across a call that might write into an operand": (
        """
        def f(a, g):
            x_2 = a * 2
            g(a)
            x__pow_2 = x_2 ** 2
            return x__pow_2
        """,
        None),
    "not across a rebinding of an operand": (
        """
        def f(a):
            x_2 = a * 2
            a = a + 1
            x__pow_2 = x_2 ** a
            return x__pow_2
        """,
        None),
    "not a value the adjoint sweep reads": (
        """
        def f(x, out_bar):
            x_2 = 1 - x
            out = np.sum(x)
            x_bar = out_bar * -2 * x_2
            return x_bar
        """,
        None),
    "not a random draw": (
        """
        def f(a):
            x_2 = np.random.rand(3)
            x__pow_2 = x_2 * a
            return x__pow_2
        """,
        None),
}


@pytest.mark.parametrize("source, expected", INLINES.values(), ids=list(INLINES))
def test_inline_forward_temporaries(source, expected):
    own = {"neg_z", "x_2"}
    got = _pass(source, lambda body: inline_single_uses(body, own, {"np"},
                                                        primal_only=(own, {"x_bar"})))
    assert got == textwrap.dedent(expected or source).strip()


SHARES = {
    "the same slice twice is read once": (
        """
        def f(x):
            x_2 = x[:-1]
            x__pow_2 = x_2 ** 2
            x_3 = x[:-1]
            t = 1 - x_3
            return t + x__pow_2
        """,
        """
        def f(x):
            x_2 = x[:-1]
            x__pow_2 = x_2 ** 2
            t = 1 - x_2
            return t + x__pow_2
        """),
    "a part of a later expression": (
        """
        def f(x):
            s = np.sin(x)
            y = np.sin(x) * 2 + s
            return y
        """,
        """
        def f(x):
            s = np.sin(x)
            y = s * 2 + s
            return y
        """),
    "a name of the user's stays, as a copy": (
        """
        def f(x):
            a = np.sin(x)
            b = np.sin(x)
            return a + b
        """,
        """
        def f(x):
            a = np.sin(x)
            b = a
            return a + b
        """),
    "not across a rebinding": (
        """
        def f(x):
            x_2 = x[:-1]
            x = x * 2
            x_3 = x[:-1]
            return x_2 + x_3
        """,
        None),
    "not across a rebinding of the name that holds it": (
        """
        def f(x):
            x_2 = x[:-1]
            x_2 = x_2 * 2
            x_3 = x[:-1]
            return x_2 + x_3
        """,
        None),
    "not where something writes into an array (the two would be one object)": (
        """
        def f(x):
            a = x * 2
            b = x * 2
            b[0] = 1.0
            return a, b
        """,
        None),
    "not random draws": (
        """
        def f(x):
            a = np.random.rand(3)
            b = np.random.rand(3)
            return a + b
        """,
        None),
    "not lists (each one is new)": (
        """
        def f(x):
            a = [x, x]
            b = [x, x]
            return a, b
        """,
        None),
    "not a value a loop changes": (
        """
        def f(x, n):
            x_2 = x[:-1]
            for i in range(n):
                x = x * 2
            x_3 = x[:-1]
            return x_2 + x_3
        """,
        None),
}


@pytest.mark.parametrize("source, expected", SHARES.values(), ids=list(SHARES))
def test_share_common_subexpressions(source, expected):
    got = _pass(source, lambda body: share_common(body, {"np"}, {"x_2", "x_3", "x__pow_2", "t"})[0])
    assert got == textwrap.dedent(expected or source).strip()


def test_rosenbrock_forward_sweep_reads_like_the_hand_written_one():
    body = _source(models.rosen, (np.linspace(-1, 1, 5),), 0).split("def rosen_grad")[1]
    assert textwrap.dedent("""
        x_2 = x[:-1]
        x__minus_x__pow_2 = x[1:] - x_2 ** 2
        t1_minus_x = 1 - x_2
        """).strip() in textwrap.dedent(body.split("\n", 1)[1])
    code = "\n".join(line for line in body.splitlines() if not line.strip().startswith("#"))
    assert code.count("x[:-1]") == 1


def test_logistic_negation_goes_into_its_use():
    text = _source(models.logistic, (RNG.standard_normal(3), 0.1, X, Y), (0, 1))
    assert "np.exp(-z)" in text and not re.search(r"\bneg_z =", text)


def repeated_slices(x):
    return np.sum((x[1:] - x[:-1] ** 2) ** 2 + np.sin(x[:-1]) * x[:-1])


def _repeated_slices_exact(x):
    a, b = x[:-1], x[1:]
    d = b - a ** 2
    g = np.zeros_like(x)
    g[:-1] += -4 * a * d + np.cos(a) * a + np.sin(a)
    g[1:] += 2 * d
    h = np.zeros((x.size, x.size))
    k = np.arange(x.size - 1)
    h[k, k] += -4 * d + 8 * a ** 2 + 2 * np.cos(a) - a * np.sin(a)
    h[k + 1, k + 1] += 2.0
    h[k, k + 1] += -4 * a
    h[k + 1, k] += -4 * a
    return g, h


def test_shared_and_inlined_code_in_every_mode():
    from test_functions import check_every_mode, EXACT
    x = np.linspace(-1.0, 0.8, 5)
    gradient, hessian = _repeated_slices_exact(x)
    check_every_mode(repeated_slices, (x,), 0, gradient)
    got = sourcead.hessian(repeated_slices)(x)
    np.testing.assert_allclose(got, hessian, **EXACT)
    df, eps = sourcead.grad(repeated_slices), 1e-6
    columns = [(df(x + eps * e) - df(x - eps * e)) / (2 * eps) for e in np.eye(x.size)]
    np.testing.assert_allclose(got, np.array(columns).T, rtol=1e-6, atol=1e-6)
    for mode in ("forward", "reverse"):
        np.testing.assert_allclose(sourcead.jacobian(repeated_slices, mode=mode)(x), gradient,
                                   **EXACT)
    _, twice = sourcead.vjp(sourcead.grad(repeated_slices))(x, np.arange(5.0))  # reverse of reverse
    np.testing.assert_allclose(twice, hessian @ np.arange(5.0), rtol=1e-10, atol=1e-10)
    body = _source(repeated_slices, (x,), 0).split("def repeated_slices_grad")[1]
    code = "\n".join(line for line in body.splitlines() if not line.strip().startswith("#"))
    assert code.count("x[:-1]") == 1


# ---- memory: sourcead's own arrays freed at their last use ---------------------------------------

FREES = {
    "one line after the statement that last reads them": (
        """
        def f(x, out_bar):
            d = x[1:] - x[:-1]
            e = 1 - x
            d_bar = out_bar * d
            e_bar = out_bar * e * d
            x_bar = d_bar + e_bar
            return x_bar
        """,
        """
        def f(x, out_bar):
            d = x[1:] - x[:-1]
            e = 1 - x
            d_bar = out_bar * d
            e_bar = out_bar * e * d
            del d, e
            x_bar = d_bar + e_bar
            return x_bar
        """),
    "not when nothing follows but the return": (
        """
        def f(x, out_bar):
            d = x * 2
            x_bar = out_bar * d
            return x_bar
        """,
        None),
    "not a view, nor a value a tape keeps, nor one bound in a branch": (
        """
        def f(x, tape, c):
            v = x[1:]
            d = x * 2
            tape.append(d)
            if c:
                e = x * 3
            else:
                e = x * 4
            y = v * d * e
            z = y * 2
            return z
        """,
        None),
}


@pytest.mark.parametrize("source, expected", FREES.values(), ids=list(FREES))
def test_free_arrays(source, expected):
    got = _pass(source, lambda body: free_arrays(body, {"d", "e", "v"}))
    assert got == textwrap.dedent(expected or source).strip()


def test_rosenbrock_frees_its_forward_arrays_in_the_adjoint_sweep():
    body = _source(models.rosen, (np.linspace(-1, 1, 5),), 0).split("def rosen_grad")[1]
    lines = [line.strip() for line in body.splitlines()]
    assert lines[lines.index("del x__minus_x__pow_2") - 1].startswith("x__minus_x__pow_2_bar = ")
    assert lines[lines.index("del t1_minus_x") - 1].startswith("x_bar = scatter(")
    assert "del x_2" not in lines   # a view: freeing it frees nothing


def scalar_rosen(a, b):
    return 100.0 * (b - a ** 2) ** 2 + (1 - a) ** 2


def test_scalar_code_frees_nothing():
    assert "del " not in _source(scalar_rosen, (0.3, 0.7), (0, 1))
    assert "del " not in sourcead.source(sourcead.hessian(models.rosen), np.linspace(-1, 1, 4))


def test_freed_code_is_differentiated_again():
    x = np.linspace(-1.0, 0.8, 4)
    text = _source(models.rosen, (x,), 0)
    assert "del " in text
    H = sourcead.hessian(models.rosen)(x)
    _, twice = sourcead.vjp(sourcead.grad(models.rosen))(x, np.ones(4))   # reverse of reverse
    np.testing.assert_allclose(twice, H @ np.ones(4), rtol=1e-12, atol=1e-10)
    np.testing.assert_allclose(H[0, 0], 1200 * x[0] ** 2 - 400 * x[1] + 2, rtol=1e-12)


def test_a_users_del_is_still_refused():
    def uses_del(x):
        y = x * 2
        del x
        return y
    with pytest.raises(sourcead.SourceADError, match="del"):
        sourcead.grad(uses_del)(1.0)


def test_an_element_adjoint_passed_through_is_not_zeroed_and_added_back():
    """The adjoint of ``out[i] += v`` leaves ``out_bar[i]`` as it was: no ``= 0.0`` then add."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples"))
    import convolution as conv
    x, w = np.array([0.5, -1.0, 2.0, 0.25, 1.5]), np.array([1.0, -0.5])
    df = sourcead.grad(conv.convolve, wrt=(0, 1))
    got = df(x, w)
    want = conv.exact_gradient(x, w)
    np.testing.assert_allclose(got[0], want[0], rtol=1e-13)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-13)
    body = sourcead.source(df).split("def convolve_grad")[1]
    assert "out_bar[i] = 0.0" not in body and "out_bar[i] = out_bar[i] +" not in body


def test_an_element_adjoint_read_in_between_keeps_its_round_trip():
    from sourcead.optimize import drop_round_trips
    import gast
    import astor
    text = ("t = a[i]\na[i] = 0.0\nu = a[i] * 2.0\na[i] = a[i] + t\n")
    stmts = gast.parse(text).body
    kept = drop_round_trips(stmts)
    assert len(kept) == 4   # `u` reads the zeroed element: nothing may go
    stmts = gast.parse("t = a[i]\na[i] = 0.0\nu = b[i] * 2.0\na[i] = a[i] + t\n").body
    assert astor.to_source(gast.gast_to_ast(gast.Module(body=drop_round_trips(stmts),
                                                        type_ignores=[]))).split() == \
        ["t", "=", "a[i]", "u", "=", "b[i]", "*", "2.0"]
    stmts = gast.parse("t = a[i]\na[i] = 0.0\ni = i + 1\na[i] = a[i] + t\n").body
    assert len(drop_round_trips(stmts)) == 4   # a different element by then


# ---- spreads the product's broadcasting does anyway ----------------------------------------------

def _kinds(**dims):
    from sourcead.analyze import Kind
    return {v: Kind("array", like=v if d != "same" else "x", dims="nn" if d == "same" else d)
            for v, d in dims.items()}


SPREADS = {
    "kept axes times a value of the spread's shape": (
        "y = unreduce(v, x, 1, True) * w", dict(x="nn", w="same"), "y = v * w"),
    "a number spread times a value of that shape": (
        "y = w * unreduce(c, x)", dict(x="nn", w="nn"), "y = w * c"),
    "axes not kept: the spread lines them up": (
        "y = unreduce(v, x, 1) * w", dict(x="nn", w="nn"), "y = unreduce(v, x, 1) * w"),
    "a factor smaller than the spread": (
        "y = unreduce(v, x, 1, True) * w", dict(x="nn", w="n"), "y = unreduce(v, x, 1, True) * w"),
    "a factor of unknown shape": (
        "y = unreduce(v, x, 1, True) * w", dict(x="nn"), "y = unreduce(v, x, 1, True) * w"),
    "a sum is not a product": (
        "y = unreduce(v, x, 1, True) + w", dict(x="nn", w="same"), "y = unreduce(v, x, 1, True) + w"),
    "a number spread twice is spread once": (
        "y = unreduce(unreduce(c, s), x, 1)", dict(x="nn", s="n"), "y = unreduce(c, x)"),
}


@pytest.mark.parametrize("before, dims, after", SPREADS.values(), ids=list(SPREADS))
def test_drop_spreads(before, dims, after):
    from sourcead.optimize import drop_spreads
    module = _marked(before)
    module.body = drop_spreads(module.body, _kinds(**dims))
    assert _text(module) == after
    rng = np.random.default_rng(0)
    env = {"x": rng.standard_normal((3, 4)), "s": rng.standard_normal(3), "c": 0.7,
           "v": rng.standard_normal((3, 1)), "w": rng.standard_normal((3, 4)) if dims.get("w") != "n"
           else rng.standard_normal(4), "unreduce": sourcead.runtime.unreduce}
    if "unreduce(v, x, 1)" in before and "True" not in before:
        env["v"] = rng.standard_normal(3)
    exec(before, env)
    expected = env["y"]
    exec(after, env)
    np.testing.assert_array_equal(env["y"], expected)   # the same numbers, bit for bit


def test_a_number_spread_read_once_by_another_spread_is_passed_on():
    from sourcead.optimize import drop_spreads
    module = _marked("t = unreduce(c * k, s)\nu = 2.0\ny = unreduce(t, x, 1) * w\n")
    module.body = drop_spreads(module.body, _kinds(x="nn", w="same", s="n"))
    assert _text(module) == "u = 2.0\ny = c * k * w"
    module = _marked("t = unreduce(c * k, s)\nk = 2.0\ny = unreduce(t, x, 1) * w\n")
    untouched = _text(module)
    module.body = drop_spreads(module.body, _kinds(x="nn", w="same", s="n"))
    assert _text(module) == untouched  # k changed between
