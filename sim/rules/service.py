"""Service failures, complaints and service recovery.

Keaveney's critical-incident study names core service failures and service encounter
failures as the two most frequent causes of switching, and failed responses to a failure
as a cause of its own. A complaint handled well can restore (even raise) the customer's
view of the service: the service recovery paradox.

References:
    Keaveney, S. M. (1995). Customer switching behavior in service industries.
    Journal of Marketing 59(2), 71-82.
    Smith, A. K. & Bolton, R. N. (1998). An experimental investigation of customer
    reactions to service failure and recovery encounters. Journal of Service Research 1(1).
    McCollough, M. A., Berry, L. L. & Yadav, M. S. (2000). An empirical investigation of
    customer satisfaction after service failure and recovery. J. Service Research 3(2).
"""

from sim.rules import ops
from sim.rules.ops import Number

#: Share of failures that hit the core service rather than the encounter with staff,
#: from Keaveney's frequencies (44.3% core vs 34.1% encounter).
CORE_FAILURE_SHARE = 44.3 / (44.3 + 34.1)


def failure_probability(failure_rate: Number, service_level: Number) -> Number:
    """Chance that a purchase goes wrong: the firm's failure rate, halved by full service."""
    return ops.clip(failure_rate * (1.0 - 0.5 * service_level), 0.0, 1.0)


def performance_after_failure(
    performance: Number,
    severity: Number,
    complained: Number,
    recovered: Number,
    recovery_bonus: float,
) -> Number:
    """Perceived performance of a purchase that failed.

    An unresolved failure costs ``severity``; a complaint that is not put right costs
    half as much again (the second failure); a successful recovery gives the loss back
    plus ``recovery_bonus`` (the recovery paradox).
    """
    unresolved = performance - severity * (1.0 + 0.5 * complained)
    repaired = performance + recovery_bonus
    return ops.clip(ops.where(recovered, repaired, unresolved), 0.0, 1.0)
