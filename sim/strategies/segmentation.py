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

from collections.abc import Iterable
from typing import TYPE_CHECKING, Literal, Self, get_args

import numpy as np
import pandas as pd
from pydantic import model_validator

from sim.analytics.pyramid import TIERS, CustomerPyramid, _top_count
from sim.analytics.rfm import SEGMENT_RULES, quantile_scores, segment_names
from sim.section import FieldProblem, Section, Share
from sim.strategies.base import Strategy

if TYPE_CHECKING:
    from sim.agents import Customer, Firm
    from sim.customer_arrays import CustomerArrays
    from sim.model import Market
    from sim.vectorized import VectorizedMarket

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
#: Pyramid tiers as int8 codes in the vectorized engine (0: no tier).
TIER_CODES: tuple[str, ...] = ("", *TIERS)
PLATINUM, GOLD, IRON, LEAD = (TIER_CODES.index(t) for t in TIERS)


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

    # ------------------------------------------------------------------ array twins
    # Labels are int16 codes into ``label_names`` (0 = ""), tiers int8 codes into
    # TIER_CODES: the dicts above as arrays over all customers, rewritten by each act.
    def start_arrays(self, firm: "Firm", customers: "CustomerArrays") -> None:
        """Nobody labelled yet; the label table follows the kind and the segments."""
        if not self._new_population(customers):
            return
        n = len(customers)
        self.segment_names = customers.segment_names
        self.label_names = _label_table(self.settings.kind, customers.segment_names)
        self.tier_codes = np.zeros(n, dtype=np.int8)
        self.label_codes = np.zeros(n, dtype=np.int16)

    def tier_codes_of(self, who: np.ndarray) -> np.ndarray:
        """``tier_of`` for customers ``who``: codes into TIER_CODES."""
        return self.tier_codes[who]

    def segment_codes_of(self, who: np.ndarray) -> np.ndarray:
        """``segment_of`` for customers ``who``: codes into ``label_names``."""
        return self.label_codes[who]

    def labels_of(self, codes: np.ndarray) -> np.ndarray:
        """The label strings of label codes (an object array)."""
        return np.asarray(self.label_names, dtype=object)[codes]

    def label_mask(self, labels: Iterable[str]) -> np.ndarray:
        """A bool per label code: is its label one of ``labels``."""
        return np.isin(np.asarray(self.label_names, dtype=object), list(labels))

    def act_on_arrays(self, firm: "Firm", market: "VectorizedMarket") -> None:
        """``act``: label every current customer (in id order); log the changes."""
        customers = market.customer_arrays
        who = np.flatnonzero(customers.supplier == firm.index)
        kind = self.settings.kind
        self.tier_codes.fill(0)
        if kind in TIERED and len(who):
            shares = (self.settings.platinum_share, self.settings.gold_share)
            self.tier_codes[who] = pyramid_codes(customers.mean_margin(who), shares)
        codes = self._label_codes(customers, who)
        changed = self.label_codes[who] != codes
        self.label_codes.fill(0)
        self.label_codes[who] = codes
        if changed.any():
            market.log_offers(
                who[changed], firm, self.name, self.labels_of(codes[changed]), True, 0.0
            )

    def _label_codes(self, customers: "CustomerArrays", who: np.ndarray) -> np.ndarray:
        kind = self.settings.kind
        if kind == "mass":
            return np.ones(len(who), dtype=np.int16)
        if kind == "needs":
            return customers.segment[who].astype(np.int16) + 1
        if kind == "pyramid":
            return self.tier_codes[who].astype(np.int16)
        if kind == "one_to_one":
            tiers = self.tier_codes[who].astype(np.int16)
            segment = customers.segment[who].astype(np.int16)
            return 1 + (tiers - 1) * len(self.segment_names) + segment
        return rfm_codes(customers.months_since_purchase[who], customers.purchases[who])

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


def _label_table(kind: str, segments: tuple[str, ...]) -> tuple[str, ...]:
    """Every label a kind of segmentation gives, code 0 being "" (no label)."""
    if kind == "needs":
        return ("", *segments)
    if kind == "pyramid":
        return TIER_CODES
    if kind == "one_to_one":
        return ("", *(f"{tier}/{segment}" for tier in TIERS for segment in segments))
    return ("", *SEGMENT_LABELS[kind])


def tier_mask(tiers: Iterable[str]) -> np.ndarray:
    """A bool per tier code: is the tier one of ``tiers`` (index with tier codes)."""
    return np.isin(np.asarray(TIER_CODES, dtype=object), list(tiers))


def pyramid_codes(profit: np.ndarray, shares: tuple[float, float]) -> np.ndarray:
    """Tier codes by profit, for customers given in id order: ``CustomerPyramid``'s rules.

    Ranked by profit, highest first, ties by id (a stable sort); lead below zero,
    platinum and gold the top counts if profitable, iron the rest.
    """
    profit = np.asarray(profit, dtype=np.float64)
    n = len(profit)
    n_platinum = _top_count(shares[0], n)
    n_top = _top_count(shares[0] + shares[1], n)
    position = np.empty(n, dtype=np.int64)
    position[np.argsort(-profit, kind="stable")] = np.arange(n)
    codes = np.full(n, IRON, dtype=np.int8)
    positive = profit > 0
    codes[(position < n_top) & positive] = GOLD
    codes[(position < n_platinum) & positive] = PLATINUM
    codes[profit < 0] = LEAD
    return codes


def _rfm_cells() -> np.ndarray:
    """The RFM rule (code: 1 + index in SEGMENT_RULES) of each (R, F) quintile cell."""
    cells = np.zeros((5, 5), dtype=np.int16)
    for code, (_, (r_low, r_high), (f_low, f_high)) in reversed(
        list(enumerate(SEGMENT_RULES, start=1))
    ):
        cells[r_low - 1 : r_high, f_low - 1 : f_high] = code  # the first rule that matches wins
    return cells


_RFM_CELLS = _rfm_cells()


def _quintiles(values: np.ndarray, ascending: bool) -> np.ndarray:
    """``quantile_scores(values, 5, ascending)``: ranks by value, ties by position."""
    values = np.asarray(values)
    n = len(values)
    key = values if ascending else values.max() - values  # same dtype: a radix sort for int16
    rank = np.empty(n, dtype=np.int64)
    rank[np.argsort(key, kind="stable")] = np.arange(1, n + 1)
    return (5 * rank + n - 1) // n


def rfm_codes(recency: np.ndarray, frequency: np.ndarray) -> np.ndarray:
    """``_rfm_labels`` as codes (1 + rule index), for customers given in id order."""
    if len(recency) == 0:
        return np.zeros(0, dtype=np.int16)
    r_score = _quintiles(recency, ascending=False)
    f_score = _quintiles(frequency, ascending=True)
    return _RFM_CELLS[r_score - 1, f_score - 1]
