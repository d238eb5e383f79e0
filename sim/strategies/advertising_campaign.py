"""Advertising campaign: more reach (the Bass innovation coefficient) for a budget.

In the Bass model, advertising drives the innovation coefficient ``p``: the monthly
chance that a prospect who has not heard from anyone learns of the firm. A campaign adds
``extra_reach`` to ``p`` for its months and costs ``spend`` a month, booked as
acquisition spend; word of mouth then carries the news further (``q``).

Reference:
    Bass, F. M. (1969). A new product growth model for consumer durables. Management
    Science 15(5), 215-227.
"""

from typing import TYPE_CHECKING, Annotated, Self

from pydantic import Field, model_validator

from sim.section import FieldProblem, NonNegative, Section
from sim.strategies.base import Strategy

if TYPE_CHECKING:
    from sim.agents import Firm
    from sim.model import Market


class AdvertisingCampaignSettings(Section):
    """A campaign from ``start_month`` to ``end_month`` (inclusive)."""

    start_month: Annotated[int, Field(ge=1, le=600)] = 1
    end_month: Annotated[int, Field(ge=1, le=600)] = 12
    extra_reach: Annotated[float, Field(gt=0.0, le=1.0)] = 0.03
    spend: NonNegative = 2000.0

    @model_validator(mode="after")
    def _ends_after_start(self) -> Self:
        if self.end_month < self.start_month:
            raise FieldProblem(
                "end_month",
                f"= {self.end_month}: must be >= start_month ({self.start_month})",
            )
        return self


class AdvertisingCampaign(Strategy):
    """Raise reach and spend for the campaign's months, then return to the old level."""

    name = "advertising_campaign"

    def __init__(self, settings: AdvertisingCampaignSettings) -> None:
        self.settings = settings

    def act(self, firm: "Firm", market: "Market") -> None:
        """Switch the campaign on before its first month and off after its last."""
        upcoming = market.month + 1
        change = 0
        if upcoming == self.settings.start_month:
            change = 1
        elif upcoming == self.settings.end_month + 1:
            change = -1
        firm.advertising = min(1.0, max(0.0, firm.advertising + change * self.settings.extra_reach))
        firm.advertising_spend += change * self.settings.spend
