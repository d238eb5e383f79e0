"""What every strategy can touch: a firm's price, bonds and costs, and its customers.

A strategy is a small policy object with one job. The firm asks each of its strategies,
through these hooks, what price a customer pays, how strongly the customer is bound, and
what serving the customer costs; ``act`` runs once a month after the customers. Every
hook has a neutral default, so a strategy overrides only what it changes.

Each hook has an array twin for the vectorized engine (``price_factors`` beside
``price_factor``...): the same decision for many customers at once. ``who`` is an array
of customer ids (distinct), ``customers`` the ``CustomerArrays`` of the market, and the
result has one entry per id (or is a scalar that broadcasts). A strategy that remembers
customers keeps that memory in arrays made by ``start_arrays``. The twins must give the
same numbers as the scalar hooks on the same state: tests/test_strategy_arrays.py holds
them to it.
"""

import hashlib
import random
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.agents import Customer, Firm, MonthBooks
    from sim.customer_arrays import CustomerArrays, MonthLedger
    from sim.model import Market
    from sim.section import Section
    from sim.vectorized import VectorizedMarket


class Strategy:
    """Base of every strategy: neutral hooks the firm calls.

    A strategy draws its own random numbers (``self.random``, seeded by the firm from the
    run's seed), so switching it on leaves the customers' random stream untouched until
    their behaviour differs: comparisons over common random numbers stay sharp.
    """

    #: Name used in the CRM database's offers table and in scenario files.
    name = "strategy"
    settings: "Section"  # the strategy's validated parameters
    random: random.Random  # set by seed(), which the firm calls
    rng: np.random.Generator  # the same, for the vectorized engine

    def seed(self, *parts: object) -> None:
        """Give the strategy its own deterministic streams (same parts, same numbers).

        ``random`` serves the agent engine, ``rng`` (NumPy) the vectorized engine.
        """
        key = "/".join(str(p) for p in (self.name, *parts))
        self.random = random.Random(key)
        self.rng = np.random.default_rng(list(hashlib.sha256(key.encode()).digest()))

    def start(self, firm: "Firm") -> None:
        """Set the firm up when the market is built (a standing policy, not a move)."""

    def price_factor(self, firm: "Firm", customer: "Customer") -> float:
        """Multiplier on the firm's list price for this customer (1 = list price)."""
        return 1.0

    def bond(self, firm: "Firm", customer: "Customer") -> float:
        """Share of the customer's defection hazard this strategy removes (0-1)."""
        return 0.0

    def after_purchase(
        self, firm: "Firm", customer: "Customer", amount: float, books: "MonthBooks"
    ) -> None:
        """React to a purchase (enrol, award points); book any cost on ``books``."""

    def value_lift(self, firm: "Firm", customer: "Customer") -> float:
        """Extra total customer value (0-1 scale) the firm's offer has for this customer."""
        return 0.0

    def exit_cost(self, firm: "Firm", customer: "Customer") -> float:
        """What leaving this firm would cost the customer, on the perceived-value scale."""
        return 0.0

    def satisfaction_drift(self, firm: "Firm", customer: "Customer") -> float:
        """Monthly change in a customer's satisfaction caused by the strategy itself."""
        return 0.0

    def on_leave(self, firm: "Firm", customer: "Customer", books: "MonthBooks") -> None:
        """React to a customer leaving (charge a fee, remember them for a win-back)."""

    def referral_boost(self, firm: "Firm", customer: "Customer") -> float:
        """Multiplier on the chance that the firm's customer refers a friend."""
        return 1.0

    def on_referral(self, firm: "Firm", customer: "Customer", books: "MonthBooks") -> None:
        """A referred friend became a customer (``books`` are the new customer's)."""

    def on_complaint(self, firm: "Firm", customer: "Customer", books: "MonthBooks") -> None:
        """The customer complained about a failure; book the cost of handling it."""

    def monthly_fee(self, firm: "Firm", customer: "Customer") -> float:
        """A fee charged each month to a customer the firm serves (firm income)."""
        return 0.0

    def monthly_cost(self, firm: "Firm", customer: "Customer") -> float:
        """Retention spend on a customer the firm serves this month."""
        return 0.0

    def act(self, firm: "Firm", market: "Market") -> None:
        """The firm's monthly move (change a price, run a campaign)."""

    # ------------------------------------------------------------------ array twins
    def start_arrays(self, firm: "Firm", customers: "CustomerArrays") -> None:
        """Allocate per-customer memory (members, assignments...) for the vectorized engine."""

    def _new_population(self, customers: "CustomerArrays") -> bool:
        """Whether ``start_arrays`` meets this population for the first time.

        A strategy kept across ``adopt_strategies`` keeps its memory, as the scalar sets
        do, so a market may call ``start_arrays`` for every strategy after a change.
        """
        if getattr(self, "_population", None) is customers:
            return False
        self._population = customers
        return True

    def price_factors(
        self, firm: "Firm", customers: "CustomerArrays", who: np.ndarray
    ) -> np.ndarray | float:
        """``price_factor`` for customers ``who``."""
        return 1.0

    def bonds(
        self, firm: "Firm", customers: "CustomerArrays", who: np.ndarray
    ) -> np.ndarray | float:
        """``bond`` for customers ``who``."""
        return 0.0

    def after_purchases(
        self,
        firm: "Firm",
        customers: "CustomerArrays",
        who: np.ndarray,
        amounts: np.ndarray,
        ledger: "MonthLedger",
    ) -> None:
        """``after_purchase`` for customers ``who`` who spent ``amounts``."""

    def value_lifts(
        self, firm: "Firm", customers: "CustomerArrays", who: np.ndarray
    ) -> np.ndarray | float:
        """``value_lift`` for customers ``who``."""
        return 0.0

    def exit_costs(
        self, firm: "Firm", customers: "CustomerArrays", who: np.ndarray
    ) -> np.ndarray | float:
        """``exit_cost`` for customers ``who``."""
        return 0.0

    def satisfaction_drifts(
        self, firm: "Firm", customers: "CustomerArrays", who: np.ndarray
    ) -> np.ndarray | float:
        """``satisfaction_drift`` for customers ``who``."""
        return 0.0

    def on_leaves(
        self, firm: "Firm", customers: "CustomerArrays", who: np.ndarray, ledger: "MonthLedger"
    ) -> None:
        """``on_leave`` for customers ``who`` (still the firm's customers when called)."""

    def referral_boosts(
        self, firm: "Firm", customers: "CustomerArrays", who: np.ndarray
    ) -> np.ndarray | float:
        """``referral_boost`` for customers ``who``."""
        return 1.0

    def on_referrals(
        self, firm: "Firm", customers: "CustomerArrays", who: np.ndarray, ledger: "MonthLedger"
    ) -> None:
        """``on_referral`` for new customers ``who`` whom a friend referred."""

    def on_complaints(
        self, firm: "Firm", customers: "CustomerArrays", who: np.ndarray, ledger: "MonthLedger"
    ) -> None:
        """``on_complaint`` for customers ``who``."""

    def monthly_fees(
        self, firm: "Firm", customers: "CustomerArrays", who: np.ndarray
    ) -> np.ndarray | float:
        """``monthly_fee`` for customers ``who`` the firm served this month."""
        return 0.0

    def monthly_costs(
        self, firm: "Firm", customers: "CustomerArrays", who: np.ndarray
    ) -> np.ndarray | float:
        """``monthly_cost`` for customers ``who`` the firm served this month."""
        return 0.0

    def act_on_arrays(self, firm: "Firm", market: "VectorizedMarket") -> None:
        """``act`` in the vectorized engine; a move that reads no customer is the same."""
        self.act(firm, market)
