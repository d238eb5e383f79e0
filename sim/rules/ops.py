"""A tiny scalar/array namespace so each rule is written once for both engines.

The agent engine calls a rule with Python floats (one customer at a time); a vectorized
engine calls the same rule with NumPy arrays (all customers at once). Plain arithmetic
already works on both; the few functions below pick ``math`` for floats (fast, no array
overhead) and ``numpy`` for arrays, and return the same numbers either way.
"""

import math
from collections.abc import Sequence

import numpy as np

type Number = float | np.ndarray


_ARRAY = np.ndarray


def where(condition: bool | np.ndarray, if_true: Number, if_false: Number) -> Number:
    """Elementwise ``if_true if condition else if_false``.

    A Python bool condition with a scalar branch (what comparing Python numbers gives:
    the agent engine's path) picks the branch as it is; anything else goes through
    ``np.where``, so an array argument always gives an array.
    """
    if condition is True and type(if_true) is not _ARRAY:
        return if_true
    if condition is False and type(if_false) is not _ARRAY:
        return if_false
    return np.where(condition, if_true, if_false)


def clip(x: Number, low: float, high: float) -> Number:
    """Limit ``x`` to the closed interval [low, high]."""
    if isinstance(x, _ARRAY):
        return np.clip(x, low, high)
    return low if x < low else high if x > high else x


def minimum(a: Number, b: Number) -> Number:
    """Elementwise minimum."""
    if isinstance(a, _ARRAY) or isinstance(b, _ARRAY):
        return np.minimum(a, b)
    return min(a, b)


def maximum(a: Number, b: Number) -> Number:
    """Elementwise maximum."""
    if isinstance(a, _ARRAY) or isinstance(b, _ARRAY):
        return np.maximum(a, b)
    return max(a, b)


def exp(x: Number) -> Number:
    """Elementwise exponential."""
    if isinstance(x, _ARRAY):
        return np.exp(x)
    return math.exp(x)


def power(base: Number, exponent: Number) -> Number:
    """Elementwise ``base ** exponent``."""
    if isinstance(base, _ARRAY) or isinstance(exponent, _ARRAY):
        return np.power(base, exponent)
    return base**exponent


def interp(x: Number, knots: Sequence[float], values: Sequence[float]) -> Number:
    """Piecewise-linear interpolation through (knots, values), flat beyond the ends."""
    if isinstance(x, _ARRAY):
        return np.interp(x, knots, values)
    if x <= knots[0]:
        return float(values[0])
    for i in range(1, len(knots)):
        if x <= knots[i]:
            share = (x - knots[i - 1]) / (knots[i] - knots[i - 1])
            return values[i - 1] + share * (values[i] - values[i - 1])
    return float(values[-1])
