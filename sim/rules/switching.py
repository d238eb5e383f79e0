"""Why customers switch: Keaveney's categories and the weight of each grievance.

A customer who leaves carries one reason. Each month the customer remembers the
incidents that could drive them away (fading with time); when they leave, the reason is
drawn in proportion to those memories, on top of a small baseline in Keaveney's own
proportions (ethical problems and involuntary switching come only from the baseline).

References:
    Keaveney, S. M. (1995). Customer switching behavior in service industries: an
    exploratory study. Journal of Marketing 59(2), 71-82.
"""

from enum import StrEnum

from sim.rules import ops
from sim.rules.ops import Number


class ChurnReason(StrEnum):
    """Keaveney's eight categories of switching causes."""

    CORE_SERVICE_FAILURE = "core_service_failure"
    SERVICE_ENCOUNTER_FAILURE = "service_encounter_failure"
    PRICING = "pricing"
    INCONVENIENCE = "inconvenience"
    RESPONSE_TO_FAILURE = "response_to_failure"
    COMPETITION = "competition"
    ETHICAL_PROBLEMS = "ethical_problems"
    INVOLUNTARY = "involuntary"


#: Share of Keaveney's respondents naming each cause (several per respondent).
KEAVENEY_SHARES: dict[ChurnReason, float] = {
    ChurnReason.CORE_SERVICE_FAILURE: 0.443,
    ChurnReason.SERVICE_ENCOUNTER_FAILURE: 0.341,
    ChurnReason.PRICING: 0.299,
    ChurnReason.INCONVENIENCE: 0.207,
    ChurnReason.RESPONSE_TO_FAILURE: 0.173,
    ChurnReason.COMPETITION: 0.102,
    ChurnReason.ETHICAL_PROBLEMS: 0.075,
    ChurnReason.INVOLUNTARY: 0.062,
}

#: Reasons in a fixed order (for arrays of weights and tables).
REASONS: tuple[ChurnReason, ...] = tuple(ChurnReason)


def faded(memory: Number, decay: float) -> Number:
    """A grievance memory one month later: it keeps ``decay`` of its weight."""
    return memory * decay


def pricing_grievance(price_paid: Number, reference_price: Number, price_weight: Number) -> Number:
    """Weight of a price paid above the customer's reference price (zero at or below it)."""
    return price_weight * ops.maximum(price_paid / reference_price - 1.0, 0.0)


def inconvenience_grievance(convenience: Number, time_weight: Number) -> Number:
    """Weight of the time and effort a supplier costs a customer who values convenience."""
    return time_weight * (1.0 - convenience)


def competition_grievance(best_rival_value: Number, supplier_value: Number) -> Number:
    """Weight of a rival's better offer: how far its perceived value beats the supplier's."""
    return ops.maximum(best_rival_value - supplier_value, 0.0)
