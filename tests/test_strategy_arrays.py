"""The strategies' array twins decide as their scalar hooks do (the vectorized engine's half).

Each market below runs with the strategies switched on and stops after the customers' last
month, before the firms act. Its customers become a ``CustomerArrays`` and each strategy's
memory (sets and dicts of customer ids) its arrays; then every twin is held to its scalar
hook customer by customer. Float state is first rounded to float32, what the arrays hold,
so both sides read the same numbers. Side effects (memory, offers and fees logged, books)
are compared through a stand-in market that records them. Random decisions are compared at
probabilities 0 and 1 (all or nothing) and by their rate over many customers.
"""

import copy
import dataclasses
import functools
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from sim import customer_arrays
from sim.agents import MonthBooks
from sim.analytics.pyramid import CustomerPyramid
from sim.customer_arrays import LEDGER_ITEMS, NO_FIRM, CustomerArrays, MonthLedger
from sim.model import Market
from sim.population import generate_traits
from sim.scenario import Scenario
from sim.strategies import STRATEGIES, Strategy
from sim.strategies.cross_sell import CrossSell, CrossSellSettings
from sim.strategies.customization import Customization
from sim.strategies.early_warning import EarlyWarning, EarlyWarningSettings, risk_score
from sim.strategies.loyalty_programme import LoyaltyProgramme, LoyaltyProgrammeSettings
from sim.strategies.pruning_fee import PruningFee, PruningFeeSettings
from sim.strategies.relationship_managers import RelationshipManagers
from sim.strategies.segmentation import (
    SEGMENT_LABELS,
    TIER_CODES,
    Segmentation,
    _rfm_labels,
    pyramid_codes,
    rfm_codes,
)
from sim.strategies.win_back import WinBack, WinBackSettings

FOCAL = "firms.Focal.strategies."
RIVAL = "firms.Rival.strategies."
BASELINE = Scenario.load("baseline").with_overrides({"market.customers": 500, "market.months": 18})

#: Small markets in which every strategy is active (some at both firms).
SCENARIOS: dict[str, Scenario] = {
    "b2b": Scenario.load("b2b").with_overrides({"market.customers": 300, "market.months": 24}),
    "services": Scenario.load("services").with_overrides(
        {"market.customers": 500, "market.months": 24}
    ),
    "telecom": Scenario.load("telecom").with_overrides(
        {"market.customers": 500, "market.months": 18}
    ),
    "mixed": BASELINE.with_overrides(
        {
            "market.months": 24,
            FOCAL + "segmentation": {"kind": "pyramid", "gold_share": 0.25},
            FOCAL + "introductory_discount": {"months": 3},
            FOCAL + "loyalty_discount": {"after_months": 6},
            FOCAL + "win_back": {"reach": 0.5, "window": 6},
            FOCAL + "early_warning": {"start_month": 3},
            FOCAL + "pruning_fee": {"monthly_fee": 5.0, "tiers": ["lead", "iron"]},
            FOCAL + "advertising_campaign": {"start_month": 2, "end_month": 30},
            FOCAL + "price_change": {"month": 40, "change": 0.1},
            RIVAL + "customization": {},
            RIVAL + "loyalty_programme": {"enrolment": 0.5},
            RIVAL + "referral_reward": {},
            RIVAL + "contract": {"term": 6},
        }
    ),
    "rfm": BASELINE.with_overrides(
        {
            FOCAL + "segmentation": {"kind": "rfm"},
            FOCAL + "cross_sell": {"segments": ["Champions", "Loyal", "At risk"]},
        }
    ),
    "needs": BASELINE.with_overrides({FOCAL + "segmentation": {"kind": "needs"}}),
    "mass": BASELINE.with_overrides({RIVAL + "segmentation": {"kind": "mass"}}),
}

#: (market, firm, strategy) for every strategy of every firm above.
CASES = [
    (key, firm.name, name)
    for key, scenario in SCENARIOS.items()
    for firm in scenario.firms
    for name in STRATEGIES
    if getattr(firm.strategies, name) is not None
]
#: Every strategy is covered.
assert {case[2] for case in CASES} == set(STRATEGIES)

#: Hooks that return a value per customer, with their twins.
VALUE_HOOKS = [
    ("price_factor", "price_factors"),
    ("bond", "bonds"),
    ("value_lift", "value_lifts"),
    ("exit_cost", "exit_costs"),
    ("satisfaction_drift", "satisfaction_drifts"),
    ("referral_boost", "referral_boosts"),
    ("monthly_fee", "monthly_fees"),
    ("monthly_cost", "monthly_costs"),
]
#: Value hooks that log the first time they apply to a customer.
FIRST_TIME_LOGS = {
    ("relationship_managers", "monthly_costs"),
    ("customization", "monthly_costs"),
    ("pruning_fee", "monthly_fees"),
}
#: Hooks that react to an event and book on the customer's books.
EVENT_HOOKS = [
    ("after_purchase", "after_purchases"),
    ("on_leave", "on_leaves"),
    ("on_referral", "on_referrals"),
    ("on_complaint", "on_complaints"),
]
#: Twins whose values never leave the neutral value in these small markets, and why.
ALWAYS_NEUTRAL: dict[tuple[str, str], str] = {}

FIRM_STATE = ("advertising", "advertising_spend", "price", "campaign_spend")
FLOAT32_STATE = (
    "satisfaction",
    "expectation",
    "strength",
    "reference_price",
    "price_weight",
    "time_weight",
    "learning_rate",
    "need_rate",
    "items_rate",
    "referral_propensity",
    "churn_probability",
)


# ---------------------------------------------------------------------- markets and arrays
@functools.cache
def market(key: str) -> Market:
    """The market ``key`` after its customers' last month, before its firms act."""
    scenario = SCENARIOS[key]
    run = Market(scenario, rng=11, backend="none")
    run.run_for(scenario.market.months - 1)
    for firm in run.firms:
        firm.step = lambda: None  # the last month: the customers act, the firms not yet
    run.step()
    for firm in run.firms:
        del firm.step
    run.pristine = snapshot(run)
    return run


def snapshot(run: Market) -> list[tuple]:
    """What the tests change: strategy memory, firm moves, customers' win-back and calls."""
    kept: list[tuple] = []
    for firm in run.firms:
        kept.append((firm, {k: getattr(firm, k) for k in FIRM_STATE}))
        for strategy in firm.strategies:
            memory = {k: v for k, v in vars(strategy).items() if isinstance(v, set | dict)}
            kept.append((strategy, {k: copy.copy(v) for k, v in memory.items()}))
    for customer in run.customers:
        kept.append(
            (
                customer,
                {
                    "lapsed_from": customer.lapsed_from,
                    "sales_calls": [],
                    "tenure": customer.tenure,
                    "purchases": customer.purchases,
                },
            )
        )
    return kept


def restore(kept: list[tuple]) -> None:
    for owner, values in kept:
        for name, value in values.items():
            setattr(
                owner, name, copy.copy(value) if isinstance(value, set | dict | list) else value
            )


def f32(value: float) -> float:
    return float(np.float32(value))


def snap(run: Market) -> None:
    """Round the customers' float state to float32 (what the arrays hold), in place."""
    for c in run.customers:
        for name in FLOAT32_STATE:
            setattr(c, name, f32(getattr(c, name)))
        c.value_weights = tuple(f32(w) for w in c.value_weights)
        c.grievances = [f32(g) for g in c.recent_grievances()]
        c.warnings = [f32(w) for w in c.recent_warnings()]


def to_arrays(run: Market) -> CustomerArrays:
    """Every field of ``CustomerArrays`` from the customers' attributes (after ``snap``)."""
    snap(run)
    customers = run.customers
    names = tuple(run.settings.population.segments)
    n_firms = len(run.firms)

    def column(attr: str, dtype: type) -> np.ndarray:
        return np.array([getattr(c, attr) for c in customers], dtype=dtype)

    def firms(attr: str) -> np.ndarray:
        return np.array(
            [NO_FIRM if getattr(c, attr) is None else getattr(c, attr).index for c in customers],
            dtype=np.int8,
        )

    cum_weights = np.array([[0.0, *c.product_cum_weights] for c in customers])
    values = {
        "segment": np.array([names.index(c.segment) for c in customers], dtype=np.int8),
        "segment_names": names,
        "value_weights": np.array([c.value_weights for c in customers], dtype=np.float32),
        "product_weights": np.diff(cum_weights, axis=1).astype(np.float32),
        "stage": np.array([int(c.stage) for c in customers], dtype=np.int8),
        "supplier": firms("supplier"),
        "former_supplier": firms("former_supplier"),
        "lapsed_from": firms("lapsed_from"),
        "aware": np.array([c.aware for c in customers], dtype=bool),
        "warnings": np.array([c.warnings for c in customers], dtype=np.float32),
        "grievances": np.array([c.grievances for c in customers], dtype=np.float32),
        "referrer": np.array(
            [
                [c.referrers[i].customer_id if i in c.referrers else -1 for i in range(n_firms)]
                for c in customers
            ],
            dtype=np.int32,
        ),
        "referral_credit": np.array([c.referral_credit for c in customers], dtype=np.float64),
        "tenure": column("tenure", np.int16),
        "purchases": column("purchases", np.int16),
        "months_since_purchase": column("months_since_purchase", np.int16),
        "months_served": column("months_served", np.int16),
        "lifetime_purchases": column("lifetime_purchases", np.int32),
        "margin_total": column("margin_total", np.float64),
        "lifetime_spend": column("lifetime_spend", np.float64),
        **{name: column(name, np.float32) for name in FLOAT32_STATE},
    }
    assert set(values) == {f.name for f in dataclasses.fields(CustomerArrays)}
    return CustomerArrays(**values)


def _ids(ids) -> np.ndarray:
    return np.fromiter(ids, dtype=np.int64)


def expected_memory(strategy: Strategy, n: int) -> dict[str, np.ndarray]:
    """The strategy's scalar memory (sets and dicts by customer id) as its array memory."""

    def mask(ids) -> np.ndarray:
        out = np.zeros(n, dtype=bool)
        out[_ids(ids)] = True
        return out

    def months(by_id: dict[int, int], default: int) -> np.ndarray:
        out = np.full(n, default, dtype=np.int32)
        out[_ids(by_id)] = _ids(by_id.values())
        return out

    match strategy:
        case Segmentation():
            tiers = np.zeros(n, dtype=np.int8)
            tiers[_ids(strategy.tiers)] = [TIER_CODES.index(t) for t in strategy.tiers.values()]
            labels = np.zeros(n, dtype=np.int16)
            labels[_ids(strategy.labels)] = [
                strategy.label_names.index(label) for label in strategy.labels.values()
            ]
            return {"tier_codes": tiers, "label_codes": labels}
        case LoyaltyProgramme():
            return {"invited_mask": mask(strategy.invited), "member_mask": mask(strategy.members)}
        case RelationshipManagers():
            return {"assigned_mask": mask(strategy.assigned)}
        case Customization():
            return {"since_month": months(strategy.since, -1)}
        case PruningFee():
            return {"charged_mask": mask(strategy.charged)}
        case EarlyWarning():
            return {
                "selected_until_month": months(strategy.selected_until, 0),
                "active_until_month": months(strategy.active_until, -1),
            }
        case WinBack():
            left = {who: month for who, (_, month) in strategy.lapsed.items()}
            return {"lapsed_month": months(left, -1), "contacted_mask": mask(strategy.contacted)}
    return {}


def load_memory(run: Market, arrays: CustomerArrays) -> None:
    """Start every strategy's arrays and fill them from its scalar memory."""
    for firm in run.firms:
        for strategy in firm.strategies:
            strategy.start_arrays(firm, arrays)
            for name, values in expected_memory(strategy, len(arrays)).items():
                getattr(strategy, name)[...] = values


def assert_memory(strategy: Strategy, n: int) -> None:
    """The array memory holds what the scalar memory holds."""
    for name, values in expected_memory(strategy, n).items():
        np.testing.assert_array_equal(
            getattr(strategy, name), values, err_msg=f"{strategy.name}.{name}"
        )


def prepared(key: str, change=None) -> tuple[Market, CustomerArrays]:
    """The market as it was built (whatever tests before did to it), and its arrays.

    ``change(run)``, if given, alters the customers before they become arrays.
    """
    run = market(key)
    restore(run.pristine)
    if change is not None:
        change(run)
    arrays = to_arrays(run)
    load_memory(run, arrays)
    return run, arrays


def strategy_of(run: Market, firm_name: str, name: str):
    firm = next(f for f in run.firms if f.name == firm_name)
    return firm, next(s for s in firm.strategies if s.name == name)


class FakeMarket:
    """Stands in for the market: the month, the customers, and a record of what is logged.

    ``log_offer`` / ``log_fee`` record the scalar hooks' rows, ``log_offers`` /
    ``log_fees`` / ``schedule_calls`` the twins' (the vectorized market's API).
    """

    def __init__(self, month: int, arrays: CustomerArrays, customers=(), firms=()) -> None:
        self.month = month
        self.customers = customers
        self.firms = firms
        self.customer_arrays = arrays
        self.ledger = MonthLedger.empty(max(len(firms), 2), len(arrays))
        self.scalar_offers: list[tuple] = []
        self.array_offers: list[tuple] = []
        self.scalar_fees: list[tuple] = []
        self.array_fees: list[tuple] = []
        self.calls: list[tuple] = []

    @classmethod
    def of(cls, run: Market, arrays: CustomerArrays) -> "FakeMarket":
        return cls(run.month, arrays, run.customers, run.firms)

    def log_offer(self, customer, firm, programme, offer, accepted, cost) -> None:
        row = (customer.customer_id, firm.name, programme, offer, bool(accepted), float(cost))
        self.scalar_offers.append(row)

    def log_fee(self, customer, firm, fee, amount) -> None:
        self.scalar_fees.append((customer.customer_id, firm.name, fee, float(amount)))

    def log_offers(self, who, firm, programme, offer, accepted, cost) -> None:
        who = np.asarray(who)
        assert who.ndim == 1 and len(np.unique(who)) == len(who), "ids must be distinct"
        assert isinstance(offer, str) or len(offer) == len(who)
        n = len(who)
        offers = [offer] * n if isinstance(offer, str) else [str(o) for o in offer]
        accepted = np.broadcast_to(np.asarray(accepted, dtype=bool), n)
        cost = np.broadcast_to(np.asarray(cost, dtype=np.float64), n)
        for i, o, a, c in zip(who.tolist(), offers, accepted, cost, strict=True):
            self.array_offers.append((int(i), firm.name, programme, o, bool(a), float(c)))

    def log_fees(self, who, firm, fee, amounts) -> None:
        amounts = np.broadcast_to(np.asarray(amounts, dtype=np.float64), len(who))
        for i, a in zip(np.asarray(who).tolist(), amounts, strict=True):
            self.array_fees.append((int(i), firm.name, fee, float(a)))

    def schedule_calls(self, firm, strategy, who) -> None:
        self.calls.append((firm, strategy, np.asarray(who).copy()))


@contextmanager
def attached(firms, fake: FakeMarket) -> Iterator[FakeMarket]:
    """Let the firms' strategies log to ``fake`` (``firm.model``) for a while."""
    models = [firm.model for firm in firms]
    for firm in firms:
        firm.model = fake
    try:
        yield fake
    finally:
        for firm, model in zip(firms, models, strict=True):
            firm.model = model


def assert_same_rows(scalar: list[tuple], array: list[tuple]) -> None:
    """The same rows, in any order; the last field (money) to float precision."""
    scalar, array = sorted(scalar), sorted(array)
    assert [r[:-1] for r in array] == [r[:-1] for r in scalar]
    np.testing.assert_allclose([r[-1] for r in array], [r[-1] for r in scalar], rtol=1e-12)


@contextmanager
def settings_changed(strategy: Strategy, **changes) -> Iterator[None]:
    """The strategy with other settings (unvalidated: probabilities of exactly 0 or 1)."""
    kept = strategy.settings
    strategy.settings = kept.model_copy(update=changes)
    try:
        yield
    finally:
        strategy.settings = kept


def synthetic(n: int) -> CustomerArrays:
    """A population of ``n`` prospects (for rates over many customers)."""
    traits = generate_traits(
        BASELINE.with_overrides({"market.customers": n}), np.random.default_rng(1)
    )
    return CustomerArrays.from_traits(traits, 2, reference_price=20.0, initial_expectation=0.6)


def synthetic_firm(strategy: Strategy, arrays: CustomerArrays, month: int):
    """A firm of index 0 with just ``strategy``, logging to a fake market."""
    fake = FakeMarket(month, arrays)
    firm = SimpleNamespace(index=0, name="Focal", model=fake, campaign_spend=0.0)
    strategy.seed(3, "Focal")
    strategy.start_arrays(firm, arrays)
    return firm, fake


def within_binomial_error(successes: int, trials: int, p: float, z: float = 4.0) -> bool:
    return abs(successes / trials - p) <= z * np.sqrt(p * (1.0 - p) / trials)


# ---------------------------------------------------------------------- value hooks
def vary_memory(run: Market, arrays: CustomerArrays, firm) -> None:
    """Next month's state: relabelled (both ways alike), a third of first-time memory gone.

    Without it, every current customer would already have been assigned, customized and
    charged this month, and the first-time logs would have nothing to compare.
    """
    fake = FakeMarket.of(run, arrays)
    for strategy in firm.strategies:
        if isinstance(strategy, Segmentation):
            with attached(run.firms, fake):
                strategy.act(firm, fake)
                strategy.act_on_arrays(firm, fake)
            assert_memory(strategy, len(arrays))
    for strategy in firm.strategies:
        for memory in ("assigned", "since", "charged"):
            remembered = getattr(strategy, memory, None)
            for who in sorted(remembered or ())[::3]:
                if isinstance(remembered, dict):
                    del remembered[who]
                else:
                    remembered.discard(who)
    load_memory(run, arrays)


@pytest.mark.parametrize(("key", "firm_name", "name"), CASES)
def test_value_twins_equal_the_scalar_hooks_customer_by_customer(key, firm_name, name):
    run, arrays = prepared(key)
    firm, strategy = strategy_of(run, firm_name, name)
    vary_memory(run, arrays, firm)
    who = np.random.default_rng(0).permutation(len(arrays))  # any order of distinct ids
    for hook, twin in VALUE_HOOKS:
        fake = FakeMarket.of(run, arrays)
        with attached(run.firms, fake):
            expected = np.array([getattr(strategy, hook)(firm, run.customers[i]) for i in who])
            got = np.broadcast_to(getattr(strategy, twin)(firm, arrays, who), len(who))
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=0, err_msg=f"{name}.{twin}")
        assert_same_rows(fake.scalar_offers, fake.array_offers)
        assert_memory(strategy, len(arrays))
        if (name, twin) in FIRST_TIME_LOGS:
            assert fake.scalar_offers, f"{key}: {name}.{hook} logged nothing"
        neutral = getattr(Strategy, hook)(Strategy(), firm, run.customers[0])
        if twin in type(strategy).__dict__ and (name, twin) not in ALWAYS_NEUTRAL:
            assert (expected != neutral).any(), f"{key}: {name}.{hook} is neutral for everyone"


@pytest.mark.parametrize("key", list(SCENARIOS))
def test_firm_aggregates_of_the_twins_equal_the_scalar_ones(key):
    run, arrays = prepared(key)
    who = np.random.default_rng(1).permutation(len(arrays))
    customers = [run.customers[i] for i in who]
    for firm in run.firms:
        fake = FakeMarket.of(run, arrays)
        with attached(run.firms, fake):
            pairs = [
                (firm.price_factors_for(arrays, who) * firm.price, map(firm.price_for, customers)),
                (firm.bonds_for(arrays, who), map(firm.bond_for, customers)),
                (firm.value_lifts_for(arrays, who), map(firm.value_lift_for, customers)),
                (firm.exit_costs_for(arrays, who), map(firm.exit_cost_for, customers)),
                (
                    firm.satisfaction_drifts_for(arrays, who),
                    map(firm.satisfaction_drift_for, customers),
                ),
                (firm.referral_boosts_for(arrays, who), map(firm.referral_boost_for, customers)),
                (firm.monthly_fees_for(arrays, who), map(firm.monthly_fee_for, customers)),
                (firm.retention_costs_for(arrays, who), map(firm.retention_cost_for, customers)),
            ]
            for got, expected in pairs:
                np.testing.assert_allclose(got, list(expected), rtol=1e-12, atol=1e-12)
        assert_same_rows(fake.scalar_offers, fake.array_offers)
        for strategy in firm.strategies:
            assert_memory(strategy, len(arrays))


# ---------------------------------------------------------------------- event hooks
#: Random settings pinned to all-or-nothing, so the scalar and the twin must agree exactly.
PINNED = {"loyalty_programme": [{"enrolment": 0.0}, {"enrolment": 1.0}]}


def new_customers(run: Market) -> None:
    """Make a third of the customers new (tenure 0, a purchase or two): first purchases."""
    for customer in run.customers[::3]:
        customer.tenure = 0
        customer.purchases = customer.customer_id // 3 % 3


@pytest.mark.parametrize(("key", "firm_name", "name"), CASES)
def test_event_twins_book_log_and_remember_as_the_scalar_hooks(key, firm_name, name):
    run, arrays = prepared(key, new_customers)
    firm, strategy = strategy_of(run, firm_name, name)
    rng = np.random.default_rng(2)
    n = len(arrays)
    for changes in PINNED.get(name, [{}]):
        for hook, twin in EVENT_HOOKS:
            before = expected_memory(strategy, n)
            who = rng.permutation(n)[: n // 2]
            amounts = rng.uniform(5.0, 100.0, len(who))
            fake = FakeMarket.of(run, arrays)
            books = [MonthBooks(tenure=run.customers[i].tenure, served=True) for i in who]
            with settings_changed(strategy, **changes), attached(run.firms, fake):
                for i, amount, book in zip(who, amounts, books, strict=True):
                    args = (amount, book) if hook == "after_purchase" else (book,)
                    getattr(strategy, hook)(firm, run.customers[i], *args)
                args = (amounts, fake.ledger) if hook == "after_purchase" else (fake.ledger,)
                getattr(strategy, twin)(firm, arrays, who, *args)
            for item in LEDGER_ITEMS:
                expected = np.zeros((len(fake.ledger[item]), n))
                expected[firm.index, who] = [getattr(book, item) for book in books]
                np.testing.assert_allclose(
                    fake.ledger[item], expected, rtol=1e-12, err_msg=f"{name}.{twin}: {item}"
                )
            assert_same_rows(fake.scalar_offers, fake.array_offers)
            assert_same_rows(fake.scalar_fees, fake.array_fees)
            assert_memory(strategy, n)
            after = expected_memory(strategy, n)
            effect = (
                any(fake.ledger[item].any() for item in LEDGER_ITEMS)
                or fake.scalar_offers
                or fake.scalar_fees
                or any((before[k] != after[k]).any() for k in before)
            )
            if twin in type(strategy).__dict__:
                assert effect, f"{key}: {name}.{hook} did nothing to compare"


def test_loyalty_enrolment_joins_at_its_rate_and_only_once():
    arrays = synthetic(20_000)
    strategy = LoyaltyProgramme(LoyaltyProgrammeSettings(enrolment=0.3, launch_month=2))
    firm, fake = synthetic_firm(strategy, arrays, month=1)
    who = np.arange(len(arrays))
    amounts = np.full(len(who), 40.0)
    strategy.after_purchases(firm, arrays, who, amounts, fake.ledger)  # before the launch
    assert not strategy.invited_mask.any() and not fake.array_offers
    fake.month = 2
    strategy.after_purchases(firm, arrays, who, amounts, fake.ledger)
    joined = strategy.member_mask
    assert strategy.invited_mask.all() and len(fake.array_offers) == len(who)
    assert [r[4] for r in sorted(fake.array_offers)] == joined.tolist()
    assert within_binomial_error(int(joined.sum()), len(who), 0.3)
    rewards = fake.ledger["retention_cost"][0]
    np.testing.assert_allclose(rewards, np.where(joined, 40.0 * 0.03 * 0.6, 0.0))
    strategy.after_purchases(firm, arrays, who, amounts, fake.ledger)  # invited once only
    assert len(fake.array_offers) == len(who)
    np.testing.assert_array_equal(strategy.member_mask, joined)


# ---------------------------------------------------------------------- segmentation
SEGMENTED = [(key, firm) for key, firm, name in CASES if name == "segmentation"]


@pytest.mark.parametrize(("key", "firm_name"), SEGMENTED)
def test_segmentation_act_on_arrays_labels_and_logs_as_act(key, firm_name):
    run, arrays = prepared(key)
    firm, strategy = strategy_of(run, firm_name, "segmentation")
    fake = FakeMarket.of(run, arrays)
    with attached(run.firms, fake):
        strategy.act(firm, fake)
        strategy.act_on_arrays(firm, fake)
    assert_memory(strategy, len(arrays))  # tiers and labels, exactly
    assert fake.scalar_offers, "no label changed: the comparison would be empty"
    assert sorted(fake.array_offers) == sorted(fake.scalar_offers)
    who = np.random.default_rng(3).permutation(len(arrays))
    customers = [run.customers[i] for i in who]
    tiers = [TIER_CODES[code] for code in firm.tier_codes_for(who)]
    assert tiers == [firm.tier_of(c) for c in customers]
    labels = [firm.segment_of(c) for c in customers]
    assert firm.segment_labels_for(who).tolist() == labels
    some = sorted({label for label in labels if label})[::2] or ["nobody"]
    assert firm.in_segments_for(who, some).tolist() == [label in some for label in labels]


def test_firms_without_a_segmentation_give_no_tier_and_no_label():
    run, arrays = prepared("mixed")
    rival = run.firms[1]
    assert not any(isinstance(s, Segmentation) for s in rival.strategies)
    who = np.arange(len(arrays))
    assert not rival.tier_codes_for(who).any()
    assert set(rival.segment_labels_for(who)) == {""}
    assert not rival.in_segments_for(who, ["lead", "all"]).any()
    assert rival.in_segments_for(who, [""]).all()  # as ``segment_of(c) in [""]`` is


@pytest.mark.parametrize("seed", range(6))
def test_pyramid_codes_are_the_customer_pyramid_tiers(seed):
    rng = np.random.default_rng(seed)
    for n in (1, 2, 3, 10, 57, 400):
        profit = rng.choice([-2.0, -0.5, 0.0, 0.0, 1.0, 1.0, 3.5], size=n)  # many ties
        if seed % 2:
            profit = rng.normal(0.5, 1.0, size=n)
        shares = [(0.05, 0.15), (0.0, 0.0), (0.5, 0.5), (1.0, 0.0), (0.33, 0.33)][seed % 5]
        frame = pd.DataFrame({"customer_id": rng.permutation(10 * n)[:n], "profit": profit})
        tiers = CustomerPyramid(shares).fit(frame).tiers_  # sorted by customer id
        order = np.argsort(frame["customer_id"].to_numpy())
        codes = pyramid_codes(profit[order], shares)
        assert [TIER_CODES[c] for c in codes] == [str(t) for t in tiers]


@pytest.mark.parametrize("seed", range(6))
def test_rfm_codes_are_the_rfm_labels(seed):
    rng = np.random.default_rng(seed)
    names = ("", *SEGMENT_LABELS["rfm"])
    for n in (1, 2, 3, 7, 50, 500):
        ids = np.sort(rng.permutation(10 * n)[:n])
        recency = rng.integers(0, 4 + 4 * seed, size=n)
        frequency = rng.integers(0, 3 + 6 * seed, size=n)
        customers = [
            SimpleNamespace(customer_id=int(i), months_since_purchase=int(r), purchases=int(f))
            for i, r, f in zip(ids, recency, frequency, strict=True)
        ]
        expected = _rfm_labels(customers)
        codes = rfm_codes(recency.astype(np.int16), frequency.astype(np.int16))
        assert [names[c] for c in codes] == [expected[int(i)] for i in ids]


# ---------------------------------------------------------------------- early warning
def _early_warning(key: str = "mixed"):
    run, arrays = prepared(key)
    firm, strategy = strategy_of(run, "Focal", "early_warning")
    return run, arrays, firm, strategy


def _act_both(run, arrays, firm, strategy) -> tuple[FakeMarket, float, float]:
    """Run ``act`` and ``act_on_arrays`` on the same state; their campaign spends."""
    fake = FakeMarket.of(run, arrays)
    with attached(run.firms, fake):
        before = firm.campaign_spend
        strategy.act(firm, fake)
        scalar = firm.campaign_spend - before
        strategy.act_on_arrays(firm, fake)
        array = firm.campaign_spend - before - scalar
    firm.campaign_spend = before
    return fake, scalar, array


@pytest.mark.parametrize(
    "changes",
    [
        {"holdout": 0.0, "acceptance": 1.0},
        {"holdout": 1.0},
        {"holdout": 0.0, "acceptance": 0.0},
        {"holdout": 0.0, "acceptance": 1.0, "budget": 1e6},
    ],
)
def test_early_warning_selects_and_offers_as_act_when_all_or_nothing(changes):
    run, arrays, firm, strategy = _early_warning()
    with settings_changed(strategy, **changes):
        fake, scalar, array = _act_both(run, arrays, firm, strategy)
    assert fake.scalar_offers, "nobody selected: the comparison would be empty"
    assert_memory(strategy, len(arrays))
    assert_same_rows(fake.scalar_offers, fake.array_offers)
    assert array == pytest.approx(scalar, rel=1e-12)


def test_early_warning_selection_is_exact_and_its_split_random():
    run, arrays, firm, strategy = _early_warning()
    fake, _, _ = _act_both(run, arrays, firm, strategy)
    selected = strategy.selected_until_month
    np.testing.assert_array_equal(
        selected, expected_memory(strategy, len(arrays))["selected_until_month"]
    )
    assert {r[0] for r in fake.array_offers} == {r[0] for r in fake.scalar_offers}
    offered = np.array([r[0] for r in fake.array_offers if r[3] == "retention_offer"])
    accepted = np.array([r[4] for r in fake.array_offers if r[3] == "retention_offer"])
    assert len(offered) and accepted.any() and not accepted.all()
    active = strategy.active_until_month[offered] == run.month + 6
    np.testing.assert_array_equal(active, accepted)


def test_early_warning_ranks_by_risk_then_id():
    arrays = synthetic(3_000)
    rng = np.random.default_rng(4)
    n = len(arrays)
    arrays.supplier[:] = rng.choice([0, 1, NO_FIRM], size=n)
    arrays.months_since_purchase[:] = rng.integers(0, 9, size=n)
    arrays.satisfaction[:] = rng.choice([1.0, 2.5, 3.0, 4.75], size=n)
    arrays.grievances[:, :] = rng.choice([0.0, 0.5, 2.0], size=arrays.grievances.shape)
    strategy = EarlyWarning(EarlyWarningSettings(budget=3000.0))
    firm, fake = synthetic_firm(strategy, arrays, month=8)
    strategy.selected_until_month[::7] = 9  # selected lately: not eligible
    customers = [
        SimpleNamespace(
            customer_id=i,
            months_since_purchase=int(arrays.months_since_purchase[i]),
            satisfaction=float(arrays.satisfaction[i]),
            recent_grievances=functools.partial(list, arrays.grievances[i].tolist()),
        )
        for i in range(n)
        if arrays.supplier[i] == 0 and strategy.selected_until_month[i] < 8
    ]
    customers.sort(key=lambda c: (-risk_score(c), c.customer_id))
    strategy.act_on_arrays(firm, fake)
    chosen = np.flatnonzero(strategy.selected_until_month == 8 + 6)
    assert len(chosen) == 150
    assert set(chosen.tolist()) == {c.customer_id for c in customers[:150]}


def test_early_warning_holds_out_and_accepts_at_their_rates():
    arrays = synthetic(20_000)
    arrays.supplier[:] = 0
    strategy = EarlyWarning(EarlyWarningSettings(budget=20.0 * 20_000, holdout=0.2, acceptance=0.6))
    firm, fake = synthetic_firm(strategy, arrays, month=8)
    strategy.act_on_arrays(firm, fake)
    held = [r for r in fake.array_offers if r[3] == "holdout"]
    offered = [r for r in fake.array_offers if r[3] == "retention_offer"]
    assert len(held) + len(offered) == 20_000
    assert within_binomial_error(len(held), 20_000, 0.2)
    accepted = sum(r[4] for r in offered)
    assert within_binomial_error(accepted, len(offered), 0.6)
    assert firm.campaign_spend == pytest.approx(20.0 * accepted)
    assert (strategy.active_until_month >= 0).sum() == accepted


# ---------------------------------------------------------------------- win-back
def _win_back():
    run, arrays = prepared("mixed")
    firm, strategy = strategy_of(run, "Focal", "win_back")
    assert strategy.lapsed, "nobody lapsed: the comparison would be empty"
    return run, arrays, firm, strategy


@pytest.mark.parametrize("reach", [0.0, 1.0])
def test_win_back_contacts_as_act_when_all_or_nothing(reach):
    run, arrays, firm, strategy = _win_back()
    with settings_changed(strategy, reach=reach):
        fake, scalar, array = _act_both(run, arrays, firm, strategy)
    assert_memory(strategy, len(arrays))
    assert_same_rows(fake.scalar_offers, fake.array_offers)
    assert bool(fake.scalar_offers) == (reach == 1.0)
    assert array == pytest.approx(scalar, rel=1e-12)
    lapsed_from = [NO_FIRM if c.lapsed_from is None else c.lapsed_from.index for c in run.customers]
    np.testing.assert_array_equal(arrays.lapsed_from, lapsed_from)


def test_win_back_forgets_exactly_and_reaches_at_random():
    run, arrays, firm, strategy = _win_back()
    was_contacted = strategy.contacted_mask.copy()
    fake, _, _ = _act_both(run, arrays, firm, strategy)
    expected = expected_memory(strategy, len(arrays))
    np.testing.assert_array_equal(strategy.lapsed_month, expected["lapsed_month"])
    reached = np.array(sorted(r[0] for r in fake.array_offers), dtype=np.int64)
    assert not was_contacted[reached].any() and (strategy.lapsed_month[reached] >= 0).all()


def test_win_back_reaches_its_share_of_the_recently_lapsed():
    arrays = synthetic(20_000)
    strategy = WinBack(WinBackSettings(reach=0.3, window=3))
    firm, fake = synthetic_firm(strategy, arrays, month=5)
    arrays.supplier[:] = 0
    arrays.lapsed_from[:] = 0
    strategy.on_leaves(firm, arrays, np.arange(20_000), fake.ledger)
    arrays.supplier[:] = NO_FIRM
    arrays.supplier[:1000] = 1  # joined a rival since: off the list
    fake.month = 8
    strategy.act_on_arrays(firm, fake)
    reached = np.array([r[0] for r in fake.array_offers])
    assert (reached >= 1000).all() and (strategy.lapsed_month[:1000] == -1).all()
    assert within_binomial_error(len(reached), 19_000, 0.3)
    assert (arrays.lapsed_from[reached] == NO_FIRM).all()
    assert (arrays.lapsed_from == NO_FIRM).sum() == len(reached)
    assert firm.campaign_spend == pytest.approx(5.0 * len(reached))
    fake.month = 9  # gone too long now: nobody is contacted
    strategy.act_on_arrays(firm, fake)
    assert len(fake.array_offers) == len(reached) and (strategy.lapsed_month == -1).all()


# ---------------------------------------------------------------------- cross-selling
def _scalar_calls(run: Market, firm) -> set[int]:
    """Take the calls the scalar ``act`` left on the customers to ``firm``."""
    called = set()
    for customer in run.customers:
        called |= {customer.customer_id for f, _ in customer.sales_calls if f is firm}
        customer.sales_calls = [(f, o) for f, o in customer.sales_calls if f is not firm]
    return called


@pytest.mark.parametrize("key", ["telecom", "rfm"])
def test_cross_sell_calls_everyone_eligible_or_no_one_as_act(key):
    run, arrays = prepared(key)
    firm, strategy = strategy_of(run, "Focal", "cross_sell")
    for count in (0, 10**6):
        with settings_changed(strategy, customers_per_month=count, prospects_per_month=count):
            fake, _, _ = _act_both(run, arrays, firm, strategy)
        expected = _scalar_calls(run, firm)
        called = [who for f, s, who in fake.calls]
        assert all(f is firm and s is strategy for f, s, _ in fake.calls)
        assert set(np.concatenate([np.zeros(0, int), *called]).tolist()) == expected
        assert bool(expected) == bool(count)
    mine = arrays.supplier == firm.index
    if strategy.settings.segments is not None:  # the segment filter did leave some out
        assert len(called[0]) < mine.sum()


@pytest.mark.parametrize("key", ["telecom", "rfm"])
def test_cross_sell_samples_the_scalar_groups(key):
    run, arrays = prepared(key)
    firm, strategy = strategy_of(run, "Focal", "cross_sell")
    fake, _, _ = _act_both(run, arrays, firm, strategy)
    _scalar_calls(run, firm)
    (_, _, customers), (_, _, strangers) = fake.calls
    segments = strategy.settings.segments
    eligible = {
        c.customer_id
        for c in run.customers
        if c.supplier is firm and (segments is None or firm.segment_of(c) in segments)
    }
    assert len(customers) == min(strategy.settings.customers_per_month, len(eligible))
    assert set(customers.tolist()) <= eligible and len(set(customers.tolist())) == len(customers)
    others = {c.customer_id for c in run.customers if c.supplier is not firm}
    assert len(strangers) == min(strategy.settings.prospects_per_month, len(others))
    assert set(strangers.tolist()) <= others and len(set(strangers.tolist())) == len(strangers)


def test_cross_sell_samples_uniformly_without_replacement():
    arrays = synthetic(100)
    arrays.supplier[:40] = 0
    strategy = CrossSell(CrossSellSettings(customers_per_month=8, prospects_per_month=15))
    firm, fake = synthetic_firm(strategy, arrays, month=3)
    firm.strategies = []
    reps = 3000
    counts = np.zeros(len(arrays))
    for _ in range(reps):
        strategy.act_on_arrays(firm, fake)
    for (_, _, customers), (_, _, strangers) in zip(fake.calls[::2], fake.calls[1::2], strict=True):
        assert len(customers) == 8 and len(set(customers.tolist())) == 8
        assert len(strangers) == 15 and len(set(strangers.tolist())) == 15
        assert (customers < 40).all() and (strangers >= 40).all()
        counts[customers] += 1
        counts[strangers] += 1
    for group, p in ((slice(0, 40), 8 / 40), (slice(40, 100), 15 / 60)):
        assert all(within_binomial_error(int(k), reps, p) for k in counts[group]), counts[group]


# ---------------------------------------------------------------------- firm-level moves
@pytest.mark.parametrize("name", ["advertising_campaign", "price_change"])
def test_firm_level_moves_act_on_arrays_as_act(name):
    run, arrays = prepared("mixed")
    firm, strategy = strategy_of(run, "Focal", name)
    kept = (firm.advertising, firm.advertising_spend, firm.price)
    moved = False
    for month in range(0, 45):
        fake = FakeMarket(month, arrays, run.customers, run.firms)
        before = (firm.advertising, firm.advertising_spend, firm.price)
        strategy.act(firm, fake)
        scalar = (firm.advertising, firm.advertising_spend, firm.price)
        firm.advertising, firm.advertising_spend, firm.price = before
        strategy.act_on_arrays(firm, fake)
        assert (firm.advertising, firm.advertising_spend, firm.price) == scalar
        moved |= scalar != before
    assert moved
    firm.advertising, firm.advertising_spend, firm.price = kept


# ---------------------------------------------------------------------- memory lifecycle
def test_start_arrays_keeps_memory_for_its_population_and_starts_afresh_for_another():
    arrays = synthetic(50)
    strategy = PruningFee(PruningFeeSettings())
    firm, _ = synthetic_firm(strategy, arrays, month=1)
    strategy.charged_mask[3] = True
    strategy.start_arrays(firm, arrays)  # a kept strategy, started again: memory kept
    assert strategy.charged_mask[3]
    other = synthetic(60)
    strategy.start_arrays(firm, other)
    assert len(strategy.charged_mask) == 60 and not strategy.charged_mask.any()


def test_win_back_no_firm_is_the_arrays_no_firm():
    from sim.strategies import win_back

    assert win_back.NO_FIRM == customer_arrays.NO_FIRM
