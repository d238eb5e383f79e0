"""Word of mouth: promoters recruit, detractors warn.

Customers who would recommend the firm (top of the satisfaction scale: "apostles",
Net Promoter "promoters") refer friends; very dissatisfied ones ("terrorists",
"detractors") warn them, which lowers the firm's image in the listener's eyes.

References:
    Reichheld, F. F. (2003). The one number you need to grow. HBR 81(12), 46-54.
    Heskett, J. L. et al. (1994). Putting the service-profit chain to work. HBR 72(2).
    Anderson, E. W. (1998). Customer satisfaction and word of mouth. Journal of Service
    Research 1(1), 5-17 (dissatisfied customers talk more than satisfied ones).
"""

from sim.rules import ops
from sim.rules.ops import Number

#: Satisfaction (1-5) at or above which a customer is a promoter.
PROMOTER_THRESHOLD = 4.5
#: Satisfaction (1-5) at or below which a customer is a detractor.
DETRACTOR_THRESHOLD = 2.0


def referral_probability(satisfaction: Number, propensity: Number) -> Number:
    """Monthly chance that a customer refers someone: only promoters do."""
    return ops.where(satisfaction >= PROMOTER_THRESHOLD, propensity, 0.0)


def warning_probability(satisfaction: Number, propensity: Number) -> Number:
    """Monthly chance that a customer warns a contact: detractors talk twice as much."""
    return ops.where(satisfaction <= DETRACTOR_THRESHOLD, ops.minimum(2.0 * propensity, 1.0), 0.0)


def image_after_warnings(image: Number, warnings: Number, impact: float) -> Number:
    """A firm's image for a listener, lowered by the warnings heard (each costs ``impact``)."""
    return ops.clip(image - impact * warnings, 0.0, 1.0)
