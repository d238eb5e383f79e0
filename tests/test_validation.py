"""Validation against published results (REFERENCES.md), each shown to fail on a wrong rule.

(a) Bass (1969): with churn and competition off and complete mixing, the mean adopter
    share over replications follows the discrete Bass recurrence.
(b) Fader & Hardie (2007): a cohort whose monthly churn probabilities are drawn from
    Beta(0.704, 1.182) survives as S(t) = B(a, b + t) / B(a, b).
(c) Reichheld & Sasser (1990): profit per customer rises with tenure, and its sources sum
    to the total.

Tolerances come from sampling error: 3 standard errors, computed from the replications
(a), from the binomial variance of a survivor share (b), and from a cluster-robust
regression over customers (c). Every check is run once more on a deliberately wrong rule,
where it must fail; otherwise the check could not tell a right model from a wrong one.
"""

import numpy as np
import pandas as pd
import pytest
from scipy.special import betaln

import sim.agents
import sim.model
from sim.economics import PROFIT_SOURCES
from sim.model import Market
from sim.rules import ops
from sim.rules.diffusion import bass_recurrence
from sim.scenario import Scenario

pytestmark = pytest.mark.slow

Z = 3.0  # tolerance in standard errors


# ---------------------------------------------------------------------- (a) Bass
BASS_P, BASS_Q = 0.03, 0.38
BASS_CUSTOMERS, BASS_MONTHS, BASS_REPLICATIONS = 1000, 18, 30


def bass_scenario() -> Scenario:
    """One firm, complete mixing, nobody leaves, an aware prospect always buys."""
    return Scenario.load("baseline").with_overrides(
        {
            "market.customers": BASS_CUSTOMERS,
            "market.months": BASS_MONTHS,
            "firms": [{"name": "Solo", "advertising": BASS_P}],
            "network.kind": "complete",
            "defection.enabled": False,
            "population.need_rate": 1.0,
            "population.referral_propensity": 0.0,
            "population.initial_customer_share": 0.0,
            "population.initial_awareness": 0.0,
            "behaviour.word_of_mouth": BASS_Q,
            "behaviour.no_purchase_utility": -50.0,
        }
    )


def bass_z_scores() -> np.ndarray:
    """(simulated mean adopter share - Bass recurrence) / standard error, per month."""
    scenario = bass_scenario()
    shares = np.array(
        [
            Market(scenario, rng=seed).run_for(BASS_MONTHS).kpis()["customers"].to_numpy()
            for seed in range(BASS_REPLICATIONS)
        ]
    ) / float(BASS_CUSTOMERS)
    mean = shares.mean(axis=0)
    se = shares.std(axis=0, ddof=1) / np.sqrt(BASS_REPLICATIONS)
    expected = np.array(bass_recurrence(BASS_P, BASS_Q, BASS_MONTHS)[1:])
    return (mean - expected) / se


def test_bass_diffusion_follows_the_discrete_recurrence():
    z = bass_z_scores()
    assert np.all(np.abs(z) < Z), np.round(z, 2)


def test_bass_check_fails_when_word_of_mouth_is_half_as_strong(monkeypatch):
    def half_imitation(innovation, imitation, adopter_share):
        return ops.clip(innovation + 0.5 * imitation * adopter_share, 0.0, 1.0)

    monkeypatch.setattr(sim.agents, "adoption_probability", half_imitation)
    z = bass_z_scores()
    assert np.any(np.abs(z) >= Z)


# ---------------------------------------------------------------------- (b) sBG
SBG_ALPHA, SBG_BETA = 0.704, 1.182
SBG_CUSTOMERS, SBG_MONTHS, SBG_REPLICATIONS = 10_000, 12, 4


def sbg_scenario() -> Scenario:
    """A cohort of new customers whose only event is leaving, at their own fixed rate."""
    return Scenario.load("baseline").with_overrides(
        {
            "market.customers": SBG_CUSTOMERS,
            "market.months": SBG_MONTHS,
            "firms": [{"name": "Solo", "advertising": 0.0}],
            "network.kind": "none",
            "defection.model": "fixed",
            "defection.beta_alpha": SBG_ALPHA,
            "defection.beta_beta": SBG_BETA,
            "population.need_rate": 0.0,
            "population.initial_customer_share": 1.0,
            "population.initial_tenure_max": 0,
            "population.initial_awareness": 0.0,
            "lifecycle.win_back_rate": 0.0,
        }
    )


def sbg_z_scores() -> np.ndarray:
    """(pooled survivor share - sBG survivor function) / binomial standard error."""
    scenario = sbg_scenario()
    survivors = sum(
        Market(scenario, rng=seed).run_for(SBG_MONTHS).kpis()["customers"].to_numpy()
        for seed in range(SBG_REPLICATIONS)
    )
    n = SBG_CUSTOMERS * SBG_REPLICATIONS
    t = np.arange(1, SBG_MONTHS + 1)
    expected = np.exp(betaln(SBG_ALPHA, SBG_BETA + t) - betaln(SBG_ALPHA, SBG_BETA))
    se = np.sqrt(expected * (1.0 - expected) / n)
    return (survivors / n - expected) / se


def test_cohort_with_beta_churn_follows_the_sbg_survivor_function():
    z = sbg_z_scores()
    assert np.all(np.abs(z) < Z), np.round(z, 2)


def test_sbg_check_fails_when_every_customer_has_the_mean_churn_rate(monkeypatch):
    generate_traits = sim.model.generate_traits

    def homogeneous(scenario, rng):
        traits = generate_traits(scenario, rng)
        traits.churn_probability[:] = SBG_ALPHA / (SBG_ALPHA + SBG_BETA)
        return traits

    monkeypatch.setattr(sim.model, "generate_traits", homogeneous)
    z = sbg_z_scores()
    assert np.any(np.abs(z) >= Z)


# ---------------------------------------------------------------------- (c) profit by tenure
PROFIT_CUSTOMERS, PROFIT_MONTHS = 3000, 60
TENURE_YEARS = 4


def customer_months() -> pd.DataFrame:
    scenario = Scenario.load("baseline").with_overrides(
        {"market.customers": PROFIT_CUSTOMERS, "market.months": PROFIT_MONTHS}
    )
    return Market(scenario, rng=11).run().table("customer_months")


def tenure_slope(months: pd.DataFrame) -> tuple[float, float]:
    """Slope of mean monthly profit on tenure year (years 1-4), cluster-robust SE.

    One observation per customer, firm and tenure year (that year's mean monthly
    profit); a customer appears in several years, so the standard error is clustered
    by customer (the sandwich estimator).
    """
    months = months.assign(year=months["tenure_months"] // 12 + 1)
    years = (
        months[months["year"] <= TENURE_YEARS]
        .groupby(["customer_id", "firm", "year"], as_index=False)["profit"]
        .mean()
    )
    x = np.column_stack([np.ones(len(years)), years["year"].to_numpy(float)])
    y = years["profit"].to_numpy()
    bread = np.linalg.inv(x.T @ x)
    coef = bread @ x.T @ y
    scores = pd.DataFrame(x * (y - x @ coef)[:, None]).groupby(years["customer_id"]).sum()
    meat = scores.T.to_numpy() @ scores.to_numpy()
    covariance = bread @ meat @ bread
    return float(coef[1]), float(np.sqrt(covariance[1, 1]))


def test_profit_sources_sum_to_profit_in_every_customer_month():
    months = customer_months()
    assert len(months) > PROFIT_CUSTOMERS
    total = months[list(PROFIT_SOURCES)].sum(axis=1)
    total -= months["acquisition_cost"] + months["retention_cost"]
    np.testing.assert_allclose(total, months["profit"], rtol=1e-9, atol=1e-9)
    assert (months[["referrals", "price_premium", "increased_purchases"]] > 0).any().all()


def test_profit_per_customer_rises_with_tenure():
    slope, se = tenure_slope(customer_months())
    assert slope > Z * se, (slope, se)


def test_tenure_check_fails_when_old_customers_cost_more_and_buy_no_more(monkeypatch):
    def rising_cost(tenure, new_cost, floor, halflife):
        return new_cost * (1.0 + tenure / 6.0)

    monkeypatch.setattr(sim.agents, "cost_to_serve", rising_cost)
    monkeypatch.setattr(sim.agents, "basket_growth", lambda tenure, per_year, years: 0.0)
    monkeypatch.setattr(sim.agents, "price_premium", lambda tenure, per_year, cap: 0.0)
    slope, se = tenure_slope(customer_months())
    assert not slope > Z * se, (slope, se)
