"""Loyalty discount: a lower price for customers who have stayed long enough.

Rewarding tenure with price is the simplest financial bond (Berry 1995). Reichheld &
Sasser (1990) found that long-standing customers in fact tolerate a price premium, so a
discount for them gives away margin the firm could have kept: the strategy lets a
student measure both effects, fewer defections and thinner margins.

References:
    Berry, L. L. (1995). Relationship marketing of services. Journal of the Academy of
    Marketing Science 23(4), 236-245.
    Reichheld, F. F. & Sasser, W. E. (1990). Zero defections: quality comes to services.
    Harvard Business Review 68(5), 105-111.
"""

from typing import TYPE_CHECKING, Annotated

import numpy as np
from pydantic import Field

from sim.section import Section
from sim.strategies.base import Strategy

if TYPE_CHECKING:
    from sim.agents import Customer, Firm
    from sim.customer_arrays import CustomerArrays


class LoyaltyDiscountSettings(Section):
    """``discount`` off the price for customers with at least ``after_months`` of tenure."""

    after_months: Annotated[int, Field(ge=1, le=600)] = 12
    discount: Annotated[float, Field(gt=0.0, lt=1.0)] = 0.05


class LoyaltyDiscount(Strategy):
    """Quote long-standing customers a lower price."""

    name = "loyalty_discount"

    def __init__(self, settings: LoyaltyDiscountSettings) -> None:
        self.settings = settings

    def price_factor(self, firm: "Firm", customer: "Customer") -> float:
        """Discounted once the customer has stayed ``after_months``."""
        if customer.supplier is firm and customer.tenure >= self.settings.after_months:
            return 1.0 - self.settings.discount
        return 1.0

    def price_factors(
        self, firm: "Firm", customers: "CustomerArrays", who: np.ndarray
    ) -> np.ndarray:
        """``price_factor`` for customers ``who``."""
        loyal = (customers.supplier[who] == firm.index) & (
            customers.tenure[who] >= self.settings.after_months
        )
        return np.where(loyal, 1.0 - self.settings.discount, 1.0)
