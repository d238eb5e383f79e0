"""Tiered pricing by pyramid tier: better prices for the customers worth the most.

Zeithaml, Rust & Lemon (2001) propose serving each tier of the customer pyramid
differently: protect the platinum and gold tiers (here with a lower price), and make
the lead tier profitable (a higher one). Customers of a tier pay its price factor.

Reference:
    Zeithaml, V. A., Rust, R. T. & Lemon, K. N. (2001). The customer pyramid.
    California Management Review 43(4), 118-142.
"""

from typing import TYPE_CHECKING, Annotated

import numpy as np
from pydantic import Field

from sim.section import Section
from sim.strategies.base import Strategy
from sim.strategies.segmentation import TIER_CODES

if TYPE_CHECKING:
    from sim.agents import Customer, Firm
    from sim.customer_arrays import CustomerArrays

PriceFactor = Annotated[float, Field(gt=0.0, le=3.0)]


class TieredPricingSettings(Section):
    """Price factor per pyramid tier (1 = list price)."""

    platinum: PriceFactor = 0.9
    gold: PriceFactor = 0.95
    iron: PriceFactor = 1.0
    lead: PriceFactor = 1.1


class TieredPricing(Strategy):
    """Price each current customer by their tier."""

    name = "tiered_pricing"

    def __init__(self, settings: TieredPricingSettings) -> None:
        self.settings = settings

    def price_factor(self, firm: "Firm", customer: "Customer") -> float:
        """The tier's factor for a current customer; list price for everyone else."""
        if customer.supplier is not firm:
            return 1.0
        tier = firm.tier_of(customer)
        return getattr(self.settings, tier) if tier else 1.0

    def price_factors(
        self, firm: "Firm", customers: "CustomerArrays", who: np.ndarray
    ) -> np.ndarray:
        """``price_factor``: each tier code's factor; list price without a tier."""
        factors = np.array([1.0, *(getattr(self.settings, tier) for tier in TIER_CODES[1:])])
        mine = customers.supplier[who] == firm.index
        return np.where(mine, factors[firm.tier_codes_for(who)], 1.0)
