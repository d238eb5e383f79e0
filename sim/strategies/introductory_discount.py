"""Introductory discount: a lower price for a new customer's first months (penetration).

A discount lowers the price a prospect compares against their reference price, so more
prospects choose the firm. It is paid for in foregone revenue, and when it ends the
customer meets the full price: a price rise against a reference price the discount has
lowered (Kalyanaram & Winer 1995), which is how introductory offers breed price-reason
churn.

References:
    Kalyanaram, G. & Winer, R. S. (1995). Empirical generalizations from reference price
    research. Marketing Science 14(3), G161-G169.
    Dean, J. (1950). Pricing policies for new products. Harvard Business Review 28(6)
    (penetration pricing).
"""

from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from sim.section import Section
from sim.strategies.base import Strategy

if TYPE_CHECKING:
    from sim.agents import Customer, Firm, MonthBooks


class IntroductoryDiscountSettings(Section):
    """``discount`` off the list price for a customer's first ``months`` months."""

    discount: Annotated[float, Field(gt=0.0, lt=1.0)] = 0.2
    months: Annotated[int, Field(ge=1, le=120)] = 3


class IntroductoryDiscount(Strategy):
    """Quote prospects and new customers the discounted price."""

    name = "introductory_discount"

    def __init__(self, settings: IntroductoryDiscountSettings) -> None:
        self.settings = settings

    def price_factor(self, firm: "Firm", customer: "Customer") -> float:
        """Discounted for anyone who is not yet, or only recently, a customer."""
        if customer.supplier is firm and customer.tenure >= self.settings.months:
            return 1.0
        return 1.0 - self.settings.discount

    def after_purchase(
        self, firm: "Firm", customer: "Customer", amount: float, books: "MonthBooks"
    ) -> None:
        """Record the first discounted purchase as an accepted offer, with its cost."""
        if customer.purchases == 1 and customer.tenure == 0:
            foregone = amount / (1.0 - self.settings.discount) - amount
            firm.model.log_offer(customer, firm, self.name, "discount", True, foregone)
