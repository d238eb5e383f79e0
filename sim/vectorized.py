"""The vectorized engine: the same market, with every customer's month computed at once.

``Market(scenario, rng=seed, engine="vectorized")`` builds this class. Customers are the
rows of ``CustomerArrays`` instead of Mesa agents; the month runs phase by phase like
``Customer.step`` (DESIGN §3), but each phase applies its rule from ``sim.rules`` to all
customers in one NumPy call. Firms stay Mesa agents with their strategies (through the
strategies' array twins); KPIs, the event tables and the CRM database are the agent
engine's, column for column.

What differs is only the order of events within a month. Agents act one after another
in a random order, so a referral or a warning may reach a friend who has yet to act
this month; here all customers act in the same phase together, and what a friend hears
counts from the next phase (a warning, a fairness comparison) or month (a referral)
on. The two engines draw different random numbers, so they agree in distribution, not
run for run: tests/test_engine_equivalence.py checks the KPI distributions over 30
replications for every preset.
"""

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from sim.agents import (
    BASELINE_GRIEVANCE,
    INCONVENIENCE_SCALE,
    RECOVERED_INCIDENT,
    REFERENCE_PRICE_ADAPTATION,
    BuyClass,
    Firm,
)
from sim.customer_arrays import NO_FIRM, CustomerArrays, MonthLedger
from sim.economics import basket_growth, cost_to_serve, price_premium, profit_by_source
from sim.model import Market, _add_months, _empty_totals
from sim.population import build_contacts, generate_traits, reference_item_price
from sim.rules.choice import choice_probabilities
from sim.rules.diffusion import adoption_probability
from sim.rules.fairness import price_unfairness
from sim.rules.loyalty import defection_probability
from sim.rules.offers import offer_acceptance
from sim.rules.relationship import Stage, next_stage, updated_strength
from sim.rules.satisfaction import (
    adapted_expectation,
    cumulative_satisfaction,
    purchase_satisfaction,
)
from sim.rules.service import CORE_FAILURE_SHARE, failure_probability, performance_after_failure
from sim.rules.switching import (
    REASONS,
    ChurnReason,
    competition_grievance,
    inconvenience_grievance,
    pricing_grievance,
)
from sim.rules.value import perceived_value, total_customer_cost, total_customer_value
from sim.rules.word_of_mouth import image_after_warnings, referral_probability, warning_probability
from sim.scenario import Scenario
from sim.strategies import Strategy
from sim.strategies.cross_sell import CrossSell
from sim.warehouse import Backend

#: Column of each churn reason in ``CustomerArrays.grievances``.
REASON_COLUMN = {reason: i for i, reason in enumerate(REASONS)}
_BASELINE = np.array(BASELINE_GRIEVANCE, dtype=np.float32)
_STAGE_LABELS = [stage.label for stage in Stage]
_REASON_LABELS = [reason.value for reason in REASONS]
_BUY_CLASSES = [BuyClass.NEW_TASK, BuyClass.MODIFIED_REBUY, BuyClass.STRAIGHT_REBUY]
_EPOCH = dt.date(1970, 1, 1)


class VectorizedMarket(Market):
    """A Market whose customers are arrays (see the module docstring); same interface."""

    def __init__(
        self,
        scenario: Scenario | str | Path = "baseline",
        *,
        rng: int | None = None,
        database: str | Path | None = None,
        backend: Backend = "duckdb",
        batch_rows: int = 200_000,
        defection_rule: Callable[..., object] = defection_probability,
        engine: str = "vectorized",
    ) -> None:
        super().__init__(
            scenario,
            rng=rng,
            database=database,
            backend=backend,
            batch_rows=batch_rows,
            defection_rule=defection_rule,
            engine=engine,
        )

    # ------------------------------------------------------------------ set-up
    def _populate(self, settings: Scenario) -> None:
        """Firms, customer arrays, contacts and the month-0 state (logged)."""
        self.keeps_events = self.warehouse.keeps_events
        self.firms = [Firm(self, f, i) for i, f in enumerate(settings.firms)]
        self._firm_names = pa.array([f.name for f in self.firms], pa.string())
        self.products = settings.products
        self._products_by_name = {p.name: p for p in self.products}
        self._product_names = pa.array([p.name for p in self.products], pa.string())
        self._price_factors = np.array([p.price_factor for p in self.products])
        economics = settings.economics
        #: Cost to serve by tenure (months), looked up rather than recomputed monthly.
        self._serve_cost = cost_to_serve(
            np.arange(settings.market.months + settings.population.initial_tenure_max + 1),
            economics.cost_to_serve_new,
            economics.cost_to_serve_floor,
            economics.cost_to_serve_halflife_months,
        )
        self._cost_factors = np.array([p.cost_factor for p in self.products])
        self.reference_price = reference_item_price(settings)
        self.network_kind = settings.network.kind
        traits = generate_traits(settings, self.rng)
        self.customer_arrays = CustomerArrays.from_traits(
            traits, len(self.firms), self.reference_price, settings.behaviour.initial_expectation
        )
        #: Cumulative product preferences, one row per product but the last (for draws).
        self._cumulative_weights = (
            np.cumsum(self.customer_arrays.product_weights, axis=1).T[:-1].copy()
        )
        self.contacts = build_contacts(settings, self.rng)
        if self.contacts is not None:
            self._degree = np.diff(self.contacts.indptr).astype(np.int32)
        n = len(self.customer_arrays)
        self.ledger = MonthLedger.empty(len(self.firms), n)
        self._calls: list[tuple[Firm, CrossSell, np.ndarray]] = []
        self._delivered: dict[int, tuple[tuple[float, ...], np.ndarray]] = {}
        self._scheduled: list[tuple[Firm, CrossSell, np.ndarray]] = []
        month_starts = [_add_months(settings.market.start_date, m) for m in range(self.months + 1)]
        self._month_days = [
            ((start - _EPOCH).days, (_add_months(start, 1) - start).days) for start in month_starts
        ]
        self._next_transaction_id = 0
        #: Days of the month come from a stream of their own: with or without a database,
        #: the market draws the same numbers.
        self._dates = np.random.default_rng([self.seed, 0xDA7E])
        self._kpi_rows: list[dict] = []
        self._retention_history: list[list[tuple[int, float]]] = [[] for _ in self.firms]
        self._supplier_at_start = np.full(n, NO_FIRM, dtype=np.int8)
        self._customers_at_start = [0] * len(self.firms)
        for firm in self.firms:
            for strategy in firm.strategies:
                strategy.start_arrays(firm, self.customer_arrays)
        self._write_reference_tables(traits)
        self._seed_initial_state()
        self._scan_customers()

    def prepare_strategy(self, firm: Firm, strategy: Strategy) -> None:
        """A strategy adopted mid-run gets its per-customer memory."""
        strategy.start_arrays(firm, self.customer_arrays)

    def _seed_initial_state(self) -> None:
        """Awareness and existing customers at month 0, drawn as the agent engine draws."""
        population = self.settings.population
        lifecycle = self.settings.lifecycle
        c = self.customer_arrays
        n = len(c)
        aware = self.rng.random((n, len(self.firms))) < population.initial_awareness
        existing = self.rng.random(n) < population.initial_customer_share
        supplier = self.rng.integers(len(self.firms), size=n)
        tenure = self.rng.integers(population.initial_tenure_max + 1, size=n)
        strength = self.rng.uniform(0.5, 0.85, size=n)
        for firm in self.firms:
            self.log_contacts(np.flatnonzero(aware[:, firm.index]), firm, "initial")
        c.aware |= aware
        who = np.flatnonzero(existing)
        c.aware[who, supplier[who]] = True
        c.supplier[who] = supplier[who]
        c.tenure[who] = tenure[who]
        c.purchases[who] = tenure[who]
        c.strength[who] = strength[who]
        c.satisfaction[who] = 1.0 + 4.0 * c.strength[who]
        stable = (c.tenure[who] >= lifecycle.stability_tenure) & (
            c.strength[who] >= lifecycle.stability_strength
        )
        formed = c.tenure[who] >= lifecycle.formation_purchases
        c.stage[who] = np.where(
            stable, Stage.STABILITY, np.where(formed, Stage.FORMATION, Stage.EXPLORATION)
        )
        for firm in self.firms:
            mine = who[c.supplier[who] == firm.index]
            self.log_stages(mine, firm.index, Stage.PROSPECT, c.stage[mine], "initial")

    # ------------------------------------------------------------------ the month
    def step(self) -> None:
        """One month: customers act phase by phase, firms apply strategies, KPIs recorded."""
        self.month += 1
        self._totals = [_empty_totals() for _ in self.firms]
        c = self.customer_arrays
        decay = self.settings.behaviour.grievance_decay
        c.warnings *= decay  # one fade per month (Customer.recent_warnings)
        c.grievances *= decay
        self.open_books()
        self.hear_about_firms()  # 1. awareness (Bass)
        self.reconsider_former_suppliers()  # win-back
        self.answer_sales_calls()  # 2. a trigger: last month's sales calls
        self.shop()  # 2-6. need, consideration, choice, basket, experience
        self.talk_to_contacts()  # 7. word of mouth, referrals, price comparisons
        self.update_relationships()  # 8. trust and lifecycle stage
        self.consider_leaving()  # 9. defection with a reason
        self.close_books()
        self.warehouse.write_full()
        for firm in self.firms:
            for strategy in firm.strategies:
                strategy.act_on_arrays(firm, self)
        self._calls, self._scheduled = self._scheduled, []
        self._record_kpis(self._scan_customers())
        if self.month >= self.months:
            self.running = False

    # ------------------------------------------------------------------ 1. awareness
    def hear_about_firms(self) -> None:
        """Each unaware customer may hear of each firm by advertising or word of mouth."""
        c = self.customer_arrays
        imitation = self.settings.behaviour.word_of_mouth
        for firm in self.firms:
            who = np.flatnonzero(~c.aware[:, firm.index])
            if not len(who):
                continue
            chance = adoption_probability(
                firm.advertising, imitation, self.adopter_shares(firm, who)
            )
            draw = self.uniform(len(who))
            heard = draw < chance
            who, draw = who[heard], draw[heard]
            c.aware[who, firm.index] = True
            by_advertising = draw < firm.advertising
            self.log_contacts(who[by_advertising], firm, "advertising")
            self.log_contacts(who[~by_advertising], firm, "word_of_mouth")

    def uniform(self, n: int) -> np.ndarray:
        """``n`` uniform draws in [0, 1) for decisions.

        Single precision is faster; its resolution (2**-24) moves no probability by more
        than 6e-8.
        """
        return self.rng.random(n, dtype=np.float32)

    def adopter_shares(self, firm: Firm, who: np.ndarray) -> np.ndarray:
        """Share of each customer's contacts buying from ``firm`` at the month's start."""
        n = len(self.customer_arrays)
        if self.network_kind == "complete":
            return np.full(len(who), self._customers_at_start[firm.index] / n)
        if self.contacts is None:
            return np.zeros(len(who))
        adopters = (self._supplier_at_start == firm.index).astype(np.float32)
        # Once most customers know the firm, the few who do not are cheaper to read alone.
        contacts = self.contacts[who] if len(who) < n // 8 else self.contacts
        counts = contacts @ adopters
        if contacts is self.contacts:
            counts = counts[who]
        degree = self._degree[who]
        return np.where(degree > 0, counts / np.maximum(degree, 1), 0.0)

    def pick_contacts(self, who: np.ndarray) -> np.ndarray:
        """A random contact of each customer in ``who`` (-1 for someone with none)."""
        n = len(self.customer_arrays)
        if self.network_kind == "complete":
            return self.rng.integers(n, size=len(who))
        if self.contacts is None:
            return np.full(len(who), -1)
        degree = self._degree[who]
        offset = (self.uniform(len(who)) * degree).astype(np.int64)
        picked = self.contacts.indices[self.contacts.indptr[who] + np.minimum(offset, degree - 1)]
        return np.where(degree > 0, picked, -1)

    def reconsider_former_suppliers(self) -> None:
        """A churned customer may let the firm they left back into consideration."""
        c = self.customer_arrays
        who = np.flatnonzero((c.stage == Stage.CHURNED) & (c.lapsed_from != NO_FIRM))
        back = who[self.uniform(len(who)) < self.settings.lifecycle.win_back_rate]
        for firm in self.firms:
            self.log_contacts(back[c.lapsed_from[back] == firm.index], firm, "win_back")
        c.lapsed_from[back] = NO_FIRM

    # ------------------------------------------------------------------ 2-6. buying
    def answer_sales_calls(self) -> None:
        """Take or refuse last month's calls, firm by firm (``Customer.answer_sales_calls``)."""
        c = self.customer_arrays
        behaviour = self.settings.behaviour
        for firm, offer, who in self._calls:
            f = firm.index
            existing = c.supplier[who] == f
            unaware = who[~c.aware[who, f]]
            c.aware[unaware, f] = True
            self.log_contacts(unaware, firm, "sales_call")
            chance = offer_acceptance(
                self.perceived_values(firm, who, habit=False),
                np.where(existing, c.strength[who], 0.0),
                behaviour.offer_hurdle,
                behaviour.offer_trust_weight,
                behaviour.choice_scale,
            )
            accepted = self.uniform(len(who)) < chance
            cost = np.where(existing, offer.call_cost(True), offer.call_cost(False))
            self.ledger.book("retention_cost", f, who[existing], cost[existing])
            self.ledger.book("acquisition_cost", f, who[~existing], cost[~existing])
            offers = np.where(existing, "existing", "new")
            self.log_offers(who, firm, offer.name, offers, accepted, cost)
            if accepted.any():
                self.buy_offer(firm, offer, who[accepted])

    def shoppers(self, who: np.ndarray) -> dict[str, np.ndarray]:
        """What the value of every firm's offer depends on, read once for customers ``who``.

        ``exit_cost`` is what leaving the current supplier costs (the switching cost plus
        the supplier's exit costs: fees, contracts); zero for customers with none.
        """
        c = self.customer_arrays
        supplier = c.supplier[who]
        exit_cost = np.where(supplier != NO_FIRM, self.settings.behaviour.switching_cost, 0.0)
        for firm in self.firms:
            if firm.strategies:
                theirs = np.flatnonzero(supplier == firm.index)
                exit_cost[theirs] += firm.exit_costs_for(c, who[theirs])
        return {
            "supplier": supplier,
            "exit_cost": exit_cost,
            "weights": c.value_weights[who].T,
            "reference_price": c.reference_price[who],
            "price_weight": c.price_weight[who],
            "time_weight": c.time_weight[who],
        }

    def perceived_values(
        self,
        firm: Firm,
        who: np.ndarray,
        habit: bool = True,
        shoppers: dict[str, np.ndarray] | None = None,
    ) -> np.ndarray:
        """Customer perceived value of ``firm``'s offer for customers ``who``."""
        c = self.customer_arrays
        behaviour = self.settings.behaviour
        read = self.shoppers(who) if shoppers is None else shoppers
        f = firm.index
        image = image_after_warnings(firm.image, c.warnings[:, f][who], behaviour.warning_impact)
        value = total_customer_value(
            firm.product, firm.service, firm.personnel, image, read["weights"]
        )
        current = read["supplier"] == f
        switching = np.where(current, 0.0, read["exit_cost"])
        price = np.full(len(who), firm.price)
        if firm.strategies:
            price *= firm.price_factors_for(c, who)
            mine = np.flatnonzero(current)
            if len(mine):
                price[mine] += firm.monthly_fees_for(c, who[mine]) / np.maximum(
                    c.items_rate[who[mine]], 1.0
                )
                value = value.astype(np.float64)
                value[mine] += firm.value_lifts_for(c, who[mine])
        cost = total_customer_cost(
            price,
            read["reference_price"],
            read["price_weight"],
            firm.convenience,
            read["time_weight"],
            switching,
        )
        inertia = np.where(current, behaviour.inertia, 0.0) if habit else 0.0
        return perceived_value(value, cost, inertia)

    def shop(self) -> None:
        """Need recognition, consideration set, logit choice, then the purchases.

        Firms are few and customers many, so everything is a column per firm.
        """
        c = self.customer_arrays
        behaviour = self.settings.behaviour
        n_firms = len(self.firms)
        who = np.flatnonzero(self.uniform(len(c)) < c.need_rate)
        supplier = c.supplier[who]
        lapsed = c.lapsed_from[who]
        threshold = behaviour.rebuy_threshold
        straight = None
        if threshold is not None:  # a satisfied organizational buyer reorders
            straight = (supplier != NO_FIRM) & (c.satisfaction[who] >= threshold)
        options = []
        for firm in self.firms:
            known = c.aware[:, firm.index][who] & (lapsed != firm.index)
            if straight is not None:
                known = np.where(straight, supplier == firm.index, known)
            options.append(known)
        shoppers = self.shoppers(who)
        values = [self.perceived_values(firm, who, shoppers=shoppers) for firm in self.firms]
        self._grieve_at_rivals(who, supplier, options, values)
        utilities = [np.where(o, v, -np.inf) for o, v in zip(options, values, strict=True)]
        shares = choice_probabilities(
            utilities, behaviour.no_purchase_utility, behaviour.choice_scale
        )
        draw = self.uniform(len(who))
        chosen = np.zeros(len(who), dtype=np.int8)  # the first firm whose share covers it
        cumulative = np.zeros(len(who))
        for share in shares[:n_firms]:
            cumulative += share
            chosen += cumulative <= draw
        buy_class = np.where(c.stage[who] == Stage.PROSPECT, 0, 1).astype(np.int8)
        if straight is not None:
            buy_class[straight] = 2
        for firm in self.firms:
            buyers = np.flatnonzero(chosen == firm.index)
            if len(buyers):
                self.buy_from(firm, who[buyers], buy_class[buyers])

    def _grieve_at_rivals(
        self,
        who: np.ndarray,
        supplier: np.ndarray,
        options: list[np.ndarray],
        values: list[np.ndarray],
    ) -> None:
        """A rival's better offer is a grievance (Keaveney's competition)."""
        mine = np.full(len(who), -np.inf)
        best = np.full(len(who), -np.inf)
        for firm, known, value in zip(self.firms, options, values, strict=True):
            is_mine = supplier == firm.index
            mine = np.where(is_mine & known, value, mine)
            best = np.where(~is_mine & known, np.maximum(best, value), best)
        rows = np.flatnonzero((mine > -np.inf) & (best > -np.inf))
        self.add_grievances(
            who[rows],
            ChurnReason.COMPETITION,
            competition_grievance(best[rows], mine[rows] - self.settings.behaviour.inertia),
        )

    def buy_from(self, firm: Firm, who: np.ndarray, buy_class: np.ndarray) -> None:
        """Baskets for customers ``who`` buying from ``firm`` (``Customer.buy_from``)."""
        c = self.customer_arrays
        economics = self.settings.economics
        f = firm.index
        new = c.supplier[who] != f
        if new.any():
            self.join(firm, who[new])
        tenure = c.tenure[who]
        growth = basket_growth(
            tenure, economics.basket_growth_per_year, economics.basket_growth_years
        )
        items_rate = c.items_rate[who].astype(np.float64)
        premium = price_premium(
            tenure, economics.price_premium_per_year, economics.price_premium_cap
        )
        base, extra = self.baskets(who, np.maximum(items_rate - 1.0, 0.0), items_rate * growth)
        for p, product in enumerate(self.products):
            if product.complement is None or product.complement_rate <= 0.0:
                continue
            bought = (base[:, p] + extra[:, p]) > 0
            together = bought & (self.uniform(len(who)) < product.complement_rate)
            base[together, self.products.index(self._products_by_name[product.complement])] += 1
        price = np.full(len(who), firm.price)
        if firm.strategies:
            price *= firm.price_factors_for(c, who)
        # Money per basket: price factors and cost factors summed over the items.
        base_value = base @ self._price_factors
        extra_value = extra @ self._price_factors
        base_cost = firm.unit_cost * (base @ self._cost_factors)
        extra_cost = firm.unit_cost * (extra @ self._cost_factors)
        list_value = price * (base_value + extra_value)
        amount = list_value * (1.0 + premium)
        cost = base_cost + extra_cost
        books = self.ledger.items
        books["revenue"][f][who] += amount  # the buyers' books are open (served)
        books["cogs"][f][who] += cost
        books["base_margin"][f][who] += price * base_value - base_cost
        books["extra_margin"][f][who] += price * extra_value - extra_cost
        books["premium_revenue"][f][who] += list_value * premium
        self.log_transactions(
            who, firm, base + extra, price * (1.0 + premium), amount, cost, buy_class
        )
        self.after_buying(firm, who, amount)
        self.experience(firm, who, price * (1.0 + premium))

    def baskets(
        self, who: np.ndarray, base_mean: np.ndarray, extra_mean: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Items per product: the starting basket and what tenure adds (counts, (m, P)).

        As ``Customer.buy_from``: one item plus Poisson(``base_mean``) more, and
        Poisson(``extra_mean``) extra items, each item drawn from the customer's product
        preferences. Drawn as one Poisson total split item by item into base and extra
        (the same joint distribution), so the cost is one draw per item, not per product.
        """
        m = len(who)
        n_products = len(self.products)
        more = base_mean + extra_mean
        items = 1 + self.rng.poisson(more)
        owner = np.repeat(np.arange(m), items)
        buyer = who[owner]
        draw = self.uniform(len(owner))
        product = np.zeros(len(owner), dtype=np.int64)
        for column in self._cumulative_weights:
            product += column[buyer] <= draw
        first = np.zeros(len(owner), dtype=bool)
        first[np.cumsum(items) - items] = True
        extra_share = np.divide(extra_mean, more, out=np.zeros(m), where=more > 0)
        is_extra = ~first & (self.uniform(len(owner)) < extra_share[owner])
        key = (owner * n_products + product) * 2 + is_extra
        counts = np.bincount(key, minlength=m * n_products * 2).reshape(m, n_products, 2)
        return counts[:, :, 0], counts[:, :, 1]

    def buy_offer(self, firm: Firm, offer: CrossSell, who: np.ndarray) -> None:
        """Buy the offered product once (``Customer.buy_offer``)."""
        c = self.customer_arrays
        f = firm.index
        buy_class = np.where(c.stage[who] == Stage.PROSPECT, 0, 1).astype(np.int8)
        new = c.supplier[who] != f
        if new.any():
            self.join(firm, who[new])
        product = self.product_named(offer.settings.product)
        price = np.full(len(who), firm.price)
        if firm.strategies:
            price *= firm.price_factors_for(c, who)
        price *= 1.0 - offer.settings.discount
        unit_price = price * product.price_factor
        unit_cost = firm.unit_cost * product.cost_factor
        self.ledger.book("revenue", f, who, unit_price)
        self.ledger.book("cogs", f, who, unit_cost)
        self.ledger.book("extra_margin", f, who, unit_price - unit_cost)
        quantities = np.zeros((len(who), len(self.products)), dtype=np.int64)
        quantities[:, self.products.index(product)] = 1
        self.log_transactions(
            who, firm, quantities, price, unit_price, np.full(len(who), unit_cost), buy_class
        )
        self.after_buying(firm, who, unit_price)
        self.experience(firm, who, price)

    def after_buying(self, firm: Firm, who: np.ndarray, amounts: np.ndarray) -> None:
        """Count the purchases and let the firm's strategies react."""
        c = self.customer_arrays
        if firm.strategies:
            firm.purchases_made(c, who, amounts, self.ledger)
        c.purchases[who] += 1
        c.lifetime_purchases[who] += 1
        c.lifetime_spend[who] += amounts
        c.months_since_purchase[who] = 0

    def experience(self, firm: Firm, who: np.ndarray, price_paid: np.ndarray) -> None:
        """Judge the purchases: performance against expectation (Oliver)."""
        c = self.customer_arrays
        behaviour = self.settings.behaviour
        noise = self.rng.standard_normal(len(who), dtype=np.float32)
        performance = self.delivered_value(firm)[who] + behaviour.performance_noise * noise
        if firm.strategies:
            performance += firm.value_lifts_for(c, who)
        failed = self.uniform(len(who)) < failure_probability(
            firm.service_failure_rate, firm.service
        )
        if failed.any():
            performance[failed] = self.suffer_service_failures(
                firm, who[failed], performance[failed]
            )
        performance = np.clip(performance, 0.0, 1.0)
        expectation = c.expectation[who]
        latest = purchase_satisfaction(performance, expectation, behaviour.disconfirmation_weight)
        c.satisfaction[who] = np.where(
            c.purchases[who] == 1,
            latest,
            cumulative_satisfaction(c.satisfaction[who], latest, behaviour.satisfaction_memory),
        )
        c.expectation[who] = adapted_expectation(
            expectation, performance, behaviour.expectation_adaptation
        )
        reference = c.reference_price[who]
        self.add_grievances(
            who,
            ChurnReason.PRICING,
            pricing_grievance(price_paid, reference, c.price_weight[who]),
        )
        self.add_grievances(
            who,
            ChurnReason.INCONVENIENCE,
            INCONVENIENCE_SCALE * inconvenience_grievance(firm.convenience, c.time_weight[who]),
        )
        c.reference_price[who] = reference + REFERENCE_PRICE_ADAPTATION * (price_paid - reference)

    def delivered_value(self, firm: Firm) -> np.ndarray:
        """Each customer's total customer value of what ``firm`` delivers (no warnings).

        It changes only when the firm's offer does, so it is computed once per offer.
        """
        offer = (firm.product, firm.service, firm.personnel, firm.image)
        cached = self._delivered.get(firm.index)
        if cached is None or cached[0] != offer:
            weights = self.customer_arrays.value_weights.T
            cached = (offer, total_customer_value(*offer, weights))
            self._delivered[firm.index] = cached
        return cached[1]

    def suffer_service_failures(
        self, firm: Firm, who: np.ndarray, performance: np.ndarray
    ) -> np.ndarray:
        """Failures (core or encounter), complaints and recoveries (Keaveney)."""
        behaviour = self.settings.behaviour
        core = self.uniform(len(who)) < CORE_FAILURE_SHARE
        complained = self.uniform(len(who)) < behaviour.complaint_rate
        recovered = complained & (self.uniform(len(who)) < firm.recovery_quality)
        if firm.strategies and complained.any():
            firm.complaints_received(self.customer_arrays, who[complained], self.ledger)
        weight = np.where(recovered, RECOVERED_INCIDENT, 1.0)
        self.add_grievances(who[core], ChurnReason.CORE_SERVICE_FAILURE, weight[core])
        self.add_grievances(who[~core], ChurnReason.SERVICE_ENCOUNTER_FAILURE, weight[~core])
        self.add_grievances(who[complained & ~recovered], ChurnReason.RESPONSE_TO_FAILURE, 1.0)
        self.log_service_events(who, firm, core, complained, recovered)
        severity = np.where(
            core, behaviour.failure_severity_core, behaviour.failure_severity_encounter
        )
        return performance_after_failure(
            performance, severity, complained, recovered, behaviour.recovery_bonus
        )

    # ------------------------------------------------------------------ 7. word of mouth
    def talk_to_contacts(self) -> None:
        """Promoters refer a friend, detractors warn one, and deals are compared."""
        c = self.customer_arrays
        behaviour = self.settings.behaviour
        for firm in self.firms:
            f = firm.index
            who = np.flatnonzero(c.supplier == f)
            if not len(who):
                continue
            chance = referral_probability(c.satisfaction[who], c.referral_propensity[who])
            if firm.strategies:
                chance = np.minimum(1.0, chance * firm.referral_boosts_for(c, who))
            referrers = who[self.uniform(len(who)) < chance]
            self.refer(firm, referrers, self.pick_contacts(referrers))
            warning = warning_probability(c.satisfaction[who], c.referral_propensity[who])
            warners = who[self.uniform(len(who)) < warning]
            friends = self.pick_contacts(warners)
            np.add.at(c.warnings[:, f], friends[friends >= 0], 1.0)
            if behaviour.fairness_weight:
                self.compare_deals(firm, who)

    def refer(self, firm: Firm, referrers: np.ndarray, friends: np.ndarray) -> None:
        """Referrals to friends who do not buy from ``firm`` and have no referrer for it.

        Two referrals of one friend in one month: the first in a random order counts.
        """
        c = self.customer_arrays
        f = firm.index
        valid = friends >= 0
        referrers, friends = referrers[valid], friends[valid]
        valid = (c.supplier[friends] != f) & (c.referrer[friends, f] < 0)
        referrers, friends = referrers[valid], friends[valid]
        order = self.rng.permutation(len(friends))
        _, first = np.unique(friends[order], return_index=True)
        referrers, friends = referrers[order[first]], friends[order[first]]
        c.referrer[friends, f] = referrers
        c.aware[friends, f] = True
        self.log_contacts(friends, firm, "referral")
        self.log_referrals(referrers, friends, firm, "referred")

    def compare_deals(self, firm: Firm, who: np.ndarray) -> None:
        """Hear what a contact with the same supplier pays (Xia, Monroe & Cox)."""
        c = self.customer_arrays
        friends = self.pick_contacts(who)
        same = friends >= 0
        same[same] = c.supplier[friends[same]] == firm.index
        who, friends = who[same], friends[same]
        if not len(who):
            return
        own = np.full(len(who), firm.price)
        other = np.full(len(who), firm.price)
        if firm.strategies:
            own *= firm.price_factors_for(c, who)
            other *= _factors_allowing_repeats(firm, c, friends)
        unfairness = price_unfairness(own, other, c.price_weight[who])
        hurt = unfairness > 0.0
        who, unfairness = who[hurt], unfairness[hurt]
        weight = self.settings.behaviour.fairness_weight
        c.satisfaction[who] = np.clip(c.satisfaction[who] - weight * unfairness, 1.0, 5.0)
        self.add_grievances(who, ChurnReason.PRICING, unfairness)

    # ------------------------------------------------------------------ 8. relationship
    def update_relationships(self) -> None:
        """Trust follows satisfaction; stages follow trust and behaviour (Dwyer et al.)."""
        c = self.customer_arrays
        lifecycle = self.settings.lifecycle
        who = np.flatnonzero(c.supplier != NO_FIRM)
        for firm in self.firms:
            if firm.strategies:
                mine = who[c.supplier[who] == firm.index]
                drift = firm.satisfaction_drifts_for(c, mine)
                c.satisfaction[mine] = np.clip(c.satisfaction[mine] + drift, 1.0, 5.0)
        c.strength[who] = updated_strength(
            c.strength[who], c.satisfaction[who], c.learning_rate[who]
        )
        before = c.stage[who]
        after = next_stage(
            before,
            c.strength[who],
            c.purchases[who],
            c.tenure[who],
            c.months_since_purchase[who],
            lifecycle.formation_purchases,
            lifecycle.formation_strength,
            lifecycle.stability_strength,
            lifecycle.stability_tenure,
            lifecycle.decline_strength,
            lifecycle.decline_recency,
        ).astype(np.int8)
        changed = np.flatnonzero(after != before)
        moved = who[changed]
        for firm in self.firms:
            mine = c.supplier[moved] == firm.index
            self.log_stages(
                moved[mine], firm.index, before[changed][mine], after[changed][mine], "relationship"
            )
        c.stage[moved] = after[changed]

    # ------------------------------------------------------------------ 9. defection
    def consider_leaving(self) -> None:
        """Leave with the monthly defection hazard (Jones & Sasser's curve, or fixed)."""
        defection = self.settings.defection
        if not defection.enabled:
            return
        c = self.customer_arrays
        who = np.flatnonzero(c.supplier != NO_FIRM)
        if defection.model == "fixed":
            hazard = c.churn_probability[who]
        else:
            bonds = np.zeros(len(who))
            for firm in self.firms:
                if firm.strategies:
                    mine = np.flatnonzero(c.supplier[who] == firm.index)
                    bonds[mine] = firm.bonds_for(c, who[mine])
            hazard = self.defection_rule(
                c.satisfaction[who],
                bonds,
                c.strength[who],
                defection.base_rate,
                defection.commitment_protection,
            )
        leaving = who[self.uniform(len(who)) < hazard]
        for firm in self.firms:
            mine = leaving[c.supplier[leaving] == firm.index]
            if len(mine):
                self.leave(firm, mine, self.reasons_to_leave(mine))

    def add_grievances(
        self, who: np.ndarray, reason: ChurnReason, weight: np.ndarray | float
    ) -> None:
        """Remember incidents that could make customers ``who`` (distinct) leave."""
        memory = self.customer_arrays.grievances[:, REASON_COLUMN[reason]]  # a view
        memory[who] += weight

    def reasons_to_leave(self, who: np.ndarray) -> np.ndarray:
        """Reasons drawn in proportion to Keaveney's baseline plus grievances (codes)."""
        weights = np.cumsum(_BASELINE + self.customer_arrays.grievances[who], axis=1)
        draw = self.uniform(len(who)) * weights[:, -1]
        return np.minimum((weights <= draw[:, None]).sum(axis=1), len(REASONS) - 1)

    # ------------------------------------------------------------------ joining and leaving
    def join(self, firm: Firm, who: np.ndarray) -> None:
        """Customers ``who`` become the firm's: first purchases, switches, win-backs."""
        c = self.customer_arrays
        economics = self.settings.economics
        f = firm.index
        for old in self.firms:
            leaving = who[c.supplier[who] == old.index]
            if len(leaving):
                self.leave(old, leaving, self.reasons_to_leave(leaving), switched_to=firm)
        won_back = c.former_supplier[who] == f
        prospect = c.stage[who] == Stage.PROSPECT
        stage = np.where(won_back, Stage.FORMATION, Stage.EXPLORATION).astype(np.int8)
        for cause, mask in (
            ("won_back", won_back),
            ("first_purchase", ~won_back & prospect),
            ("acquired", ~won_back & ~prospect),
        ):
            self.log_stages(who[mask], f, c.stage[who[mask]], stage[mask], cause)
        c.stage[who] = stage
        c.supplier[who] = f
        c.tenure[who] = 0
        c.purchases[who] = 0
        c.months_since_purchase[who] = 0
        c.strength[who] = 0.5
        c.satisfaction[who] = 3.0
        c.margin_total[who] = 0.0
        c.months_served[who] = 0
        c.grievances[who] = 0.0
        self.ledger.open(f, who, served=True)
        self.ledger.tenure[f, who] = 0
        self.ledger.book("acquisition_cost", f, who, economics.acquisition_cost)
        totals = self._totals[f]
        totals["acquisitions"] += len(who)
        totals["win_backs"] += int(won_back.sum())
        referrer = c.referrer[who, f]
        referred = referrer >= 0
        if referred.any():
            friends, referrers = who[referred], referrer[referred]
            np.add.at(c.referral_credit[:, f], referrers, economics.referral_value)
            self.log_referrals(referrers, friends, firm, "converted")
            c.referrer[friends, f] = -1
            if firm.strategies:
                firm.referrals_converted(c, friends, self.ledger)

    def leave(
        self, firm: Firm, who: np.ndarray, reasons: np.ndarray, switched_to: Firm | None = None
    ) -> None:
        """Customers ``who`` end the relationship with ``firm``, each for a reason."""
        c = self.customer_arrays
        f = firm.index
        if firm.strategies:
            firm.customers_leave(c, who, self.ledger)
        self.log_churns(who, firm, reasons, switched_to)
        totals = self._totals[f]
        for code, count in enumerate(np.bincount(reasons, minlength=len(REASONS))):
            totals["churn_" + _REASON_LABELS[code]] += int(count)
        totals["lost_from_start"] += int((self._supplier_at_start[who] == f).sum())
        for code in np.unique(reasons):
            mine = who[reasons == code]
            self.log_stages(mine, f, c.stage[mine], Stage.CHURNED, _REASON_LABELS[code])
        c.stage[who] = Stage.CHURNED
        c.supplier[who] = NO_FIRM
        c.former_supplier[who] = f
        c.lapsed_from[who] = f
        c.grievances[who] = 0.0

    # ------------------------------------------------------------------ economics
    def open_books(self) -> None:
        """The month starts: each supplier serves its customers."""
        c = self.customer_arrays
        self.ledger.clear()
        who = np.flatnonzero(c.supplier != NO_FIRM)
        c.months_since_purchase[who] += 1
        supplier = c.supplier[who]
        self.ledger.opened[supplier, who] = True
        self.ledger.served[supplier, who] = True
        self.ledger.tenure[supplier, who] = c.tenure[who]

    def close_books(self) -> None:
        """Settle the month with every firm: costs, fees, referrals, profit by source."""
        c = self.customer_arrays
        economics = self.settings.economics
        ledger = self.ledger
        for firm in self.firms:
            f = firm.index
            who = np.flatnonzero(ledger.opened[f] | (c.referral_credit[:, f] != 0.0))
            served = ledger.served[f, who]
            tenure = ledger.tenure[f, who]
            new_cost = np.where(served, economics.cost_to_serve_new, 0.0)
            serve_cost = np.where(served, self._serve_cost[tenure], 0.0)
            retention_cost = np.where(served, economics.retention_cost, 0.0)
            if firm.strategies:
                rows = np.flatnonzero(served)
                retention_cost[rows] += firm.retention_costs_for(c, who[rows])
                self.pay_fees(firm, who[rows])
            retention_cost += ledger["retention_cost"][f, who]
            referrals = c.referral_credit[who, f].copy()
            c.referral_credit[who, f] = 0.0
            books = {item: ledger[item][f, who] for item in ledger.items}
            sources = profit_by_source(
                books["base_margin"],
                books["extra_margin"],
                books["premium_revenue"],
                new_cost,
                serve_cost,
                referrals,
                books["acquisition_cost"],
                retention_cost,
            )
            self.log_customer_months(who, firm, tenure, books, serve_cost, sources)
            totals = self._totals[f]
            totals["revenue"] += float(books["revenue"].sum())
            totals["cogs"] += float(books["cogs"].sum())
            totals["cost_to_serve"] += float(serve_cost.sum())
            totals["acquisition_cost"] += float(books["acquisition_cost"].sum())
            totals["retention_spend"] += float(retention_cost.sum())
            totals["referral_value"] += float(referrals.sum())
            totals["customer_profit"] += float(sources["profit"].sum())
            current = np.flatnonzero(c.supplier[who] == f)
            kept = who[current]
            c.margin_total[kept] += sources["profit"][current] + books["acquisition_cost"][current]
            c.months_served[kept] += 1
        np.add(c.tenure, c.supplier != NO_FIRM, out=c.tenure, casting="unsafe")

    def pay_fees(self, firm: Firm, who: np.ndarray) -> None:
        """The month's fees: income to the firm, a price grievance to the customer."""
        c = self.customer_arrays
        fees = np.broadcast_to(firm.monthly_fees_for(c, who), who.shape)
        charged = fees != 0.0
        who, fees = who[charged], fees[charged]
        if not len(who):
            return
        self.ledger.book("revenue", firm.index, who, fees)
        self.ledger.book("base_margin", firm.index, who, fees)
        self.log_fees(who, firm, "monthly_fee", fees)
        self.add_grievances(who, ChurnReason.PRICING, fees / c.typical_spend(who))

    # ------------------------------------------------------------------ what strategies use
    def schedule_calls(self, firm: Firm, strategy: CrossSell, who: np.ndarray) -> None:
        """Sales calls the customers ``who`` answer at the start of next month."""
        self._scheduled.append((firm, strategy, np.asarray(who)))

    # ------------------------------------------------------------------ the log (columns)
    def log_contacts(self, who: np.ndarray, firm: Firm, channel: str) -> None:
        """Firms reaching customers ``who`` through ``channel``."""
        if not self.keeps_events or not len(who):
            return
        n = len(who)
        self.warehouse.add_batch(
            "contacts",
            {
                "customer_id": who,
                "firm": _repeat(firm.name, n),
                "month": _month(self.month, n),
                "channel": _repeat(channel, n),
            },
        )

    def log_stages(
        self,
        who: np.ndarray,
        firm: int | np.ndarray | None,
        before: int | np.ndarray,
        after: int | np.ndarray,
        cause: str,
    ) -> None:
        """Lifecycle transitions of customers ``who`` (stages as codes)."""
        if not self.keeps_events or not len(who):
            return
        n = len(who)
        self.warehouse.add_batch(
            "lifecycle_events",
            {
                "customer_id": who,
                "firm": self._firm_column(firm, n),
                "month": _month(self.month, n),
                "from_stage": _coded(before, _STAGE_LABELS, n),
                "to_stage": _coded(after, _STAGE_LABELS, n),
                "cause": _repeat(cause, n),
            },
        )

    def log_transactions(
        self,
        who: np.ndarray,
        firm: Firm,
        quantities: np.ndarray,
        item_price: np.ndarray,
        amounts: np.ndarray,
        costs: np.ndarray,
        buy_class: np.ndarray,
    ) -> None:
        """Purchases (one line per product bought) on random days of the month.

        ``item_price`` is each buyer's price of an item with price factor 1; a line's
        unit price is that times its product's price factor.
        """
        items = sum(quantities[:, p] for p in range(quantities.shape[1]))
        classes = _coded(buy_class, _BUY_CLASSES, len(who))
        ids = self._write_transactions(who, firm, items, amounts, costs, classes)
        if ids is None:
            return
        rows, products = np.nonzero(quantities)
        quantity = quantities[rows, products]
        unit_price = item_price[rows] * self._price_factors[products]
        self.warehouse.add_batch(
            "line_items",
            {
                "transaction_id": ids[rows],
                "customer_id": who[rows],
                "product": _coded(products, self._product_names, len(rows)),
                "quantity": quantity.astype(np.int32),
                "unit_price": unit_price,
                "amount": quantity * unit_price,
            },
        )

    def log_fees(self, who: np.ndarray, firm: Firm, fee: str, amounts: np.ndarray | float) -> None:
        """Fees charged to customers ``who``: transactions with one line named after the fee."""
        n = len(who)
        amounts = np.broadcast_to(np.asarray(amounts, dtype=np.float64), (n,))
        ones = np.ones(n, dtype=np.int32)
        ids = self._write_transactions(
            who, firm, ones, amounts, np.zeros(n), pa.nulls(n, pa.string())
        )
        if ids is None:
            return
        self.warehouse.add_batch(
            "line_items",
            {
                "transaction_id": ids,
                "customer_id": who,
                "product": _repeat(fee, n),
                "quantity": ones,
                "unit_price": amounts,
                "amount": amounts,
            },
        )

    def _write_transactions(
        self,
        who: np.ndarray,
        firm: Firm,
        items: np.ndarray,
        amounts: np.ndarray,
        costs: np.ndarray,
        buy_class: pa.Array,
    ) -> np.ndarray | None:
        """Count and log transactions on random days; their ids (None if not kept)."""
        n = len(who)
        self._totals[firm.index]["transactions"] += n
        first = self._next_transaction_id
        self._next_transaction_id += n
        if not self.keeps_events or not n:
            return None
        ids = np.arange(first, first + n)
        start, days = self._month_days[self.month - 1]
        date = start + (self._dates.random(n) * days).astype(np.int32)
        self.warehouse.add_batch(
            "transactions",
            {
                "transaction_id": ids,
                "customer_id": who,
                "firm": _repeat(firm.name, n),
                "month": _month(self.month, n),
                "date": pa.array(date.astype(np.int32)).cast(pa.date32()),
                "items": np.asarray(items, dtype=np.int32),
                "amount": amounts,
                "cost": costs,
                "buy_class": buy_class,
            },
        )
        return ids

    def log_service_events(
        self,
        who: np.ndarray,
        firm: Firm,
        core: np.ndarray,
        complained: np.ndarray,
        recovered: np.ndarray,
    ) -> None:
        """Service failures, whether each was complained about and put right."""
        if not self.keeps_events or not len(who):
            return
        n = len(who)
        categories = [
            ChurnReason.SERVICE_ENCOUNTER_FAILURE.value,
            ChurnReason.CORE_SERVICE_FAILURE.value,
        ]
        self.warehouse.add_batch(
            "service_events",
            {
                "customer_id": who,
                "firm": _repeat(firm.name, n),
                "month": _month(self.month, n),
                "category": _coded(core.astype(np.int8), categories, n),
                "complained": complained,
                "recovered": recovered,
            },
        )

    def log_churns(
        self, who: np.ndarray, firm: Firm, reasons: np.ndarray, switched_to: Firm | None
    ) -> None:
        """Customers ``who`` leaving ``firm``, each for a Keaveney reason."""
        if not self.keeps_events or not len(who):
            return
        c = self.customer_arrays
        n = len(who)
        self.warehouse.add_batch(
            "churn_events",
            {
                "customer_id": who,
                "firm": _repeat(firm.name, n),
                "month": _month(self.month, n),
                "reason": _coded(reasons, _REASON_LABELS, n),
                "tenure_months": c.tenure[who].astype(np.int32),
                "satisfaction": c.satisfaction[who].astype(np.float64),
                "switched_to": _repeat(None if switched_to is None else switched_to.name, n),
            },
        )

    def log_referrals(
        self, referrers: np.ndarray, referred: np.ndarray, firm: Firm, event: str
    ) -> None:
        """Referrals made ("referred") or turned into customers ("converted")."""
        if not self.keeps_events or not len(referred):
            return
        n = len(referred)
        self.warehouse.add_batch(
            "referrals",
            {
                "referrer_id": referrers,
                "referred_id": referred,
                "firm": _repeat(firm.name, n),
                "month": _month(self.month, n),
                "event": _repeat(event, n),
            },
        )

    def log_offers(
        self,
        who: np.ndarray,
        firm: Firm,
        programme: str,
        offer: str | np.ndarray,
        accepted: bool | np.ndarray,
        cost: float | np.ndarray,
    ) -> None:
        """A strategy's offers to customers ``who`` and their fate."""
        if not self.keeps_events or not len(who):
            return
        n = len(who)
        offers = _repeat(offer, n) if isinstance(offer, str) else pa.array(offer, pa.string())
        self.warehouse.add_batch(
            "offers",
            {
                "customer_id": who,
                "firm": _repeat(firm.name, n),
                "month": _month(self.month, n),
                "programme": _repeat(programme, n),
                "offer": offers,
                "accepted": np.broadcast_to(np.asarray(accepted, dtype=bool), (n,)),
                "cost": np.broadcast_to(np.asarray(cost, dtype=np.float64), (n,)),
            },
        )

    def log_customer_months(
        self,
        who: np.ndarray,
        firm: Firm,
        tenure: np.ndarray,
        books: dict[str, np.ndarray],
        serve_cost: np.ndarray,
        sources: dict[str, np.ndarray],
    ) -> None:
        """The month's profit of each customer with ``firm``, by Reichheld & Sasser's sources."""
        if not self.keeps_events or not len(who):
            return
        n = len(who)
        self.warehouse.add_batch(
            "customer_months",
            {
                "customer_id": who,
                "firm": _repeat(firm.name, n),
                "month": _month(self.month, n),
                "tenure_months": tenure.astype(np.int32),
                "revenue": books["revenue"],
                "cogs": books["cogs"],
                "cost_to_serve": serve_cost,
                **{
                    key: np.broadcast_to(np.asarray(sources[key], dtype=np.float64), (n,))
                    for key in (
                        "base_profit",
                        "increased_purchases",
                        "reduced_operating_costs",
                        "referrals",
                        "price_premium",
                        "acquisition_cost",
                        "retention_cost",
                        "profit",
                    )
                },
            },
        )

    def _firm_column(self, firm: int | np.ndarray | None, n: int) -> pa.Array:
        if firm is None:
            return pa.nulls(n, pa.string())
        return _coded(firm, self._firm_names, n)

    # ------------------------------------------------------------------ KPIs
    def _scan_customers(self) -> dict:
        """Count stages and sum per-firm state; remember each customer's supplier."""
        c = self.customer_arrays
        n_firms = len(self.firms)
        n_stages = len(Stage)
        active = np.flatnonzero(c.supplier != NO_FIRM)
        supplier = c.supplier[active].astype(np.int64)
        firm_stages = np.bincount(
            supplier * n_stages + c.stage[active], minlength=n_firms * n_stages
        ).reshape(n_firms, n_stages)
        scan = {
            "stages": np.bincount(c.stage, minlength=n_stages).tolist(),
            "firm_stages": firm_stages.tolist(),
            "satisfaction": np.bincount(
                supplier, weights=c.satisfaction[active], minlength=n_firms
            ).tolist(),
            "margins": np.bincount(
                supplier, weights=c.mean_margin(active), minlength=n_firms
            ).tolist(),
            "aware": [int(np.count_nonzero(c.aware[:, f])) for f in range(n_firms)],
        }
        self._supplier_at_start = c.supplier.copy()
        self._previous_customers = self._customers_at_start
        self._customers_at_start = firm_stages.sum(axis=1).tolist()
        return scan

    def customer(self, customer_id: int) -> pd.Series:
        """A snapshot of one customer's traits and state (customers are not agents here)."""
        c = self.customer_arrays
        if not 0 <= customer_id < len(c):
            raise KeyError(f"customer_id {customer_id}: allowed 0 to {len(c) - 1}")
        supplier = int(c.supplier[customer_id])
        return pd.Series(
            {
                "customer_id": customer_id,
                "segment": c.segment_names[c.segment[customer_id]],
                "stage": Stage(int(c.stage[customer_id])).label,
                "supplier": self.firms[supplier].name if supplier != NO_FIRM else None,
                "satisfaction": float(c.satisfaction[customer_id]),
                "strength": float(c.strength[customer_id]),
                "tenure": int(c.tenure[customer_id]),
                "purchases": int(c.purchases[customer_id]),
                "lifetime_spend": float(c.lifetime_spend[customer_id]),
            }
        )


def _factors_allowing_repeats(firm: Firm, c: CustomerArrays, who: np.ndarray) -> np.ndarray:
    """Price factors for ids that may repeat (a twin expects distinct ids)."""
    unique, inverse = np.unique(who, return_inverse=True)
    return firm.price_factors_for(c, unique)[inverse]


def _repeat(value: str | None, n: int) -> pa.Array:
    """A string column holding one value."""
    if value is None:
        return pa.nulls(n, pa.string())
    return pa.DictionaryArray.from_arrays(
        pa.array(np.zeros(n, dtype=np.int8)), pa.array([value], pa.string())
    ).cast(pa.string())


def _coded(codes: int | np.ndarray, labels: list[str] | pa.Array, n: int) -> pa.Array:
    """A string column from integer codes into ``labels``."""
    indices = np.broadcast_to(np.asarray(codes, dtype=np.int32), (n,))
    dictionary = labels if isinstance(labels, pa.Array) else pa.array(labels, pa.string())
    return pa.DictionaryArray.from_arrays(pa.array(indices), dictionary).cast(pa.string())


def _month(month: int, n: int) -> np.ndarray:
    return np.full(n, month, dtype=np.int32)
