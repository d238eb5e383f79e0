import pandas as pd
import pytest
import sklearn.exceptions

from sim.analytics.basket import MarketBasket
from sim.analytics.churn import ChurnModel
from sim.analytics.clv import BetaGeoNBD, GammaGamma, ParetoNBD, ShiftedBetaGeometric
from sim.analytics.concentration import Concentration
from sim.analytics.next_purchase import NextPurchase
from sim.analytics.pyramid import CustomerPyramid
from sim.analytics.rfm import RFM
from sim.analytics.validation import require_dates
from sim.errors import CRMError, DataError, NotFittedError


@pytest.mark.parametrize(
    ("model", "call", "method"),
    [
        (RFM(), lambda m: m.summary(), "RFM.summary"),
        (CustomerPyramid(), lambda m: m.summary(), "CustomerPyramid.summary"),
        (Concentration(), lambda m: m.top_share(), "Concentration.top_share"),
        (NextPurchase(), lambda m: m.predict(), "NextPurchase.predict"),
        (MarketBasket(), lambda m: m.top_rules(), "MarketBasket.top_rules"),
        (BetaGeoNBD(), lambda m: m.summary(), "BetaGeoNBD.summary"),
        (ParetoNBD(), lambda m: m.probability_alive(), "ParetoNBD.probability_alive"),
        (GammaGamma(), lambda m: m.summary(), "GammaGamma.summary"),
        (ShiftedBetaGeometric(), lambda m: m.survival(3), "ShiftedBetaGeometric.survival"),
        (ChurnModel(), lambda m: m.predict_proba(pd.DataFrame({"x": [1]})), "ChurnModel"),
    ],
)
def test_every_model_used_before_fit_raises_the_same_not_fitted_error(model, call, method):
    with pytest.raises(NotFittedError, match=rf"{method}.*not fitted yet; call .*fit") as caught:
        call(model)
    # One type for all, caught by scikit-learn-style code and by the CLI's CRMError handler.
    assert isinstance(caught.value, sklearn.exceptions.NotFittedError)
    assert isinstance(caught.value, CRMError)
    assert not isinstance(caught.value, DataError)


@pytest.mark.parametrize("missing", [None, float("nan"), pd.NaT, ""])
def test_require_dates_rejects_missing_dates_naming_column_and_row(missing):
    data = pd.DataFrame({"day": ["2024-01-05", missing, "2024-02-01"]}, index=[10, 11, 12])
    with pytest.raises(
        DataError, match=r"log: column 'day' has 1 missing date\(s\) \(first at row 11\)"
    ):
        require_dates(data, "day", "log")


def test_require_dates_parses_valid_dates_and_names_unparseable_ones():
    data = pd.DataFrame({"day": ["2024-01-05", "2024-02-01"]})
    assert require_dates(data, "day").tolist() == [
        pd.Timestamp("2024-01-05"),
        pd.Timestamp("2024-02-01"),
    ]
    with pytest.raises(DataError, match="column 'day' must hold dates"):
        require_dates(pd.DataFrame({"day": ["2024-01-05", "soon"]}), "day")
