"""Functions that choose what they call while they run, written the way users write them
(tests/test_language_calls.py): from a dict of activations by a constant key, from a
config dict or object, through a local alias, a lambda passed to a function of theirs."""
import numpy as np


def relu(x):
    return np.maximum(x, 0.0)


def softplus(x):
    return np.log1p(np.exp(x))


ACTIVATIONS = {"relu": relu, "tanh": np.tanh, "softplus": softplus}
ACTIVATION = "softplus"
def huberish(pred, y):
    return np.sum(np.sqrt(1.0 + (pred - y) ** 2))


LOSSES = {"mse": lambda pred, y: np.mean((pred - y) ** 2),
          "huberish": huberish,
          "pseudo_l1": lambda pred, y: np.sum(np.sqrt(1e-2 + (pred - y) ** 2)),
          "log_cosh": lambda pred, y: np.sum(
              np.log(np.cosh(pred - y)))}
CONFIG = {"act": np.tanh, "loss": LOSSES["mse"], "scale": 2.0}
TARGET = np.array([0.5, -0.25, 1.0])


class Config:
    def __init__(self, act, loss):
        self.act = act
        self.loss = loss


SETTINGS = Config(np.sin, LOSSES["huberish"])


def activation_by_default_key(x, name="tanh"):
    act = ACTIVATIONS[name]
    return np.sum(act(x) * x)


def activation_by_global_key(x):
    act = ACTIVATIONS[ACTIVATION]
    return np.sum(act(2.0 * x))


def activation_by_literal_key(x):
    return np.sum(ACTIVATIONS["tanh"](x) ** 2)


def loss_from_config_dict(x, cfg=CONFIG):
    pred = cfg["act"](x) * cfg["scale"]
    return cfg["loss"](pred, TARGET)


def loss_from_config_object(x):
    pred = SETTINGS.act(x)
    return SETTINGS.loss(pred, TARGET)


def aliased_function(x):
    f = softplus
    g = np.cos
    return np.sum(f(x) * g(x))


def apply(fn, v):
    return fn(v)


def inline_lambda(x):
    return np.sum(apply(lambda v: v ** 2, x) + apply(lambda v: np.sin(v) * v, x))


def chosen_from_a_table_by_an_argument(x, name):
    act = ACTIVATIONS[name]
    return np.sum(act(x))


class Dense:
    """A layer whose ``__init__`` only stores what it is given."""

    def __init__(self, W, b, scale=1.0):
        self.W = W
        self.b = b
        self.scale = scale

    def apply(self, x):
        return np.tanh(self.W @ x + self.b) * self.scale

    def __call__(self, x):
        return self.apply(x)


W1 = np.array([[0.5, -0.2, 0.1], [0.1, 0.3, -0.4]])
B1 = np.array([0.1, -0.1])
W2 = np.array([[0.7, -0.5], [0.2, 0.4], [-0.3, 0.6]])
B2 = np.array([0.05, 0.0, -0.2])
LAYERS = [Dense(W1, B1), Dense(W2, B2)]


def layer_built_inside(x):
    layer = Dense(W1, B1, scale=2.0)
    return np.sum(layer.apply(x) ** 2) + np.sum(layer.b * layer.W[:, 0])


def layers_built_inside_in_a_loop(x):
    layers = [Dense(W1, B1), Dense(W2, B2)]
    for layer in layers:
        x = layer(x)
    return np.sum(x * x)


def layer_from_a_global_list(x):
    layer = LAYERS[0]
    return np.sum(layer.apply(x))


def loss_of_weights(W, b, x):
    layer = Dense(W, b)
    return np.sum(layer(x) ** 2)


# ---- derivatives taken inside a differentiated function ----------------------------------

import sourcead  # noqa: E402

SHIFT = 1.0


def inner_loss(w):
    return np.sum(np.sin(w) * w) * SHIFT


INNER_GRAD = sourcead.grad(inner_loss)


def meta_step(w):
    w2 = w - 0.1 * sourcead.grad(inner_loss)(w)
    return inner_loss(w2)


def times_its_gradient(x):
    return np.sum(x * sourcead.grad(inner_loss)(x))


def reverse_over_jvp(x):
    y, t = sourcead.jvp(inner_loss)(x, np.ones_like(x))
    return t * y


def gradient_made_at_module_level(x):
    return np.sum(INNER_GRAD(x) ** 2)


def gradient_made_in_the_function(x):
    g = sourcead.grad(inner_loss)
    return np.sum(g(x) * g(2.0 * x))


def with_a_closure():
    """(outer, set_scale): ``outer`` differentiates a closure whose cell ``set_scale``
    changes."""
    scale = 1.0

    def inner(w):
        return scale * np.sum(w ** 3)

    def outer(w):
        return np.sum(w * sourcead.grad(inner)(w))

    def set_scale(value):
        nonlocal scale
        scale = value
    return outer, set_scale


def hessian_vector_product_inside(x):
    return np.sum(sourcead.jvp(sourcead.grad(inner_loss))(x, x)[1])


def vjp_inside(x):
    value, pulled = sourcead.vjp(inner_loss)(x, 1.0)
    return np.sum(pulled * x)


def chosen_by_an_argument_for_a_constant(x, name):
    act = ACTIVATIONS[name]
    return np.sum(x) * act(2.0)


class WithClassAttribute:
    bias = 0.5

    def __init__(self, W):
        self.W = W

    def apply(self, x):
        return self.W @ x + self.bias


def object_with_a_class_attribute(x):
    layer = WithClassAttribute(W1)
    return np.sum(np.tanh(layer.apply(x))) + layer.bias


def activation_given_as_an_argument(x, act):
    return np.sum(act(x))


def loss_from_a_config_argument(x, cfg):
    return cfg["loss"](x, TARGET)


def through_global_layers(x):
    for layer in LAYERS:
        x = layer(x)
    return np.sum(x ** 2)


def through_a_tuple_of_functions(x):
    total = 0.0
    for f in (np.sin, relu, softplus):
        total = total + np.sum(f(x) * x)
    return total


def loss_from_lambdas_of_a_dict(x):
    return LOSSES["pseudo_l1"](x, TARGET) + LOSSES["log_cosh"](np.sin(x), TARGET)


def first_of_layers_built_inside(x):
    layers = [Dense(W1, B1), Dense(W2, B2)]
    layer = layers[0]
    return np.sum(layer.apply(x)) + np.sum(layers[1].b)


def product_of_partial_gradients(a, b):
    ga, gb = sourcead.grad(weighted_square, wrt=(0, 1))(a, b)
    return np.sum(ga * gb)


def weighted_square(a, b):
    return np.sum(a * a * b)


class Layer:
    def __init__(self, W, b, act=np.tanh):
        self.W = W
        self.b = b
        self.act = act

    def __call__(self, x):
        return self.act(self.W @ x + self.b)


def layers_with_activations(x):
    layers = [Layer(W1, B1, relu), Layer(W2, B2)]
    for layer in layers:
        x = layer(x)
    return np.sum(x) + np.sum(layers[0].act(x))


XS = np.array([[1.0, 2.0], [0.5, -1.0], [0.3, 0.3]])
YS = np.array([1.0, -1.0, 0.5])


def task_loss(params, x, y):
    pred = np.tanh(x @ params["w"] + params["b"])
    return np.mean((pred - y) ** 2)


def maml(params):
    g = sourcead.grad(task_loss)(params, XS, YS)
    adapted = {"w": params["w"] - 0.1 * g["w"], "b": params["b"] - 0.1 * g["b"]}
    return task_loss(adapted, XS, YS)
