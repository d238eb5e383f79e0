"""Service recovery: handle complaints well, and pay for handling them.

A failure the firm puts right can leave the customer more satisfied than no failure at
all (the service recovery paradox, Smith & Bolton 1998); a complaint handled badly is
a second failure, and "response to service failure" is one of Keaveney's (1995) switching
reasons. This strategy sets the firm's complaint handling quality (the chance that a
complaint is put right) and books ``cost_per_complaint`` for each complaint handled.

References:
    Smith, A. K. & Bolton, R. N. (1998). An experimental investigation of customer
    reactions to service failure and recovery encounters. Journal of Service Research
    1(1), 65-81.
    Keaveney, S. M. (1995). Customer switching behavior in service industries.
    Journal of Marketing 59(2), 71-82.
"""

from typing import TYPE_CHECKING

import numpy as np

from sim.section import NonNegative, Section, Share
from sim.strategies.base import Strategy

if TYPE_CHECKING:
    from sim.agents import Customer, Firm, MonthBooks
    from sim.customer_arrays import CustomerArrays, MonthLedger


class ServiceRecoverySettings(Section):
    """Complaint handling quality (chance a complaint is put right) and its unit cost."""

    quality: Share = 0.9
    cost_per_complaint: NonNegative = 10.0


class ServiceRecovery(Strategy):
    """Train and empower the complaint desk."""

    name = "service_recovery"

    def __init__(self, settings: ServiceRecoverySettings) -> None:
        self.settings = settings

    def start(self, firm: "Firm") -> None:
        """The firm handles complaints at the chosen quality from the start."""
        firm.recovery_quality = self.settings.quality

    def on_complaint(self, firm: "Firm", customer: "Customer", books: "MonthBooks") -> None:
        """Each complaint handled costs staff time."""
        books.retention_cost += self.settings.cost_per_complaint

    def on_complaints(
        self, firm: "Firm", customers: "CustomerArrays", who: np.ndarray, ledger: "MonthLedger"
    ) -> None:
        """``on_complaint`` for customers ``who``."""
        ledger.book("retention_cost", firm.index, who, self.settings.cost_per_complaint)
