"""Churn early warning: score customers, make retention offers, measure against a holdout.

Each month the firm scores its customers on what it can observe -- months since the last
purchase (recency), satisfaction from a survey, and complaints -- and makes a retention
offer to the highest-scoring customers its budget allows (Neslin et al. 2006). A random
``holdout`` share of the selected customers gets nothing: comparing their churn with the
churn of those offered measures the programme's uplift as a CRM team would (Ascarza
2018: target by uplift, not by risk alone). An accepted offer gives a discount and a
bond for ``offer_months``. Selected customers are not selected again for ``cooldown``
months.

References:
    Neslin, S. A., Gupta, S., Kamakura, W., Lu, J. & Mason, C. H. (2006). Defection
    detection. Journal of Marketing Research 43(2), 204-211.
    Ascarza, E. (2018). Retention futility: targeting high-risk customers might be
    ineffective. Journal of Marketing Research 55(1), 80-98.
"""

from typing import TYPE_CHECKING, Annotated

import numpy as np
from pydantic import Field

from sim.rules.switching import REASONS, ChurnReason
from sim.section import Positive, Section, Share
from sim.strategies.base import Strategy

if TYPE_CHECKING:
    from sim.agents import Customer, Firm
    from sim.customer_arrays import CustomerArrays
    from sim.model import Market
    from sim.vectorized import VectorizedMarket

#: Position of the grievance a firm learns of: complaints it failed to put right.
UNRESOLVED_COMPLAINTS = REASONS.index(ChurnReason.RESPONSE_TO_FAILURE)


class EarlyWarningSettings(Section):
    """Who is scored, how many are offered, what the offer is and what it costs."""

    start_month: Annotated[int, Field(ge=1, le=600)] = 6
    budget: Annotated[float, Field(ge=0.0)] = 500.0
    offer_cost: Positive = 20.0
    holdout: Annotated[float, Field(gt=0.0, lt=1.0)] = 0.2
    acceptance: Share = 0.5
    discount: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.1
    bond: Share = 0.5
    offer_months: Annotated[int, Field(ge=1, le=60)] = 6
    cooldown: Annotated[int, Field(ge=1, le=60)] = 6


def risk_score(customer: "Customer") -> float:
    """What the firm sees of a customer's risk: recency, survey satisfaction, complaints."""
    recency = min(customer.months_since_purchase, 6) / 6.0
    dissatisfaction = (5.0 - customer.satisfaction) / 4.0
    complaints = customer.recent_grievances()[UNRESOLVED_COMPLAINTS]
    return recency + dissatisfaction + min(complaints, 1.0)


def risk_scores(customers: "CustomerArrays", who: np.ndarray) -> np.ndarray:
    """``risk_score`` for customers ``who`` (in float64, as the scalar computes it)."""
    recency = np.minimum(customers.months_since_purchase[who], 6) / 6.0
    dissatisfaction = (5.0 - customers.satisfaction[who].astype(np.float64)) / 4.0
    complaints = customers.grievances[who, UNRESOLVED_COMPLAINTS].astype(np.float64)
    return recency + dissatisfaction + np.minimum(complaints, 1.0)


class EarlyWarning(Strategy):
    """Score, select within budget, split offer/holdout, and honour accepted offers."""

    name = "early_warning"

    def __init__(self, settings: EarlyWarningSettings) -> None:
        self.settings = settings
        self.selected_until: dict[int, int] = {}
        self.active_until: dict[int, int] = {}

    def act(self, firm: "Firm", market: "Market") -> None:
        """Select next month's targets among current customers; make the offers."""
        month = market.month
        if month + 1 < self.settings.start_month:
            return
        candidates = [
            c
            for c in market.customers
            if c.supplier is firm and self.selected_until.get(c.customer_id, 0) < month
        ]
        candidates.sort(key=lambda c: (-risk_score(c), c.customer_id))
        count = int(self.settings.budget // self.settings.offer_cost)
        for customer in candidates[:count]:
            who = customer.customer_id
            self.selected_until[who] = month + self.settings.cooldown
            if self.random.random() < self.settings.holdout:
                market.log_offer(customer, firm, self.name, "holdout", False, 0.0)
                continue
            accepted = self.random.random() < self.settings.acceptance
            cost = self.settings.offer_cost if accepted else 0.0
            firm.campaign_spend += cost
            if accepted:
                self.active_until[who] = month + self.settings.offer_months
            market.log_offer(customer, firm, self.name, "retention_offer", accepted, cost)

    def active(self, firm: "Firm", customer: "Customer") -> bool:
        """Whether the customer holds an accepted offer from this firm."""
        return (
            customer.supplier is firm
            and self.active_until.get(customer.customer_id, -1) >= firm.model.month
        )

    def price_factor(self, firm: "Firm", customer: "Customer") -> float:
        """The offer's discount while it lasts."""
        return 1.0 - self.settings.discount if self.active(firm, customer) else 1.0

    def bond(self, firm: "Firm", customer: "Customer") -> float:
        """An accepted offer binds for its months."""
        return self.settings.bond if self.active(firm, customer) else 0.0

    # ------------------------------------------------------------------ array twins
    def start_arrays(self, firm: "Firm", customers: "CustomerArrays") -> None:
        """``selected_until`` (0: never) and ``active_until`` (-1: no offer) per customer."""
        if self._new_population(customers):
            self.selected_until_month = np.zeros(len(customers), dtype=np.int32)
            self.active_until_month = np.full(len(customers), -1, dtype=np.int32)

    def act_on_arrays(self, firm: "Firm", market: "VectorizedMarket") -> None:
        """``act``: the riskiest eligible customers (ties by id) within budget."""
        month = market.month
        if month + 1 < self.settings.start_month:
            return
        customers = market.customer_arrays
        candidates = np.flatnonzero(
            (customers.supplier == firm.index) & (self.selected_until_month < month)
        )
        count = min(int(self.settings.budget // self.settings.offer_cost), len(candidates))
        if not count:
            return
        neg_risk = -risk_scores(customers, candidates)
        if count < len(candidates):  # only the top ``count`` and their ties need sorting
            keep = neg_risk <= np.partition(neg_risk, count - 1)[count - 1]
            candidates, neg_risk = candidates[keep], neg_risk[keep]
        chosen = candidates[np.lexsort((candidates, neg_risk))[:count]]
        self.selected_until_month[chosen] = month + self.settings.cooldown
        held_out = self.rng.random(len(chosen)) < self.settings.holdout
        if held_out.any():
            market.log_offers(chosen[held_out], firm, self.name, "holdout", False, 0.0)
        offered = chosen[~held_out]
        if not len(offered):
            return
        accepted = self.rng.random(len(offered)) < self.settings.acceptance
        cost = np.where(accepted, self.settings.offer_cost, 0.0)
        firm.campaign_spend += float(cost.sum())
        self.active_until_month[offered[accepted]] = month + self.settings.offer_months
        market.log_offers(offered, firm, self.name, "retention_offer", accepted, cost)

    def actives(self, firm: "Firm", customers: "CustomerArrays", who: np.ndarray) -> np.ndarray:
        """``active`` for customers ``who``."""
        return (customers.supplier[who] == firm.index) & (
            self.active_until_month[who] >= firm.model.month
        )

    def price_factors(
        self, firm: "Firm", customers: "CustomerArrays", who: np.ndarray
    ) -> np.ndarray:
        """``price_factor`` for customers ``who``."""
        active = self.actives(firm, customers, who)
        return np.where(active, 1.0 - self.settings.discount, 1.0)

    def bonds(self, firm: "Firm", customers: "CustomerArrays", who: np.ndarray) -> np.ndarray:
        """``bond`` for customers ``who``."""
        return np.where(self.actives(firm, customers, who), self.settings.bond, 0.0)
