"""What every strategy can touch: a firm's price, bonds and costs, and its customers.

A strategy is a small policy object with one job. The firm asks each of its strategies,
through these hooks, what price a customer pays, how strongly the customer is bound, and
what serving the customer costs; ``act`` runs once a month after the customers. Every
hook has a neutral default, so a strategy overrides only what it changes.
"""

import random
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.agents import Customer, Firm, MonthBooks
    from sim.model import Market
    from sim.section import Section


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

    def seed(self, *parts: object) -> None:
        """Give the strategy its own deterministic stream (same parts, same numbers)."""
        self.random = random.Random("/".join(str(p) for p in (self.name, *parts)))

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
