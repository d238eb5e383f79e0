import numpy as np
import pandas as pd
import pytest

from sim.analytics.tier_value import clv_by_tier
from sim.errors import DataError

R, D = 0.9, 0.01
MULTIPLE = R / (1 + D - R)


def _months() -> pd.DataFrame:
    rows = [
        # customer 1: acquired in month 1 (cost 40), margin 10 a month: profit so far -10
        (1, 1, -30.0, 40.0),
        (1, 2, 10.0, 0.0),
        (1, 3, 10.0, 0.0),
        # customer 2: margin 20 a month, the most profitable
        (2, 1, 20.0, 0.0),
        (2, 2, 20.0, 0.0),
        (2, 3, 20.0, 0.0),
        # customer 3: served in the last month but left in it: not a current customer
        (3, 2, 50.0, 0.0),
        (3, 3, 50.0, 0.0),
        # customer 4: not served in the last month
        (4, 1, 90.0, 0.0),
        (4, 2, 90.0, 0.0),
        # customer 5: joined in the last month, margin 5
        (5, 3, 5.0, 0.0),
    ]
    return pd.DataFrame(rows, columns=["customer_id", "month", "profit", "acquisition_cost"])


CHURN = pd.DataFrame({"customer_id": [3, 4], "month": [3, 2]})


def test_current_customers_are_tiered_by_profit_and_valued_by_their_own_margin():
    table = clv_by_tier(_months(), CHURN, R, D, shares=(0.34, 0.33))
    assert list(table.index) == ["platinum", "gold", "iron", "lead"]
    assert table["customers"].tolist() == [1, 1, 0, 2 - 1]
    assert table.loc["platinum", "mean_clv"] == pytest.approx(20 * MULTIPLE)
    assert table.loc["gold", "mean_clv"] == pytest.approx(5 * MULTIPLE)
    # a lead customer (acquisition cost not yet earned back) still has a future margin
    assert table.loc["lead", "mean_clv"] == pytest.approx(10 * MULTIPLE)
    assert np.isnan(table.loc["iron", "mean_clv"])
    assert table["total_clv"].sum() == pytest.approx(35 * MULTIPLE)
    assert table["share_clv"].sum() == pytest.approx(1.0)


def test_higher_retention_raises_every_tiers_value():
    low = clv_by_tier(_months(), CHURN, 0.8, D)
    high = clv_by_tier(_months(), CHURN, 0.95, D)
    assert (high["total_clv"] > low["total_clv"]).loc[low["customers"] > 0].all()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"retention": 1.2}, r"retention = 1\.2: allowed a monthly rate in \[0, 1\]"),
        ({"retention": float("nan")}, r"retention = nan"),
        ({"retention": 1.0, "monthly_discount_rate": 0.0}, r"> 0 when retention is 1"),
        ({"monthly_discount_rate": -0.1}, r"monthly_discount_rate = -0\.1"),
    ],
)
def test_out_of_range_rates_are_named(kwargs, message):
    arguments = {"retention": R, "monthly_discount_rate": D, **kwargs}
    with pytest.raises(DataError, match=message):
        clv_by_tier(_months(), CHURN, **arguments)


def test_missing_columns_are_named():
    with pytest.raises(
        DataError, match=r"customer_months: missing column\(s\) \['acquisition_cost'\]"
    ):
        clv_by_tier(_months().drop(columns="acquisition_cost"), CHURN, R, D)
    with pytest.raises(DataError, match=r"churn_events: missing column\(s\) \['month'\]"):
        clv_by_tier(_months(), CHURN.drop(columns="month"), R, D)
