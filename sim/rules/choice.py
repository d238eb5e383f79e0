"""Which firm gets the purchase: a multinomial logit with a no-purchase option.

References:
    McFadden, D. (1974). Conditional logit analysis of qualitative choice behavior.
    In P. Zarembka (ed.), Frontiers in Econometrics, 105-142.
    Guadagni, P. M. & Little, J. D. C. (1983). A logit model of brand choice calibrated
    on scanner data. Marketing Science 2(3), 203-238.
"""

from collections.abc import Sequence

from sim.rules import ops
from sim.rules.ops import Number


def choice_probabilities(
    utilities: Sequence[Number], no_purchase_utility: Number, scale: float
) -> list[Number]:
    """Logit shares of each option, the last entry being "buy nothing".

    ``utilities`` holds one perceived value per firm (a float for one customer, or an
    array over customers); ``scale`` is the precision of the choice: 0 makes every option
    equally likely, a large scale makes the customer pick the best value almost surely.
    Utilities are shifted by their maximum first so large scales do not overflow.
    """
    options = [*utilities, no_purchase_utility]
    top = options[0]
    for u in options[1:]:
        top = ops.maximum(top, u)
    weights = [ops.exp(scale * (u - top)) for u in options]
    total = weights[0]
    for w in weights[1:]:
        total = total + w
    return [w / total for w in weights]
