"""The market: customers and firms, month by month, with KPIs and the CRM database.

``Market(scenario, rng=seed)`` builds the population, the social network and the firms
from a Scenario; each ``step`` is one month: customers act in random order (each reads
the market as it stood at the start of the month for word of mouth), firms apply their
strategies, and the month's KPIs are recorded. Every event goes to the CRM database.
"""

import calendar
import datetime as dt
from collections.abc import Callable
from pathlib import Path

import mesa
import numpy as np
import pandas as pd
from mesa.discrete_space import Network
from tqdm.auto import tqdm

from sim.agents import Customer, Firm
from sim.economics import monthly_rate, retention_clv
from sim.population import build_network, customers_table, generate_traits, reference_item_price
from sim.rules.loyalty import defection_probability
from sim.rules.relationship import Stage
from sim.rules.switching import REASONS, ChurnReason
from sim.scenario import Product, Scenario
from sim.strategies import Strategy
from sim.warehouse import SCHEMA, Backend, Warehouse

#: Months of history behind the retention rate used for customer equity.
EQUITY_WINDOW = 12
#: The engines that can run a market (``Market(..., engine=...)``).
ENGINES = ("agents", "vectorized")


class Market(mesa.Model):
    """A market of customers and firms driven by a Scenario.

    Args:
        scenario: a Scenario, or the name of a preset / path of a TOML file.
        rng: seed of every random draw; defaults to the scenario's ``market.seed``.
        database: where the CRM database goes: None (in memory, DuckDB), a ``.duckdb``
            file, or a folder when ``backend="parquet"``.
        backend: "duckdb" or "parquet".
        batch_rows: rows buffered per table before they are written.
        defection_rule: the monthly defection hazard, a function with the arguments of
            ``sim.rules.loyalty.defection_probability`` (the default): a student's own
            satisfaction-loyalty curve plugs in here.
        engine: "agents" (one Mesa agent per customer: follow any customer, step by
            step) or "vectorized" (customers as NumPy arrays, the same rules applied to
            everyone at once: for large populations and many replications; see
            ``sim.vectorized``).
    """

    def __new__(cls, *args: object, engine: str = "agents", **kwargs: object) -> "Market":
        """Pick the engine's class: ``Market(..., engine="vectorized")`` builds one."""
        if engine not in ENGINES:
            raise ValueError(f"engine: got {engine!r}; allowed: {', '.join(map(repr, ENGINES))}")
        if cls is Market and engine == "vectorized":
            from sim.vectorized import VectorizedMarket

            cls = VectorizedMarket
        return super().__new__(cls)

    def __init__(
        self,
        scenario: Scenario | str | Path = "baseline",
        *,
        rng: int | None = None,
        database: str | Path | None = None,
        backend: Backend = "duckdb",
        batch_rows: int = 50_000,
        defection_rule: Callable[..., float] = defection_probability,
        engine: str = "agents",
    ) -> None:
        settings = scenario if isinstance(scenario, Scenario) else Scenario.load(scenario)
        seed = settings.market.seed if rng is None else rng
        super().__init__(rng=seed)
        self.settings = settings
        self.seed = seed
        self.engine = engine
        self.month = 0
        self.months = settings.market.months
        self.defection_rule = defection_rule
        self.warehouse = Warehouse(database, backend=backend, batch_rows=batch_rows)
        try:
            self._populate(settings)
        except BaseException:
            self.warehouse.discard()  # a market that failed to build leaves no files
            raise

    # ------------------------------------------------------------------ set-up
    def _populate(self, settings: Scenario) -> None:
        """Firms, customers, network and the month-0 state (logged to the database)."""
        self._log = {table: self.warehouse.appender(table) for table in SCHEMA}
        self.firms = [Firm(self, f, i) for i, f in enumerate(settings.firms)]
        self.products = settings.products
        self._products_by_name = by_name = {p.name: p for p in self.products}
        self.complements = {
            p.name: (by_name[p.complement], p.complement_rate)
            for p in self.products
            if p.complement is not None and p.complement_rate > 0.0
        }
        self.reference_price = reference_item_price(settings)
        self.network_kind = settings.network.kind
        traits = generate_traits(settings, self.rng)
        self.customers = [Customer(self, i, traits, i) for i in range(len(traits))]
        self.social_network = build_network(settings, self.rng)
        self.space = None
        if self.social_network is not None:
            self.space = Network(self.social_network, random=self.random, layout=None)
            for customer in self.customers:
                customer.cell = self.space[customer.customer_id]
            for customer in self.customers:
                customer.contacts = tuple(
                    self.customers[n] for n in self.social_network.neighbors(customer.customer_id)
                )
        month_starts = [_add_months(settings.market.start_date, m) for m in range(self.months + 1)]
        self._month_calendar = [
            (start, calendar.monthrange(start.year, start.month)[1]) for start in month_starts
        ]
        self._next_transaction_id = 0
        self._kpi_rows: list[dict] = []
        #: (month, retention rate) per firm; months without customers at the start have none
        self._retention_history: list[list[tuple[int, float]]] = [[] for _ in self.firms]
        self._supplier_at_start = [-1] * len(self.customers)
        self._customers_at_start = [0] * len(self.firms)
        self._write_reference_tables(traits)
        self._seed_initial_state()
        self._scan_customers()

    def _write_reference_tables(self, traits) -> None:
        self.warehouse.add_columns("customers", customers_table(traits))
        self.warehouse.add_columns(
            "firms",
            {
                "firm": [f.name for f in self.firms],
                "is_focal": [f.is_focal for f in self.firms],
                **{
                    key: [getattr(f, key) for f in self.firms]
                    for key in ("price", "unit_cost", "product", "service", "personnel")
                },
                "image": [f.image for f in self.firms],
                "convenience": [f.convenience for f in self.firms],
            },
        )

    def _seed_initial_state(self) -> None:
        """Awareness and existing customers at month 0 (logged as month-0 events)."""
        population = self.settings.population
        lifecycle = self.settings.lifecycle
        n = len(self.customers)
        aware = self.rng.random((n, len(self.firms))) < population.initial_awareness
        existing = self.rng.random(n) < population.initial_customer_share
        supplier = self.rng.integers(len(self.firms), size=n)
        tenure = self.rng.integers(population.initial_tenure_max + 1, size=n)
        strength = self.rng.uniform(0.5, 0.85, size=n)
        for customer in self.customers:
            i = customer.customer_id
            for firm in self.firms:
                if aware[i, firm.index]:
                    customer.aware[firm.index] = True
                    self.log_contact(customer, firm, "initial")
            if not existing[i]:
                continue
            firm = self.firms[supplier[i]]
            customer.aware[firm.index] = True
            customer.supplier = firm
            customer.tenure = int(tenure[i])
            customer.purchases = int(tenure[i])
            customer.strength = float(strength[i])
            customer.satisfaction = 1.0 + 4.0 * customer.strength
            if customer.tenure >= lifecycle.stability_tenure and (
                customer.strength >= lifecycle.stability_strength
            ):
                stage = Stage.STABILITY
            elif customer.tenure >= lifecycle.formation_purchases:
                stage = Stage.FORMATION
            else:
                stage = Stage.EXPLORATION
            self.log_stage(customer, firm, Stage.PROSPECT, stage, "initial")
            customer.stage = stage

    def prepare_strategy(self, firm: Firm, strategy: Strategy) -> None:
        """Ready a strategy adopted mid-run (agents need nothing; arrays need memory)."""

    # ------------------------------------------------------------------ the month
    def step(self) -> None:
        """One month: customers act, firms apply their strategies, KPIs are recorded."""
        self.month += 1
        self._totals = [_empty_totals() for _ in self.firms]
        self.agents_by_type[Customer].shuffle_do("step")
        self.warehouse.write_full()
        for firm in self.firms:
            firm.step()
        self._record_kpis(self._scan_customers())
        if self.month >= self.months:
            self.running = False

    def run_for(self, months: int, progress: bool = False) -> "Market":
        """Simulate ``months`` more months (a progress bar if ``progress``)."""
        for _ in tqdm(range(months), desc=self.settings.name, unit="month", disable=not progress):
            self.step()
        return self

    def run(self, progress: bool = False) -> "Market":
        """Simulate to the scenario's last month, then finish the database."""
        self.run_for(max(self.months - self.month, 0), progress=progress)
        self.warehouse.close()
        return self

    # ------------------------------------------------------------------ what customers read
    def adopter_share(self, customer: Customer, firm: Firm) -> float:
        """Share of the customer's contacts buying from ``firm`` at the start of the month."""
        if self.network_kind == "complete":
            return self._customers_at_start[firm.index] / len(self.customers)
        contacts = customer.contacts
        if not contacts:
            return 0.0
        at_start = self._supplier_at_start
        index = firm.index
        return sum(1 for c in contacts if at_start[c.customer_id] == index) / len(contacts)

    def pick_contact(self, customer: Customer) -> Customer | None:
        """A random contact (anyone under complete mixing, no one without a network)."""
        if self.network_kind == "complete":
            return self.random.choice(self.customers)
        return self.random.choice(customer.contacts) if customer.contacts else None

    # ------------------------------------------------------------------ the log
    def log_contact(self, customer: Customer, firm: Firm, channel: str) -> None:
        """A firm reached a customer (advertising, word of mouth, referral, win-back)."""
        self._log["contacts"]((customer.customer_id, firm.name, self.month, channel))

    def log_stage(
        self, customer: Customer, firm: Firm | None, before: Stage, after: Stage, cause: str
    ) -> None:
        """A lifecycle transition."""
        self._log["lifecycle_events"](
            (
                customer.customer_id,
                firm.name if firm else None,
                self.month,
                before.label,
                after.label,
                cause,
            ),
        )

    def log_transaction(
        self,
        customer: Customer,
        firm: Firm,
        lines: list[tuple[str, int, float]],
        amount: float,
        cost: float,
        buy_class: str | None,
    ) -> None:
        """A purchase (on a random day of the month) and its line items.

        ``buy_class`` is the buying situation (new task, modified or straight rebuy);
        None for a fee, which nobody chose to buy.
        """
        transaction_id = self._next_transaction_id
        self._next_transaction_id += 1
        items = 0
        line_items = self._log["line_items"]
        for product, quantity, unit_price in lines:
            items += quantity
            line_items(
                (
                    transaction_id,
                    customer.customer_id,
                    product,
                    quantity,
                    unit_price,
                    quantity * unit_price,
                ),
            )
        start, days = self._month_calendar[self.month - 1]
        date = start + dt.timedelta(days=int(self.random.random() * days))
        self._log["transactions"](
            (
                transaction_id,
                customer.customer_id,
                firm.name,
                self.month,
                date,
                items,
                amount,
                cost,
                buy_class,
            ),
        )
        self._totals[firm.index]["transactions"] += 1

    def log_fee(self, customer: Customer, firm: Firm, fee: str, amount: float) -> None:
        """A fee charged to a customer: a transaction with one line, named after the fee."""
        self.log_transaction(customer, firm, [(fee, 1, amount)], amount, 0.0, None)

    def product_named(self, name: str) -> Product:
        """The scenario's product of that name (a strategy's offer names one)."""
        return self._products_by_name[name]

    def log_service_event(
        self, customer: Customer, firm: Firm, category: str, complained: bool, recovered: bool
    ) -> None:
        """A service failure, whether the customer complained, whether it was put right."""
        self._log["service_events"](
            (customer.customer_id, firm.name, self.month, category, complained, recovered),
        )

    def log_churn(
        self, customer: Customer, firm: Firm, reason: ChurnReason, switched_to: Firm | None
    ) -> None:
        """A customer left ``firm`` for ``reason`` (to a rival, or to no one)."""
        self._log["churn_events"](
            (
                customer.customer_id,
                firm.name,
                self.month,
                reason.value,
                customer.tenure,
                customer.satisfaction,
                switched_to.name if switched_to else None,
            ),
        )
        totals = self._totals[firm.index]
        totals["churn_" + reason.value] += 1
        if self._supplier_at_start[customer.customer_id] == firm.index:
            totals["lost_from_start"] += 1  # for the retention rate (not this month's joiners)

    def log_referral(self, referrer: Customer, referred: Customer, firm: Firm, event: str) -> None:
        """A referral made ("referred") or turned into a customer ("converted")."""
        self._log["referrals"](
            (referrer.customer_id, referred.customer_id, firm.name, self.month, event),
        )

    def log_offer(
        self,
        customer: Customer,
        firm: Firm,
        programme: str,
        offer: str,
        accepted: bool,
        cost: float,
    ) -> None:
        """A strategy's offer to a customer (enrolment, retention offer, fee) and its fate."""
        self._log["offers"](
            (customer.customer_id, firm.name, self.month, programme, offer, accepted, cost)
        )

    def count_acquisition(self, firm: Firm, won_back: bool) -> None:
        """A new customer for ``firm`` (a win-back counts as both)."""
        totals = self._totals[firm.index]
        totals["acquisitions"] += 1
        if won_back:
            totals["win_backs"] += 1

    def log_customer_month(
        self, customer: Customer, firm: Firm, books, serve_cost: float, sources: dict
    ) -> None:
        """One customer-month of profit, split by Reichheld & Sasser's sources."""
        self._log["customer_months"](
            (
                customer.customer_id,
                firm.name,
                self.month,
                books.tenure,
                books.revenue,
                books.cogs,
                serve_cost,
                sources["base_profit"],
                sources["increased_purchases"],
                sources["reduced_operating_costs"],
                sources["referrals"],
                sources["price_premium"],
                sources["acquisition_cost"],
                sources["retention_cost"],
                sources["profit"],
            ),
        )
        totals = self._totals[firm.index]
        totals["revenue"] += books.revenue
        totals["cogs"] += books.cogs
        totals["cost_to_serve"] += serve_cost
        totals["acquisition_cost"] += sources["acquisition_cost"]
        totals["retention_spend"] += sources["retention_cost"]
        totals["referral_value"] += sources["referrals"]
        totals["customer_profit"] += sources["profit"]

    # ------------------------------------------------------------------ KPIs
    def _scan_customers(self) -> dict:
        """Count stages and sum per-firm state; remember each customer's supplier."""
        n_firms = len(self.firms)
        stages = [0] * len(Stage)
        firm_stages = [[0] * len(Stage) for _ in range(n_firms)]
        satisfaction = [0.0] * n_firms
        margins = [0.0] * n_firms
        aware = [0] * n_firms
        at_start = self._supplier_at_start
        for customer in self.customers:
            stages[customer.stage] += 1
            for i, known in enumerate(customer.aware):
                aware[i] += known
            firm = customer.supplier
            if firm is None:
                at_start[customer.customer_id] = -1
                continue
            at_start[customer.customer_id] = firm.index
            firm_stages[firm.index][customer.stage] += 1
            satisfaction[firm.index] += customer.satisfaction
            margins[firm.index] += customer.mean_margin
        scan = {
            "stages": stages,
            "firm_stages": firm_stages,
            "satisfaction": satisfaction,
            "margins": margins,
            "aware": aware,
        }
        self._previous_customers = self._customers_at_start
        self._customers_at_start = [sum(s) for s in firm_stages]
        return scan

    def _record_kpis(self, scan: dict) -> None:
        rate = monthly_rate(self.settings.market.annual_discount_rate)
        revenue_all = sum(t["revenue"] for t in self._totals)
        active_all = sum(self._customers_at_start)
        for firm in self.firms:
            i = firm.index
            t = self._totals[i]
            customers = self._customers_at_start[i]
            at_start = self._previous_customers[i]
            defections = sum(t["churn_" + r.value] for r in REASONS)
            retention = 1.0 - t["lost_from_start"] / at_start if at_start else float("nan")
            if at_start:
                self._retention_history[i].append((self.month, retention))
            recent = [
                r for month, r in self._retention_history[i] if month > self.month - EQUITY_WINDOW
            ]
            trailing = float(np.mean(recent)) if recent else 0.0
            acquisition_spend = t["acquisition_cost"] + firm.advertising_spend
            row = {
                "month": self.month,
                "firm": firm.name,
                "customers": customers,
                **{s.label: scan["firm_stages"][i][s] for s in Stage if s not in _INACTIVE},
                "aware": scan["aware"][i],
                "acquisitions": t["acquisitions"],
                "win_backs": t["win_backs"],
                "defections": defections,
                **{"churn_" + r.value: t["churn_" + r.value] for r in REASONS},
                "retention_rate": retention,
                "transactions": t["transactions"],
                "revenue": t["revenue"],
                "cogs": t["cogs"],
                "margin": t["revenue"] - t["cogs"],
                "cost_to_serve": t["cost_to_serve"],
                "acquisition_spend": acquisition_spend,
                "retention_spend": t["retention_spend"] + firm.campaign_spend,
                "marketing_spend": acquisition_spend + t["retention_spend"] + firm.campaign_spend,
                "referral_value": t["referral_value"],
                "profit": t["customer_profit"] - firm.advertising_spend - firm.campaign_spend,
                "satisfaction": scan["satisfaction"][i] / customers if customers else float("nan"),
                "market_share": t["revenue"] / revenue_all if revenue_all else float("nan"),
                "customer_share": customers / active_all if active_all else float("nan"),
                "customer_equity": retention_clv(scan["margins"][i], trailing, rate),
            }
            self._kpi_rows.append(row)
            firm.campaign_spend = 0.0
        self._stage_rows = getattr(self, "_stage_rows", [])
        self._stage_rows.append(
            {"month": self.month, **{s.label: scan["stages"][s] for s in Stage}}
        )

    def firm_kpis(self) -> pd.DataFrame:
        """Tidy KPIs: one row per month and firm (stage counts are that firm's customers)."""
        return pd.DataFrame(self._kpi_rows)

    def kpis(self, firm: str | None = None) -> pd.DataFrame:
        """One row per month: customers by stage (whole market) and one firm's KPIs.

        The firm defaults to the focal firm (the first in the scenario).
        """
        name = self.settings.focal_firm if firm is None else firm
        if name not in {f.name for f in self.firms}:
            raise KeyError(f"unknown firm '{name}'; firms: {[f.name for f in self.firms]}")
        stages = pd.DataFrame(getattr(self, "_stage_rows", []))
        rows = self.firm_kpis()
        if rows.empty:
            return stages
        own = rows[rows["firm"] == name].drop(columns=["firm", *_ACTIVE_LABELS])
        return stages.merge(own, on="month")

    # ------------------------------------------------------------------ the database
    def table(self, name: str) -> pd.DataFrame:
        """A table of the CRM database as a DataFrame."""
        return self.warehouse.table(name)

    def sql(self, query: str) -> pd.DataFrame:
        """Run SQL on the CRM database (DuckDB) and return a DataFrame."""
        return self.warehouse.sql(query)

    def customer(self, customer_id: int) -> Customer:
        """The customer agent with this id ("follow customer 42")."""
        return self.customers[customer_id]


_INACTIVE = (Stage.PROSPECT, Stage.CHURNED)
_ACTIVE_LABELS = [s.label for s in Stage if s not in _INACTIVE]


def _empty_totals() -> dict[str, float]:
    keys = [
        "acquisitions",
        "win_backs",
        "transactions",
        "revenue",
        "cogs",
        "cost_to_serve",
        "acquisition_cost",
        "retention_spend",
        "referral_value",
        "customer_profit",
        "lost_from_start",
    ]
    return dict.fromkeys(keys + ["churn_" + r.value for r in REASONS], 0)


def _add_months(start: dt.date, months: int) -> dt.date:
    year, month = divmod(start.month - 1 + months, 12)
    return dt.date(start.year + year, month + 1, 1)
