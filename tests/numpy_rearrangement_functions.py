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


def moving_average(signal, window):
    """A moving average by convolution (mode 'valid'), its energy."""
    smooth = np.convolve(signal, window, mode="valid")
    return np.sum(smooth ** 2)


def matched_filter_peak(signal, template):
    """The correlation of a signal with a template, weighted per lag."""
    scores = np.correlate(signal, template, mode="full")
    return np.sum(scores * np.arange(1.0, scores.size + 1))


def robust_loss(predictions, targets):
    """The median absolute error plus the 90th percentile of the squared errors."""
    errors = predictions - targets
    return np.median(np.abs(errors)) + np.percentile(errors ** 2, 90)


def column_quantiles(x):
    """Quartiles of each column, weighted."""
    return np.sum(np.quantile(x, [0.25, 0.75], axis=0) * np.array([[1.0], [2.0]]))


def masked_residuals(prediction, data):
    """Squared residuals where data is missing (NaN) or saturated (inf) are dropped by
    nan_to_num (the replaced entries contribute constants)."""
    residual = np.nan_to_num(data - prediction, nan=0.0, posinf=1.0, neginf=-1.0)
    return np.sum(residual ** 2)


def ramp_between(start, stop):
    """Samples on a line between two active ends, weighted."""
    return np.sum(np.linspace(start, stop, 5).T @ np.arange(5.0))


def slope_penalty(profile, dx):
    """The squared slope of a profile (np.gradient with a spacing)."""
    return np.sum(np.gradient(profile, dx) ** 2)


def lookup_table(x, values):
    """A piecewise linear lookup table (np.interp) with active queries and values."""
    knots = np.array([0.0, 1.0, 2.0, 4.0])
    return np.sum(np.interp(x, knots, values) ** 2)
