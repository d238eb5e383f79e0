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

import numpy as np
from pydantic import Field

from sim.section import Section
from sim.strategies.base import Strategy

if TYPE_CHECKING:
    from sim.agents import Customer, Firm, MonthBooks
    from sim.customer_arrays import CustomerArrays, MonthLedger


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

    def price_factors(
        self, firm: "Firm", customers: "CustomerArrays", who: np.ndarray
    ) -> np.ndarray:
        """``price_factor``: full price only for the firm's customers past the months."""
        settled = (customers.supplier[who] == firm.index) & (
            customers.tenure[who] >= self.settings.months
        )
        return np.where(settled, 1.0, 1.0 - self.settings.discount)

    def after_purchase(
        self, firm: "Firm", customer: "Customer", amount: float, books: "MonthBooks"
    ) -> None:
        """Record the first discounted purchase as an accepted offer, with its cost."""
        if customer.purchases == 0 and customer.tenure == 0:  # counted after the hooks
            foregone = amount / (1.0 - self.settings.discount) - amount
            firm.model.log_offer(customer, firm, self.name, "discount", True, foregone)

    def after_purchases(
        self,
        firm: "Firm",
        customers: "CustomerArrays",
        who: np.ndarray,
        amounts: np.ndarray,
        ledger: "MonthLedger",
    ) -> None:
        """``after_purchase`` (``purchases`` not yet counted, as in ``after_buying``)."""
        first = (customers.purchases[who] == 0) & (customers.tenure[who] == 0)
        if first.any():
            paid = np.asarray(amounts, dtype=np.float64)[first]
            foregone = paid / (1.0 - self.settings.discount) - paid
            firm.model.log_offers(who[first], firm, self.name, "discount", True, foregone)
