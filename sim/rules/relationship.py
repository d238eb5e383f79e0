"""Relationship strength and the customer lifecycle stages.

Relationships develop through stages (Dwyer, Schurr & Oh 1987): awareness, exploration,
expansion, commitment, dissolution. The course (Chen Mingliang) names them prospect,
exploration 考察期, formation 形成期, stability 穩定期, decline 退化期 and churned 流失.
Strength stands for trust and commitment (Morgan & Hunt 1994): it follows satisfaction,
and a stage changes when strength, tenure and buying behaviour cross thresholds.

References:
    Dwyer, F. R., Schurr, P. H. & Oh, S. (1987). Developing buyer-seller relationships.
    Journal of Marketing 51(2), 11-27.
    Morgan, R. M. & Hunt, S. D. (1994). The commitment-trust theory of relationship
    marketing. Journal of Marketing 58(3), 20-38.
"""

from enum import IntEnum

from sim.rules import ops
from sim.rules.ops import Number


class Stage(IntEnum):
    """Where a customer stands in the relationship lifecycle (an int code for arrays)."""

    PROSPECT = 0  # 潛在客戶: has not bought yet (aware or not)
    EXPLORATION = 1  # 考察期: trying the supplier out
    FORMATION = 2  # 形成期: buying repeatedly, trust growing
    STABILITY = 3  # 穩定期: committed, the most valuable stage
    DECLINE = 4  # 退化期: the relationship weakens
    CHURNED = 5  # 流失: has left; may be won back to formation

    @property
    def label(self) -> str:
        """Lower-case name used in tables and the CRM database."""
        return self.name.lower()


def updated_strength(strength: Number, satisfaction: Number, learning_rate: float) -> Number:
    """Strength moves toward what satisfaction justifies: (satisfaction - 1) / 4."""
    return strength + learning_rate * ((satisfaction - 1.0) / 4.0 - strength)


def next_stage(
    stage: Number,
    strength: Number,
    purchases: Number,
    tenure: Number,
    months_since_purchase: Number,
    formation_purchases: float,
    formation_strength: float,
    stability_strength: float,
    stability_tenure: float,
    decline_strength: float,
    decline_recency: float,
) -> Number:
    """Stage of an active customer after this month (prospects and churned stay put).

    Exploration becomes formation after enough purchases with enough trust; formation
    becomes stability when trust is high and the relationship old enough; any active
    stage declines when trust falls or the customer stops buying; a declining customer
    whose trust and buying recover returns to formation.
    """
    weak = (strength < decline_strength) | (months_since_purchase >= decline_recency)
    healthy = (strength >= formation_strength) & (months_since_purchase < decline_recency)
    from_exploration = ops.where(
        weak,
        Stage.DECLINE,
        ops.where(
            (purchases >= formation_purchases) & (strength >= formation_strength),
            Stage.FORMATION,
            Stage.EXPLORATION,
        ),
    )
    from_formation = ops.where(
        weak,
        Stage.DECLINE,
        ops.where(
            (strength >= stability_strength) & (tenure >= stability_tenure),
            Stage.STABILITY,
            Stage.FORMATION,
        ),
    )
    from_stability = ops.where(weak, Stage.DECLINE, Stage.STABILITY)
    from_decline = ops.where(healthy, Stage.FORMATION, Stage.DECLINE)
    return ops.where(
        stage == Stage.EXPLORATION,
        from_exploration,
        ops.where(
            stage == Stage.FORMATION,
            from_formation,
            ops.where(
                stage == Stage.STABILITY,
                from_stability,
                ops.where(stage == Stage.DECLINE, from_decline, stage),
            ),
        ),
    )
