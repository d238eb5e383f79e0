"""Do two engines (or two rule sets) give the same KPI distributions? A replicated check.

The agent engine and the vectorized engine draw their random numbers differently, so
they can only agree *in distribution*. ``compare_engines`` runs a scenario's market
``replications`` times on each side (same replication seeds: replication ``i`` of both
sides starts from the same population and month-0 state), reads a set of KPIs at a few
checkpoint months, and tests for every metric and month whether the two samples could
come from one distribution; the p-values of one scenario are corrected together (Holm).

Metrics at checkpoint month ``m`` (each firm's, the focal firm first; then the market's):

- ``churn_rate[FIRM]``: the firm's defections over the trailing ``CHURN_WINDOW`` months
  divided by its customers at the start of those months (defections per customer-month,
  as ``sim.compare``'s ``churn_rate``; every loss counts, also a customer won this month
  and lost at once, unlike ``1 - retention_rate``). One month of a few hundred customers
  holds only a handful of defections: a rate that is mostly Poisson noise and ties. Six
  months pool a few dozen events, and still describe the hazard *around* month ``m``.
  Customers at the start of month ``k`` are ``customers - acquisitions + defections``
  of month ``k`` (an identity of the KPI table), so month 1 needs no month-0 row.
- ``revenue[FIRM]``, ``profit[FIRM]``: the firm's values in month ``m``.
- ``share_STAGE``: market-wide customers in each of the six lifecycle stages divided by
  all customers.

The test: Anderson-Darling k-sample statistic (Scholz & Stephens 1987, the midrank
version for ties), p-value by permutation. AD compares whole distributions (location,
spread and shape), weighting the tails more than Kolmogorov-Smirnov does, so it is more
powerful against the differences a mis-ported rule makes (a shifted mean, a wider
spread); Welch's t or Mann-Whitney would miss a changed spread with an unchanged mean.
The midrank version handles ties, which integer-valued KPIs at small sizes have. scipy's
``anderson_ksamp`` interpolates its p-value from a table and clips it to [0.001, 0.25]:
a floor of 0.001 times ~36 tests under Holm could never reject at 5%, and a cap of 0.25
would report identical samples as p = 0.25. A permutation p-value is exact under the
null (the two sides exchangeable) at any sample size and with ties; ``PERMUTATIONS``
resamples put its floor at 1e-4, far below Holm's smallest threshold. The permutations
swap the two sides *within* a replication: valid when the sides are independent, and,
when they share each replication's initial population (same seeds), the only valid
scheme; it also removes the between-population variance from the comparison (the
sharper test). The resamples are seeded, so a comparison is reproducible.

Multiple testing: Holm-Bonferroni over all metric x month tests of one scenario controls
the chance of *any* false alarm (family-wise error) at ``alpha`` under any dependence
between the tests (the KPIs of one run are strongly correlated). Benjamini-Hochberg
would control only the expected share of false alarms among rejections; for a pass/fail
gate where one false alarm fails the build, the family-wise rate is the one to bound.

A metric that is constant on both sides (a stage nobody ever reaches) is not tested: it
is reported as "identical constant" and agrees if the constants are equal, and fails
("constant, different") if not. Non-finite values fail ("not finite").

References:
    Scholz, F. W. & Stephens, M. A. (1987). K-sample Anderson-Darling tests. Journal of
    the American Statistical Association 82(399), 918-924.
    Holm, S. (1979). A simple sequentially rejective multiple test procedure.
    Scandinavian Journal of Statistics 6(2), 65-70.
    Good, P. (2005). Permutation, Parametric and Bootstrap Tests of Hypotheses, 3rd ed.
    Springer (restricted permutations for paired designs).
"""

import importlib
import inspect
import math
import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.compare import replication_seeds
from sim.errors import ScenarioError
from sim.experiments import _one_thread_each, _process_context
from sim.model import ENGINES, Market
from sim.rules.relationship import Stage
from sim.scenario import Scenario

#: Default checkpoint months (later ones are moved to a scenario's last month).
MONTHS = (12, 36, 60)
#: Months of defections pooled in the churn rate at a checkpoint.
CHURN_WINDOW = 6
#: Permutation resamples per test: the smallest p-value is 1 / (PERMUTATIONS + 1).
PERMUTATIONS = 9999
#: Firm metrics, read for every firm.
FIRM_METRICS = ("churn_rate", "revenue", "profit")
#: Market keyword arguments the comparison sets itself.
RESERVED = ("rng", "backend", "database", "batch_rows")

#: The status of a metric x month row of the test table.
TESTED = "tested"
IDENTICAL_CONSTANT = "identical constant"
CONSTANT_DIFFERENT = "constant, different"
NOT_FINITE = "not finite"


@dataclass(frozen=True)
class EngineComparison:
    """The outcome of ``compare_engines``: every replication's values and the tests.

    Attributes:
        scenario: the scenario's name.
        values: one row per side, replication, month and metric: ``side`` ("reference"
            or "candidate"), ``engine``, ``replication``, ``seed``, ``month``,
            ``metric``, ``value``.
        tests: one row per metric and month: ``metric``, ``month``, the means and
            standard deviations of both sides, ``statistic`` (standardised AD),
            ``p_value``, ``p_adjusted`` (Holm), ``agree`` and ``status``.
        alpha: the family-wise error rate of the check.
        reference, candidate: the Market keyword arguments of the two sides.
    """

    scenario: str
    values: pd.DataFrame
    tests: pd.DataFrame
    alpha: float
    reference: Mapping[str, Any] = field(default_factory=dict)
    candidate: Mapping[str, Any] = field(default_factory=dict)

    @property
    def agree(self) -> bool:
        """Whether every metric at every month agrees (after the Holm correction)."""
        return bool(self.tests["agree"].all())

    def failures(self) -> pd.DataFrame:
        """The rows of the test table that disagree."""
        return self.tests[~self.tests["agree"]]

    def summary(self) -> str:
        """A readable verdict and the test table (the failing rows first)."""
        failing = self.failures()
        sides = f"{_describe_side(self.reference)} vs {_describe_side(self.candidate)}"
        replications = self.values["replication"].nunique()
        verdict = (
            "AGREE"
            if self.agree
            else f"DISAGREE on {len(failing)} of {len(self.tests)} metric x month rows"
        )
        table = pd.concat([failing, self.tests[self.tests["agree"]]])
        text = table.to_string(
            index=False,
            float_format=lambda v: f"{v:.4g}" if abs(v) < 1e5 else f"{v:,.0f}",
        )
        return (
            f"{self.scenario}: {sides}, {replications} replications, "
            f"Holm-corrected alpha {self.alpha}: {verdict}\n{text}"
        )


def compare_engines(
    scenario: Scenario | str | Path,
    replications: int = 30,
    seed: int = 0,
    months: Sequence[int] = MONTHS,
    reference: Mapping[str, Any] | None = None,
    candidate: Mapping[str, Any] | None = None,
    customers: int | None = None,
    workers: int | None = None,
    alpha: float = 0.05,
    candidate_seed: int | None = None,
    permutations: int = PERMUTATIONS,
) -> EngineComparison:
    """Run a scenario on two engines (or rule sets) and test their KPI distributions.

    Args:
        scenario: a Scenario, a preset name or a TOML path.
        replications: runs per side (at least 2; 30 is the intended size).
        seed: master seed of the replication seeds (``sim.compare.replication_seeds``),
            also of the permutation resamples.
        months: checkpoint months; months past the scenario's end become its last month.
        reference: ``Market`` keyword arguments of the reference side; default
            ``{"engine": "agents"}``. A module-level ``defection_rule`` may be given
            (module-level, so worker processes can unpickle it).
        candidate: the same for the candidate side; default ``{"engine": "vectorized"}``.
        customers: overrides ``market.customers`` (smaller markets for a quick check).
        workers: local processes (default: one per core); 1 runs in this process.
        alpha: family-wise error rate of the check (Holm over all metric x month tests).
        candidate_seed: master seed of the candidate's replications; None (default):
            the reference's seeds, so both sides share each replication's population.
            Another seed makes the sides independent (an agents-vs-agents calibration).
        permutations: resamples per test.

    Raises:
        ScenarioError: a bad size, month, alpha or keyword argument (before any run).
    """
    base = scenario if isinstance(scenario, Scenario) else Scenario.load(scenario)
    if customers is not None:
        base = base.with_overrides({"market.customers": customers})
    seeds = replication_seeds(seed, replications)
    reference = {"engine": "agents"} if reference is None else dict(reference)
    candidate = {"engine": "vectorized"} if candidate is None else dict(candidate)
    for name, side in (("reference", reference), ("candidate", candidate)):
        _check_side(name, side)
    if not 0.0 < alpha < 1.0:
        raise ScenarioError(f"alpha = {alpha}: must lie strictly between 0 and 1")
    if permutations < 1:
        raise ScenarioError(f"permutations = {permutations}: must be at least 1")
    if workers is not None and workers < 1:
        raise ScenarioError(f"workers = {workers}: must be at least 1")
    checkpoints = checkpoint_months(months, base.market.months)
    candidate_seeds = (
        seeds if candidate_seed is None else replication_seeds(candidate_seed, replications)
    )
    tasks = [
        (side, replication, run_seed, kwargs)
        for side, kwargs, side_seeds in (
            ("reference", reference, seeds),
            ("candidate", candidate, candidate_seeds),
        )
        for replication, run_seed in enumerate(side_seeds)
    ]
    results = _execute(base, tasks, checkpoints, workers)
    rows = [
        {
            "side": side,
            "engine": kwargs.get("engine", "agents"),
            "replication": replication,
            "seed": run_seed,
            "month": month,
            "metric": metric,
            "value": value,
        }
        for (side, replication, run_seed, kwargs), values in zip(tasks, results, strict=True)
        for (month, metric), value in values.items()
    ]
    values = pd.DataFrame(rows)
    tests = agreement_table(values, alpha=alpha, permutations=permutations, seed=seed)
    return EngineComparison(base.name, values, tests, alpha, reference, candidate)


def checkpoint_months(months: Sequence[int], last: int) -> list[int]:
    """The checkpoints in order, months past ``last`` moved to ``last``, duplicates dropped."""
    if not months:
        raise ScenarioError("months: none given; give at least one checkpoint month")
    bad = [m for m in months if not isinstance(m, int | np.integer) or m < 1]
    if bad:
        raise ScenarioError(f"months: {bad[0]!r} is not a month; allowed: whole numbers >= 1")
    return sorted({min(int(m), last) for m in months})


def run_metrics(
    firm_kpis: pd.DataFrame, stages: pd.DataFrame, focal: str, months: Sequence[int]
) -> dict[tuple[int, str], float]:
    """A run's metrics at the checkpoint months, from ``firm_kpis()`` and ``kpis()``.

    ``stages`` needs the columns ``month`` and the six stage labels (``Market.kpis()``).
    """
    firms = list(dict.fromkeys(firm_kpis["firm"]))
    firms.sort(key=lambda name: name != focal)  # the focal firm first, the rest in order
    by_firm = {name: rows.set_index("month") for name, rows in firm_kpis.groupby("firm")}
    stage_rows = stages.set_index("month")[[s.label for s in Stage]]
    values: dict[tuple[int, str], float] = {}
    for month in months:
        for name in firms:
            rows = by_firm[name]
            window = rows.loc[max(1, month - CHURN_WINDOW + 1) : month]
            at_risk = float(
                (window["customers"] - window["acquisitions"] + window["defections"]).sum()
            )
            lost = float(window["defections"].sum())
            values[month, f"churn_rate[{name}]"] = lost / at_risk if at_risk else 0.0
            values[month, f"revenue[{name}]"] = float(rows.at[month, "revenue"])
            values[month, f"profit[{name}]"] = float(rows.at[month, "profit"])
        counts = stage_rows.loc[month].to_numpy(float)
        for stage, count in zip(stage_rows.columns, counts, strict=True):
            values[month, f"share_{stage}"] = float(count / counts.sum())
    return values


def replicate(
    scenario: Scenario, seed: int, market_kwargs: Mapping[str, Any], months: Sequence[int]
) -> dict[tuple[int, str], float]:
    """One replication of one side: the market without a database, its metrics.

    A module-level function of plain inputs, so worker processes can run it.
    """
    market = Market(scenario, rng=seed, backend="none", **market_kwargs)
    market.run()
    return run_metrics(market.firm_kpis(), market.kpis(), scenario.focal_firm, months)


# ---------------------------------------------------------------------- statistics
def agreement_table(
    values: pd.DataFrame, alpha: float = 0.05, permutations: int = PERMUTATIONS, seed: int = 0
) -> pd.DataFrame:
    """The test table of a comparison's ``values`` (see ``EngineComparison``).

    The test is paired (swaps within a replication) when both sides ran replication
    ``i`` from the same seed, and unpaired otherwise.
    """
    seeds = values.drop_duplicates(["side", "replication"]).pivot(
        index="replication", columns="side", values="seed"
    )
    paired = bool((seeds["reference"] == seeds["candidate"]).all())
    rows = []
    keys = list(dict.fromkeys(zip(values["metric"], values["month"], strict=True)))
    sides = {
        side: rows_.pivot(index=["metric", "month"], columns="replication", values="value")
        for side, rows_ in values.groupby("side")
    }
    for index, (metric, month) in enumerate(keys):
        x = sides["reference"].loc[(metric, month)].to_numpy(float)
        y = sides["candidate"].loc[(metric, month)].to_numpy(float)
        row = {
            "metric": metric,
            "month": month,
            "reference_mean": float(np.mean(x)),
            "reference_sd": float(np.std(x, ddof=1)),
            "candidate_mean": float(np.mean(y)),
            "candidate_sd": float(np.std(y, ddof=1)),
            "statistic": math.nan,
            "p_value": math.nan,
        }
        if not (np.isfinite(x).all() and np.isfinite(y).all()):
            row["status"] = NOT_FINITE
        elif np.ptp(x) == 0.0 and np.ptp(y) == 0.0:
            row["status"] = IDENTICAL_CONSTANT if x[0] == y[0] else CONSTANT_DIFFERENT
        else:
            row["status"] = TESTED
            statistic, p_value = permutation_test(
                x, y, permutations=permutations, seed=(seed, index), paired=paired
            )
            row["statistic"], row["p_value"] = statistic, p_value
        rows.append(row)
    table = pd.DataFrame(rows)
    table["p_adjusted"] = holm(table["p_value"].to_numpy(float))
    tested = table["status"] == TESTED
    table["agree"] = (tested & (table["p_adjusted"] > alpha)) | (
        table["status"] == IDENTICAL_CONSTANT
    )
    columns = [
        "metric",
        "month",
        "reference_mean",
        "reference_sd",
        "candidate_mean",
        "candidate_sd",
        "statistic",
        "p_value",
        "p_adjusted",
        "agree",
        "status",
    ]
    return table[columns]


def anderson_darling(x: np.ndarray, y: np.ndarray) -> float:
    """The standardised two-sample Anderson-Darling statistic (midrank version, ties).

    Equal to ``scipy.stats.anderson_ksamp([x, y], variant="midrank").statistic``.
    """
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    side = np.r_[np.ones(len(x), bool), np.zeros(len(y), bool)]
    return float(_ad_statistics(np.concatenate([x, y]), side[None, :])[0])


def permutation_test(
    x: np.ndarray,
    y: np.ndarray,
    permutations: int = PERMUTATIONS,
    seed: Any = 0,
    paired: bool = True,
) -> tuple[float, float]:
    """AD statistic of two samples and its permutation p-value.

    ``paired``: ``x[i]`` and ``y[i]`` are replication ``i`` of the two sides (they share
    a seed); each resample swaps every pair with probability 1/2. Otherwise the samples
    are independent and each resample relabels the pooled values at random. The
    p-value is (1 + resamples at least as extreme) / (1 + resamples): never 0, and
    exactly 1 when ``x`` equals ``y`` pair by pair.
    """
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    if x.ndim != 1 or y.ndim != 1 or min(len(x), len(y)) < 2:
        raise ValueError("x and y: two 1-d samples of at least 2 values are needed")
    if paired and len(x) != len(y):
        raise ValueError("x and y: paired samples need the same length")
    rng = np.random.default_rng(np.random.SeedSequence(_entropy(seed)))
    observed = np.r_[np.ones(len(x), bool), np.zeros(len(y), bool)]
    if paired:
        stay = rng.random((permutations, len(x))) < 0.5
        sides = np.hstack([stay, ~stay])
    else:
        sides = rng.permuted(np.tile(observed, (permutations, 1)), axis=1)
    statistics = _ad_statistics(np.concatenate([x, y]), np.vstack([observed, sides]))
    statistic, resampled = statistics[0], statistics[1:]
    tolerance = 1e-9 * max(1.0, abs(statistic))
    extreme = int(np.count_nonzero(resampled >= statistic - tolerance))
    return float(statistic), (1 + extreme) / (1 + permutations)


def _ad_statistics(pooled: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Standardised AD statistics, one per row of ``first`` (which values are side 1).

    Scholz & Stephens (1987), eq. 7 (A2akN, midranks) and the variance of eq. 4. The
    pooled values never change under permutation, only which side each belongs to, so
    all resamples are one matrix product over the distinct values.
    """
    big_n = len(pooled)
    n1 = int(first[0].sum())
    n2 = big_n - n1
    distinct, inverse = np.unique(pooled, return_inverse=True)
    one_hot = np.zeros((big_n, len(distinct)))
    one_hot[np.arange(big_n), inverse] = 1.0
    ties = one_hot.sum(axis=0)
    b_mid = np.cumsum(ties) - ties / 2.0
    denominator = b_mid * (big_n - b_mid) - big_n * ties / 4.0
    keep = denominator > 0  # zero only when every value is equal (never tested)
    counts_first = first.astype(float) @ one_hot  # side 1's count of each distinct value
    total = np.zeros(len(first))
    for counts, size in ((counts_first, n1), (ties - counts_first, n2)):
        m_mid = np.cumsum(counts, axis=1) - counts / 2.0
        gap = big_n * m_mid[:, keep] - size * b_mid[keep]
        total += (ties[keep] / big_n * gap**2 / denominator[keep]).sum(axis=1) / size
    a2 = (big_n - 1.0) / big_n * total
    return (a2 - 1.0) / math.sqrt(_ad_variance(n1, n2))


def _ad_variance(n1: int, n2: int) -> float:
    """Variance of A2akN under the null for two samples (Scholz & Stephens 1987, eq. 4)."""
    k = 2
    big_n = n1 + n2
    h_small = 1.0 / n1 + 1.0 / n2
    tail = np.cumsum(1.0 / np.arange(big_n - 1, 1, -1))
    h = tail[-1] + 1.0
    g = float((tail / np.arange(2, big_n)).sum())
    a = (4 * g - 6) * (k - 1) + (10 - 6 * g) * h_small
    b = (2 * g - 4) * k**2 + 8 * h * k + (2 * g - 14 * h - 4) * h_small - 8 * h + 4 * g - 6
    c = (6 * h + 2 * g - 2) * k**2 + (4 * h - 4 * g + 6) * k + (2 * h - 6) * h_small + 4 * h
    d = (2 * h + 6) * k**2 - 4 * h * k
    return (a * big_n**3 + b * big_n**2 + c * big_n + d) / (
        (big_n - 1.0) * (big_n - 2.0) * (big_n - 3.0)
    )


def holm(p_values: Sequence[float] | np.ndarray) -> np.ndarray:
    """Holm-Bonferroni adjusted p-values (NaN entries are not tests and stay NaN).

    Sorted ascending, the ``j``-th of ``m`` p-values is multiplied by ``m - j + 1``,
    made non-decreasing and capped at 1; reject where the adjusted value is <= alpha.
    """
    p = np.asarray(p_values, float)
    adjusted = np.full_like(p, np.nan)
    tested = np.flatnonzero(~np.isnan(p))
    if tested.size == 0:
        return adjusted
    order = tested[np.argsort(p[tested], kind="stable")]
    m = len(order)
    scaled = p[order] * (m - np.arange(m))
    adjusted[order] = np.minimum(np.maximum.accumulate(scaled), 1.0)
    return adjusted


# ---------------------------------------------------------------------- running
def _execute(
    scenario: Scenario,
    tasks: list[tuple[str, int, int, dict[str, Any]]],
    months: list[int],
    workers: int | None,
) -> list[dict[tuple[int, str], float]]:
    """Every task's metrics, in the order of ``tasks`` (so serial = parallel)."""
    workers = min(workers or os.cpu_count() or 1, len(tasks))
    if workers == 1:
        return [replicate(scenario, seed, kwargs, months) for _, _, seed, kwargs in tasks]
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=_process_context(), initializer=_one_thread_each
    ) as pool:
        futures = [
            pool.submit(replicate, scenario, seed, kwargs, months) for _, _, seed, kwargs in tasks
        ]
        try:
            return [f.result() for f in futures]
        except BaseException:
            for future in futures:
                future.cancel()
            raise


def _check_side(name: str, kwargs: Mapping[str, Any]) -> None:
    reserved = sorted(set(kwargs) & set(RESERVED))
    if reserved:
        raise ScenarioError(
            f"{name}: {reserved[0]!r} is set by the comparison (seeds, no database); leave it out"
        )
    allowed = set(inspect.signature(Market.__init__).parameters) - {"self", "scenario", *RESERVED}
    unknown = sorted(set(kwargs) - allowed)
    if unknown:
        raise ScenarioError(
            f"{name}: {unknown[0]!r} is not a Market argument; allowed: {sorted(allowed)}"
        )
    engine = kwargs.get("engine", "agents")
    if engine not in ENGINES:
        raise ScenarioError(f"{name}: engine {engine!r}; allowed: {', '.join(map(repr, ENGINES))}")
    if engine == "vectorized":
        importlib.import_module("sim.vectorized")  # a missing engine fails before any run


def _describe_side(kwargs: Mapping[str, Any]) -> str:
    text = str(kwargs.get("engine", "agents"))
    rule = kwargs.get("defection_rule")
    if rule is not None:
        text += f" ({getattr(rule, '__name__', rule)})"
    return text


def _entropy(seed: Any) -> list[int]:
    """A SeedSequence entropy from an int or a tuple of ints."""
    return [int(s) for s in (seed if isinstance(seed, tuple | list) else (seed,))]
