"""Pruning fees: make unprofitable customers pay their way, or leave.

Zeithaml, Rust & Lemon (2001) advise firms to raise prices or cut service for the
"lead" tier, the customers who cost more than they bring; the course's bank example
charges small depositors a fee. The fee works either way: customers who pay it become
profitable, customers who leave stop the losses. Customers in the chosen tiers pay
``monthly_fee`` every month they are served, buying or not; they weigh it as part of
the price of staying and hold it against the firm as a pricing grievance.

Reference:
    Zeithaml, V. A., Rust, R. T. & Lemon, K. N. (2001). The customer pyramid.
    California Management Review 43(4), 118-142.
"""

from typing import TYPE_CHECKING, Annotated

import numpy as np
from pydantic import Field

from sim.section import Section
from sim.strategies.base import Strategy
from sim.strategies.segmentation import Tier, tier_mask

if TYPE_CHECKING:
    from sim.agents import Customer, Firm
    from sim.customer_arrays import CustomerArrays


class PruningFeeSettings(Section):
    """Which tiers pay the monthly fee, and how much."""

    tiers: list[Tier] = Field(default_factory=lambda: ["lead"], min_length=1)
    monthly_fee: Annotated[float, Field(gt=0.0, le=10_000.0)] = 5.0


class PruningFee(Strategy):
    """Charge customers in the chosen tiers a monthly fee; log who is first charged."""

    name = "pruning_fee"

    def __init__(self, settings: PruningFeeSettings) -> None:
        self.settings = settings
        self.charged: set[int] = set()

    def monthly_fee(self, firm: "Firm", customer: "Customer") -> float:
        """The fee, for customers in the chosen tiers (a first charge is an event)."""
        if customer.supplier is not firm or firm.tier_of(customer) not in self.settings.tiers:
            return 0.0
        if customer.customer_id not in self.charged:
            self.charged.add(customer.customer_id)
            firm.model.log_offer(customer, firm, self.name, "fee", True, -self.settings.monthly_fee)
        return self.settings.monthly_fee

    # ------------------------------------------------------------------ array twins
    def start_arrays(self, firm: "Firm", customers: "CustomerArrays") -> None:
        """``charged`` as one bool per customer."""
        if self._new_population(customers):
            self.charged_mask = np.zeros(len(customers), dtype=bool)

    def monthly_fees(
        self, firm: "Firm", customers: "CustomerArrays", who: np.ndarray
    ) -> np.ndarray:
        """``monthly_fee`` for customers ``who`` (first charges are logged)."""
        fee = self.settings.monthly_fee
        in_tiers = tier_mask(self.settings.tiers)[firm.tier_codes_for(who)]
        pays = (customers.supplier[who] == firm.index) & in_tiers
        new = who[pays & ~self.charged_mask[who]]
        if len(new):
            self.charged_mask[new] = True
            firm.model.log_offers(new, firm, self.name, "fee", True, -fee)
        return np.where(pays, fee, 0.0)
