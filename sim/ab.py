"""A/B comparison of strategies over replications, month by month, with 95% bands.

``sim.compare`` answers "which strategy ends up ahead, and by how much?" with one number
per run. A class also wants to see *when* strategies part ways: a loyalty programme
costs from month one and pays back later. ``ab_compare`` runs the variants over the
same seeds as ``sim.compare.compare_runs`` (common random numbers), keeps every run's
monthly KPIs, and gives each month's mean with a t confidence band; its ``summary`` is
``sim.compare.summarise_comparison`` of the same runs, so the paired intervals agree
with the command line's ``crm-sim compare``.

Reference:
    Law, A. M. (2015). Simulation Modeling and Analysis, 5th ed., McGraw-Hill, ch. 9-10
    (confidence intervals over independent replications; comparing configurations).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.typing import SeriesGroupBy
from scipy import stats

from sim.compare import replication_seeds, summarise_comparison, summarise_run
from sim.errors import ScenarioError
from sim.model import Market
from sim.scenario import Scenario

#: Monthly series a band can be drawn for: KPI column -> unit key in ``sim.i18n``.
BAND_METRICS: dict[str, str] = {
    "cumulative_profit": "unit.currency",
    "profit": "unit.currency",
    "customers": "unit.people",
    "customer_equity": "unit.currency",
    "defections": "unit.people",
    "satisfaction": "unit.score",
}


@dataclass(frozen=True)
class ABComparison:
    """The runs of an A/B comparison: monthly KPIs of every run and their summaries.

    Attributes:
        monthly: one row per variant, replication and month (the focal firm's KPIs from
            ``Market.kpis()`` plus ``cumulative_profit``).
        runs: one row per variant and replication, as ``sim.compare.compare_runs``.
    """

    monthly: pd.DataFrame
    runs: pd.DataFrame

    @property
    def variants(self) -> list[str]:
        """Variant names, the reference first."""
        return list(dict.fromkeys(self.runs["variant"]))

    @property
    def replications(self) -> int:
        """Runs per variant."""
        return int(self.runs["replication"].nunique())

    def summary(self, confidence: float = 0.95) -> pd.DataFrame:
        """Means and paired differences against the first variant over the whole run."""
        return summarise_comparison(self.runs, confidence=confidence)

    def bands(self, metric: str, confidence: float = 0.95) -> pd.DataFrame:
        """Mean of ``metric`` per variant and month with a t confidence band.

        Returns:
            DataFrame with variant, month, mean, ci_low, ci_high; the band is
            mean ± t(n-1) s / sqrt(n) over the n replications of that month.

        Raises:
            ScenarioError: for a metric not in BAND_METRICS (naming those allowed).
        """
        _check_metric(metric)
        grouped = self.monthly.groupby(["variant", "month"], sort=False)[metric]
        return _t_band(grouped, confidence)

    def difference_bands(self, metric: str, confidence: float = 0.95) -> pd.DataFrame:
        """Paired difference of each later variant minus the first, per month, with a band.

        Replication ``i`` of every variant ran on the same seed, so the difference of
        each pair removes the luck both shared: the band of the difference is much
        narrower than the two bands of ``bands`` suggest (Law 2015, ch. 10).

        Returns:
            DataFrame with variant, month, mean, ci_low, ci_high of the difference.
        """
        _check_metric(metric)
        wide = self.monthly.pivot_table(
            index=["replication", "month"], columns="variant", values=metric
        )
        reference, *others = self.variants
        paired = pd.concat(
            [(wide[name] - wide[reference]).rename(metric).reset_index() for name in others],
            keys=others,
            names=["variant", None],
        ).reset_index(level="variant")
        grouped = paired.groupby(["variant", "month"], sort=False)[metric]
        return _t_band(grouped, confidence)


def _check_metric(metric: str) -> None:
    if metric not in BAND_METRICS:
        raise ScenarioError(f"metric {metric!r}: allowed {list(BAND_METRICS)}")


def _t_band(grouped: SeriesGroupBy, confidence: float) -> pd.DataFrame:
    """Mean ± t(n-1) s / sqrt(n) of each group, as variant, month, mean, ci_low, ci_high."""
    table = grouped.agg(mean="mean", sd="std", n="count").reset_index()
    quantile = stats.t.ppf(0.5 + confidence / 2.0, df=table["n"] - 1)
    half = quantile * table["sd"] / np.sqrt(table["n"])
    table["ci_low"] = table["mean"] - half
    table["ci_high"] = table["mean"] + half
    return table[["variant", "month", "mean", "ci_low", "ci_high"]]


def ab_compare(
    scenario: Scenario | str | Path,
    variants: Mapping[str, Mapping[str, Any]],
    replications: int = 5,
    rng: int = 0,
    progress: Callable[[str, int], None] | None = None,
) -> ABComparison:
    """Run every variant over the same seeds and keep the monthly KPIs of each run.

    Args:
        scenario: the scenario every variant starts from (or a preset name / TOML path).
        variants: name -> overrides; the first is the reference (as in ``sim.compare``).
        replications: runs per variant (at least 2, for an interval).
        rng: master seed; replication ``i`` uses the same seed in every variant.
        progress: called with (variant, replication) after each run.

    Raises:
        ScenarioError: for no variants, fewer than 2 replications, or a bad override
            (naming the variant).
    """
    base = scenario if isinstance(scenario, Scenario) else Scenario.load(scenario)
    if not variants:
        raise ScenarioError("variants: none given; give at least one (name -> overrides)")
    seeds = replication_seeds(rng, replications)
    built = {}
    for name, overrides in variants.items():
        try:
            built[name] = base.with_overrides(dict(overrides))
        except ScenarioError as exc:
            raise ScenarioError(f"variant '{name}': {exc}") from None
    monthly, runs = [], []
    for name, variant in built.items():
        for replication, seed in enumerate(seeds):
            market = Market(variant, rng=seed).run_for(variant.market.months)
            kpis = market.kpis()
            market.warehouse.discard()
            kpis["cumulative_profit"] = kpis["profit"].cumsum()
            monthly.append(kpis.assign(variant=name, replication=replication))
            runs.append(
                {"variant": name, "replication": replication, "seed": seed, **summarise_run(kpis)}
            )
            if progress is not None:
                progress(name, replication)
    return ABComparison(monthly=pd.concat(monthly, ignore_index=True), runs=pd.DataFrame(runs))
