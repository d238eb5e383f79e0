"""Error types that users see: each names the field, the value and what is allowed."""


class CRMError(Exception):
    """Base class for every error the workbench reports to a user."""


class ScenarioError(CRMError, ValueError):
    """A scenario file or parameter is malformed or out of range."""


class DataError(CRMError, ValueError):
    """An input table (transactions, summaries, survivor counts) is unusable."""
