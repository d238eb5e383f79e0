"""A list-price change from a given month on (a price increase, or a cut).

Customers judge a price against their reference price, which adapts to what they pay
(Kalyanaram & Winer 1995). A sudden increase is felt as a loss until the reference price
catches up, and pricing is among the most frequent reasons to switch (Keaveney 1995):
expect more price-reason churn after an increase, fading as references adapt.

References:
    Kalyanaram, G. & Winer, R. S. (1995). Empirical generalizations from reference price
    research. Marketing Science 14(3), G161-G169.
    Keaveney, S. M. (1995). Customer switching behavior in service industries.
    Journal of Marketing 59(2), 71-82.
"""

from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from sim.section import Section
from sim.strategies.base import Strategy

if TYPE_CHECKING:
    from sim.agents import Firm
    from sim.model import Market


class PriceChangeSettings(Section):
    """Change the list price by ``change`` (0.1 = +10%) from ``month`` on."""

    month: Annotated[int, Field(ge=1, le=600)]
    change: Annotated[float, Field(gt=-1.0, le=5.0)]


class PriceChange(Strategy):
    """Reprice once, at the end of the month before ``month``."""

    name = "price_change"

    def __init__(self, settings: PriceChangeSettings) -> None:
        self.settings = settings

    def act(self, firm: "Firm", market: "Market") -> None:
        """Set next month's price when its month comes."""
        if market.month == self.settings.month - 1:
            firm.price *= 1.0 + self.settings.change
