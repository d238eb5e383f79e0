import subprocess
import sys
from pathlib import Path

import pandas as pd

from sim.datasets import load_cdnow


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
