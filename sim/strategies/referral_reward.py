"""Referral reward: pay customers who bring a friend ("double points" for referrals).

Promoters recommend a firm unprompted (Reichheld 2003); a reward makes them do it more
often and makes the firm pay only for referrals that convert. Schmitt, Skiera & Van den
Bulte (2011) found referred customers more loyal and more valuable than others, which
is why the reward can pay for itself. Here a reward multiplies the firm's customers'
referral chance by ``boost`` and costs ``reward`` per referred friend who becomes a
customer (booked as that customer's acquisition cost).

References:
    Reichheld, F. F. (2003). The one number you need to grow. HBR 81(12), 46-54.
    Schmitt, P., Skiera, B. & Van den Bulte, C. (2011). Referral programs and customer
    value. Journal of Marketing 75(1), 46-59.
"""

from typing import TYPE_CHECKING, Annotated

import numpy as np
from pydantic import Field

from sim.section import NonNegative, Section
from sim.strategies.base import Strategy

if TYPE_CHECKING:
    from sim.agents import Customer, Firm, MonthBooks
    from sim.customer_arrays import CustomerArrays, MonthLedger


class ReferralRewardSettings(Section):
    """How much more often customers refer, and what a converted referral costs."""

    boost: Annotated[float, Field(ge=1.0, le=20.0)] = 2.0
    reward: NonNegative = 25.0


class ReferralReward(Strategy):
    """Reward referrers for friends who join."""

    name = "referral_reward"

    def __init__(self, settings: ReferralRewardSettings) -> None:
        self.settings = settings

    def referral_boost(self, firm: "Firm", customer: "Customer") -> float:
        """The reward makes referring more attractive."""
        return self.settings.boost

    def on_referral(self, firm: "Firm", customer: "Customer", books: "MonthBooks") -> None:
        """Pay the reward for a converted referral; log it."""
        books.acquisition_cost += self.settings.reward
        firm.model.log_offer(customer, firm, self.name, "reward", True, self.settings.reward)

    def referral_boosts(self, firm: "Firm", customers: "CustomerArrays", who: np.ndarray) -> float:
        """The same boost for everyone (broadcasts)."""
        return self.settings.boost

    def on_referrals(
        self, firm: "Firm", customers: "CustomerArrays", who: np.ndarray, ledger: "MonthLedger"
    ) -> None:
        """``on_referral``: book each reward on the new customer's books; log them."""
        ledger.book("acquisition_cost", firm.index, who, self.settings.reward)
        firm.model.log_offers(who, firm, self.name, "reward", True, self.settings.reward)
