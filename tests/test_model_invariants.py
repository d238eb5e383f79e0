"""Invariants that must hold every month, over random valid scenarios (hypothesis).

Each example builds a small market from the baseline with random overrides (size, length,
firms' offers, network, defection model, strategies), runs it one month at a time and
checks the agents against the month's KPIs; then checks the KPIs against the CRM database
(transactions, line items, customer-months, lifecycle, churn, contacts, offers) month by
month and firm by firm.
"""

import datetime as dt
from collections import Counter
from types import SimpleNamespace

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, example, given, note, settings
from hypothesis import strategies as st

from sim.economics import PROFIT_SOURCES, monthly_rate
from sim.model import EQUITY_WINDOW, Market
from sim.rules.relationship import Stage
from sim.rules.switching import REASONS
from sim.scenario import Scenario

BASE = Scenario.load("baseline")
FIRMS = ("Focal", "Rival")
STAGES = [s.label for s in Stage]
ACTIVE = [s.label for s in Stage if s not in (Stage.PROSPECT, Stage.CHURNED)]
ENTRY = ("prospect", "churned")  # a customer joins a firm from one of these stages
JOIN_CAUSES = {"first_purchase", "acquired", "won_back"}
CHURN_REASONS = [r.value for r in REASONS]
CAMPAIGNS = ("early_warning", "win_back")  # firm-level retention spend (docs/data.md)
STRATEGY_CHOICES = {
    "loyalty_programme": {},
    "contract": {"term": 6, "exit_fee": 30.0},
    "win_back": {},
    "early_warning": {"start_month": 2, "budget": 100.0},
    "introductory_discount": {},
    "service_recovery": {},
    "referral_reward": {},
    "cross_sell": {"customers_per_month": 20, "prospects_per_month": 20},
    "customization": {},
}
PYRAMID_STRATEGIES = ("pruning_fee", "relationship_managers", "tiered_pricing")
TOL = {"rtol": 1e-9, "atol": 1e-6}

#: Always run: every strategy family, many referrals, win-backs and fees.
BUSY = BASE.with_overrides(
    {
        "market.customers": 300,
        "market.months": 18,
        "population.referral_propensity": 0.6,
        "lifecycle.win_back_rate": 0.3,
        "firms.Focal.strategies.referral_reward": {},
        "firms.Focal.strategies.win_back": {},
        "firms.Focal.strategies.contract": {"term": 6, "exit_fee": 30.0},
        "firms.Rival.strategies.segmentation": {},
        "firms.Rival.strategies.pruning_fee": {},
        "firms.Rival.strategies.early_warning": {"start_month": 2, "budget": 100.0},
        "firms.Rival.strategies.loyalty_programme": {},
        "firms.Rival.strategies.cross_sell": {"customers_per_month": 30},
        "firms.Focal.strategies.customization": {},
        "behaviour.fairness_weight": 1.0,
    }
)
#: Always run: an empty market (no customers yet, no network, nobody leaves).
QUIET = BASE.with_overrides(
    {
        "market.customers": 50,
        "market.months": 6,
        "population.initial_customer_share": 0.0,
        "population.need_rate": 0.0,
        "network.kind": "none",
        "defection.enabled": False,
    }
)


def unit() -> st.SearchStrategy[float]:
    return st.floats(0.0, 1.0)


@st.composite
def scenarios(draw) -> Scenario:
    overrides = {
        "market.customers": draw(st.integers(50, 300)),
        "market.months": draw(st.integers(6, 18)),
        "market.seed": draw(st.integers(0, 2**31 - 1)),
        "market.start_date": draw(st.dates(dt.date(2000, 1, 1), dt.date(2040, 12, 1))).isoformat(),
        "network.kind": draw(
            st.sampled_from(["small_world", "scale_free", "random", "complete", "none"])
        ),
        "network.mean_degree": draw(st.integers(2, 12)),
        "population.initial_customer_share": draw(unit()),
        "population.initial_awareness": draw(unit()),
        "population.need_rate": draw(unit()),
        "population.referral_propensity": draw(unit()),
        "defection.enabled": draw(st.booleans()),
        "defection.model": draw(st.sampled_from(["satisfaction", "fixed"])),
        "defection.base_rate": draw(st.floats(0.0, 0.2)),
        "lifecycle.win_back_rate": draw(st.floats(0.0, 0.5)),
        "behaviour.switching_cost": draw(st.floats(0.0, 0.5)),
        "economics.acquisition_cost": draw(st.floats(0.0, 100.0)),
        "economics.retention_cost": draw(st.floats(0.0, 5.0)),
        "economics.referral_value": draw(st.floats(0.0, 50.0)),
        "behaviour.fairness_weight": draw(st.sampled_from([0.0, 2.0])),
        "behaviour.rebuy_threshold": draw(st.sampled_from([None, 3.5])),
    }
    for firm in FIRMS:
        for field in ("product", "service", "personnel", "image", "convenience"):
            overrides[f"firms.{firm}.{field}"] = draw(unit())
        overrides[f"firms.{firm}.price"] = draw(st.floats(1.0, 60.0))
        overrides[f"firms.{firm}.unit_cost"] = draw(st.floats(0.0, 40.0))
        overrides[f"firms.{firm}.advertising"] = draw(st.floats(0.0, 0.2))
        overrides[f"firms.{firm}.advertising_spend"] = draw(st.floats(0.0, 5000.0))
        overrides[f"firms.{firm}.service_failure_rate"] = draw(unit())
        overrides[f"firms.{firm}.recovery_quality"] = draw(unit())
        strategies = draw(
            st.lists(st.sampled_from(sorted(STRATEGY_CHOICES)), max_size=3, unique=True)
        )
        for name in strategies:
            overrides[f"firms.{firm}.strategies.{name}"] = STRATEGY_CHOICES[name]
        pyramid = draw(st.lists(st.sampled_from(PYRAMID_STRATEGIES), max_size=2, unique=True))
        if pyramid:
            overrides[f"firms.{firm}.strategies.segmentation"] = {}
            for name in pyramid:
                overrides[f"firms.{firm}.strategies.{name}"] = {}
    return BASE.with_overrides(overrides)


# ---------------------------------------------------------------------------- the agents
def customers_of(market: Market) -> list:
    """The customers as objects with the agents' attributes, whatever the engine."""
    if market.engine == "agents":
        return market.customers
    c = market.customer_arrays
    firms = [*market.firms, None]  # index -1 is no firm
    return [
        SimpleNamespace(
            customer_id=i,
            stage=Stage(int(c.stage[i])),
            supplier=firms[c.supplier[i]],
            former_supplier=firms[c.former_supplier[i]],
            aware=c.aware[i].tolist(),
            satisfaction=float(c.satisfaction[i]),
            strength=float(c.strength[i]),
            tenure=int(c.tenure[i]),
            purchases=int(c.purchases[i]),
            mean_margin=float(c.mean_margin(np.array([i]))[0]),
        )
        for i in range(len(c))
    ]


def check_agents(market: Market, month: int) -> dict[str, float]:
    """The agents at the end of ``month`` against that month's KPI rows.

    Returns the sum of the customers' mean margins per firm (for customer equity).
    """
    customers = customers_of(market)
    n = len(customers)
    stages: Counter[str] = Counter()
    firm_stages = {firm: Counter() for firm in FIRMS}
    satisfaction = dict.fromkeys(FIRMS, 0.0)
    margins = dict.fromkeys(FIRMS, 0.0)
    aware = dict.fromkeys(FIRMS, 0)
    for customer in customers:
        assert isinstance(customer.stage, Stage)
        stages[customer.stage.label] += 1
        active = customer.stage not in (Stage.PROSPECT, Stage.CHURNED)
        assert active == (customer.supplier is not None), customer
        assert 1.0 <= customer.satisfaction <= 5.0, customer.satisfaction
        assert 0.0 <= customer.strength <= 1.0, customer.strength
        assert customer.tenure >= 0 and customer.purchases >= 0
        for firm in market.firms:
            aware[firm.name] += customer.aware[firm.index]
        if customer.supplier is not None:
            name = customer.supplier.name
            assert customer.aware[customer.supplier.index], "a customer must know its supplier"
            firm_stages[name][customer.stage.label] += 1
            satisfaction[name] += customer.satisfaction
            margins[name] += customer.mean_margin

    kpis = market.kpis()
    assert kpis["month"].tolist() == list(range(1, month + 1))
    row = kpis.iloc[-1]
    assert {s: int(row[s]) for s in STAGES} == {s: stages[s] for s in STAGES}
    assert sum(int(row[s]) for s in STAGES) == n

    rows = market.firm_kpis()
    rows = rows[rows["month"] == month].set_index("firm")
    assert sorted(rows.index) == sorted(FIRMS)
    for firm in FIRMS:
        counts = firm_stages[firm]
        assert {s: int(rows.at[firm, s]) for s in ACTIVE} == {s: counts[s] for s in ACTIVE}
        customers = sum(counts.values())
        assert rows.at[firm, "customers"] == customers
        assert rows.at[firm, "aware"] == aware[firm]
        if customers:
            np.testing.assert_allclose(
                rows.at[firm, "satisfaction"], satisfaction[firm] / customers
            )
        else:
            assert np.isnan(rows.at[firm, "satisfaction"])
    # the whole market's active stages are the firms' customers
    for stage in ACTIVE:
        assert int(row[stage]) == sum(firm_stages[f][stage] for f in FIRMS)
    return margins


# ---------------------------------------------------------------------------- the database
def keyed(frame: pd.DataFrame, index: pd.MultiIndex, column: str | None = None) -> pd.Series:
    """Sum ``column`` (or count rows) per (month, firm), on the KPI rows' index."""
    grouped = frame.groupby(["month", "firm"])
    totals = grouped.size() if column is None else grouped[column].sum()
    return totals.reindex(index, fill_value=0).astype(float)


def check_transactions(market: Market, fk: pd.DataFrame, scenario: Scenario) -> None:
    transactions = market.table("transactions")
    lines = market.table("line_items")
    ids = transactions["transaction_id"].to_numpy()
    np.testing.assert_array_equal(np.sort(ids), np.arange(len(ids)))
    assert (transactions["amount"] > 0).all() and (transactions["cost"] >= 0).all()
    assert (transactions["items"] >= 1).all()
    assert transactions["month"].between(1, scenario.market.months).all()
    # the date of a transaction falls in its month
    start = scenario.market.start_date
    months = (start.year * 12 + start.month - 1) + transactions["month"] - 1
    dates = pd.to_datetime(transactions["date"])
    np.testing.assert_array_equal(dates.dt.year * 12 + dates.dt.month - 1, months)

    # line items: quantity x unit price, summing to the transaction
    assert (lines["quantity"] >= 1).all() and (lines["unit_price"] > 0).all()
    np.testing.assert_allclose(lines["amount"], lines["quantity"] * lines["unit_price"], **TOL)
    by_txn = lines.groupby("transaction_id").agg(
        amount=("amount", "sum"), items=("quantity", "sum"), customer=("customer_id", "first")
    )
    txn = transactions.set_index("transaction_id").sort_index()
    assert by_txn.index.equals(txn.index), "every transaction has line items, and only those"
    np.testing.assert_allclose(by_txn["amount"], txn["amount"], **TOL)
    np.testing.assert_array_equal(by_txn["items"], txn["items"])
    np.testing.assert_array_equal(by_txn["customer"], txn["customer_id"])

    # revenue (kpis and firm_kpis) is the sum of the month's transactions
    np.testing.assert_allclose(fk["revenue"], keyed(transactions, fk.index, "amount"), **TOL)
    np.testing.assert_allclose(fk["cogs"], keyed(transactions, fk.index, "cost"), **TOL)
    np.testing.assert_array_equal(fk["transactions"], keyed(transactions, fk.index))
    focal = market.kpis()
    sold = transactions[transactions["firm"] == scenario.focal_firm].groupby("month")["amount"]
    np.testing.assert_allclose(
        focal["revenue"], sold.sum().reindex(focal["month"], fill_value=0.0), **TOL
    )

    # each customer-month's revenue and cogs are that customer's transactions
    cm = market.table("customer_months")
    key = ["customer_id", "firm", "month"]
    assert not cm.duplicated(key).any(), "one customer_months row per customer, firm, month"
    spent = transactions.groupby(key)[["amount", "cost"]].sum()
    booked = cm.set_index(key)[["revenue", "cogs"]]
    assert spent.index.difference(booked.index).empty, "a purchase without a customer-month"
    spent = spent.reindex(booked.index, fill_value=0.0)
    np.testing.assert_allclose(booked["revenue"], spent["amount"], **TOL)
    np.testing.assert_allclose(booked["cogs"], spent["cost"], **TOL)

    # a service failure happens on a purchase, and only a complaint can be put right
    service = market.table("service_events")
    assert set(service["category"]) <= {"core_service_failure", "service_encounter_failure"}
    assert not (service["recovered"] & ~service["complained"]).any()
    bought = pd.MultiIndex.from_frame(transactions[key])
    assert pd.MultiIndex.from_frame(service[key]).isin(bought).all()


def check_profit(market: Market, fk: pd.DataFrame, scenario: Scenario) -> None:
    # the KPI profit identity (docs/data.md): margin - cost to serve - marketing + referrals
    np.testing.assert_allclose(fk["margin"], fk["revenue"] - fk["cogs"], **TOL)
    np.testing.assert_allclose(
        fk["marketing_spend"], fk["acquisition_spend"] + fk["retention_spend"], **TOL
    )
    identity = (
        fk["revenue"]
        - fk["cogs"]
        - fk["cost_to_serve"]
        - fk["acquisition_spend"]
        - fk["retention_spend"]
        + fk["referral_value"]
    )
    np.testing.assert_allclose(fk["profit"], identity, **TOL)

    # Reichheld & Sasser's sources add up, row by row, and account for the revenue
    cm = market.table("customer_months")
    sources = cm[list(PROFIT_SOURCES)].sum(axis=1)
    np.testing.assert_allclose(
        sources - cm["acquisition_cost"] - cm["retention_cost"], cm["profit"], **TOL
    )
    operating = cm["base_profit"] + cm["increased_purchases"] + cm["price_premium"]
    operating += cm["reduced_operating_costs"]
    np.testing.assert_allclose(operating, cm["revenue"] - cm["cogs"] - cm["cost_to_serve"], **TOL)
    assert (cm["cost_to_serve"] >= 0).all() and (cm["tenure_months"] >= 0).all()
    for column in ("acquisition_cost", "retention_cost", "referrals", "revenue", "cogs"):
        assert (cm[column] >= -1e-12).all(), column

    # the KPIs are the customer-months plus firm-level spending
    advertising = pd.Series(
        [f.advertising_spend for f in scenario.firms], index=[f.name for f in scenario.firms]
    ).reindex(fk.index.get_level_values("firm"))
    offers = market.table("offers")
    campaigns = keyed(offers[offers["programme"].isin(CAMPAIGNS)], fk.index, "cost")
    for kpi, column in [
        ("revenue", "revenue"),
        ("cogs", "cogs"),
        ("cost_to_serve", "cost_to_serve"),
        ("referral_value", "referrals"),
    ]:
        np.testing.assert_allclose(fk[kpi], keyed(cm, fk.index, column), **TOL, err_msg=kpi)
    np.testing.assert_allclose(
        fk["acquisition_spend"], keyed(cm, fk.index, "acquisition_cost") + advertising.values, **TOL
    )
    np.testing.assert_allclose(
        fk["retention_spend"], keyed(cm, fk.index, "retention_cost") + campaigns, **TOL
    )
    np.testing.assert_allclose(
        fk["profit"], keyed(cm, fk.index, "profit") - advertising.values - campaigns, **TOL
    )

    # referral credit: booked at the referrer's month-end, so this month or next
    referrals = market.table("referrals")
    converted = referrals[referrals["event"] == "converted"]
    earned = keyed(converted, fk.index).groupby(level="firm").cumsum()
    earned *= scenario.economics.referral_value
    booked = fk["referral_value"].groupby(level="firm").cumsum()
    assert (booked <= earned + 1e-6).all()
    assert (booked >= earned.groupby(level="firm").shift(1, fill_value=0.0) - 1e-6).all()


def check_lifecycle(market: Market, fk: pd.DataFrame, kpis: pd.DataFrame) -> pd.DataFrame:
    events = market.table("lifecycle_events")
    customers = customers_of(market)
    n = len(customers)
    assert set(events["from_stage"]) | set(events["to_stage"]) <= set(STAGES)
    assert (events["from_stage"] != events["to_stage"]).all()

    # each customer's events form a chain from prospect to the agent's current stage
    chain = events.groupby("customer_id", sort=False)
    previous = chain["to_stage"].shift(1).fillna("prospect")
    np.testing.assert_array_equal(events["from_stage"], previous)
    assert chain["month"].is_monotonic_increasing.all()
    last = chain.tail(1).set_index("customer_id")
    for customer in customers:
        if customer.customer_id in last.index:
            end = last.loc[customer.customer_id]
            assert end["to_stage"] == customer.stage.label
            holder = customer.supplier or customer.former_supplier
            assert end["firm"] == holder.name
        else:
            assert customer.stage is Stage.PROSPECT

    # replaying the events gives the KPIs' stage counts, market-wide and per firm
    flows = pd.concat(
        [
            events.assign(stage=events["to_stage"], change=1),
            events.assign(stage=events["from_stage"], change=-1),
        ]
    )
    months = range(1, len(kpis) + 1)
    net = flows.pivot_table("change", "month", "stage", aggfunc="sum", fill_value=0)
    replay = net.reindex(index=range(len(kpis) + 1), columns=STAGES, fill_value=0).cumsum()
    replay["prospect"] += n
    np.testing.assert_array_equal(replay.loc[months, STAGES], kpis[STAGES])
    active = flows[flows["stage"].isin(ACTIVE)]
    per_firm = active.pivot_table("change", ["firm", "month"], "stage", "sum", fill_value=0)
    for firm in FIRMS:
        rows = per_firm.xs(firm) if firm in per_firm.index.get_level_values(0) else None
        counted = (
            pd.DataFrame(0, index=range(len(kpis) + 1), columns=ACTIVE)
            if rows is None
            else rows.reindex(index=range(len(kpis) + 1), columns=ACTIVE, fill_value=0).cumsum()
        )
        np.testing.assert_array_equal(
            counted.loc[months].to_numpy(), fk.xs(firm, level="firm")[ACTIVE]
        )

    # acquisitions are transitions into an active stage from prospect or churned
    joins = events[events["from_stage"].isin(ENTRY) & events["to_stage"].isin(ACTIVE)]
    joins = joins[joins["month"] > 0]
    assert set(joins["cause"]) <= JOIN_CAUSES
    assert set(events.loc[events["cause"].isin(JOIN_CAUSES), "from_stage"]) <= set(ENTRY)
    np.testing.assert_array_equal(fk["acquisitions"], keyed(joins, fk.index))
    won_back = joins[joins["cause"] == "won_back"]
    np.testing.assert_array_equal(fk["win_backs"], keyed(won_back, fk.index))
    # a win-back returns to the firm the customer left; a switcher goes elsewhere
    left = chain["firm"].shift(1)
    returning = events["cause"] == "won_back"
    assert (events.loc[returning, "firm"] == left[returning]).all()
    assert (events.loc[returning, "to_stage"] == "formation").all()
    switching = (events["cause"] == "acquired") & (events["from_stage"] == "churned")
    assert (events.loc[switching, "firm"] != left[switching]).all()
    assert (events.loc[events["cause"] == "first_purchase", "from_stage"] == "prospect").all()
    return events


def check_churn(market: Market, fk: pd.DataFrame, events: pd.DataFrame) -> None:
    churn = market.table("churn_events")
    assert churn["reason"].isin(CHURN_REASONS).all()
    assert (churn["tenure_months"] >= 0).all()
    assert churn["satisfaction"].between(1.0, 5.0).all()
    assert (churn["switched_to"].isna() | (churn["switched_to"] != churn["firm"])).all()
    np.testing.assert_array_equal(fk["defections"], keyed(churn, fk.index))
    reasons = [f"churn_{r}" for r in CHURN_REASONS]
    np.testing.assert_array_equal(fk[reasons].sum(axis=1), fk["defections"])
    for reason in CHURN_REASONS:
        np.testing.assert_array_equal(
            fk[f"churn_{reason}"], keyed(churn[churn["reason"] == reason], fk.index)
        )
    # each churn is one lifecycle transition into churned, caused by its reason
    key = ["customer_id", "firm", "month"]
    into = events[events["to_stage"] == "churned"]
    assert len(into) == len(churn)
    matched = churn.merge(into, on=key, how="outer", indicator=True, validate="one_to_one")
    assert (matched["_merge"] == "both").all()
    assert (matched["reason"] == matched["cause"]).all()
    # a switcher joins the rival the same month
    switched = churn.dropna(subset=["switched_to"])
    joined = events[events["cause"].isin(JOIN_CAUSES)]
    landed = switched.merge(
        joined, left_on=["customer_id", "switched_to", "month"], right_on=key, how="left"
    )
    assert landed["cause"].notna().all(), "a switch without the rival's acquisition"


def check_awareness(market: Market, fk: pd.DataFrame, events: pd.DataFrame) -> None:
    """Who knows a firm: everyone it reached (contacts) plus its initial customers."""
    contacts = market.table("contacts")
    initial = events[events["month"] == 0][["customer_id", "firm"]].assign(month=0)
    reached = pd.concat([contacts[["customer_id", "firm", "month"]], initial])
    first = reached.groupby(["customer_id", "firm"])["month"].min().reset_index()
    known = keyed(first, fk.index).groupby(level="firm").cumsum()
    known += (
        first[first["month"] == 0]
        .groupby("firm")
        .size()
        .reindex(fk.index.get_level_values("firm"), fill_value=0)
        .to_numpy()
    )
    np.testing.assert_array_equal(fk["aware"], known)
    assert (fk["customers"] <= fk["aware"]).all()


def check_bounds(fk: pd.DataFrame, n: int) -> None:
    counts = ["customers", "aware", "acquisitions", "win_backs", "defections", "transactions"]
    money = [
        "revenue",
        "cogs",
        "cost_to_serve",
        "acquisition_spend",
        "retention_spend",
        "marketing_spend",
        "referral_value",
    ]
    assert (fk[counts + ACTIVE] >= 0).all().all()
    assert (fk[money] >= -1e-9).all().all()
    assert (fk[["customers", "aware"]] <= n).all().all()
    assert (fk["win_backs"] <= fk["acquisitions"]).all()
    for share in ["market_share", "customer_share", "retention_rate"]:
        values = fk[share].dropna()
        assert values.between(0.0, 1.0).all(), share
    by_month = fk.groupby(level="month")
    revenue = by_month["revenue"].sum()
    np.testing.assert_allclose(by_month["market_share"].sum()[revenue > 0], 1.0)
    assert fk["market_share"].isna().groupby(level="month").all()[revenue == 0].all()
    customers = by_month["customers"].sum()
    np.testing.assert_allclose(by_month["customer_share"].sum()[customers > 0], 1.0)


def check_retention_and_equity(
    market: Market,
    fk: pd.DataFrame,
    suppliers_at_start: list[dict[int, str]],
    margins: list[dict[str, float]],
) -> None:
    """Retention rate and customer equity recomputed from the agents and churn events."""
    churn = market.table("churn_events")
    rate = monthly_rate(market.settings.market.annual_discount_rate)
    for firm in FIRMS:
        history: dict[int, float] = {}
        for month, (start, margin) in enumerate(zip(suppliers_at_start, margins, strict=True), 1):
            row = fk.loc[(month, firm)]
            cohort = {who for who, name in start.items() if name == firm}
            left = churn[(churn["month"] == month) & (churn["firm"] == firm)]
            lost = left["customer_id"].isin(cohort).sum()
            if cohort:
                retention = 1.0 - lost / len(cohort)
                np.testing.assert_allclose(row["retention_rate"], retention)
                history[month] = retention
            else:
                assert np.isnan(row["retention_rate"])
            # docs/data.md: r is the mean of the monthly retention rates over the last 12
            # months; equity is 0 until a retention rate exists
            recent = [r for m, r in history.items() if m > month - EQUITY_WINDOW]
            if recent != list(history.values())[-EQUITY_WINDOW:]:
                continue  # a month without a rate in the window: see test_customer_equity_...
            r = float(np.mean(recent)) if recent else 0.0
            np.testing.assert_allclose(
                row["customer_equity"], margin[firm] * r / (1.0 + rate - r), **TOL
            )


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(scenario=scenarios())
@example(scenario=BUSY)
@example(scenario=QUIET)
def test_every_month_balances(scenario):
    note(scenario.to_toml())
    check_every_month(scenario, "agents")


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(scenario=scenarios())
@example(scenario=BUSY)
@example(scenario=QUIET)
def test_every_month_balances_in_the_vectorized_engine(scenario):
    """The same books must balance when customers are arrays (sim.vectorized)."""
    note(scenario.to_toml())
    check_every_month(scenario, "vectorized")


def check_every_month(scenario: Scenario, engine: str) -> None:
    """Run month by month, checking customers against KPIs, then KPIs against the database."""
    market = Market(scenario, engine=engine)
    n = scenario.market.customers
    starts: list[dict[int, str]] = []
    margins: list[dict[str, float]] = []
    for month in range(1, scenario.market.months + 1):
        starts.append(
            {c.customer_id: c.supplier.name for c in customers_of(market) if c.supplier is not None}
        )
        market.run_for(1)
        assert market.month == month
        margins.append(check_agents(market, month))
    market.run()  # nothing left to simulate: closes the database
    assert market.month == scenario.market.months

    kpis = market.kpis()
    fk = market.firm_kpis().set_index(["month", "firm"]).sort_index()
    assert len(fk) == scenario.market.months * len(FIRMS)
    check_bounds(fk, n)
    check_transactions(market, fk, scenario)
    check_profit(market, fk, scenario)
    events = check_lifecycle(market, fk, kpis)
    check_churn(market, fk, events)
    check_awareness(market, fk, events)
    check_retention_and_equity(market, fk, starts, margins)


#: The rival prices itself out (its customers leave), then cuts its price and is back:
#: months without a retention rate inside the last 12.
COMEBACK = BASE.with_overrides(
    {
        "market.customers": 60,
        "market.months": 16,
        "population.initial_customer_share": 1.0,
        "population.initial_awareness": 1.0,
        "population.need_rate": 0.95,
        "behaviour.switching_cost": 0.0,
        "firms.Rival.price": 400.0,
        "firms.Rival.strategies.price_change": {"month": 6, "change": -0.97},
    }
)


def test_customer_equity_uses_the_last_12_months_of_retention():
    """docs/data.md: r is the mean of the firm's retention rates over the last 12 months.

    Months in which the firm had no customers at the start have no rate; a rate from more
    than 12 months ago must not come back into the window because of them.
    """
    rate = monthly_rate(COMEBACK.market.annual_discount_rate)
    exercised = 0
    for seed in range(5):
        market = Market(COMEBACK, rng=seed)
        rates: dict[int, float] = {}
        for month in range(1, COMEBACK.market.months + 1):
            market.run_for(1)
            row = market.firm_kpis().iloc[-1]
            assert (row["month"], row["firm"]) == (month, "Rival")
            if not np.isnan(row["retention_rate"]):
                rates[month] = row["retention_rate"]
            recent = [r for m, r in rates.items() if m > month - EQUITY_WINDOW]
            if not recent:
                continue
            exercised += recent != list(rates.values())[-EQUITY_WINDOW:]
            r = float(np.mean(recent))
            margin = sum(c.mean_margin for c in market.customers if c.supplier is market.firms[1])
            np.testing.assert_allclose(
                row["customer_equity"],
                margin * r / (1.0 + rate - r),
                **TOL,
                err_msg=f"seed {seed}, month {month}: rates {rates}",
            )
        if exercised:
            break
    assert exercised, "no seed gave the rival a month without a rate inside the window"
