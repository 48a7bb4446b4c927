"""Helpers in their own module, with their own globals (an alias and a constant)."""
import math as m

SCALE = 3.0


def scaled_sine(v):
    return SCALE * m.sin(v)


def twice_then(v, f_of):
    return f_of * v * 2.0
