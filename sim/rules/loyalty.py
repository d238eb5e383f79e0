"""Defection: the satisfaction-loyalty curve, bonds and commitment.

Jones & Sasser found the link between satisfaction and loyalty strongly non-linear: at
Xerox, "totally satisfied" customers (5 of 5) were six times more likely to repurchase
than merely "satisfied" ones (4 of 5). The curve is flat in the zone of indifference and
steep near the top (zone of affection: apostles) and the bottom (zone of defection:
terrorists; Heskett et al. 1994). Bonds (financial, social, customization, structural;
Berry 1995) and commitment (Morgan & Hunt 1994) lower the hazard further.

References:
    Jones, T. O. & Sasser, W. E. (1995). Why satisfied customers defect. Harvard
    Business Review 73(6), 88-99.
    Heskett, J. L. et al. (1994). Putting the service-profit chain to work. HBR 72(2).
    Morgan, R. M. & Hunt, S. D. (1994). The commitment-trust theory of relationship
    marketing. Journal of Marketing 58(3), 20-38.
"""

from collections.abc import Sequence

from sim.rules import ops
from sim.rules.ops import Number

#: Satisfaction scores (1-5) at which the curve's multipliers are set.
SATISFACTION_KNOTS: tuple[float, ...] = (1.0, 2.0, 3.0, 4.0, 5.0)
#: Hazard multiplier at each knot. With a 2% base rate, an 18-month defection chance of a
#: "4" is about 30% and of a "5" about 5%: the six-fold gap Jones & Sasser report.
LOYALTY_MULTIPLIERS: tuple[float, ...] = (6.0, 4.0, 2.5, 1.0, 0.15)


def satisfaction_loyalty_multiplier(
    satisfaction: Number,
    knots: Sequence[float] = SATISFACTION_KNOTS,
    multipliers: Sequence[float] = LOYALTY_MULTIPLIERS,
) -> Number:
    """How much more (or less) likely than a "satisfied" (4 of 5) customer to leave."""
    return ops.interp(satisfaction, knots, multipliers)


def defection_probability(
    satisfaction: Number,
    bonds: Number,
    commitment: Number,
    base_rate: float,
    commitment_protection: float,
    knots: Sequence[float] = SATISFACTION_KNOTS,
    multipliers: Sequence[float] = LOYALTY_MULTIPLIERS,
) -> Number:
    """Monthly chance that a customer ends the relationship.

    ``base_rate`` is the hazard of a satisfied (4 of 5) customer with no bonds and no
    commitment; the curve scales it by satisfaction; ``bonds`` (0-1) removes that share
    of the hazard; commitment (relationship strength, 0-1) removes up to
    ``commitment_protection`` of what is left.
    """
    curve = satisfaction_loyalty_multiplier(satisfaction, knots, multipliers)
    hazard = base_rate * curve * (1.0 - bonds) * (1.0 - commitment_protection * commitment)
    return ops.clip(hazard, 0.0, 1.0)
