"""Every customer's traits and state as NumPy arrays: the vectorized engine's population.

The agent engine keeps one ``Customer`` object per person; the vectorized engine keeps
one array per attribute, indexed by customer id, so a rule applies to everyone at once.
The names follow ``sim.agents.Customer`` attribute for attribute; firms are their index
(``-1`` = none). Dtypes are as small as the values allow: a million customers take about
150 MB. ``MonthLedger`` is the array form of ``sim.agents.MonthBooks``: what each
customer brought each firm this month, before costs are settled.
"""

from dataclasses import dataclass, field

import numpy as np

from sim.population import Traits
from sim.rules.relationship import Stage
from sim.rules.switching import REASONS

#: No firm (a prospect's supplier, a customer with nobody to return to).
NO_FIRM = -1


@dataclass(eq=False)
class CustomerArrays:
    """Traits (fixed) and relationship state (changes monthly) of all customers.

    Index ``i`` of every array is customer ``i``; arrays with a second axis have one
    column per firm (or per product, per churn reason).
    """

    # Traits: who each customer is.
    segment: np.ndarray  # int8, index into segment_names
    segment_names: tuple[str, ...]
    value_weights: np.ndarray  # float32 (n, 4): product, service, personnel, image
    price_weight: np.ndarray  # float32
    time_weight: np.ndarray  # float32
    learning_rate: np.ndarray  # float32
    need_rate: np.ndarray  # float32
    items_rate: np.ndarray  # float32
    referral_propensity: np.ndarray  # float32
    churn_probability: np.ndarray  # float32
    product_weights: np.ndarray  # float32 (n, products), rows sum to 1
    # State: where each relationship stands.
    stage: np.ndarray  # int8 Stage codes
    supplier: np.ndarray  # int8 firm index or NO_FIRM
    former_supplier: np.ndarray  # int8
    lapsed_from: np.ndarray  # int8: the firm left, out of consideration until won back
    aware: np.ndarray  # bool (n, firms)
    satisfaction: np.ndarray  # float32, 1-5
    expectation: np.ndarray  # float32, 0-1
    strength: np.ndarray  # float32, 0-1
    tenure: np.ndarray  # int16 months with the supplier
    purchases: np.ndarray  # int16 purchases from the supplier
    months_since_purchase: np.ndarray  # int16
    reference_price: np.ndarray  # float32
    warnings: np.ndarray  # float32 (n, firms), faded monthly
    grievances: np.ndarray  # float32 (n, reasons), faded monthly
    referrer: np.ndarray  # int32 (n, firms): who referred the customer to each firm, -1
    referral_credit: np.ndarray  # float64 (n, firms): referral value earned this month
    margin_total: np.ndarray  # float64, profit with the supplier (acquisition excluded)
    months_served: np.ndarray  # int16
    lifetime_purchases: np.ndarray  # int32
    lifetime_spend: np.ndarray  # float64

    @classmethod
    def from_traits(
        cls, traits: Traits, n_firms: int, reference_price: float, initial_expectation: float
    ) -> "CustomerArrays":
        """A population of prospects with the given traits (nobody buys yet)."""
        n = len(traits)

        def full(value: float, dtype: type) -> np.ndarray:
            return np.full(n, value, dtype=dtype)

        return cls(
            segment=traits.segment.astype(np.int8),
            segment_names=traits.segment_names,
            value_weights=traits.value_weights.astype(np.float32),
            price_weight=traits.price_weight.astype(np.float32),
            time_weight=traits.time_weight.astype(np.float32),
            learning_rate=traits.learning_rate.astype(np.float32),
            need_rate=traits.need_rate.astype(np.float32),
            items_rate=traits.items_rate.astype(np.float32),
            referral_propensity=traits.referral_propensity.astype(np.float32),
            churn_probability=traits.churn_probability.astype(np.float32),
            product_weights=traits.product_weights.astype(np.float32),
            stage=full(Stage.PROSPECT, np.int8),
            supplier=full(NO_FIRM, np.int8),
            former_supplier=full(NO_FIRM, np.int8),
            lapsed_from=full(NO_FIRM, np.int8),
            aware=np.zeros((n, n_firms), dtype=bool),
            satisfaction=full(3.0, np.float32),
            expectation=full(initial_expectation, np.float32),
            strength=full(0.5, np.float32),
            tenure=full(0, np.int16),
            purchases=full(0, np.int16),
            months_since_purchase=full(0, np.int16),
            reference_price=full(reference_price, np.float32),
            warnings=np.zeros((n, n_firms), dtype=np.float32),
            grievances=np.zeros((n, len(REASONS)), dtype=np.float32),
            referrer=np.full((n, n_firms), -1, dtype=np.int32),
            referral_credit=np.zeros((n, n_firms)),
            margin_total=np.zeros(n),
            months_served=full(0, np.int16),
            lifetime_purchases=full(0, np.int32),
            lifetime_spend=np.zeros(n),
        )

    def __len__(self) -> int:
        return len(self.stage)

    def typical_spend(self, who: np.ndarray) -> np.ndarray:
        """What a purchase usually costs these customers (``Customer.typical_spend``)."""
        return self.reference_price[who] * np.maximum(self.items_rate[who], 1.0)

    def mean_margin(self, who: np.ndarray) -> np.ndarray:
        """Average monthly margin with the current supplier (``Customer.mean_margin``)."""
        served = self.months_served[who]
        return np.where(served > 0, self.margin_total[who] / np.maximum(served, 1), 0.0)


#: The money a ledger holds per firm and customer, as ``MonthBooks`` names it.
LEDGER_ITEMS: tuple[str, ...] = (
    "revenue",
    "cogs",
    "base_margin",
    "extra_margin",
    "premium_revenue",
    "acquisition_cost",
    "retention_cost",
)


@dataclass(eq=False)
class MonthLedger:
    """This month's books of every customer with every firm (arrays of shape (firms, n)).

    ``opened`` marks the books a customer-month row is written for (as ``books_for``
    opens them); ``served`` those where the firm served the customer (costs to serve);
    ``tenure`` the tenure booked (the customer's tenure for the supplier at the start of
    the month, 0 for a new one).
    """

    opened: np.ndarray
    served: np.ndarray
    tenure: np.ndarray
    items: dict[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def empty(cls, n_firms: int, n: int) -> "MonthLedger":
        """Closed books for everyone."""
        shape = (n_firms, n)
        return cls(
            opened=np.zeros(shape, dtype=bool),
            served=np.zeros(shape, dtype=bool),
            tenure=np.zeros(shape, dtype=np.int16),
            items={item: np.zeros(shape) for item in LEDGER_ITEMS},
        )

    def clear(self) -> None:
        """Start a new month with closed books (arrays reused, nothing reallocated)."""
        self.opened.fill(False)
        self.served.fill(False)
        self.tenure.fill(0)
        for values in self.items.values():
            values.fill(0.0)

    def open(self, firm: int, who: np.ndarray, served: bool = False) -> None:
        """Open the books of customers ``who`` with ``firm`` (``books_for``)."""
        self.opened[firm, who] = True
        if served:
            self.served[firm, who] = True

    def book(self, item: str, firm: int, who: np.ndarray, amount: np.ndarray | float) -> None:
        """Add ``amount`` to ``item`` for customers ``who`` (distinct) with ``firm``."""
        self.opened[firm, who] = True
        self.items[item][firm, who] += amount

    def __getitem__(self, item: str) -> np.ndarray:
        return self.items[item]
