"""Win-back campaign: contact customers who left and offer them a reason to return.

Lost customers know the firm and were once satisfied enough to buy; Griffin & Lowenstein
(2001) and Thomas, Blattberg & Fox (2004) show that a well-timed offer recovers a
useful share of them, and that the chance falls the longer they have been gone. Each
month the firm reaches a share ``reach`` of those who left within ``window`` months
(each costs ``cost_per_contact``); a contacted customer considers the firm again and is
quoted ``discount`` off until they return.

References:
    Griffin, J. & Lowenstein, M. W. (2001). Customer WinBack. Jossey-Bass.
    Thomas, J. S., Blattberg, R. C. & Fox, E. J. (2004). Recapturing lost customers.
    Journal of Marketing Research 41(1), 31-45.
"""

from typing import TYPE_CHECKING, Annotated

import numpy as np
from pydantic import Field

from sim.section import NonNegative, Section, Share
from sim.strategies.base import Strategy

if TYPE_CHECKING:
    from sim.agents import Customer, Firm, MonthBooks
    from sim.customer_arrays import CustomerArrays, MonthLedger
    from sim.model import Market
    from sim.vectorized import VectorizedMarket

#: ``sim.customer_arrays.NO_FIRM`` (imported from there, it would make a cycle:
#: customer_arrays -> population -> scenario -> strategies).
NO_FIRM = -1


class WinBackSettings(Section):
    """Whom to contact, how many, at what cost, with what offer."""

    window: Annotated[int, Field(ge=1, le=120)] = 6
    reach: Share = 0.5
    cost_per_contact: NonNegative = 5.0
    discount: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.15


class WinBack(Strategy):
    """Remember who left; contact some each month; welcome them back at a discount."""

    name = "win_back"

    def __init__(self, settings: WinBackSettings) -> None:
        self.settings = settings
        self.lapsed: dict[int, tuple[Customer, int]] = {}
        self.contacted: set[int] = set()

    def on_leave(self, firm: "Firm", customer: "Customer", books: "MonthBooks") -> None:
        """A customer who leaves joins the win-back list."""
        self.lapsed[customer.customer_id] = (customer, firm.model.month)
        self.contacted.discard(customer.customer_id)

    def act(self, firm: "Firm", market: "Market") -> None:
        """Contact a share of the recently lapsed; forget those gone too long or back."""
        for who, (customer, month) in list(self.lapsed.items()):
            if customer.supplier is not None or market.month - month > self.settings.window:
                del self.lapsed[who]
                continue
            if who in self.contacted or self.random.random() >= self.settings.reach:
                continue
            self.contacted.add(who)
            if customer.lapsed_from is firm:
                customer.lapsed_from = None  # the firm is back in consideration
            firm.campaign_spend += self.settings.cost_per_contact
            market.log_offer(
                customer, firm, self.name, "contact", False, self.settings.cost_per_contact
            )

    def price_factor(self, firm: "Firm", customer: "Customer") -> float:
        """Contacted former customers are quoted the win-back price."""
        if customer.customer_id in self.contacted and customer.supplier is not firm:
            return 1.0 - self.settings.discount
        return 1.0

    def after_purchase(
        self, firm: "Firm", customer: "Customer", amount: float, books: "MonthBooks"
    ) -> None:
        """A contacted customer who buys again has accepted the offer."""
        if customer.customer_id in self.contacted:
            self.contacted.discard(customer.customer_id)
            firm.model.log_offer(customer, firm, self.name, "returned", True, 0.0)

    # ------------------------------------------------------------------ array twins
    def start_arrays(self, firm: "Firm", customers: "CustomerArrays") -> None:
        """``lapsed`` as the month each customer left (-1: not on the list), ``contacted``."""
        if self._new_population(customers):
            self.lapsed_month = np.full(len(customers), -1, dtype=np.int32)
            self.contacted_mask = np.zeros(len(customers), dtype=bool)

    def on_leaves(
        self, firm: "Firm", customers: "CustomerArrays", who: np.ndarray, ledger: "MonthLedger"
    ) -> None:
        """``on_leave``: onto the win-back list, not yet contacted."""
        self.lapsed_month[who] = firm.model.month
        self.contacted_mask[who] = False

    def act_on_arrays(self, firm: "Firm", market: "VectorizedMarket") -> None:
        """``act``: drop the returned and the long gone; reach a share of the others."""
        customers = market.customer_arrays
        lapsed = np.flatnonzero(self.lapsed_month >= 0)
        gone = (customers.supplier[lapsed] != NO_FIRM) | (
            market.month - self.lapsed_month[lapsed] > self.settings.window
        )
        self.lapsed_month[lapsed[gone]] = -1
        waiting = lapsed[~gone]
        waiting = waiting[~self.contacted_mask[waiting]]
        reached = waiting[self.rng.random(len(waiting)) < self.settings.reach]
        if not len(reached):
            return
        self.contacted_mask[reached] = True
        back = reached[customers.lapsed_from[reached] == firm.index]
        customers.lapsed_from[back] = NO_FIRM  # the firm is back in consideration
        cost = self.settings.cost_per_contact
        firm.campaign_spend += cost * len(reached)
        market.log_offers(reached, firm, self.name, "contact", False, cost)

    def price_factors(
        self, firm: "Firm", customers: "CustomerArrays", who: np.ndarray
    ) -> np.ndarray:
        """``price_factor`` for customers ``who``."""
        quoted = self.contacted_mask[who] & (customers.supplier[who] != firm.index)
        return np.where(quoted, 1.0 - self.settings.discount, 1.0)

    def after_purchases(
        self,
        firm: "Firm",
        customers: "CustomerArrays",
        who: np.ndarray,
        amounts: np.ndarray,
        ledger: "MonthLedger",
    ) -> None:
        """``after_purchase``: contacted customers who buy have accepted the offer."""
        returned = who[self.contacted_mask[who]]
        if len(returned):
            self.contacted_mask[returned] = False
            firm.model.log_offers(returned, firm, self.name, "returned", True, 0.0)
