"""Every figure has a title, axis labels and units (in brackets or named in the label)."""

import matplotlib
import pandas as pd
import pytest

from sim import plots
from sim.analytics.cohorts import retention_by_tenure_year
from sim.analytics.concentration import Concentration
from sim.model import Market
from sim.scenario import Scenario

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def market():
    scenario = Scenario.load("baseline").with_overrides(
        {"market.customers": 200, "market.months": 24}
    )
    return Market(scenario, rng=1).run()


def figures(market):
    kpis = market.kpis()
    months = market.table("customer_months")
    churn = market.table("churn_events")
    revenue = market.sql("SELECT customer_id, amount FROM transactions")
    return {
        "clv_by_retention": plots.clv_by_retention(100.0, [0.0, 0.1, 0.2]),
        "kpi_lines": plots.kpi_lines(
            {"a": kpis, "b": kpis}, "customers", "Customers (people)", "t"
        ),
        "contacts_by_channel": plots.contacts_by_channel(market.table("contacts")),
        "lorenz_curve": plots.lorenz_curve(Concentration().fit(revenue).lorenz_),
        "retention_by_tenure": plots.retention_by_tenure(retention_by_tenure_year(months, churn)),
        "satisfaction_loyalty": plots.satisfaction_loyalty(),
    }


def test_new_figures_have_a_title_and_labelled_axes(market):
    for name, fig in figures(market).items():
        ax = fig.axes[0]
        assert ax.get_title(), name
        assert ax.get_xlabel() and ax.get_ylabel(), name
        assert "(" in ax.get_ylabel(), name  # a unit or a scale


def test_clv_lines_fall_with_the_discount_rate():
    fig = plots.clv_by_retention(100.0, [0.0, 0.1, 0.2], retention=[0.8])
    values = [line.get_ydata()[0] for line in fig.axes[0].get_lines()]
    assert values == sorted(values, reverse=True)
    assert values[1] == pytest.approx(100.0 * 0.8 / (1.1 - 0.8))


def test_contacts_by_channel_counts_each_month_and_channel():
    contacts = pd.DataFrame(
        {"month": [0, 1, 1, 2], "channel": ["initial", "advertising", "advertising", "referral"]}
    )
    ax = plots.contacts_by_channel(contacts).axes[0]
    lines = {line.get_label(): list(line.get_ydata()) for line in ax.get_lines()}
    assert lines == {"advertising": [2, 0], "referral": [0, 1]}


def test_variant_means_draws_each_variant_with_its_interval():
    summary = pd.DataFrame(
        {
            "variant": ["low", "high", "low", "high"],
            "metric": ["profit", "profit", "churn_rate", "churn_rate"],
            "mean": [1.0, 2.0, 0.1, 0.2],
            "ci_low": [0.5, 1.5, 0.0, 0.1],
            "ci_high": [1.5, 2.5, 0.2, 0.3],
        }
    )
    fig = plots.variant_means(summary, "profit", "Profit (currency)", "Sweep", xlabel="Price")
    ax = fig.axes[0]
    assert list(ax.get_lines()[0].get_ydata()) == [1.0, 2.0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["low", "high"]
    assert ax.get_title() == "Sweep" and ax.get_xlabel() == "Price"
