"""Awareness spreads by advertising (innovation) and word of mouth (imitation).

References:
    Bass, F. M. (1969). A new product growth model for consumer durables.
    Management Science 15(5), 215-227.
    Fibich, G., Golan, A. & Schochet, S. (2023). Compartmental limit of discrete Bass
    models on networks. Discrete and Continuous Dynamical Systems B 28(5).
    Simon, J. L. & Arndt, J. (1980). The shape of the advertising response function.
    Journal of Advertising Research 20(4), 11-28.
"""

from sim.rules import ops
from sim.rules.ops import Number


def adoption_probability(innovation: Number, imitation: Number, adopter_share: Number) -> Number:
    """Monthly chance that a prospect hears of a firm: ``p + q * share of adopters``.

    This is the Bass mechanism applied agent by agent: ``p`` is the pull of advertising,
    ``q`` the pull of word of mouth, ``adopter_share`` the share of the prospect's
    contacts (all customers under complete mixing) who already buy from the firm. On a
    complete network the expected adopter share then follows the discrete Bass recurrence
    ``F(t+1) = F(t) + (p + q F(t)) (1 - F(t))``.
    """
    return ops.clip(innovation + imitation * adopter_share, 0.0, 1.0)


def bass_recurrence(innovation: float, imitation: float, months: int, start: float = 0.0):
    """Expected adopter share month by month under the discrete Bass model (F(0)=start)."""
    shares = [start]
    for _ in range(months):
        f = shares[-1]
        shares.append(f + (innovation + imitation * f) * (1.0 - f))
    return shares


def advertising_reach(spend: Number, max_reach: float, half_saturation: float) -> Number:
    """The innovation coefficient ``p`` a monthly advertising budget buys.

    Advertising has diminishing returns (Simon & Arndt 1980): reach rises with spend but
    ever more slowly, towards ``max_reach``; ``half_saturation`` is the spend that buys
    half of it. Nothing spent, nothing reached.
    """
    return max_reach * spend / (spend + half_saturation)
