"""Realistic uses of NumPy's rearranging and sampling functions (issue 12), differentiated by
tests/test_numpy_rearrangements.py against exact values and finite differences."""
import numpy as np


def edge_padded_smoothing(signal):
    """A 3-point moving average that keeps the length: the ends repeated (mode 'edge')."""
    padded = np.pad(signal, 1, mode="edge")
    smooth = (padded[:-2] + padded[1:-1] + padded[2:]) / 3.0
    return np.sum(smooth ** 2)


def zero_padded_energy(image):
    """An image padded with zeros, then weighted by a ramp."""
    padded = np.pad(image, ((1, 1), (0, 2)))
    ramp = np.arange(padded.size, dtype=float).reshape(padded.shape)
    return np.sum(padded * ramp)


def with_bias_column(features, weights):
    """A design matrix with a column of ones (column_stack), times weights."""
    design = np.column_stack([np.ones(len(features)), features])
    return np.sum((design @ weights) ** 2)


def appended_and_inserted(history, reading):
    """A sensor history: a new reading appended, a calibration value inserted first."""
    extended = np.append(history, reading * 2.0)
    calibrated = np.insert(extended, 0, reading)
    return np.sum(calibrated * np.arange(1.0, calibrated.size + 1))


def halves_product(x):
    """The left half of a matrix's columns times the right half (hsplit), summed."""
    left, right = np.hsplit(x, 2)
    top, bottom = np.vsplit(x, 2)
    return np.sum(left * right) + np.sum(top * bottom ** 2)


def layered(a, b):
    """Two images stacked depth-wise (dstack), weighted per layer."""
    cube = np.dstack([a, b])
    return np.sum(cube * np.array([1.0, 3.0]))
