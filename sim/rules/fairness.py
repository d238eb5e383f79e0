"""Price fairness: customers mind what their neighbours pay.

A customer who learns that someone like them pays less for the same service judges the
price unfair, even if it was acceptable a moment ago; the comparison with a similar
other (a colleague, a neighbour) weighs most (Xia, Monroe & Cox 2004). The course calls
this cross-elasticity: customers react to another customer's deal not at all, a little,
or strongly. Here the reaction grows with how much more the customer pays and with the
customer's own price sensitivity, and the favoured customer feels nothing.

Reference:
    Xia, L., Monroe, K. B. & Cox, J. L. (2004). The price is unfair! A conceptual
    framework of price fairness perceptions. Journal of Marketing 68(4), 1-15.
"""

from sim.rules import ops
from sim.rules.ops import Number


def price_unfairness(own_price: Number, other_price: Number, price_weight: Number) -> Number:
    """Felt unfairness (0 = none) of paying ``own_price`` when a peer pays ``other_price``.

    The relative gap, counted only when the customer pays more, scaled by the
    customer's price sensitivity.
    """
    gap = ops.maximum(own_price - other_price, 0.0) / own_price
    return gap * price_weight
