"""Loyalty programme: points on spending, redeemed as rewards (a financial bond).

Berry (1995) calls rewards that make staying pay a level-1, financial bond: the weakest
of the bonds, because rivals can copy it. Members get rewards worth ``reward_rate`` of
what they spend, of which ``redemption_rate`` is actually redeemed (breakage keeps the
rest); the accumulated points make leaving cost something, which removes ``bond`` of
a member's defection hazard. Dowling & Uncles (1997) warn that such programmes mostly
reward customers who would have stayed anyway: the cost is paid on every member's
spending, the benefit only on the few who would have left.

References:
    Berry, L. L. (1995). Relationship marketing of services. Journal of the Academy of
    Marketing Science 23(4), 236-245.
    Dowling, G. R. & Uncles, M. (1997). Do customer loyalty programs really work?
    Sloan Management Review 38(4), 71-82.
"""

from typing import TYPE_CHECKING, Annotated

import numpy as np
from pydantic import Field

from sim.section import NonNegative, Section, Share
from sim.strategies.base import Strategy

if TYPE_CHECKING:
    from sim.agents import Customer, Firm, MonthBooks
    from sim.customer_arrays import CustomerArrays, MonthLedger


class LoyaltyProgrammeSettings(Section):
    """Parameters of a points programme (per firm)."""

    launch_month: Annotated[int, Field(ge=1, le=600)] = 1
    enrolment: Share = 0.5
    reward_rate: Annotated[float, Field(ge=0.0, le=0.5)] = 0.03
    redemption_rate: Share = 0.6
    bond: Share = 0.25
    cost_per_member: NonNegative = 0.5


class LoyaltyProgramme(Strategy):
    """Invite each customer once, at a purchase; reward members' spending."""

    name = "loyalty_programme"

    def __init__(self, settings: LoyaltyProgrammeSettings) -> None:
        self.settings = settings
        self.invited: set[int] = set()
        self.members: set[int] = set()

    def bond(self, firm: "Firm", customer: "Customer") -> float:
        """Members have points to lose."""
        return self.settings.bond if customer.customer_id in self.members else 0.0

    def after_purchase(
        self, firm: "Firm", customer: "Customer", amount: float, books: "MonthBooks"
    ) -> None:
        """Invite a first-time buyer; book the rewards a member's spending earns."""
        market = firm.model
        who = customer.customer_id
        if market.month < self.settings.launch_month:
            return
        if who not in self.invited:
            self.invited.add(who)
            joins = self.random.random() < self.settings.enrolment
            if joins:
                self.members.add(who)
            market.log_offer(customer, firm, self.name, "enrol", joins, 0.0)
        if who in self.members:
            books.retention_cost += (
                amount * self.settings.reward_rate * (self.settings.redemption_rate)
            )

    def monthly_cost(self, firm: "Firm", customer: "Customer") -> float:
        """Running the programme costs something per member per month."""
        return self.settings.cost_per_member if customer.customer_id in self.members else 0.0

    # ------------------------------------------------------------------ array twins
    def start_arrays(self, firm: "Firm", customers: "CustomerArrays") -> None:
        """``invited`` and ``members`` as one bool per customer."""
        if self._new_population(customers):
            self.invited_mask = np.zeros(len(customers), dtype=bool)
            self.member_mask = np.zeros(len(customers), dtype=bool)

    def bonds(self, firm: "Firm", customers: "CustomerArrays", who: np.ndarray) -> np.ndarray:
        """``bond`` for customers ``who``."""
        return np.where(self.member_mask[who], self.settings.bond, 0.0)

    def after_purchases(
        self,
        firm: "Firm",
        customers: "CustomerArrays",
        who: np.ndarray,
        amounts: np.ndarray,
        ledger: "MonthLedger",
    ) -> None:
        """``after_purchase``: invite the uninvited (each joins with ``enrolment``)."""
        market = firm.model
        if market.month < self.settings.launch_month:
            return
        new = who[~self.invited_mask[who]]
        if len(new):
            self.invited_mask[new] = True
            joins = self.rng.random(len(new)) < self.settings.enrolment
            self.member_mask[new[joins]] = True
            market.log_offers(new, firm, self.name, "enrol", joins, 0.0)
        members = self.member_mask[who]
        if members.any():
            spent = np.asarray(amounts, dtype=np.float64)[members]
            rewards = spent * self.settings.reward_rate * self.settings.redemption_rate
            ledger.book("retention_cost", firm.index, who[members], rewards)

    def monthly_costs(
        self, firm: "Firm", customers: "CustomerArrays", who: np.ndarray
    ) -> np.ndarray:
        """``monthly_cost`` for customers ``who``."""
        return np.where(self.member_mask[who], self.settings.cost_per_member, 0.0)
