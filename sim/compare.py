"""Compare strategy variants honestly: same seeds for every variant, means with 95% CIs.

A difference between two simulated strategies is only worth reporting if it is larger
than the noise of the simulation. ``compare`` runs every variant over the same seeds
(common random numbers: variant A's replication 3 and variant B's replication 3 face the
same customers and the same luck as far as the model allows), so the paired difference
of each replication removes most of the noise the variants share (Law 2015, ch. 10).

Reference:
    Law, A. M. (2015). Simulation Modeling and Analysis, 5th ed., McGraw-Hill, ch. 10
    (comparing alternative system configurations: paired-t confidence intervals).
"""

import importlib
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim.errors import ScenarioError
from sim.model import ENGINES, Market
from sim.rules.switching import REASONS
from sim.scenario import Scenario

#: What one run is summarised by (the focal firm over the whole run).
RUN_METRICS: dict[str, str] = {
    "customers_end": "customers at the end of the run",
    "acquisitions": "customers acquired (incl. win-backs)",
    "defections": "customers lost",
    "churn_rate": "defections per customer-month (monthly churn rate)",
    "revenue": "revenue over the run",
    "profit": "profit over the run (after marketing spend)",
    "marketing_spend": "acquisition + retention spend over the run",
    "satisfaction": "mean satisfaction of customers (1-5), averaged over months",
    "market_share": "revenue share in the last 12 months",
    "customer_equity": "customer equity at the end of the run",
    **{f"churn_{r.value}": f"customers lost to {r.value.replace('_', ' ')}" for r in REASONS},
}


def summarise_run(kpis: pd.DataFrame) -> dict[str, float]:
    """One run's KPI table (``Market.kpis()``) reduced to the metrics in RUN_METRICS."""
    at_risk = kpis["customers"].shift(1, fill_value=np.nan)
    months_at_risk = float(at_risk.sum())
    last_year = kpis.tail(12)
    return {
        "customers_end": float(kpis["customers"].iloc[-1]),
        "acquisitions": float(kpis["acquisitions"].sum()),
        "defections": float(kpis["defections"].sum()),
        "churn_rate": float(kpis["defections"].iloc[1:].sum()) / months_at_risk
        if months_at_risk
        else float("nan"),
        "revenue": float(kpis["revenue"].sum()),
        "profit": float(kpis["profit"].sum()),
        "marketing_spend": float(kpis["marketing_spend"].sum()),
        "satisfaction": float(kpis["satisfaction"].mean()),
        "market_share": float(last_year["revenue"].sum())
        / float((last_year["revenue"] / last_year["market_share"]).sum()),
        "customer_equity": float(kpis["customer_equity"].iloc[-1]),
        **{f"churn_{r.value}": float(kpis[f"churn_{r.value}"].sum()) for r in REASONS},
    }


def check_engine(engine: str) -> str:
    """``engine`` if it names an engine that loads (``sim.model.ENGINES``), else a ScenarioError.

    Loading it here makes a missing engine one clear error before any run, not one
    traceback per worker.
    """
    if engine not in ENGINES:
        raise ScenarioError(f"engine = {engine!r}: allowed: {', '.join(map(repr, ENGINES))}")
    if engine == "vectorized":
        try:
            importlib.import_module("sim.vectorized")
        except ImportError as exc:
            raise ScenarioError(f"engine = 'vectorized': cannot be loaded ({exc})") from None
    return engine


def replication_seeds(rng: int, replications: int) -> list[int]:
    """Independent seeds for the replications, derived from one master seed."""
    if replications < 2:
        raise ScenarioError(
            f"replications = {replications}: at least 2 are needed for a confidence interval"
        )
    state = np.random.SeedSequence(rng).generate_state(replications, dtype=np.uint32)
    return [int(s) for s in state]


def build_variants(
    base: Scenario, variants: Mapping[str, Mapping[str, Any]]
) -> dict[str, Scenario]:
    """Each variant's scenario, checked before any run so a typo costs no simulation time.

    Raises:
        ScenarioError: no variants, or a variant's overrides are invalid (the message
            names the variant).
    """
    if not variants:
        raise ScenarioError("variants: none given; give at least one (name -> overrides)")
    built = {}
    for name, overrides in variants.items():
        try:
            built[name] = base.with_overrides(dict(overrides))
        except ScenarioError as exc:
            raise ScenarioError(f"variant '{name}': {exc}") from None
    return built


def run_once(scenario: Scenario, seed: int, engine: str = "agents") -> dict[str, float]:
    """One replication: run the market to its last month and summarise it (RUN_METRICS).

    A module-level function of plain inputs, so process pools and Dask workers can run it.
    The market keeps no CRM database (backend "none"): only the KPIs are summarised, and
    the KPIs do not depend on the backend. ``engine`` is ``Market``'s engine.
    """
    market = Market(scenario, rng=seed, backend="none", engine=engine).run()
    return summarise_run(market.kpis())


def compare_runs(
    scenario: Scenario | str | Path,
    variants: Mapping[str, Mapping[str, Any]],
    replications: int = 10,
    rng: int = 0,
    progress: Callable[[str, int], None] | None = None,
    engine: str = "agents",
) -> pd.DataFrame:
    """Run every variant over the same seeds; one row per variant and replication.

    Args:
        scenario: the scenario every variant starts from (or a preset name / TOML path).
        variants: name -> overrides (``{"firms.Focal.price": 22.0}``); the first variant
            is the reference the others are compared with (``{}`` = the scenario as is).
        replications: runs per variant (at least 2).
        rng: master seed; replication ``i`` uses the same seed in every variant.
        progress: called with (variant, replication) after each run.
        engine: the engine of every run, "agents" or "vectorized" (``sim.model.ENGINES``).
    """
    check_engine(engine)
    base = scenario if isinstance(scenario, Scenario) else Scenario.load(scenario)
    seeds = replication_seeds(rng, replications)
    built = build_variants(base, variants)
    rows = []
    for name, variant in built.items():
        for replication, seed in enumerate(seeds):
            summary = run_once(variant, seed, engine)
            rows.append({"variant": name, "replication": replication, "seed": seed, **summary})
            if progress is not None:
                progress(name, replication)
    return pd.DataFrame(rows)


def summarise_comparison(runs: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Means with t confidence intervals, and paired differences against the first variant.

    Returns one row per variant and metric: mean, ci_low, ci_high, and (for variants
    after the first) diff, diff_ci_low, diff_ci_high and the paired t-test's p_value.
    """
    variants = list(dict.fromkeys(runs["variant"]))
    reference = runs[runs["variant"] == variants[0]].set_index("replication")
    rows = []
    for name in variants:
        own = runs[runs["variant"] == name].set_index("replication")
        for metric in RUN_METRICS:
            values = own[metric].to_numpy(float)
            row = {"variant": name, "metric": metric, "replications": len(values)}
            row.update(_interval(values, confidence, prefix=""))
            if name != variants[0]:
                paired = own[metric] - reference[metric].reindex(own.index)
                row.update(_interval(paired.to_numpy(float), confidence, prefix="diff_"))
                row["p_value"] = _paired_p_value(paired.to_numpy(float))
            rows.append(row)
    return pd.DataFrame(rows)


def comparison_row(table: pd.DataFrame, variant: str, metric: str) -> pd.Series:
    """One variant's row for one metric of a ``compare`` table (mean, intervals, diff)."""
    rows = table[(table["variant"] == variant) & (table["metric"] == metric)]
    if rows.empty:
        raise KeyError(f"no row for variant {variant!r} and metric {metric!r}")
    return rows.iloc[0]


def compare(
    scenario: Scenario | str | Path,
    variants: Mapping[str, Mapping[str, Any]],
    replications: int = 10,
    rng: int = 0,
    confidence: float = 0.95,
    engine: str = "agents",
) -> pd.DataFrame:
    """Compare variants over common random numbers: the tidy summary table.

    ``compare("baseline", {"now": {}, "dearer": {"firms.Focal.price": 22.0}})`` returns,
    for every variant and metric, the mean with its confidence interval and, for
    "dearer", the paired difference against "now" with its interval and p-value.
    ``engine`` is the engine of every run (see ``compare_runs``).
    """
    runs = compare_runs(scenario, variants, replications=replications, rng=rng, engine=engine)
    return summarise_comparison(runs, confidence=confidence)


def load_variants(path: str | Path) -> dict[str, dict[str, Any]]:
    """Variants from a TOML file: one table per variant under ``[variants]``.

    Overrides may be written as quoted dotted keys (``"firms.Focal.price" = 22.0``) or as
    nested tables; both become dotted override paths.
    """
    path = Path(path)
    if not path.is_file():
        raise ScenarioError(f"variants file '{path}' does not exist")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"variants file '{path}' is not valid TOML: {exc}") from None
    unknown = sorted(set(data) - {"variants"})
    if unknown:
        raise ScenarioError(f"{path}: unknown field(s) {unknown}; allowed: ['variants']")
    variants = data.get("variants")
    if not isinstance(variants, dict) or not variants:
        raise ScenarioError(
            f"{path}: field 'variants' is missing or empty; "
            "allowed: one table per variant, e.g. [variants.dearer]"
        )
    result = {}
    for name, overrides in variants.items():
        if not isinstance(overrides, dict):
            raise ScenarioError(
                f"{path}: field 'variants.{name}' = {overrides!r}: must be a table of overrides"
            )
        result[name] = flatten_overrides(overrides)
    return result


def flatten_overrides(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested TOML tables turned into dotted override paths (``{"a": {"b": 1}}`` -> ``a.b``).

    Lets files write overrides either way: ``"firms.Focal.price" = 22.0`` or a table.
    An empty table stays a value: it switches a strategy on with its defaults.
    """
    flat = {}
    for key, value in table.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat.update(flatten_overrides(value, prefix=f"{path}."))
        else:
            flat[path] = value
    return flat


def _interval(values: np.ndarray, confidence: float, prefix: str) -> dict[str, float]:
    name = "mean" if not prefix else "diff"
    mean = float(np.mean(values))
    se = float(np.std(values, ddof=1) / np.sqrt(len(values)))
    half = float(stats.t.ppf(0.5 + confidence / 2.0, df=len(values) - 1)) * se
    return {name: mean, f"{prefix}ci_low": mean - half, f"{prefix}ci_high": mean + half}


def _paired_p_value(differences: np.ndarray) -> float:
    if np.allclose(differences, differences[0]):
        return 1.0 if differences[0] == 0 else 0.0
    return float(stats.ttest_1samp(differences, 0.0).pvalue)
