"""Functions of parameter trees (dicts, lists, tuples of arrays), written as users write
them, for Hessians and Jacobians with respect to the trees (tests/test_container_hessians.py)."""
import numpy as np


def scaled_square(p):
    """H["w"]["w"] = 2 s I, H["w"]["s"] = 2 w + 3 s**2, H["s"]["s"] = 6 s sum(w)."""
    return p["s"] * np.sum(p["w"] ** 2) + np.sum(p["w"]) * p["s"] ** 3


def dense_loss(params, x, y):
    h = np.tanh(params["W"] @ x + params["b"])
    return 0.5 * np.sum((h - y) ** 2)


def list_product(ws):
    return np.sum(ws[0] * ws[1] ** 2)


def nested_layers(params, x):
    for layer in params["layers"]:
        x = np.sin(layer["w"] * x + layer["b"])
    return np.sum(x) * params["scale"][0]


def affine_tree(p):
    """A dict output: J["y"]["W"] has shape (2,) + W.shape."""
    return {"y": p["W"] @ np.array([1.0, -2.0, 0.5]), "z": [p["s"] * p["b"]]}


def pair_output(x):
    return (np.sin(x), np.sum(x ** 2))
