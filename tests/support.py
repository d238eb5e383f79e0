"""Helpers shared by the strategy tests: reading one row of a comparison table."""

import pandas as pd

from sim.compare import comparison_row as focal_row


def lowers_at_a_cost(table: pd.DataFrame, variant: str, metric: str = "churn_rate") -> bool:
    """Whether ``variant`` lowers ``metric`` and raises marketing spend, both at 95%."""
    lowered = focal_row(table, variant, metric)
    spend = focal_row(table, variant, "marketing_spend")
    return bool(
        lowered["diff_ci_high"] < 0
        and lowered["p_value"] < 0.05
        and spend["diff_ci_low"] > 0
        and spend["p_value"] < 0.05
    )
