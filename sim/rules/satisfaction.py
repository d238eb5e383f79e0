"""Satisfaction after a purchase: performance against expectation (disconfirmation).

References:
    Oliver, R. L. (1980). A cognitive model of the antecedents and consequences of
    satisfaction decisions. Journal of Marketing Research 17(4), 460-469.
    Anderson, E. W. & Sullivan, M. W. (1993). The antecedents and consequences of
    customer satisfaction for firms. Marketing Science 12(2), 125-143.
"""

from sim.rules import ops
from sim.rules.ops import Number


def purchase_satisfaction(
    performance: Number, expectation: Number, disconfirmation_weight: float
) -> Number:
    """Satisfaction with one purchase on the 1-5 survey scale.

    Oliver's model: satisfaction rises with the level of perceived performance and with
    the disconfirmation ``performance - expectation``; meeting a high expectation
    satisfies more than meeting a low one, and exceeding expectations delights.
    Performance and expectation are on a 0-1 scale.
    """
    score = performance + disconfirmation_weight * (performance - expectation)
    return 1.0 + 4.0 * ops.clip(score, 0.0, 1.0)


def cumulative_satisfaction(previous: Number, latest: Number, memory: float) -> Number:
    """Overall satisfaction with a supplier: recent purchases weigh ``1 - memory``."""
    return memory * previous + (1.0 - memory) * latest


def adapted_expectation(expectation: Number, performance: Number, adaptation: float) -> Number:
    """Expectations move toward experienced performance (adaptation level)."""
    return expectation + adaptation * (performance - expectation)
