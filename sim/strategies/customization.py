"""Customization: the firm learns each customer's needs and tailors its offer (a bond).

Peppers & Rogers's learning relationship, the "C" of IDIC: every month the firm serves
a customer it learns a share (``learning_rate``) of what it did not yet know about them,
and tailors its offer accordingly. The better it knows the customer, the more the offer
is worth to them (up to ``value_lift`` on the 0-1 value scale) and the more leaving
would cost: a rival would have to be taught from scratch (Berry 1995's level-3,
customization bond; Pine, Peppers & Rogers 1995). Knowledge is lost when the customer
leaves. Customizing costs ``cost_per_customer`` a month. With ``tiers`` set, only those
pyramid tiers are customized (one-to-one marketing for the customers worth it).

References:
    Pine, B. J., Peppers, D. & Rogers, M. (1995). Do you want to keep your customers
    forever? Harvard Business Review 73(2), 103-114.
    Berry, L. L. (1995). Relationship marketing of services. Journal of the Academy of
    Marketing Science 23(4), 236-245.
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


class CustomizationSettings(Section):
    """How fast the firm learns a customer, what full knowledge is worth, what it costs."""

    tiers: Annotated[list[Tier], Field(min_length=1)] | None = None
    learning_rate: Annotated[float, Field(gt=0.0, le=1.0)] = 0.1
    value_lift: Annotated[float, Field(ge=0.0, le=0.5)] = 0.06
    bond: Share = 0.3
    switching_cost: Annotated[float, Field(ge=0.0, le=5.0)] = 0.15
    cost_per_customer: NonNegative = 2.0


class Customization(Strategy):
    """Tailor the offer to each customised customer as the firm learns them."""

    name = "customization"

    def __init__(self, settings: CustomizationSettings) -> None:
        self.settings = settings
        self.since: dict[int, int] = {}

    def covered(self, firm: "Firm", customer: "Customer") -> bool:
        """Whether the firm customizes for this customer now."""
        if customer.supplier is not firm:
            return False
        return self.settings.tiers is None or firm.tier_of(customer) in self.settings.tiers

    def knowledge(self, firm: "Firm", customer: "Customer") -> float:
        """Share of the customer's needs the firm has learned (0 to 1)."""
        start = self.since.get(customer.customer_id)
        if start is None or not self.covered(firm, customer):
            return 0.0
        months = firm.model.month - start
        return 1.0 - (1.0 - self.settings.learning_rate) ** months

    def value_lift(self, firm: "Firm", customer: "Customer") -> float:
        """A tailored offer is worth more to the customer, the better it fits."""
        return self.settings.value_lift * self.knowledge(firm, customer)

    def bond(self, firm: "Firm", customer: "Customer") -> float:
        """What the firm knows about the customer binds them."""
        return self.settings.bond * self.knowledge(firm, customer)

    def exit_cost(self, firm: "Firm", customer: "Customer") -> float:
        """Leaving means teaching a new supplier from scratch."""
        return self.settings.switching_cost * self.knowledge(firm, customer)

    def monthly_cost(self, firm: "Firm", customer: "Customer") -> float:
        """Tailoring costs each month; the first month is logged and starts the learning."""
        if not self.covered(firm, customer):
            return 0.0
        if customer.customer_id not in self.since:
            self.since[customer.customer_id] = firm.model.month
            firm.model.log_offer(customer, firm, self.name, "customized", True, 0.0)
        return self.settings.cost_per_customer

    def on_leave(self, firm: "Firm", customer: "Customer", books: "MonthBooks") -> None:
        """What the firm knew is of no use once the customer has gone."""
        self.since.pop(customer.customer_id, None)

    # ------------------------------------------------------------------ array twins
    def start_arrays(self, firm: "Firm", customers: "CustomerArrays") -> None:
        """``since`` as one month per customer (-1: not customized)."""
        if self._new_population(customers):
            self.since_month = np.full(len(customers), -1, dtype=np.int32)

    def covered_mask(
        self, firm: "Firm", customers: "CustomerArrays", who: np.ndarray
    ) -> np.ndarray:
        """``covered`` for customers ``who``."""
        mine = customers.supplier[who] == firm.index
        if self.settings.tiers is None:
            return mine
        return mine & tier_mask(self.settings.tiers)[firm.tier_codes_for(who)]

    def knowledges(self, firm: "Firm", customers: "CustomerArrays", who: np.ndarray) -> np.ndarray:
        """``knowledge`` for customers ``who``."""
        start = self.since_month[who]
        known = (start >= 0) & self.covered_mask(firm, customers, who)
        months = np.where(known, firm.model.month - start, 0).astype(np.float64)
        return np.where(known, 1.0 - (1.0 - self.settings.learning_rate) ** months, 0.0)

    def value_lifts(self, firm: "Firm", customers: "CustomerArrays", who: np.ndarray) -> np.ndarray:
        """``value_lift`` for customers ``who``."""
        return self.settings.value_lift * self.knowledges(firm, customers, who)

    def bonds(self, firm: "Firm", customers: "CustomerArrays", who: np.ndarray) -> np.ndarray:
        """``bond`` for customers ``who``."""
        return self.settings.bond * self.knowledges(firm, customers, who)

    def exit_costs(self, firm: "Firm", customers: "CustomerArrays", who: np.ndarray) -> np.ndarray:
        """``exit_cost`` for customers ``who``."""
        return self.settings.switching_cost * self.knowledges(firm, customers, who)

    def monthly_costs(
        self, firm: "Firm", customers: "CustomerArrays", who: np.ndarray
    ) -> np.ndarray:
        """``monthly_cost``: the cost of tailoring; a first month starts the learning."""
        covered = self.covered_mask(firm, customers, who)
        new = who[covered & (self.since_month[who] < 0)]
        if len(new):
            self.since_month[new] = firm.model.month
            firm.model.log_offers(new, firm, self.name, "customized", True, 0.0)
        return np.where(covered, self.settings.cost_per_customer, 0.0)

    def on_leaves(
        self, firm: "Firm", customers: "CustomerArrays", who: np.ndarray, ledger: "MonthLedger"
    ) -> None:
        """``on_leave``: what the firm knew is forgotten."""
        self.since_month[who] = -1
