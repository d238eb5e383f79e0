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
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.analytics.cohorts import profit_by_tenure_year
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


def profile_clv(margins: Sequence[float], retention: float, rate: float) -> float:
    """CLV of a customer whose yearly profit follows ``margins`` by tenure year.

    CLV = sum over t >= 1 of m_t r^t / (1 + d)^t, the last margin carried on for every
    later year (Reichheld & Sasser's profit that grows with tenure). With one margin it
    is m r / (1 + d - r).
    """
    x = retention / (1.0 + rate)
    head = sum(m * x ** (t + 1) for t, m in enumerate(margins))
    return head + margins[-1] * x ** (len(margins) + 1) / (1.0 - x)


@dataclass(frozen=True)
class RetentionEffect:
    """What a few more points of retention are worth: Reichheld's argument, worked out.

    Reichheld & Sasser (1990) reported that cutting defections by 5 points raised the
    value of a customer by 25% to 85% across industries. Two things make the gain large:
    each point removed from the defection rate lengthens the expected lifetime more than
    the one before, and the extra years are the profitable ones when profit per customer
    grows with tenure (``margins`` by tenure year; one margin means it does not grow).
    """

    margins: tuple[float, ...]
    retention: float
    rate: float
    points: float

    @property
    def clv_before(self) -> float:
        """Customer value at the current retention rate."""
        return profile_clv(self.margins, self.retention, self.rate)

    @property
    def clv_after(self) -> float:
        """Customer value with retention raised by ``points``."""
        return profile_clv(self.margins, self.retention + self.points, self.rate)

    @property
    def increase(self) -> float:
        """Relative gain in customer value (0.3 = +30%)."""
        return self.clv_after / self.clv_before - 1.0

    def explain(self) -> str:
        """The arithmetic, line by line, for a slide or a notebook."""
        r, d, r2 = self.retention, self.rate, self.retention + self.points
        if len(self.margins) == 1:
            (m,) = self.margins
            lines = [
                "CLV = m * r / (1 + d - r)   (margin m per year, retention r, discount rate d)",
                f"now:   {m:,.2f} * {r:.3f} / (1 + {d:.3f} - {r:.3f}) = {self.clv_before:,.2f}",
                f"after: {m:,.2f} * {r2:.3f} / (1 + {d:.3f} - {r2:.3f}) = {self.clv_after:,.2f}",
            ]
        else:
            years = ", ".join(f"{m:,.2f}" for m in self.margins)
            last = len(self.margins)
            lines = [
                "CLV = sum over years t of m_t * r^t / (1 + d)^t   (m_t: profit per customer "
                f"in tenure year t; year {last}'s carried on)",
                f"m_1..m_{last} = {years}",
                f"now:   r = {r:.3f}, d = {d:.3f}: CLV = {self.clv_before:,.2f}",
                f"after: r = {r2:.3f}, d = {d:.3f}: CLV = {self.clv_after:,.2f}",
            ]
        lines.append(
            f"{self.points * 100:.0f} more points of retention raise customer value by "
            f"{self.increase:.1%}"
        )
        return "\n".join(lines)


def retention_effect(
    margin: float | Sequence[float], retention: float, rate: float, points: float = 0.05
) -> RetentionEffect:
    """Customer value before and after raising retention by ``points`` (per period).

    Args:
        margin: margin per customer per period from next period on (> 0), or margins by
            tenure period (the last carried on; their customer value must be > 0).
        retention: retention rate per period, in [0, 1).
        rate: discount rate per period, >= 0.
        points: the retention gain (0.05 = 5 percentage points); retention + points < 1.
    """
    margins = tuple(float(m) for m in np.atleast_1d(np.asarray(margin, dtype=float)))
    checks = [
        ("retention", retention, 0.0 <= retention < 1.0, "in [0, 1)"),
        ("rate", rate, rate >= 0.0, ">= 0"),
        (
            "points",
            points,
            0.0 < points and retention + points < 1.0,
            "> 0, retention + points < 1",
        ),
    ]
    for name, value, ok, allowed in checks:
        if not ok or value != value:
            raise ValueError(f"{name} = {value!r}: allowed {allowed}")
    shown = margins[0] if len(margins) == 1 else list(margins)
    if not margins or not all(np.isfinite(margins)):
        raise ValueError(f"margin = {shown!r}: allowed finite numbers, at least one")
    if profile_clv(margins, retention, rate) <= 0:
        allowed = "> 0" if len(margins) == 1 else "margins whose customer value is > 0"
        raise ValueError(f"margin = {shown!r}: allowed {allowed}")
    return RetentionEffect(margins, float(retention), float(rate), float(points))


def retention_effect_from_kpis(
    kpis: pd.DataFrame, annual_rate: float, points: float = 0.05
) -> RetentionEffect:
    """Reichheld's calculation with a run's own figures (``Market.kpis()``), per year.

    The margin is last year's margin after cost to serve per average customer, the
    retention the product of last year's monthly retention rates.
    """
    last_year = kpis.tail(12)
    if len(last_year) < 12:
        raise ValueError(f"kpis: {len(kpis)} months; allowed: at least 12 (a full year)")
    customers = float(last_year["customers"].mean())
    margin = float((last_year["margin"] - last_year["cost_to_serve"]).sum()) / customers
    retention = float(np.prod(last_year["retention_rate"]))
    return retention_effect(margin, retention, annual_rate, points)


def retention_effect_from_run(
    kpis: pd.DataFrame,
    customer_months: pd.DataFrame,
    annual_rate: float,
    points: float = 0.05,
    min_customer_years: float = 50.0,
) -> RetentionEffect:
    """Reichheld's calculation with a run's profit profile by tenure year.

    The margins are the firm's mean profit per customer-year in each tenure year
    (``sim.analytics.cohorts.profit_by_tenure_year`` with ``annualise=True``, before the
    acquisition cost), for the years observed for at least ``min_customer_years``
    customer-years; the retention is the product of last year's monthly rates.

    Args:
        kpis: One firm's KPI table (``Market.kpis()`` or a firm's rows of ``firm_kpis``).
        customer_months: The same firm's rows of the ``customer_months`` table.
        annual_rate: Discount rate per year.
        points: The retention gain.
        min_customer_years: Exposure a tenure year needs to be used.
    """
    last_year = kpis.tail(12)
    if len(last_year) < 12:
        raise ValueError(f"kpis: {len(kpis)} months; allowed: at least 12 (a full year)")
    yearly = profit_by_tenure_year(customer_months, annualise=True)
    exposure = customer_months.groupby(customer_months["tenure_months"] // 12 + 1).size() / 12
    observed = exposure.index[exposure >= min_customer_years]
    margins = yearly.loc[yearly.index.isin(observed) & (yearly.index >= 1), "profit"]
    if margins.empty or margins.index[0] != 1:
        raise ValueError(
            f"customer_months: first tenure year seen for less than {min_customer_years} "
            "customer-years; allowed: a run with more customers or months"
        )
    margins = margins[margins.index == np.arange(1, len(margins) + 1)]  # consecutive years
    retention = float(np.prod(last_year["retention_rate"]))
    return retention_effect(margins.to_numpy(), retention, annual_rate, points)
