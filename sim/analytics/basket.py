"""Market basket analysis: which products are bought together?

Association rules ("customers who buy X also buy Y") turn line items into cross-selling
and shelf-placement ideas. A rule X -> Y is described by its support (share of baskets
holding X and Y), confidence (share of baskets with X that also hold Y) and lift
(confidence divided by the share of baskets holding Y: above 1 means X makes Y more
likely than it is anyway). The classic teaching example, beer and diapers, is folklore
rather than a published finding, but the method is that of Agrawal et al. (1993);
frequent itemsets are mined here with FP-growth (Han, Pei & Yin 2000) as implemented in
mlxtend (Raschka 2018).

References:
    Agrawal, R., Imieliński, T., & Swami, A. (1993). Mining association rules between
    sets of items in large databases. *Proceedings of the 1993 ACM SIGMOD
    International Conference on Management of Data*, 207-216.
    Brin, S., Motwani, R., Ullman, J. D., & Tsur, S. (1997). Dynamic itemset counting
    and implication rules for market basket data. *Proceedings of the 1997 ACM SIGMOD
    International Conference on Management of Data*, 255-264.
    Han, J., Pei, J., & Yin, Y. (2000). Mining frequent patterns without candidate
    generation. *Proceedings of the 2000 ACM SIGMOD International Conference on
    Management of Data*, 1-12.
    Raschka, S. (2018). MLxtend: Providing machine learning and data science utilities
    and extensions to Python's scientific computing stack. *Journal of Open Source
    Software*, 3(24), 638.
"""

from typing import Literal

import numpy as np
import pandas as pd
from mlxtend.frequent_patterns import association_rules, fpgrowth

from sim.analytics.validation import require_columns, require_fitted, require_frame
from sim.errors import DataError

#: Columns of ``MarketBasket.rules_``.
RULE_COLUMNS: tuple[str, ...] = (
    "antecedents",
    "consequents",
    "antecedent support",
    "consequent support",
    "support",
    "confidence",
    "lift",
    "leverage",
    "conviction",
    "antecedent_items",
    "consequent_items",
)


def _label(items: frozenset) -> str:
    """Readable form of an itemset: sorted item names joined by ", "."""
    return ", ".join(sorted(str(item) for item in items))


class MarketBasket:
    """Frequent itemsets and association rules from line items.

    Args:
        min_support: Minimum share of baskets an itemset must appear in.
        min_confidence: Minimum confidence of a rule.
        min_lift: Minimum lift of a rule (0 keeps every rule passing the other
            thresholds; 1 keeps only positive associations).
        max_len: Largest itemset size to mine (None = no limit).

    Attributes:
        basket_: One-hot basket matrix (rows = transactions, columns = products,
            True if the product is in the basket), products sorted by name.
        itemsets_: Frequent itemsets with columns support, itemsets (frozenset) and
            items (readable string), by support descending.
        rules_: Association rules with readable ``antecedents`` and ``consequents``
            strings, the metrics antecedent support, consequent support, support,
            confidence, lift, leverage and conviction, and the itemsets as frozensets
            in ``antecedent_items`` and ``consequent_items``; sorted by lift, then
            confidence, then support (descending) and the readable names.
        products_: The set of products seen in the line items.

    References:
        Agrawal, R., Imieliński, T., & Swami, A. (1993). Mining association rules
        between sets of items in large databases. *Proceedings of ACM SIGMOD 1993*,
        207-216.
        Han, J., Pei, J., & Yin, Y. (2000). Mining frequent patterns without candidate
        generation. *Proceedings of ACM SIGMOD 2000*, 1-12.
    """

    def __init__(
        self,
        min_support: float = 0.01,
        min_confidence: float = 0.2,
        min_lift: float = 0.0,
        max_len: int | None = None,
    ):
        self.min_support = min_support
        self.min_confidence = min_confidence
        self.min_lift = min_lift
        self.max_len = max_len

    def fit(
        self,
        line_items: pd.DataFrame,
        *,
        transaction_id: str = "transaction_id",
        product: str = "product",
    ) -> "MarketBasket":
        """Build the basket matrix, mine frequent itemsets and derive rules.

        Args:
            line_items: One row per product in a transaction (quantities are ignored:
                a product is either in the basket or not).
            transaction_id: Name of the basket/transaction id column.
            product: Name of the product column.

        Returns:
            self

        Raises:
            DataError: If the table is empty, a column is missing, or transaction ids
                or products are missing.
            ValueError: If a threshold is outside its range.
        """
        if not 0 < self.min_support <= 1:
            raise ValueError(f"min_support must be in (0, 1], got {self.min_support!r}")
        if not 0 <= self.min_confidence <= 1:
            raise ValueError(f"min_confidence must be in [0, 1], got {self.min_confidence!r}")
        if self.min_lift < 0:
            raise ValueError(f"min_lift must be >= 0, got {self.min_lift!r}")
        data = require_frame(line_items, "line_items")
        require_columns(data, [transaction_id, product], "line_items")
        for column in (transaction_id, product):
            if data[column].isna().any():
                n = int(data[column].isna().sum())
                raise DataError(f"line_items: column '{column}' has {n} missing value(s)")

        baskets, basket_index = pd.factorize(data[transaction_id], sort=True)
        products, product_index = pd.factorize(data[product], sort=True)
        matrix = np.zeros((len(basket_index), len(product_index)), dtype=bool)
        matrix[baskets, products] = True
        self.basket_ = pd.DataFrame(
            matrix,
            index=pd.Index(basket_index, name=transaction_id),
            columns=pd.Index(product_index, name=product),
        )
        self.products_ = frozenset(product_index)

        itemsets = fpgrowth(
            self.basket_, min_support=self.min_support, use_colnames=True, max_len=self.max_len
        )
        itemsets["items"] = itemsets["itemsets"].map(_label)
        self.itemsets_ = itemsets.sort_values(
            ["support", "items"], ascending=[False, True]
        ).reset_index(drop=True)
        self.rules_ = self._rules(itemsets, len(basket_index))
        return self

    def _rules(self, itemsets: pd.DataFrame, n_baskets: int) -> pd.DataFrame:
        """Association rules from frequent itemsets, readable and sorted."""
        if (itemsets["itemsets"].map(len) < 2).all():
            return pd.DataFrame({column: [] for column in RULE_COLUMNS})
        rules = association_rules(
            itemsets[["support", "itemsets"]],
            num_itemsets=n_baskets,
            metric="confidence",
            min_threshold=self.min_confidence,
        )
        rules = rules[rules["lift"] >= self.min_lift].rename(
            columns={"antecedents": "antecedent_items", "consequents": "consequent_items"}
        )
        rules["antecedents"] = rules["antecedent_items"].map(_label)
        rules["consequents"] = rules["consequent_items"].map(_label)
        rules = rules.sort_values(
            ["lift", "confidence", "support", "antecedents", "consequents"],
            ascending=[False, False, False, True, True],
        )
        return rules[list(RULE_COLUMNS)].reset_index(drop=True)

    def _require_fit(self, method: str) -> pd.DataFrame:
        require_fitted(self, "rules_", method)
        return self.rules_

    def top_rules(self, n: int = 10, by: str = "lift") -> pd.DataFrame:
        """The ``n`` strongest rules by a metric.

        Args:
            n: Number of rules.
            by: Metric column of ``rules_`` to rank by, descending (ties keep the
                order of ``rules_``).

        Returns:
            The first ``n`` rows of ``rules_`` ranked by ``by``.

        Raises:
            ValueError: If ``by`` is not a metric column of ``rules_``.
        """
        rules = self._require_fit("top_rules")
        metrics = [c for c in RULE_COLUMNS if c not in ("antecedents", "consequents")]
        metrics = [c for c in metrics if not c.endswith("_items")]
        if by not in metrics:
            raise ValueError(f"by must be one of {metrics}, got {by!r}")
        return rules.sort_values(by, ascending=False, kind="stable").head(n)

    def rules_for(
        self, product: object, side: Literal["any", "antecedent", "consequent"] = "any"
    ) -> pd.DataFrame:
        """Rules involving one product, in the order of ``rules_``.

        Args:
            product: A product name as it appears in the line items.
            side: Where the product must appear: "antecedent" (what does buying it
                lead to?), "consequent" (what leads to it?) or "any".

        Returns:
            The matching rows of ``rules_`` (empty if the product is in no rule).

        Raises:
            DataError: If the product never occurs in the fitted line items.
            ValueError: If ``side`` is invalid.
        """
        rules = self._require_fit("rules_for")
        if side not in ("any", "antecedent", "consequent"):
            raise ValueError(f"side must be 'any', 'antecedent' or 'consequent', got {side!r}")
        if product not in self.products_:
            raise DataError(
                f"line_items: product {product!r} does not occur in column "
                f"'{self.basket_.columns.name}'"
            )
        in_antecedent = rules["antecedent_items"].map(lambda items: product in items)
        in_consequent = rules["consequent_items"].map(lambda items: product in items)
        mask = {
            "any": in_antecedent | in_consequent,
            "antecedent": in_antecedent,
            "consequent": in_consequent,
        }[side]
        return rules[mask.astype(bool)]
