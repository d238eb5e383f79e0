"""Segmentation: which group each customer belongs to, so offers can differ by group.

A segmentation does nothing to customers by itself; it labels them each month, and the
other strategies (relationship managers, pruning fees, cross-selling...) decide who gets
what by label. ``mass`` puts everyone in one segment; ``needs`` uses the customer's needs
segment (what they value, as a firm would learn from research); ``rfm`` names segments
from what the firm's own records show (months since the last purchase and purchases
with the firm, scored in quintiles: Champions, Loyal, At risk...; Hughes 1994), with the
rules of ``sim.analytics.rfm``; ``pyramid`` ranks the firm's customers by trailing
profitability into platinum, gold, iron and lead tiers (Zeithaml, Rust & Lemon 2001),
with the tiering of ``sim.analytics.pyramid`` so the model and the analytics agree;
``one_to_one`` differentiates every customer by both value and needs, the "D" of Peppers
& Rogers's IDIC (identify, differentiate, interact, customize): the label is the tier and
the needs segment together (``gold/price_seeker``). Label changes are events in the
offers table (programme "segmentation").

References:
    Hughes, A. M. (1994). Strategic Database Marketing. Chicago: Probus.
    Peppers, D., Rogers, M. & Dorf, B. (1999). Is your company ready for one-to-one
    marketing? Harvard Business Review 77(1), 151-160.
    Zeithaml, V. A., Rust, R. T. & Lemon, K. N. (2001). The customer pyramid: creating
    and serving profitable customers. California Management Review 43(4), 118-142.
"""

from typing import TYPE_CHECKING, Literal, Self, get_args

import pandas as pd
from pydantic import model_validator

from sim.analytics.pyramid import CustomerPyramid
from sim.analytics.rfm import SEGMENT_RULES, quantile_scores, segment_names
from sim.section import FieldProblem, Section, Share
from sim.strategies.base import Strategy

if TYPE_CHECKING:
    from sim.agents import Customer, Firm
    from sim.model import Market

#: The label of every customer under mass marketing.
MASS = "all"
#: Tiers of the customer pyramid, as other strategies name them in their settings.
Tier = Literal["platinum", "gold", "iron", "lead"]
#: Segmentations that rank customers into pyramid tiers.
TIERED = ("pyramid", "one_to_one")
#: The labels each kind of segmentation gives (needs and one-to-one labels depend on
#: the scenario's segments, so they are not listed).
SEGMENT_LABELS: dict[str, tuple[str, ...]] = {
    "mass": (MASS,),
    "rfm": tuple(rule[0] for rule in SEGMENT_RULES),
    "pyramid": get_args(Tier),
}


class SegmentationSettings(Section):
    """How the firm groups its customers (pyramid shares are of its current customers)."""

    kind: Literal["mass", "needs", "rfm", "pyramid", "one_to_one"] = "pyramid"
    platinum_share: Share = 0.05
    gold_share: Share = 0.15

    @model_validator(mode="after")
    def _shares_fit(self) -> Self:
        if self.platinum_share + self.gold_share > 1.0:
            raise FieldProblem(
                "gold_share",
                f"= {self.gold_share}: platinum_share + gold_share must be at most 1",
            )
        return self


class Segmentation(Strategy):
    """Relabel the firm's customers at the end of every month."""

    name = "segmentation"

    def __init__(self, settings: SegmentationSettings) -> None:
        self.settings = settings
        self.labels: dict[int, str] = {}
        self.tiers: dict[int, str] = {}

    def segment_of(self, customer: "Customer") -> str:
        """The customer's current label (new customers are labelled at month end)."""
        return self.labels.get(customer.customer_id, "")

    def tier_of(self, customer: "Customer") -> str:
        """The customer's pyramid tier ("" without a tiered segmentation)."""
        return self.tiers.get(customer.customer_id, "")

    def act(self, firm: "Firm", market: "Market") -> None:
        """Label every current customer; log the changes."""
        customers = [c for c in market.customers if c.supplier is firm]
        kind = self.settings.kind
        self.tiers = self._tiers(customers) if kind in TIERED else {}
        labels = self._label(customers)
        for customer in customers:
            label = labels[customer.customer_id]
            if self.labels.get(customer.customer_id) != label:
                market.log_offer(customer, firm, self.name, label, True, 0.0)
        self.labels = labels

    def _label(self, customers: list["Customer"]) -> dict[int, str]:
        kind = self.settings.kind
        if kind == "mass":
            return {c.customer_id: MASS for c in customers}
        if kind == "needs":
            return {c.customer_id: c.segment for c in customers}
        if kind == "pyramid":
            return dict(self.tiers)
        if kind == "one_to_one":
            return {c.customer_id: f"{self.tiers[c.customer_id]}/{c.segment}" for c in customers}
        return _rfm_labels(customers)

    def _tiers(self, customers: list["Customer"]) -> dict[int, str]:
        if not customers:
            return {}
        profit = pd.DataFrame(
            {
                "customer_id": [c.customer_id for c in customers],
                "profit": [c.mean_margin for c in customers],
            }
        )
        shares = (self.settings.platinum_share, self.settings.gold_share)
        tiers = CustomerPyramid(shares).fit(profit).tiers_
        return {int(k): str(v) for k, v in tiers.items()}


def _rfm_labels(customers: list["Customer"]) -> dict[int, str]:
    """RFM segments from the firm's records: recency in months, purchases with the firm."""
    if not customers:
        return {}
    ids = [c.customer_id for c in customers]
    recency = pd.Series([c.months_since_purchase for c in customers], index=ids)
    frequency = pd.Series([c.purchases for c in customers], index=ids)
    names = segment_names(
        quantile_scores(recency, 5, ascending=False), quantile_scores(frequency, 5)
    )
    return {int(k): str(v) for k, v in names.items()}
