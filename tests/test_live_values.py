"""Values are read when the derivative runs, never frozen when it is built (issue 11, items
1, 2, 5, 6, 8, 11, 12): closures, defaults, globals and functions changed after the first
call; decorated functions; outputs that are not numbers; the training-loop idiom; threads;
pickling. Every value is checked against the exact derivative."""
import gc
import linecache
import math
import multiprocessing
import pickle
import threading
import weakref

import numpy as np
import pytest

import sourcead
from sourcead import dispatch

import live_values_module as lv

X3 = np.array([0.3, -0.5, 0.8])


def every_mode(f, x):
    """(reverse, forward, jvp tangent, reverse over reverse, hessian) at a float ``x``."""
    return (sourcead.grad(f)(x), sourcead.grad(f, mode="forward")(x), sourcead.jvp(f)(x, 1.0)[1],
            sourcead.grad(sourcead.grad(f))(x), sourcead.hessian(f)(x))


# ---- closure cells --------------------------------------------------------------------------

def test_closure_rebound_by_nonlocal_every_mode():
    f, set_lam = lv.make_scaled(1.0)
    kept = [sourcead.grad(f), sourcead.jvp(f), sourcead.hessian(f), sourcead.grad(sourcead.grad(f))]
    assert every_mode(f, 1.5) == (3.0, 3.0, 3.0, 2.0, 2.0)
    set_lam(5.0)
    assert every_mode(f, 1.5) == (15.0, 15.0, 15.0, 10.0, 10.0)
    # derivatives made before the change see it too
    assert kept[0](1.5) == 15.0 and kept[1](1.5, 1.0) == (11.25, 15.0)
    assert kept[2](1.5) == 10.0 and kept[3](1.5) == 10.0
    value, grads = sourcead.vjp(f)(1.5, 2.0)
    assert (value, grads) == (11.25, 30.0)


def test_closure_value_changes_kind():
    """A float closed over becomes an array: the derivative is built again for it."""
    f, set_lam = lv.make_scaled(2.0)
    df = sourcead.grad(f)
    assert df(1.0) == 4.0
    set_lam(np.array([1.0, 2.0]))
    with pytest.raises(sourcead.SourceADError, match="output is a real number"):
        df(1.0)


def test_closure_function_rebound():
    f, set_fn = lv.make_activated(np.tanh)
    df = sourcead.grad(f)
    np.testing.assert_allclose(df(X3), np.tanh(X3) + X3 / np.cosh(X3) ** 2, rtol=1e-13)
    set_fn(np.sin)
    np.testing.assert_allclose(df(X3), np.sin(X3) + X3 * np.cos(X3), rtol=1e-13)
    set_fn(lv.square)   # a function of the user's: its own derivative
    np.testing.assert_allclose(df(X3), 3 * X3 ** 2, rtol=1e-13)
    np.testing.assert_allclose(sourcead.hessian(f)(X3), np.diag(6 * X3), rtol=1e-13)


# ---- module globals -----------------------------------------------------------------------

def test_global_number_rebound(monkeypatch):
    df = sourcead.grad(lv.scaled_by_global)
    assert df(1.5) == 6.0
    monkeypatch.setattr(lv, "SCALE", 5.0)
    assert every_mode(lv.scaled_by_global, 1.5) == (15.0, 15.0, 15.0, 10.0, 10.0)
    assert df(1.5) == 15.0


def test_global_array_rebound_and_written(monkeypatch):
    df = sourcead.grad(lv.weighted)
    np.testing.assert_allclose(df(X3), [1, 2, 3] * np.cos(X3), rtol=1e-14)
    monkeypatch.setattr(lv, "WEIGHTS", np.array([-1.0, 0.5, 4.0]))
    np.testing.assert_allclose(df(X3), [-1, 0.5, 4] * np.cos(X3), rtol=1e-14)
    lv.WEIGHTS[0] = 10.0
    np.testing.assert_allclose(df(X3), [10, 0.5, 4] * np.cos(X3), rtol=1e-14)
    monkeypatch.setattr(lv, "WEIGHTS", 2.0)   # another kind: built again
    np.testing.assert_allclose(df(X3), 2.0 * np.cos(X3), rtol=1e-14)
    np.testing.assert_allclose(sourcead.hessian(lv.weighted)(X3), np.diag(-2.0 * np.sin(X3)),
                               rtol=1e-14)


def test_function_valued_global_rebound(monkeypatch):
    df = sourcead.grad(lv.activated)
    assert df(0.5) == pytest.approx(2 / math.cosh(0.5) ** 2, rel=1e-14)
    monkeypatch.setattr(lv, "act", np.sin)
    assert df(0.5) == pytest.approx(2 * math.cos(0.5), rel=1e-14)
    assert sourcead.hessian(lv.activated)(0.5) == pytest.approx(-2 * math.sin(0.5), rel=1e-14)


def test_user_function_rebound(monkeypatch):
    df = sourcead.grad(lv.power_of)
    assert df(2.0) == 5.0
    monkeypatch.setattr(lv, "square", lv.cube)
    assert every_mode(lv.power_of, 2.0) == (13.0, 13.0, 13.0, 12.0, 12.0)
    assert df(2.0) == 13.0


def test_same_code_other_closure(monkeypatch):
    """A callee rebound to a function with the same code and another closure value."""
    df = sourcead.grad(lv.calls_power_fn)
    assert df(2.0) == pytest.approx(12.0, rel=1e-14)
    monkeypatch.setattr(lv, "power_fn", lv.make_power(3.0))
    assert df(2.0) == pytest.approx(36.0, rel=1e-14)
    assert sourcead.hessian(lv.calls_power_fn)(2.0) == pytest.approx(36.0, rel=1e-14)


# ---- defaults -------------------------------------------------------------------------------

def test_defaults_replaced(monkeypatch):
    df = sourcead.grad(lv.with_default)
    assert df(1.0) == 2.0
    monkeypatch.setattr(lv.with_default, "__defaults__", (5.0,))
    assert every_mode(lv.with_default, 1.0) == (10.0, 10.0, 10.0, 10.0, 10.0)
    assert df(1.0) == 10.0 and sourcead.jvp(lv.with_default)(1.0, 1.0) == (5.0, 10.0)


def test_keyword_defaults_replaced(monkeypatch):
    df = sourcead.grad(lv.with_keyword_default)
    assert df(1.0) == 2.0
    monkeypatch.setattr(lv.with_keyword_default, "__kwdefaults__", {"c": 5.0})
    assert df(1.0) == 10.0 and sourcead.hessian(lv.with_keyword_default)(1.0) == 10.0


def test_array_default_written_and_replaced(monkeypatch):
    df = sourcead.grad(lv.with_array_default)
    np.testing.assert_allclose(df(X3), 2 * np.array([1, 2, 3]) * X3)
    lv.with_array_default.__defaults__[0][1] = 7.0
    np.testing.assert_allclose(df(X3), 2 * np.array([1, 7, 3]) * X3)
    monkeypatch.setattr(lv.with_array_default, "__defaults__", (np.array([0.5, 0.5, 0.5]),))
    np.testing.assert_allclose(df(X3), X3)
    lv.with_array_default.__defaults__[0][:] = [1.0, 2.0, 3.0]


def test_callee_default_replaced(monkeypatch):
    df = sourcead.grad(lv.calls_helper)
    assert df(2.0) == 5.0
    monkeypatch.setattr(lv.helper, "__defaults__", (5.0,))
    assert df(2.0) == 21.0 and sourcead.grad(lv.calls_helper, mode="forward")(2.0) == 21.0


# ---- objects and methods ----------------------------------------------------------------------

def test_method_of_an_object_whose_attribute_changes():
    layer = lv.Layer(np.array([0.5, 1.0, -2.0]))
    df = sourcead.grad(layer.loss)

    def truth(w, x):
        t = np.tanh(w * x)
        return 2 * t * (1 - t ** 2) * w

    np.testing.assert_allclose(df(X3), truth(layer.w, X3), rtol=1e-13)
    layer.w = np.array([2.0, -1.0, 0.1])
    np.testing.assert_allclose(df(X3), truth(layer.w, X3), rtol=1e-13)
    other = lv.Layer(np.array([1.0, 1.0, 1.0]))
    np.testing.assert_allclose(sourcead.grad(other.loss)(X3), truth(other.w, X3), rtol=1e-13)
    np.testing.assert_allclose(df(X3), truth(layer.w, X3), rtol=1e-13)


# ---- the training-loop idiom -----------------------------------------------------------------

def _batches(n):
    rng = np.random.default_rng(0)
    return [rng.normal(size=(8, 3)) for _ in range(n)]


def test_training_loop_reuses_one_derivative_and_keeps_no_batch(monkeypatch):
    built = []
    original = dispatch.derive
    monkeypatch.setattr(dispatch, "derive", lambda *a, **k: built.append(1) or original(*a, **k))
    w = np.array([0.1, -0.2, 0.3])
    alive = []
    for batch in _batches(30):
        alive.append(weakref.ref(batch))
        g = sourcead.grad(lambda v: lv.batch_loss(v, batch))(w)
        np.testing.assert_allclose(g, 2 * batch.T @ (batch @ w - 1.0), rtol=1e-12)

        def step_loss(v):
            return lv.batch_loss(v, batch)
        np.testing.assert_allclose(sourcead.grad(step_loss)(w), g, rtol=1e-12)
    assert len(built) <= 2   # the lambda's code, and the nested def's
    del batch, g, step_loss
    gc.collect()
    assert sum(r() is not None for r in alive) == 0


# ---- threads -----------------------------------------------------------------------------------

def test_sixteen_threads_build_once(monkeypatch):
    namespace = {}
    text = "def fresh(x):\n    return x * x * 3.0 + x\n"
    exec(text, namespace)
    fresh = sourcead.register_source(namespace["fresh"], text)
    built = []
    original = dispatch.derive

    def slow_derive(*args, **kwargs):
        built.append(1)
        return original(*args, **kwargs)
    monkeypatch.setattr(dispatch, "derive", slow_derive)
    df = sourcead.grad(fresh)
    results, start = [], threading.Barrier(16)

    def work():
        start.wait()
        results.append(df(2.0))
    threads = [threading.Thread(target=work) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [13.0] * 16 and len(built) == 1


# ---- pickling ------------------------------------------------------------------------------------

@pytest.mark.parametrize("make", [sourcead.grad, sourcead.jvp, sourcead.hessian,
                                  lambda f: sourcead.grad(f, mode="forward"),
                                  sourcead.jacobian, sourcead.vjp])
def test_derivatives_pickle(make):
    df = make(lv.polynomial)
    args = (1.5, 1.0) if make in (sourcead.jvp, sourcead.vjp) else (1.5,)
    again = pickle.loads(pickle.dumps(df))
    assert np.all(np.asarray(again(*args)) == np.asarray(df(*args)))


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_pool_map(method):
    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {method} here")
    with multiprocessing.get_context(method).Pool(2) as pool:
        out = pool.map(sourcead.grad(lv.polynomial), [0.0, 1.0, 2.0])
    assert out == [2.0, 8.0, 14.0]


# ---- decorated functions -----------------------------------------------------------------------

def test_decorated_functions_are_what_their_wrapper_computes():
    assert every_mode(lv.h, 2.0) == (24.0, 24.0, 24.0, 24.0, 24.0)
    assert sourcead.grad(lv.stacked)(0.7) == pytest.approx(2 * math.cos(0.7) + 3.0, rel=1e-14)
    assert sourcead.grad(lv.squared_twice)(1.5) == pytest.approx(4 * 1.5 ** 3, rel=1e-14)
    assert sourcead.grad(lv.uses_decorated)(2.0) == 25.0
    assert sourcead.hessian(lv.uses_decorated)(2.0) == 24.0


def test_class_decorator():
    df = sourcead.grad(lv.clipped_product, wrt=(0, 1))
    assert df(2.0, 1.5) == (1.5, 2.0)
    assert df(2.0, 3.0) == (0.0, 0.0)   # clipped at 5
    assert sourcead.grad(lv.calls_clipped, wrt=(0, 1))(0.5, 3.0) == (6.0, 2.0)


def test_wrappers_handing_on_slices_of_their_arguments():
    """``fn(g(args[0]), *args[1:], **kwargs)``: a starred slice of ``*args`` with constant
    bounds is the arguments it names (checked exactly, by differences, in every mode)."""
    x = np.array([0.3, -0.5, 1.1])
    dx, dy = sourcead.grad(lv.product_sum, wrt=(0, 1))(x, 1.5, z=3.0)
    np.testing.assert_allclose(dx, 1.5 + 0.5 * 1.5 * np.cos(x), rtol=1e-14)
    assert dy == pytest.approx(np.sum(x) + 0.5 * np.sum(np.sin(x)) + 1.5 * 3.0, rel=1e-14)
    # x_squared_y wrapped: y*y*x + (x*x*y)**2
    u, v = 1.3, 0.7
    exact = (v * v + 4 * u ** 3 * v * v, 2 * u * v + 2 * u ** 4 * v)
    for mode in ("reverse", "forward"):
        got = sourcead.grad(lv.x_squared_y, wrt=(0, 1), mode=mode)(u, v)
        np.testing.assert_allclose(got, exact, rtol=1e-14, err_msg=mode)
        np.testing.assert_allclose(got, sourcead.numeric_grad(lv.x_squared_y, u, v, wrt=(0, 1)),
                                   rtol=1e-7, err_msg=mode)
    assert sourcead.hessian(lv.x_squared_y)(u, v) == pytest.approx(12 * u * u * v * v, rel=1e-14)
    y = np.array([0.2, 0.4])
    got = sourcead.grad(lv.tanh_dot)(y, 2.0)
    exact = 2 * 2.0 * (np.tanh(y) / np.cosh(y) ** 2 + 1.5 * np.tanh(y + 1.5) / np.cosh(y + 1.5) ** 2)
    np.testing.assert_allclose(got, exact, rtol=1e-13)
    np.testing.assert_allclose(sourcead.jvp(lv.tanh_dot)(y, 2.0, np.ones(2))[1], np.sum(exact),
                               rtol=1e-13)


def test_decorator_sourcead_cannot_read_is_refused():
    with pytest.raises(sourcead.SourceADError, match="__wrapped__"):
        sourcead.grad(lv.cached)(2.0)


# ---- outputs ------------------------------------------------------------------------------------

def _returns_none(x):
    s = np.sum(x * x)
    return None


def _returns_bool(x):
    return np.sum(x) > 0.25


def _returns_int(x):
    return len(x)


def _returns_argmax(x):
    return np.argmax(x)


def _returns_str(x):
    return "loss"


def _returns_list(x):
    return [np.sum(x), np.sum(x * x)]


def _returns_array(x):
    return x * 2.0


@pytest.mark.parametrize("f", [_returns_none, _returns_bool, _returns_int, _returns_argmax,
                               _returns_str, _returns_list, _returns_array])
@pytest.mark.parametrize("make", [sourcead.grad, sourcead.hessian,
                                  lambda f: sourcead.grad(f, mode="forward")])
def test_outputs_that_are_not_numbers_are_refused(f, make):
    with pytest.raises(sourcead.SourceADError) as info:
        make(f)(X3.copy())
    message = str(info.value)
    assert "output" in message and ("test_live_values.py" in message or make is not sourcead.grad)


def test_size_one_array_output_is_a_number():
    def f(x):
        return np.sum(x * x, keepdims=True)

    def g(x):
        return x[1:2] ** 2
    np.testing.assert_allclose(sourcead.grad(f)(X3), 2 * X3)
    np.testing.assert_allclose(sourcead.grad(g)(X3), [0.0, 2 * X3[1], 0.0])
    np.testing.assert_allclose(sourcead.grad(f, mode="forward")(X3), 2 * X3)
    np.testing.assert_allclose(sourcead.hessian(f)(X3), 2 * np.eye(3))


def test_the_function_runs_once_per_gradient(capsys):
    sourcead.grad(lv.printing)(2.0)
    assert capsys.readouterr().out.count("running printing") == 1
    sourcead.grad(lv.printing, mode="forward")(2.0)
    assert capsys.readouterr().out.count("running printing") == 1


# ---- register_source ---------------------------------------------------------------------------

def test_register_source_checks_the_text():
    namespace = {}
    exec("def made(x):\n    return x * 4.0\n", namespace)
    with pytest.raises(sourcead.SourceADError, match="different code"):
        sourcead.register_source(namespace["made"], "def made(x):\n    return x * 5.0\n")
    with pytest.raises(sourcead.SourceADError, match="not valid Python"):
        sourcead.register_source(namespace["made"], "def made(x):\n    return x *\n")
    sourcead.register_source(namespace["made"], "def made(x):\n    return x * 4.0\n")
    assert sourcead.grad(namespace["made"])(1.0) == 4.0


def test_register_source_never_replaces_a_real_file():
    before = linecache.getlines(lv.__file__)
    with pytest.raises(sourcead.SourceADError):
        sourcead.register_source(lv.polynomial, "def polynomial(x):\n    return x\n")
    sourcead.register_source(lv.polynomial, "def polynomial(x):\n    return 3.0 * x * x + 2.0 * x\n")
    assert linecache.getlines(lv.__file__) == before
    assert sourcead.grad(lv.power_of)(2.0) == 5.0 and sourcead.grad(lv.polynomial)(1.0) == 8.0


# ---- calls the API cannot take -------------------------------------------------------------------

def test_wrong_calls_are_usage_errors():
    with pytest.raises(sourcead.UsageError, match="given 3"):
        sourcead.grad(3)
    df = sourcead.grad(lambda x, y: x * y)
    with pytest.raises(sourcead.UsageError, match="missing"):
        df(1.0)
    with pytest.raises(sourcead.UsageError, match="too many"):
        df(1.0, 2.0, 3.0)
    with pytest.raises(sourcead.UsageError):
        sourcead.grad(lv.with_default)(1.0, 2.0, 3.0)


def test_keywords_to_jacobian_and_hessian():
    def f(x, scale=1.0):
        return np.sum(scale * x ** 3)
    np.testing.assert_allclose(sourcead.hessian(f)(X3, scale=2.0), np.diag(12 * X3))
    np.testing.assert_allclose(sourcead.jacobian(sourcead.grad(f))(X3, scale=2.0),
                               np.diag(12 * X3))
    np.testing.assert_allclose(sourcead.hessian(f)(x=X3), np.diag(6 * X3))
