"""Sales calls: offer a product to existing customers (cross-selling) and to strangers.

The course's figures: selling to an existing customer succeeds about 50% of the time, to
a new one about 15%, and selling to a new customer costs about six times as much
(Farris et al. 2010 quote 60-70% against 5-20%). Here the firm calls, each month,
``customers_per_month`` of its current customers (those of the chosen ``segments``, or
all) and ``prospects_per_month`` people who are not its customers. Whether a call
succeeds is the customer's decision (``sim.rules.offers``): the offer's perceived value
plus the trust of the relationship; a stranger has none, and would also pay the cost of
switching. A customer who accepts buys ``product`` at ``discount`` off; a stranger who
accepts becomes a customer. Calls cost ``cost_existing`` and ``cost_new`` (a call to a
stranger needs a list and more time), booked as retention and acquisition cost of the
called customer; the offers table logs every call ("existing" / "new") and its answer.

References:
    Farris, P. W., Bendle, N. T., Pfeifer, P. E. & Reibstein, D. J. (2010). Marketing
    Metrics, 2nd ed., ch. 5. Upper Saddle River: Pearson.
    Kamakura, W. A., Wedel, M., de Rosa, F. & Mazzon, J. A. (2003). Cross-selling through
    database marketing. International Journal of Research in Marketing 20(1), 45-65.
"""

from typing import TYPE_CHECKING, Annotated

import numpy as np
from pydantic import Field

from sim.section import NonNegative, Section
from sim.strategies.base import Strategy

if TYPE_CHECKING:
    from sim.agents import Firm
    from sim.model import Market
    from sim.vectorized import VectorizedMarket


class CrossSellSettings(Section):
    """Who is called each month, what is offered, what a call costs."""

    product: Annotated[str, Field(min_length=1, max_length=40)] = "premium"
    start_month: Annotated[int, Field(ge=1, le=600)] = 1
    customers_per_month: Annotated[int, Field(ge=0, le=1_000_000)] = 50
    prospects_per_month: Annotated[int, Field(ge=0, le=1_000_000)] = 50
    segments: Annotated[list[str], Field(min_length=1)] | None = None
    discount: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.0
    cost_existing: NonNegative = 2.0
    cost_new: NonNegative = 3.6


class CrossSell(Strategy):
    """Pick this month's calls; the customers answer them at the start of next month."""

    name = "cross_sell"

    def __init__(self, settings: CrossSellSettings) -> None:
        self.settings = settings

    def act(self, firm: "Firm", market: "Market") -> None:
        """Choose whom to call next month among customers and non-customers."""
        if market.month + 1 < self.settings.start_month:
            return
        segments = self.settings.segments
        customers, strangers = [], []
        for customer in market.customers:
            if customer.supplier is not firm:
                strangers.append(customer)
            elif segments is None or firm.segment_of(customer) in segments:
                customers.append(customer)
        for group, count in (
            (customers, self.settings.customers_per_month),
            (strangers, self.settings.prospects_per_month),
        ):
            for customer in self.random.sample(group, min(count, len(group))):
                customer.sales_calls.append((firm, self))

    def act_on_arrays(self, firm: "Firm", market: "VectorizedMarket") -> None:
        """``act``: a uniform sample without replacement of each group, customers first."""
        if market.month + 1 < self.settings.start_month:
            return
        segments = self.settings.segments
        mine = market.customer_arrays.supplier == firm.index
        customers = np.flatnonzero(mine)
        if segments is not None:
            customers = customers[firm.in_segments_for(customers, segments)]
        strangers = np.flatnonzero(~mine)
        for group, count in (
            (customers, self.settings.customers_per_month),
            (strangers, self.settings.prospects_per_month),
        ):
            k = min(count, len(group))
            if k:
                market.schedule_calls(firm, self, self.rng.choice(group, size=k, replace=False))

    def call_cost(self, existing: bool) -> float:
        """What one call costs the firm."""
        return self.settings.cost_existing if existing else self.settings.cost_new
