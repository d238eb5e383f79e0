import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.datasets import load_cdnow, load_simulated
from sim.errors import ScenarioError
from sim.scenario import Scenario
from sim.warehouse import SCHEMA


def test_cdnow_transactions_have_typed_columns_for_2357_customers():
    transactions = load_cdnow().transactions
    assert list(transactions.columns) == ["customer_id", "date", "quantity", "amount"]
    assert len(transactions) == 6919
    assert transactions["customer_id"].nunique() == 2357
    assert pd.api.types.is_datetime64_any_dtype(transactions["date"])
    assert transactions["date"].min() == pd.Timestamp("1997-01-01")
    assert transactions["date"].max() == pd.Timestamp("1998-06-30")
    assert (transactions["amount"] >= 0).all()


def test_cdnow_summary_covers_the_39_week_calibration_period():
    summary = load_cdnow().summary
    assert summary.index.name == "customer_id"
    assert list(summary.columns) == ["frequency", "recency", "T", "monetary_value"]
    assert len(summary) == 2357
    assert summary["T"].max() == 38.86
    assert (summary["recency"] <= summary["T"]).all()
    # Mean spend is defined for the 946 customers with repeat purchases only.
    assert (summary["frequency"] > 0).sum() == 946
    assert (summary.loc[summary["frequency"] == 0, "monetary_value"] == 0).all()


def test_loading_cdnow_does_not_import_the_lifetimes_package():
    # Importing lifetimes runs code that needs pkg_resources; only its files are read.
    code = (
        "import sys; from sim.datasets import load_cdnow; load_cdnow(); "
        "print('lifetimes' in sys.modules)"
    )
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=root, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


@pytest.fixture(scope="module")
def simulated():
    return load_simulated("baseline", customers=200, months=12, seed=7)


def test_simulated_tables_follow_the_warehouse_schema(simulated):
    assert list(simulated) == list(SCHEMA)
    for name, columns in SCHEMA.items():
        assert list(simulated[name].columns) == [column for column, _ in columns], name


def test_simulated_run_has_the_requested_size_and_length(simulated):
    transactions = simulated["transactions"]
    assert len(simulated["customers"]) == 200
    assert transactions["month"].min() == 1
    assert transactions["month"].max() == 12
    assert set(transactions["customer_id"]) <= set(simulated["customers"]["customer_id"])


def test_simulated_transactions_are_dated_in_their_month_and_match_their_line_items(simulated):
    transactions = simulated["transactions"]
    assert pd.api.types.is_datetime64_any_dtype(transactions["date"])
    # The baseline starts on 2024-01-01: month m is calendar month m of 2024.
    assert (transactions["date"].dt.year == 2024).all()
    assert (transactions["date"].dt.month == transactions["month"]).all()
    lines = simulated["line_items"].groupby("transaction_id")["amount"].sum()
    np.testing.assert_allclose(
        lines.loc[transactions["transaction_id"]].to_numpy(), transactions["amount"].to_numpy()
    )


def test_simulated_data_is_reproducible_from_its_seed(simulated):
    again = load_simulated("baseline", customers=200, months=12, seed=7)
    other = load_simulated("baseline", customers=200, months=12, seed=8)
    pd.testing.assert_frame_equal(again["transactions"], simulated["transactions"])
    assert not other["transactions"]["amount"].equals(simulated["transactions"]["amount"])


def test_simulated_data_keeps_the_scenarios_settings_unless_overridden():
    scenario = Scenario.load("baseline").with_overrides(
        {"market.customers": 50, "market.months": 3}
    )
    tables = load_simulated(scenario)
    assert len(tables["customers"]) == 50
    assert tables["customer_months"]["month"].max() == 3


def test_simulated_data_rejects_bad_sizes_naming_the_field():
    with pytest.raises(ScenarioError, match=r"market\.customers"):
        load_simulated(customers=0)
