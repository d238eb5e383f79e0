"""Error types that users see: each names the field, the value and what is allowed."""

from sklearn.exceptions import NotFittedError as _SklearnNotFittedError


class CRMError(Exception):
    """Base class for every error the workbench reports to a user."""


class ScenarioError(CRMError, ValueError):
    """A scenario file or parameter is malformed or out of range."""


class DataError(CRMError, ValueError):
    """An input table (transactions, summaries, survivor counts) is unusable."""


class NotFittedError(CRMError, _SklearnNotFittedError):
    """An analytics model was used before ``fit``.

    It is also scikit-learn's NotFittedError, so code written for sklearn estimators
    catches it, and a CRMError, so the command line reports it like our other errors.
    """


class TournamentError(CRMError, ValueError):
    """A classroom tournament cannot go on as asked (its folder, its settings)."""


class ExperimentError(CRMError, ValueError):
    """An experiment cannot run as asked: its folder holds another one, or no cluster."""
