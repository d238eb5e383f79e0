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

from pydantic import Field

from sim.section import NonNegative, Section, Share
from sim.strategies.base import Strategy

if TYPE_CHECKING:
    from sim.agents import Customer, Firm, MonthBooks
    from sim.model import Market


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
