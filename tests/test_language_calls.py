"""Calls whose function is chosen while the function runs (issue 12): resolved from
constants when the derivative is built, read again from where they live at every call (a
changed entry, key or attribute is seen), in every mode; refused, with a rewrite, where only
a run-time value decides. Functions: tests/language_calls_functions.py."""
import inspect

import numpy as np
import pytest

import sourcead
from sourcead.numeric import numeric_jacobian

import language_calls_functions as lc

X = np.array([0.4, -0.3, 0.7])
EXACT = {"rtol": 1e-10, "atol": 1e-12}
FD = {"rtol": 1e-6, "atol": 1e-7}


def _softplus_prime(x):
    return 1.0 / (1.0 + np.exp(-x))


# the gradient, by hand
EXPECTED = {
    "activation_by_default_key": lambda x: np.tanh(x) + x * (1 - np.tanh(x) ** 2),
    "activation_by_global_key": lambda x: 2.0 * _softplus_prime(2.0 * x),
    "activation_by_literal_key": lambda x: 2 * np.tanh(x) * (1 - np.tanh(x) ** 2),
    "loss_from_config_dict": lambda x: 2 * (2 * np.tanh(x) - lc.TARGET) / 3 * 2
    * (1 - np.tanh(x) ** 2),
    "loss_from_config_object": lambda x: (np.sin(x) - lc.TARGET)
    / np.sqrt(1 + (np.sin(x) - lc.TARGET) ** 2) * np.cos(x),
    "aliased_function": lambda x: _softplus_prime(x) * np.cos(x)
    - np.log1p(np.exp(x)) * np.sin(x),
    "inline_lambda": lambda x: 2 * x + np.cos(x) * x + np.sin(x),
}
NAMES = sorted(EXPECTED)


@pytest.mark.parametrize("name", NAMES)
def test_every_mode_against_exact_values_and_differences(name):
    f = getattr(lc, name)
    want = EXPECTED[name](X)
    np.testing.assert_allclose(sourcead.grad(f)(X), want, **EXACT)
    np.testing.assert_allclose(sourcead.numeric_grad(f, X), want, **FD)
    np.testing.assert_allclose(sourcead.grad(f, mode="forward")(X), want, **EXACT)
    v = np.array([1.0, -2.0, 0.5])
    value, tangent = sourcead.jvp(f)(X, v)
    assert value == pytest.approx(f(X)) and tangent == pytest.approx(want @ v)
    value, pulled = sourcead.vjp(f)(X, 1.5)
    np.testing.assert_allclose(pulled, 1.5 * want, **EXACT)


@pytest.mark.parametrize("name", NAMES)
def test_second_order_modes_agree_with_differences(name):
    f = getattr(lc, name)
    hessian = sourcead.hessian(f)(X)
    numeric = numeric_jacobian(lambda v: EXPECTED[name](v), X)
    np.testing.assert_allclose(hessian, numeric, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(sourcead.jacobian(sourcead.grad(f), mode="reverse")(X), hessian,
                               **EXACT)


def test_a_changed_entry_key_or_attribute_is_seen(monkeypatch):
    by_global = sourcead.grad(lc.activation_by_global_key)
    by_default = sourcead.grad(lc.activation_by_default_key)
    from_object = sourcead.grad(lc.loss_from_config_object)
    from_dict = sourcead.grad(lc.loss_from_config_dict)
    for df in (by_global, by_default, from_object, from_dict):
        df(X)
    monkeypatch.setattr(lc, "ACTIVATION", "tanh")             # another key
    np.testing.assert_allclose(by_global(X), 2.0 * (1 - np.tanh(2.0 * X) ** 2), **EXACT)
    monkeypatch.setitem(lc.ACTIVATIONS, "tanh", np.sin)        # another entry
    np.testing.assert_allclose(by_global(X), 2.0 * np.cos(2.0 * X), **EXACT)
    np.testing.assert_allclose(by_default(X), np.sin(X) + X * np.cos(X), **EXACT)
    monkeypatch.setitem(lc.ACTIVATIONS, "tanh", lc.relu)       # a function of the user's
    np.testing.assert_allclose(by_default(X), 2 * np.maximum(X, 0.0), **EXACT)
    monkeypatch.setattr(lc.activation_by_default_key, "__defaults__", ("softplus",))
    np.testing.assert_allclose(by_default(X), sourcead.numeric_grad(
        lc.activation_by_default_key, X), **FD)
    monkeypatch.setattr(lc.SETTINGS, "act", np.cos)            # an attribute of an object
    np.testing.assert_allclose(from_object(X), sourcead.numeric_grad(
        lc.loss_from_config_object, X), **FD)
    monkeypatch.setitem(lc.CONFIG, "act", np.sin)              # an entry of a default
    monkeypatch.setitem(lc.CONFIG, "scale", 3.0)
    np.testing.assert_allclose(from_dict(X), sourcead.numeric_grad(
        lc.loss_from_config_dict, X), **FD)


def test_the_generated_code_calls_the_function_by_a_name():
    text = sourcead.source(sourcead.grad(lc.activation_by_literal_key), X)
    assert "ACTIVATIONS_tanh_x = ACTIVATIONS_tanh(x)" in text
    text = sourcead.source(sourcead.grad(lc.activation_by_default_key), X)
    assert "act_x = act(x)" in text


def test_a_key_known_only_when_it_runs_is_refused_with_a_rewrite():
    with pytest.raises(sourcead.UnsupportedSyntaxError) as err:
        sourcead.grad(lc.chosen_from_a_table_by_an_argument)(X, "relu")
    text = str(err.value)
    assert "language_calls_functions.py" in text and "ACTIVATIONS[name]" in text
    assert "a default argument" in text and "if name == 'relu'" in text


def _two_layers(x):
    h = np.tanh(lc.W1 @ x + lc.B1)
    return np.tanh(lc.W2 @ h + lc.B2)


def _tanh_prime(z):
    return 1 - np.tanh(z) ** 2


RECORDS = {
    "layer_built_inside": lambda x: 8 * (np.tanh(lc.W1 @ x + lc.B1)
                                         * _tanh_prime(lc.W1 @ x + lc.B1)) @ lc.W1,
    "layers_built_inside_in_a_loop": lambda x: (
        (2 * _two_layers(x) * _tanh_prime(lc.W2 @ np.tanh(lc.W1 @ x + lc.B1) + lc.B2)) @ lc.W2
        * _tanh_prime(lc.W1 @ x + lc.B1)) @ lc.W1,
    "layer_from_a_global_list": lambda x: _tanh_prime(lc.W1 @ x + lc.B1) @ lc.W1,
    "first_of_layers_built_inside": lambda x: _tanh_prime(lc.W1 @ x + lc.B1) @ lc.W1,
    "layers_with_activations": lambda x: _with_activations(x),
}


def _with_activations(x):
    z1 = lc.W1 @ x + lc.B1
    z2 = lc.W2 @ np.maximum(z1, 0.0) + lc.B2
    y = np.tanh(z2)
    return (((1.0 + (y > 0)) * _tanh_prime(z2)) @ lc.W2 * (z1 > 0)) @ lc.W1


@pytest.mark.parametrize("name", sorted(RECORDS))
def test_objects_built_inside_in_every_mode(name):
    f = getattr(lc, name)
    want = RECORDS[name](X)
    np.testing.assert_allclose(sourcead.grad(f)(X), want, **EXACT)
    np.testing.assert_allclose(sourcead.numeric_grad(f, X), want, **FD)
    np.testing.assert_allclose(sourcead.grad(f, mode="forward")(X), want, **EXACT)
    v = np.array([1.0, -2.0, 0.5])
    assert sourcead.jvp(f)(X, v)[1] == pytest.approx(want @ v)
    np.testing.assert_allclose(sourcead.vjp(f)(X, 2.0)[1], 2.0 * want, **EXACT)
    hessian = sourcead.hessian(f)(X)
    np.testing.assert_allclose(hessian, numeric_jacobian(RECORDS[name], X), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(sourcead.jacobian(sourcead.grad(f), mode="reverse")(X), hessian,
                               **EXACT)


def test_attributes_of_an_object_built_inside_carry_the_derivative():
    W, b = lc.W1.copy(), lc.B1.copy()
    gW, gb = sourcead.grad(lc.loss_of_weights, wrt=(0, 1))(W, b, X)
    nW, nb = sourcead.numeric_grad(lc.loss_of_weights, W, b, X, wrt=(0, 1))
    np.testing.assert_allclose(gW, nW, **FD)
    np.testing.assert_allclose(gb, nb, **FD)
    h = np.tanh(W @ X + b)
    np.testing.assert_allclose(gb, 2 * h * (1 - h ** 2), **EXACT)
    H = sourcead.hessian(lc.loss_of_weights, wrt=(0, 1))(W, b, X)
    np.testing.assert_allclose(H[1][1], numeric_jacobian(
        lambda v: sourcead.grad(lc.loss_of_weights, wrt=1)(W, v, X), b), rtol=1e-5, atol=1e-6)
    fwd = sourcead.grad(lc.loss_of_weights, wrt=1, mode="forward")(W, b, X)
    np.testing.assert_allclose(fwd, gb, **EXACT)


def test_a_changed_method_or_global_of_an_object_built_inside_is_seen(monkeypatch):
    df = sourcead.grad(lc.layer_built_inside)
    df(X)
    monkeypatch.setattr(lc, "B1", np.array([0.4, 0.2]))
    np.testing.assert_allclose(df(X), sourcead.numeric_grad(lc.layer_built_inside, X), **FD)
    monkeypatch.setattr(lc.Dense, "apply", lambda self, x: np.sin(self.W @ x) * self.scale)
    np.testing.assert_allclose(df(X), sourcead.numeric_grad(lc.layer_built_inside, X), **FD)
    looped = sourcead.grad(lc.layers_built_inside_in_a_loop)
    np.testing.assert_allclose(looped(X), sourcead.numeric_grad(
        lc.layers_built_inside_in_a_loop, X), **FD)


# ---- derivatives taken inside a differentiated function ----------------------------------

def _g(w):       # the gradient of inner_loss
    return lc.SHIFT * (np.cos(w) * w + np.sin(w))


def _h(w):       # its Hessian's diagonal (the Hessian is diagonal)
    return lc.SHIFT * (2 * np.cos(w) - w * np.sin(w))


INSIDE = {
    "meta_step": lambda w: (1 - 0.1 * _h(w)) * _g(w - 0.1 * _g(w)),
    "times_its_gradient": lambda x: _g(x) + x * _h(x),
    "reverse_over_jvp": lambda x: lc.inner_loss(x) * _h(x) + np.sum(_g(x)) * _g(x),
    "gradient_made_at_module_level": lambda x: 2 * _g(x) * _h(x),
    "gradient_made_in_the_function": lambda x: _h(x) * _g(2 * x) + 2 * _g(x) * _h(2 * x),
}


@pytest.mark.parametrize("name", sorted(INSIDE))
def test_derivatives_inside_in_every_mode(name):
    f = getattr(lc, name)
    want = INSIDE[name](X)
    np.testing.assert_allclose(sourcead.grad(f)(X), want, **EXACT)
    np.testing.assert_allclose(sourcead.numeric_grad(f, X), want, **FD)
    np.testing.assert_allclose(sourcead.grad(f, mode="forward")(X), want, **EXACT)
    v = np.array([1.0, -2.0, 0.5])
    assert sourcead.jvp(f)(X, v)[1] == pytest.approx(want @ v)
    np.testing.assert_allclose(sourcead.vjp(f)(X, 2.0)[1], 2.0 * want, **EXACT)
    hessian = sourcead.hessian(f)(X)
    np.testing.assert_allclose(hessian, numeric_jacobian(INSIDE[name], X), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(sourcead.jacobian(sourcead.grad(f), mode="reverse")(X), hessian,
                               **EXACT)


@pytest.mark.parametrize("name", sorted(INSIDE))
def test_a_global_of_the_inner_function_changed_after_the_first_call_is_seen(name, monkeypatch):
    f = getattr(lc, name)
    gradient, forward = sourcead.grad(f), sourcead.grad(f, mode="forward")
    hessian = sourcead.hessian(f)
    gradient(X), forward(X), hessian(X)
    monkeypatch.setattr(lc, "SHIFT", 2.5)
    want = INSIDE[name](X)
    np.testing.assert_allclose(gradient(X), want, **EXACT)
    np.testing.assert_allclose(forward(X), want, **EXACT)
    np.testing.assert_allclose(hessian(X), numeric_jacobian(INSIDE[name], X), rtol=1e-5,
                               atol=1e-6)


def test_a_closure_cell_of_the_inner_function_changed_after_the_first_call_is_seen():
    outer, set_scale = lc.with_a_closure()
    gradient = sourcead.grad(outer)
    np.testing.assert_allclose(gradient(X), 9 * X ** 2, **EXACT)   # sum(3 s w^3)' = 9 s w^2
    set_scale(5.0)
    np.testing.assert_allclose(gradient(X), 45 * X ** 2, **EXACT)
    np.testing.assert_allclose(sourcead.hessian(outer)(X), np.diag(90 * X), **EXACT)
    other, _ = lc.with_a_closure()    # the same code, another cell
    np.testing.assert_allclose(sourcead.grad(other)(X), 9 * X ** 2, **EXACT)
    np.testing.assert_allclose(gradient(X), 45 * X ** 2, **EXACT)


def test_a_derivative_of_a_derivative_inside():
    f = lc.hessian_vector_product_inside   # sum(H(x) x) = sum(h(x) * x)
    want = _h(X) + X * lc.SHIFT * (-3 * np.sin(X) - X * np.cos(X))
    np.testing.assert_allclose(sourcead.grad(f)(X), want, **EXACT)
    np.testing.assert_allclose(sourcead.grad(f, mode="forward")(X), want, **EXACT)
    np.testing.assert_allclose(sourcead.numeric_grad(f, X), want, **FD)


def test_vjp_inside_is_refused_with_a_rewrite():
    with pytest.raises(sourcead.UnsupportedSyntaxError) as err:
        sourcead.grad(lc.vjp_inside)(X)
    text = str(err.value)
    assert "language_calls_functions.py" in text and "sourcead.vjp" in text
    assert "cotangent * sourcead.grad(f)(x)" in text


def test_a_table_lookup_by_an_argument_applied_to_a_constant_still_runs():
    for name in ("relu", "tanh"):
        got = sourcead.grad(lc.chosen_by_an_argument_for_a_constant)(X, name)
        np.testing.assert_allclose(got, np.full(3, lc.ACTIVATIONS[name](2.0)), **EXACT)


def test_a_class_constant_read_by_an_object_built_inside(monkeypatch):
    f = lc.object_with_a_class_attribute
    gradient = sourcead.grad(f)
    z = lc.W1 @ X + lc.WithClassAttribute.bias
    np.testing.assert_allclose(gradient(X), (1 - np.tanh(z) ** 2) @ lc.W1, **EXACT)
    np.testing.assert_allclose(sourcead.numeric_grad(f, X), gradient(X), **FD)
    np.testing.assert_allclose(sourcead.grad(f, mode="forward")(X), gradient(X), **EXACT)
    monkeypatch.setattr(lc.WithClassAttribute, "bias", 1.5)     # changed after a call
    z = lc.W1 @ X + 1.5
    np.testing.assert_allclose(gradient(X), (1 - np.tanh(z) ** 2) @ lc.W1, **EXACT)
    np.testing.assert_allclose(sourcead.hessian(f)(X), numeric_jacobian(gradient, X),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("fn, extra, text", [
    (lc.activation_given_as_an_argument, np.tanh, "functools.partial(activation_given_as_an"
                                                  "_argument, act=...)"),
    (lc.loss_from_a_config_argument, lc.CONFIG, "functools.partial(loss_from_a_config_argument"
                                                ", cfg=...)"),
])
def test_a_function_given_as_an_argument_is_refused_with_a_rewrite_that_works(fn, extra, text):
    with pytest.raises(sourcead.UnsupportedSyntaxError) as err:
        sourcead.grad(fn)(X, extra)
    assert "language_calls_functions.py" in str(err.value) and text in str(err.value)
    import functools
    fixed = functools.partial(fn, **{list(inspect.signature(fn).parameters)[1]: extra})
    np.testing.assert_allclose(sourcead.grad(fixed)(X), sourcead.numeric_grad(fixed, X), **FD)
    np.testing.assert_allclose(sourcead.hessian(fixed)(X), numeric_jacobian(
        sourcead.grad(fixed), X), rtol=1e-5, atol=1e-6)


LOOPS = {
    "through_global_layers": lambda x: _through_layers_grad(x, lc.LAYERS),
    "through_a_tuple_of_functions": lambda x: (
        np.cos(x) * x + np.sin(x) + 2 * np.maximum(x, 0.0)
        + _softplus_prime(x) * x + np.log1p(np.exp(x))),
}


@pytest.mark.parametrize("name", sorted(LOOPS))
def test_a_loop_over_known_functions_or_objects_in_every_mode(name):
    f = getattr(lc, name)
    want = LOOPS[name](X)
    np.testing.assert_allclose(sourcead.grad(f)(X), want, **EXACT)
    np.testing.assert_allclose(sourcead.numeric_grad(f, X), want, **FD)
    np.testing.assert_allclose(sourcead.grad(f, mode="forward")(X), want, **EXACT)
    v = np.array([1.0, -2.0, 0.5])
    assert sourcead.jvp(f)(X, v)[1] == pytest.approx(want @ v)
    np.testing.assert_allclose(sourcead.vjp(f)(X, 2.0)[1], 2.0 * want, **EXACT)
    hessian = sourcead.hessian(f)(X)
    np.testing.assert_allclose(hessian, numeric_jacobian(LOOPS[name], X), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(sourcead.jacobian(sourcead.grad(f), mode="reverse")(X), hessian,
                               **EXACT)


def test_a_list_of_layers_that_grows_or_changes_after_a_call_is_seen(monkeypatch):
    gradient = sourcead.grad(lc.through_global_layers)
    gradient(X)
    layers = list(lc.LAYERS)
    monkeypatch.setattr(lc, "LAYERS", layers)
    layers.append(lc.Dense(np.eye(3), np.zeros(3), scale=0.5))
    np.testing.assert_allclose(gradient(X), _through_layers_grad(X, layers), **EXACT)
    layers[2] = lc.Dense(2 * np.eye(3), np.full(3, 0.1))
    np.testing.assert_allclose(gradient(X), _through_layers_grad(X, layers), **EXACT)


def _through_layers_grad(x, layers):
    """Backpropagation by hand."""
    inputs = []
    for layer in layers:
        inputs.append(x)
        x = np.tanh(layer.W @ x + layer.b) * layer.scale
    g = 2 * x
    for layer, x_in in reversed(list(zip(layers, inputs))):
        g = (g * layer.scale * _tanh_prime(layer.W @ x_in + layer.b)) @ layer.W
    return g


def test_lambdas_written_inside_a_dict_over_several_lines():
    # (the source of the second lambda is a line that does not parse on its own: it was
    # refused with a raw SyntaxError)
    f = lc.loss_from_lambdas_of_a_dict
    d = X - lc.TARGET
    want = d / np.sqrt(1e-2 + d ** 2) + np.tanh(np.sin(X) - lc.TARGET) * np.cos(X)
    np.testing.assert_allclose(sourcead.grad(f)(X), want, **EXACT)
    np.testing.assert_allclose(sourcead.grad(f, mode="forward")(X), want, **EXACT)
    np.testing.assert_allclose(sourcead.numeric_grad(f, X), want, **FD)
    pseudo = lc.LOSSES["pseudo_l1"]
    np.testing.assert_allclose(sourcead.grad(pseudo)(X, lc.TARGET), d / np.sqrt(1e-2 + d ** 2),
                               **EXACT)
    np.testing.assert_allclose(sourcead.hessian(f)(X), numeric_jacobian(sourcead.grad(f), X),
                               rtol=1e-5, atol=1e-6)


def test_a_gradient_with_respect_to_two_arguments_inside():
    a, b = X, np.array([1.0, 2.0, -0.5])
    f = lc.product_of_partial_gradients     # sum(2ab * a^2) = sum(2 a^3 b)
    ga, gb = sourcead.grad(f, wrt=(0, 1))(a, b)
    np.testing.assert_allclose(ga, 6 * a ** 2 * b, **EXACT)
    np.testing.assert_allclose(gb, 2 * a ** 3, **EXACT)
    np.testing.assert_allclose(sourcead.grad(f, wrt=1, mode="forward")(a, b), 2 * a ** 3,
                               **EXACT)
    np.testing.assert_allclose(sourcead.hessian(f)(a, b), np.diag(12 * a * b), **EXACT)
    np.testing.assert_allclose(sourcead.numeric_grad(f, a, b), ga, **FD)


def test_a_changed_default_function_of_a_class_is_seen(monkeypatch):
    gradient = sourcead.grad(lc.layers_with_activations)
    np.testing.assert_allclose(gradient(X), _with_activations(X), **EXACT)
    monkeypatch.setattr(lc.Layer.__init__, "__defaults__", (np.sin,))
    np.testing.assert_allclose(gradient(X), sourcead.numeric_grad(lc.layers_with_activations, X),
                               **FD)


def _flat_maml(v):
    return lc.maml({"w": v[:2], "b": v[2]})


def test_meta_learning_with_a_dict_of_parameters():
    p = {"w": np.array([0.3, -0.2]), "b": 0.1}
    g = sourcead.grad(lc.maml)(p)
    v = np.array([0.3, -0.2, 0.1])
    numeric = sourcead.numeric_grad(_flat_maml, v)
    np.testing.assert_allclose(np.append(g["w"], g["b"]), numeric, **FD)
    forward = sourcead.grad(lc.maml, mode="forward")(p)
    np.testing.assert_allclose(forward["w"], g["w"], **EXACT)
    assert forward["b"] == pytest.approx(g["b"], rel=1e-10)
    H = sourcead.hessian(lc.maml)(p)
    flat = numeric_jacobian(lambda u: np.append(*_pair(sourcead.grad(lc.maml)(
        {"w": u[:2], "b": u[2]}))), v)
    np.testing.assert_allclose(H["w"]["w"], flat[:2, :2], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(H["w"]["b"], flat[:2, 2], rtol=1e-5, atol=1e-6)
    assert H["b"]["b"] == pytest.approx(flat[2, 2], rel=1e-5)


def _pair(g):
    return g["w"], g["b"]


def test_a_dict_of_unknown_keys_given_to_a_gradient_inside_is_refused():
    with pytest.raises(sourcead.NoDerivativeError) as err:
        sourcead.grad(_flat_maml)(np.array([0.3, -0.2, 0.1]))
    text = str(err.value)
    assert "language_calls_functions.py" in text and "task_loss_grad" in text
    assert "constant keys" in text
