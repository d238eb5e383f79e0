"""Money: cost to serve, profit per customer by source, CLV and customer equity.

Reichheld & Sasser (1990) showed that a customer's profit grows with tenure and traced
the growth to its sources: base profit, increased purchases, reduced operating costs,
referrals and a price premium, after an acquisition cost in year 0. The model books every
customer-month in exactly those sources, so the figure can be rebuilt from the database.

References:
    Reichheld, F. F. & Sasser, W. E. (1990). Zero defections: quality comes to services.
    Harvard Business Review 68(5), 105-111.
    Gupta, S. & Lehmann, D. R. (2003). Customers as assets. Journal of Interactive
    Marketing 17(1), 9-24 (CLV = m r / (1 + d - r)).
"""

from collections.abc import Sequence

from sim.rules import ops
from sim.rules.ops import Number

#: The sources of profit, in Reichheld & Sasser's order; costs are booked apart.
PROFIT_SOURCES: tuple[str, ...] = (
    "base_profit",
    "increased_purchases",
    "reduced_operating_costs",
    "referrals",
    "price_premium",
)
COST_ITEMS: tuple[str, ...] = ("acquisition_cost", "retention_cost")


def monthly_rate(annual_rate: float) -> float:
    """The monthly discount rate equivalent to an annual one."""
    return (1.0 + annual_rate) ** (1.0 / 12.0) - 1.0


def cost_to_serve(tenure_months: Number, new_cost: float, floor: float, halflife: float) -> Number:
    """Monthly cost of serving a customer: falls with tenure as both sides learn.

    A new customer costs ``new_cost``; the cost halves its distance to ``floor * new_cost``
    every ``halflife`` months (Reichheld & Sasser's reduced operating costs).
    """
    learning = ops.power(0.5, tenure_months / halflife)
    return new_cost * (floor + (1.0 - floor) * learning)


def basket_growth(tenure_months: Number, per_year: float, max_years: float) -> Number:
    """Extra items bought per purchase, as a share of the starting basket, by tenure."""
    return per_year * ops.minimum(tenure_months / 12.0, max_years)


def price_premium(tenure_months: Number, per_year: float, cap: float) -> Number:
    """Share above list price that long-standing customers pay (they stop hunting deals)."""
    return ops.minimum(per_year * tenure_months / 12.0, cap)


def profit_by_source(
    base_margin: float,
    extra_margin: float,
    premium_revenue: float,
    serve_cost_new: float,
    serve_cost_now: float,
    referrals: float,
    acquisition_cost: float,
    retention_cost: float,
) -> dict[str, float]:
    """Split one customer-month's profit into Reichheld & Sasser's sources.

    Margins are at list price: ``base_margin`` on the starting basket, ``extra_margin`` on
    the items tenure added; ``premium_revenue`` is what the customer paid above list.
    Base profit carries the cost a new customer would have cost to serve; the saving of
    an older customer is the reduced operating cost. The parts sum to the profit.
    """
    sources = {
        "base_profit": base_margin - serve_cost_new,
        "increased_purchases": extra_margin,
        "reduced_operating_costs": serve_cost_new - serve_cost_now,
        "referrals": referrals,
        "price_premium": premium_revenue,
        "acquisition_cost": acquisition_cost,
        "retention_cost": retention_cost,
    }
    sources["profit"] = (
        base_margin
        + extra_margin
        + referrals
        + premium_revenue
        - serve_cost_now
        - acquisition_cost
        - retention_cost
    )
    return sources


def npv(cashflows: Sequence[float], rate: float, first_period: int = 0) -> float:
    """Net present value of cash flows at periods first_period, first_period+1, ..."""
    return sum(c / (1.0 + rate) ** (first_period + t) for t, c in enumerate(cashflows))


def retention_clv(margin: Number, retention: Number, rate: Number) -> Number:
    """Customer lifetime value of a customer worth ``margin`` a period from next period on.

    With a constant retention probability and discount rate over an infinite horizon,
    CLV = m r / (1 + d - r) (Gupta & Lehmann 2003).
    """
    return margin * retention / (1.0 + rate - retention)
