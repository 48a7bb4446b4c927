"""Hessians and Jacobians with respect to dicts, lists and tuples of arrays: blocks nested
like the parameters, as JAX returns them (``H["W"]["b"]`` has shape ``W.shape + b.shape``),
checked against exact values and against finite differences of the flattened function."""
import numpy as np
import pytest

import sourcead
from sourcead.numeric import numeric_jacobian
from sourcead.arguments import leaves, replaced

import container_hessian_functions as ch

P = {"w": np.array([0.5, -1.0, 2.0]), "s": 0.7}
DENSE = {"W": np.array([[0.5, -0.2, 0.3], [0.1, 0.3, -0.4]]), "b": np.array([0.1, -0.3])}
X, Y = np.array([1.0, 2.0, -0.5]), np.array([0.2, -0.1])


def _flat(tree):
    return np.concatenate([np.ravel(leaf) for _, leaf in leaves(tree)])


def _unflat(vector, like):
    out, start = like, 0
    for path, leaf in leaves(like):
        size = int(np.size(leaf))
        part = vector[start:start + size].reshape(np.shape(leaf))
        out = replaced(out, path, part if np.ndim(leaf) else part[()])
        start += size
    return out


def _numeric_hessian(fn, tree, *rest):
    """Finite differences of the gradient, on the flattened tree."""
    return numeric_jacobian(
        lambda v: _flat(sourcead.grad(fn)(_unflat(v, tree), *rest)), _flat(tree))


def _assembled(blocks, tree):
    """The nested blocks as one matrix over the flattened tree."""
    rows = []
    for p_path, p_leaf in leaves(tree):
        inner = blocks
        for step in p_path:
            inner = inner[step]
        row = [np.reshape(_leaf(inner, q_path), (np.size(p_leaf), np.size(q_leaf)))
               for q_path, q_leaf in leaves(tree)]
        rows.append(np.concatenate(row, axis=1))
    return np.concatenate(rows, axis=0)


def _leaf(tree, path):
    for step in path:
        tree = tree[step]
    return tree


def test_dict_hessian_has_exact_nested_blocks():
    H = sourcead.hessian(ch.scaled_square)(P)
    w, s = P["w"], P["s"]
    assert set(H) == {"w", "s"} and set(H["w"]) == {"w", "s"}
    np.testing.assert_allclose(H["w"]["w"], 2 * s * np.eye(3))
    np.testing.assert_allclose(H["w"]["s"], 2 * w + 3 * s ** 2)
    np.testing.assert_allclose(H["s"]["w"], 2 * w + 3 * s ** 2)
    assert isinstance(H["s"]["s"], float)
    np.testing.assert_allclose(H["s"]["s"], 6 * s * np.sum(w))


def test_dict_hessian_block_shapes_are_jax_shapes():
    H = sourcead.hessian(ch.dense_loss)(DENSE, X, Y)
    assert H["W"]["b"].shape == (2, 3, 2) and H["b"]["W"].shape == (2, 2, 3)
    assert H["W"]["W"].shape == (2, 3, 2, 3) and H["b"]["b"].shape == (2, 2)
    np.testing.assert_allclose(H["W"]["b"], np.moveaxis(H["b"]["W"], 0, -1))


@pytest.mark.parametrize("fn, tree, rest", [
    (ch.scaled_square, P, ()),
    (ch.dense_loss, DENSE, (X, Y)),
    (ch.list_product, [np.array([1.0, 2.0]), np.array([3.0, -4.0])], ()),
    (ch.list_product, (np.array([1.0, 2.0]), np.array([3.0, -4.0])), ()),
    (ch.nested_layers, {"layers": [{"w": np.array([0.2, 0.4]), "b": 0.3},
                                   {"w": np.array([-0.5, 0.1]), "b": -0.2}],
                        "scale": (1.5,)}, (np.array([0.3, -0.6]),)),
], ids=["dict", "dense", "list", "tuple", "nested"])
def test_tree_hessian_matches_finite_differences(fn, tree, rest):
    H = sourcead.hessian(fn)(tree, *rest)
    np.testing.assert_allclose(_assembled(H, tree), _numeric_hessian(fn, tree, *rest),
                               rtol=1e-5, atol=1e-6)


def test_list_and_tuple_hessians_keep_their_containers():
    ws = [np.array([1.0, 2.0]), np.array([3.0, -4.0])]
    H = sourcead.hessian(ch.list_product)(ws)
    assert isinstance(H, list) and isinstance(H[0], list)
    np.testing.assert_allclose(H[0][1], np.diag(2 * ws[1]))
    np.testing.assert_allclose(H[1][1], np.diag(2 * ws[0]))
    np.testing.assert_allclose(H[0][0], np.zeros((2, 2)))
    T = sourcead.hessian(ch.list_product)(tuple(ws))
    assert isinstance(T, tuple) and isinstance(T[1], tuple)


def test_hessian_of_a_tree_and_an_array_together():
    H = sourcead.hessian(ch.dense_loss, wrt=(0, 1))(DENSE, X, Y)
    assert H[0][1]["W"].shape == (2, 3, 3) and H[1][0]["b"].shape == (3, 2)
    assert H[1][1].shape == (3, 3)
    np.testing.assert_allclose(H[0][0]["W"]["b"], sourcead.hessian(ch.dense_loss)(
        DENSE, X, Y)["W"]["b"])
    np.testing.assert_allclose(H[1][1], sourcead.hessian(ch.dense_loss, wrt=1)(DENSE, X, Y))
    numeric = numeric_jacobian(lambda x: sourcead.grad(ch.dense_loss)(DENSE, x, Y)["b"], X)
    np.testing.assert_allclose(H[0][1]["b"], numeric, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_jacobian_of_a_tree_input(mode):
    ws = (np.array([1.0, 2.0]), np.array([3.0, -4.0]))
    J = sourcead.jacobian(ch.list_product, mode=mode)(ws)
    assert isinstance(J, tuple)
    np.testing.assert_allclose(J[0], ws[1] ** 2)
    np.testing.assert_allclose(J[1], 2 * ws[0] * ws[1])
    J = sourcead.jacobian(ch.dense_loss, mode=mode)(DENSE, X, Y)
    g = sourcead.numeric_grad(lambda v: ch.dense_loss(_unflat(v, DENSE), X, Y), _flat(DENSE))
    np.testing.assert_allclose(_flat(J), g, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_jacobian_of_a_tree_output_is_nested_output_then_input(mode):
    p = {"W": np.array([[0.5, -0.2, 0.3], [0.1, 0.3, -0.4]]), "b": np.array([0.1, -0.3]),
         "s": 0.7}
    J = sourcead.jacobian(ch.affine_tree, mode=mode)(p)
    assert J["y"]["W"].shape == (2, 2, 3) and J["z"][0]["b"].shape == (2, 2)
    np.testing.assert_allclose(J["z"][0]["b"], 0.7 * np.eye(2))
    np.testing.assert_allclose(J["z"][0]["s"], p["b"])
    np.testing.assert_allclose(J["y"]["b"], np.zeros((2, 2)))
    expected = np.zeros((2, 2, 3))
    expected[0, 0], expected[1, 1] = [1.0, -2.0, 0.5], [1.0, -2.0, 0.5]
    np.testing.assert_allclose(J["y"]["W"], expected)
    numeric = numeric_jacobian(lambda v: ch.affine_tree(_unflat(v, p))["y"], _flat(p))
    assembled = np.concatenate([np.reshape(J["y"][k], (2, -1)) for k in p], axis=1)
    np.testing.assert_allclose(assembled, numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_jacobian_of_a_tuple_output_of_an_array(mode):
    x = np.array([0.3, -0.4])
    J = sourcead.jacobian(ch.pair_output, mode=mode)(x)
    np.testing.assert_allclose(J[0], np.diag(np.cos(x)))
    np.testing.assert_allclose(J[1], 2 * x)
