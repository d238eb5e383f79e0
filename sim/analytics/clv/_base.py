"""Machinery shared by the customer-base models: maximum likelihood, fit state, summary table.

The probability models in this package (sBG, BG/NBD, Pareto/NBD, Gamma-Gamma) all have a
handful of strictly positive parameters estimated by maximum likelihood. This module does that
once, the same way for every model:

* the optimiser works on the logarithm of the parameters, so positivity needs no constraints
  and parameters of very different scales (``r`` ~ 0.2 next to ``alpha`` ~ 4) are comparable;
* several starting points can be tried and the best optimum kept, because these likelihoods
  are not guaranteed to be unimodal;
* standard errors come from the numerical Hessian of the negative log-likelihood at the
  optimum (the observed information matrix).
"""

import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize

from sim.analytics.validation import (
    require_columns,
    require_fitted,
    require_frame,
    require_non_negative,
)
from sim.errors import DataError

_HESSIAN_STEP = 1e-4
"""Step of the central differences on the log-parameters (relative step on the parameters)."""

_LOG_BOUND = 30.0
"""L-BFGS-B keeps each log-parameter in [-30, 30], so its steps cannot overflow ``exp``."""

_SIMPLEX_STEP = 0.05
"""Size (on the log scale, i.e. about 5%) of the Nelder-Mead simplex around the L-BFGS-B end."""


@dataclass(frozen=True)
class MaximumLikelihoodFit:
    """The outcome of :func:`maximize_likelihood`.

    Attributes:
        estimates: Parameter values at the maximum, on the natural (positive) scale.
        log_likelihood: Log-likelihood at the maximum.
        std_errors: Standard errors of ``estimates`` (NaN when the Hessian is not positive
            definite, i.e. the optimum is flat or not a proper maximum).
        converged: Whether the optimiser reported convergence for the best start.
    """

    estimates: np.ndarray
    log_likelihood: float
    std_errors: np.ndarray
    converged: bool


def maximize_likelihood(
    negative_log_likelihood: Callable[[np.ndarray], float],
    starts: Iterable[Sequence[float]],
    model_name: str,
) -> MaximumLikelihoodFit:
    """Maximise a likelihood over strictly positive parameters.

    Each start is optimised on the log-parameters in two stages: L-BFGS-B (numerical
    gradients, few likelihood evaluations, which matters when each one needs the
    hypergeometric function), then Nelder-Mead from its end point with a small simplex, which
    polishes the optimum and copes with points where the likelihood is not finite. The best
    optimum across starts is kept.

    Args:
        negative_log_likelihood: Function of the positive parameter vector returning the
            negative log-likelihood; non-finite values are treated as "infeasible".
        starts: Starting parameter vectors (natural scale, all > 0).
        model_name: Used in error and warning messages.

    Returns:
        The estimates, maximised log-likelihood, standard errors and convergence flag.

    Raises:
        DataError: If the likelihood is not finite at any starting point, which means the data
            cannot be described by the model at all.
    """

    def objective(log_params: np.ndarray) -> float:
        with np.errstate(all="ignore"):
            value = float(negative_log_likelihood(np.exp(log_params)))
        return value if np.isfinite(value) else np.inf

    best = None
    for start in starts:
        x0 = np.log(np.asarray(start, dtype=float))
        if not np.isfinite(objective(x0)):
            continue
        with np.errstate(invalid="ignore"):  # finite differences next to infeasible points
            quick = optimize.minimize(
                objective,
                x0,
                method="L-BFGS-B",
                bounds=[(-_LOG_BOUND, _LOG_BOUND)] * x0.size,
                options={"ftol": 1e-13, "gtol": 1e-8, "maxiter": 2_000},
            )
        x1 = quick.x if np.isfinite(quick.fun) and quick.fun <= objective(x0) else x0
        simplex = x1 + np.vstack([np.zeros(x1.size), _SIMPLEX_STEP * np.eye(x1.size)])
        result = optimize.minimize(
            objective,
            x1,
            method="Nelder-Mead",
            options={
                "xatol": 1e-7,
                "fatol": 1e-9,
                "maxiter": 20_000,
                "maxfev": 40_000,
                "initial_simplex": simplex,
            },
        )
        if best is None or result.fun < best.fun:
            best = result
    if best is None:
        raise DataError(
            f"{model_name}: the log-likelihood is not finite at any starting point; "
            "check that the data fit the model's assumptions"
        )
    if not best.success:
        warnings.warn(
            f"{model_name}: the optimiser did not converge ({best.message}); "
            "treat the estimates with caution",
            RuntimeWarning,
            stacklevel=3,
        )
    estimates = np.exp(best.x)
    log_std = _log_scale_std_errors(objective, best.x)
    if np.any(np.isnan(log_std)):
        warnings.warn(
            f"{model_name}: the likelihood has no proper maximum at the estimates (its Hessian "
            "is not positive definite), so standard errors are NaN; the data may not identify "
            "all parameters",
            RuntimeWarning,
            stacklevel=3,
        )
    return MaximumLikelihoodFit(
        estimates=estimates,
        log_likelihood=-float(best.fun),
        std_errors=estimates * log_std,
        converged=bool(best.success),
    )


def _log_scale_std_errors(objective: Callable[[np.ndarray], float], x: np.ndarray) -> np.ndarray:
    """Standard errors of the log-parameters from the central-difference Hessian.

    At a maximum the gradient vanishes, so the Hessian on the natural scale is
    ``D^-1 H_log D^-1`` with ``D = diag(theta)``; hence ``se(theta) = theta * se(log theta)``
    exactly, which is how the caller converts.
    """
    k = x.size
    h = _HESSIAN_STEP
    f0 = objective(x)
    hessian = np.empty((k, k))
    steps = np.eye(k) * h
    for i in range(k):
        hessian[i, i] = (objective(x + steps[i]) - 2 * f0 + objective(x - steps[i])) / h**2
        for j in range(i):
            value = (
                objective(x + steps[i] + steps[j])
                - objective(x + steps[i] - steps[j])
                - objective(x - steps[i] + steps[j])
                + objective(x - steps[i] - steps[j])
            ) / (4 * h**2)
            hessian[i, j] = hessian[j, i] = value
    if not np.all(np.isfinite(hessian)) or np.any(np.linalg.eigvalsh(hessian) <= 0):
        return np.full(k, np.nan)
    return np.sqrt(np.diag(np.linalg.inv(hessian)))


class FittedModel:
    """Base class: fit-state check, parameter storage and the ``summary()`` table.

    Subclasses set ``_param_names`` and call :meth:`_store_fit` at the end of ``fit``.
    """

    _param_names: tuple[str, ...] = ()

    def _require_fitted(self, method: str) -> None:
        """Raise NotFittedError naming ``method`` if ``fit`` has not been called yet."""
        require_fitted(self, "params_", method)

    def _store_fit(self, fit: MaximumLikelihoodFit) -> None:
        self.params_ = dict(zip(self._param_names, map(float, fit.estimates), strict=True))
        self.std_errors_ = dict(zip(self._param_names, map(float, fit.std_errors), strict=True))
        self.log_likelihood_ = fit.log_likelihood
        self.converged_ = fit.converged

    def summary(self) -> pd.DataFrame:
        """Return the fitted parameters with standard errors, and the log-likelihood.

        Returns:
            A DataFrame indexed by ``parameter`` with columns ``estimate`` and ``std_error``
            (from the numerical Hessian of the negative log-likelihood at the optimum). Its
            last row, ``log_likelihood``, holds the maximised log-likelihood in ``estimate``
            (``std_error`` is NaN there).

        Raises:
            NotFittedError: If the model has not been fitted yet.
        """
        self._require_fitted("summary")
        rows = [(name, self.params_[name], self.std_errors_[name]) for name in self._param_names]
        rows.append(("log_likelihood", self.log_likelihood_, np.nan))
        table = pd.DataFrame(rows, columns=["parameter", "estimate", "std_error"])
        return table.set_index("parameter")


def validate_rfm(summary: object, name: str) -> pd.DataFrame:
    """Check a frequency/recency/T table and return those columns as floats.

    Args:
        summary: Candidate table, one row per customer.
        name: How the table is called in error messages.

    Returns:
        A float DataFrame with columns ``frequency``, ``recency`` and ``T`` and the original
        index.

    Raises:
        DataError: If the table is empty, lacks a column, holds negative, missing or
            non-numeric values, a non-integer ``frequency``, ``recency`` above ``T``, a
            non-positive ``T``, or ``recency > 0`` for a customer without repeat purchases.
    """
    data = require_frame(summary, name)
    require_columns(data, ["frequency", "recency", "T"], name)
    for column in ("frequency", "recency", "T"):
        require_non_negative(data, column, name)
    rfm = data[["frequency", "recency", "T"]].astype(float)
    checks = [
        (rfm["frequency"] != np.round(rfm["frequency"]), "frequency", "must be whole numbers"),
        (rfm["T"] <= 0, "T", "must be > 0 (length of the observation period)"),
        (rfm["recency"] > rfm["T"], "recency", "must not exceed T"),
        (
            (rfm["frequency"] == 0) & (rfm["recency"] > 0),
            "recency",
            "must be 0 when frequency is 0 (no repeat purchase)",
        ),
    ]
    for bad, column, rule in checks:
        if bad.any():
            first = data.index[bad.to_numpy()][0]
            raise DataError(
                f"{name}: column '{column}' {rule}; {int(bad.sum())} row(s) break this "
                f"(first at index {first!r})"
            )
    return rfm


def compress(frame: pd.DataFrame, columns: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Collapse identical rows so each likelihood term is computed once.

    Many customers share the same (frequency, recency, T), e.g. every one-time buyer of a
    cohort; weighting unique rows by their count gives the same likelihood much faster.

    Returns:
        ``(values, weights)``: unique rows as a 2-D float array and how often each occurs.
    """
    counts = frame.groupby(columns, sort=False).size()
    return counts.index.to_frame(index=False).to_numpy(dtype=float), counts.to_numpy(float)


def check_times(t: object, name: str, minimum: float) -> np.ndarray:
    """Return ``t`` as a float array after checking every value is finite and >= ``minimum``.

    Raises:
        DataError: Naming ``name``, the offending value and the allowed range.
    """
    try:
        values = np.asarray(t, dtype=float)
    except (TypeError, ValueError):
        raise DataError(f"{name}: expected a number or numbers, got {t!r}") from None
    bad = ~np.isfinite(values) | (values < minimum)
    if np.any(bad):
        first = values[bad].flat[0]
        raise DataError(f"{name}: got {first}; only finite values >= {minimum} are allowed")
    return values


def check_horizon(t: object) -> float:
    """Return a single forecast horizon ``t`` (>= 0) as a float.

    Raises:
        DataError: If ``t`` is not one finite number >= 0.
    """
    values = check_times(t, "t", minimum=0.0)
    if values.ndim != 0:
        raise DataError(f"t: expected a single horizon, got {values.size} values")
    return float(values)


def like_input(result: np.ndarray) -> float | np.ndarray:
    """Return a plain float for 0-d results, so scalar in gives scalar out."""
    return float(result) if np.ndim(result) == 0 else result
