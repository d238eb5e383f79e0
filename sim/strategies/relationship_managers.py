"""Relationship managers for the top tiers: a social bond, at a cost per customer.

Berry (1995) calls personal service and a named contact a level-2, social bond: harder
to copy than a discount, because the customer is loyal to a person. It is expensive, so
firms give it to their most profitable customers (the top of Zeithaml, Rust & Lemon's
pyramid). A managed customer loses ``bond`` of the defection hazard, would give up the
relationship by switching (``switching_cost``) and feels the attention
(``satisfaction_lift`` a month, up to the top of the scale); each costs
``cost_per_customer`` a month.

References:
    Berry, L. L. (1995). Relationship marketing of services. Journal of the Academy of
    Marketing Science 23(4), 236-245.
    Zeithaml, V. A., Rust, R. T. & Lemon, K. N. (2001). The customer pyramid.
    California Management Review 43(4), 118-142.
"""

from typing import TYPE_CHECKING, Annotated

import numpy as np
from pydantic import Field

from sim.section import NonNegative, Section, Share
from sim.strategies.base import Strategy
from sim.strategies.segmentation import Tier, tier_mask

if TYPE_CHECKING:
    from sim.agents import Customer, Firm, MonthBooks
    from sim.customer_arrays import CustomerArrays, MonthLedger


class RelationshipManagersSettings(Section):
    """Which pyramid tiers get a manager, how strong the bond, what it costs."""

    tiers: list[Tier] = Field(default_factory=lambda: ["platinum"], min_length=1)
    bond: Share = 0.3
    switching_cost: Annotated[float, Field(ge=0.0, le=5.0)] = 0.1
    satisfaction_lift: Annotated[float, Field(ge=0.0, le=1.0)] = 0.02
    cost_per_customer: NonNegative = 15.0


class RelationshipManagers(Strategy):
    """Serve customers of the chosen tiers through a personal manager."""

    name = "relationship_managers"

    def __init__(self, settings: RelationshipManagersSettings) -> None:
        self.settings = settings
        self.assigned: set[int] = set()

    def managed(self, firm: "Firm", customer: "Customer") -> bool:
        """Whether the customer is in a managed tier of this firm now."""
        return customer.supplier is firm and firm.tier_of(customer) in self.settings.tiers

    def bond(self, firm: "Firm", customer: "Customer") -> float:
        """A managed customer is loyal to a person, too."""
        return self.settings.bond if self.managed(firm, customer) else 0.0

    def exit_cost(self, firm: "Firm", customer: "Customer") -> float:
        """Leaving means losing one's manager: a switching cost of its own."""
        return self.settings.switching_cost if self.managed(firm, customer) else 0.0

    def satisfaction_drift(self, firm: "Firm", customer: "Customer") -> float:
        """Personal attention lifts satisfaction a little each month."""
        return self.settings.satisfaction_lift if self.managed(firm, customer) else 0.0

    def monthly_cost(self, firm: "Firm", customer: "Customer") -> float:
        """A manager's time, for each managed customer; the first month is logged."""
        if not self.managed(firm, customer):
            return 0.0
        if customer.customer_id not in self.assigned:
            self.assigned.add(customer.customer_id)
            firm.model.log_offer(customer, firm, self.name, "assigned", True, 0.0)
        return self.settings.cost_per_customer

    def on_leave(self, firm: "Firm", customer: "Customer", books: "MonthBooks") -> None:
        """A customer who leaves is no longer assigned (a return starts over)."""
        self.assigned.discard(customer.customer_id)

    # ------------------------------------------------------------------ array twins
    def start_arrays(self, firm: "Firm", customers: "CustomerArrays") -> None:
        """``assigned`` as one bool per customer."""
        if self._new_population(customers):
            self.assigned_mask = np.zeros(len(customers), dtype=bool)

    def managed_mask(
        self, firm: "Firm", customers: "CustomerArrays", who: np.ndarray
    ) -> np.ndarray:
        """``managed`` for customers ``who``."""
        in_tiers = tier_mask(self.settings.tiers)[firm.tier_codes_for(who)]
        return (customers.supplier[who] == firm.index) & in_tiers

    def bonds(self, firm: "Firm", customers: "CustomerArrays", who: np.ndarray) -> np.ndarray:
        """``bond`` for customers ``who``."""
        return np.where(self.managed_mask(firm, customers, who), self.settings.bond, 0.0)

    def exit_costs(self, firm: "Firm", customers: "CustomerArrays", who: np.ndarray) -> np.ndarray:
        """``exit_cost`` for customers ``who``."""
        managed = self.managed_mask(firm, customers, who)
        return np.where(managed, self.settings.switching_cost, 0.0)

    def satisfaction_drifts(
        self, firm: "Firm", customers: "CustomerArrays", who: np.ndarray
    ) -> np.ndarray:
        """``satisfaction_drift`` for customers ``who``."""
        managed = self.managed_mask(firm, customers, who)
        return np.where(managed, self.settings.satisfaction_lift, 0.0)

    def monthly_costs(
        self, firm: "Firm", customers: "CustomerArrays", who: np.ndarray
    ) -> np.ndarray:
        """``monthly_cost``: a manager per managed customer; first assignments are logged."""
        managed = self.managed_mask(firm, customers, who)
        new = who[managed & ~self.assigned_mask[who]]
        if len(new):
            self.assigned_mask[new] = True
            firm.model.log_offers(new, firm, self.name, "assigned", True, 0.0)
        return np.where(managed, self.settings.cost_per_customer, 0.0)

    def on_leaves(
        self, firm: "Firm", customers: "CustomerArrays", who: np.ndarray, ledger: "MonthLedger"
    ) -> None:
        """``on_leave``: no longer assigned."""
        self.assigned_mask[who] = False
