"""Whether a customer takes a firm's sales offer: trust lowers the risk of saying yes.

Selling to an existing customer succeeds far more often than selling to a stranger
(the course's figures: about 50% against 15%; Farris et al. 2010 quote 60-70% against
5-20%). The reason is trust: a customer who has dealt with the firm knows what it
delivers, so the offer carries less perceived risk (Morgan & Hunt 1994). The customer
weighs the offer's perceived value against a hurdle (the effort and risk of saying yes to
any sales call) and adds the trust built in the relationship; a logit turns the sum
into a probability, as the purchase choice does.

References:
    Morgan, R. M. & Hunt, S. D. (1994). The commitment-trust theory of relationship
    marketing. Journal of Marketing 58(3), 20-38.
    Farris, P. W., Bendle, N. T., Pfeifer, P. E. & Reibstein, D. J. (2010). Marketing
    Metrics, 2nd ed., ch. 5. Upper Saddle River: Pearson.
"""

from sim.rules import ops
from sim.rules.ops import Number


def offer_acceptance(
    offer_value: Number, trust: Number, hurdle: float, trust_weight: float, scale: float
) -> Number:
    """Chance of accepting an offer of perceived value ``offer_value``.

    ``trust`` is the relationship strength with the offering firm (0 for a stranger,
    up to 1); ``hurdle`` is the perceived value an offer needs for even odds without
    trust; ``scale`` is how sharply value matters (as in the choice logit).
    """
    utility = scale * (offer_value - hurdle) + trust_weight * trust
    return 1.0 / (1.0 + ops.exp(-ops.clip(utility, -50.0, 50.0)))
