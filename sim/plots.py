"""Figures for notebooks, CLI reports and dashboards. Each takes plain DataFrames.

Every figure has a title, axis labels and units, so it can be projected in class as is.
"""

from collections.abc import Mapping, Sequence
from functools import cache

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.text import Text

from sim.analytics.clv.formulas import retention_clv
from sim.analytics.cohorts import profit_by_tenure_year
from sim.economics import PROFIT_SOURCES
from sim.i18n import check_language, label
from sim.rules.loyalty import satisfaction_loyalty_multiplier
from sim.rules.relationship import Stage
from sim.rules.switching import REASONS

STAGE_COLOURS = {
    "prospect": "#c7c7c7",
    "exploration": "#9ecae1",
    "formation": "#4292c6",
    "stability": "#08519c",
    "decline": "#fd8d3c",
    "churned": "#a50f15",
}


def lifecycle_stages(kpis: pd.DataFrame, title: str = "Customers by lifecycle stage") -> Figure:
    """Stacked area of how many customers are in each lifecycle stage, month by month."""
    fig, ax = plt.subplots(figsize=(8, 4.5))
    labels = [s.label for s in Stage]
    ax.stackplot(
        kpis["month"],
        [kpis[label] for label in labels],
        labels=labels,
        colors=[STAGE_COLOURS[label] for label in labels],
    )
    ax.set(title=title, xlabel="Month", ylabel="Customers (people)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    ax.margins(x=0)
    fig.tight_layout()
    return fig


def churn_by_reason(kpis: pd.DataFrame, title: str = "Why customers left") -> Figure:
    """Total defections over the run by Keaveney's switching reason."""
    totals = pd.Series(
        {r.value.replace("_", " "): kpis["churn_" + r.value].sum() for r in REASONS}
    ).sort_values()
    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.barh(totals.index, totals.to_numpy(), color="#a50f15")
    ax.set(title=title, xlabel="Defections over the run (customers)", ylabel="Reason (Keaveney)")
    fig.tight_layout()
    return fig


def profit_and_equity(kpis: pd.DataFrame, title: str = "Profit and customer equity") -> Figure:
    """Monthly profit and customer equity (sum of CLVs of current customers)."""
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 6), sharex=True)
    top.plot(kpis["month"], kpis["profit"], color="#238b45")
    top.axhline(0.0, color="grey", linewidth=0.8)
    top.set(title=title, ylabel="Profit per month (currency)")
    bottom.plot(kpis["month"], kpis["customer_equity"], color="#08519c")
    bottom.set(xlabel="Month", ylabel="Customer equity (currency)")
    fig.tight_layout()
    return fig


def profit_by_tenure(
    customer_months: pd.DataFrame,
    title: str = "Profit per customer by tenure year (Reichheld & Sasser)",
) -> Figure:
    """Annual profit per customer by tenure year, stacked by source; costs below zero.

    Uses ``sim.analytics.cohorts.profit_by_tenure_year`` with ``annualise=True``, so
    relationships cut short by churn or by the end of the data count for the months
    they lasted instead of pulling the older years down; year 0 is the acquisition cost.
    """
    yearly = profit_by_tenure_year(customer_months, annualise=True)
    fig, ax = plt.subplots(figsize=(8, 4.5))
    bottom = pd.Series(0.0, index=yearly.index)
    for source in PROFIT_SOURCES:
        if source in yearly:
            ax.bar(yearly.index, yearly[source], bottom=bottom, label=source.replace("_", " "))
            bottom = bottom + yearly[source]
    below = pd.Series(0.0, index=yearly.index)
    for cost, colour in (("acquisition_cost", "#a50f15"), ("retention_cost", "#fc9272")):
        if cost in yearly:
            ax.bar(
                yearly.index, yearly[cost], bottom=below, color=colour, label=cost.replace("_", " ")
            )
            below = below + yearly[cost]
    ax.axhline(0.0, color="grey", linewidth=0.8)
    ax.set(
        title=title,
        xlabel="Tenure year (0 = acquisition)",
        ylabel="Profit per customer per year (currency)",
    )
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    fig.tight_layout()
    return fig


def comparison(
    summary: pd.DataFrame,
    metrics: list[str] | None = None,
    title: str = "Difference against the reference variant (95% CI)",
) -> Figure:
    """Paired differences of each variant against the first, with confidence intervals.

    Takes ``sim.compare.compare(...)``'s table. An interval that crosses zero means the
    simulation cannot tell the variant apart from the reference at that confidence.
    """
    metrics = metrics or ["churn_rate", "revenue", "profit", "customer_equity"]
    diffs = summary[summary["metric"].isin(metrics) & summary["diff"].notna()]
    variants = list(dict.fromkeys(diffs["variant"]))
    fig, axes = plt.subplots(
        1, len(metrics), figsize=(3.2 * len(metrics), 0.6 * len(variants) + 1.8), squeeze=False
    )
    for ax, metric in zip(axes[0], metrics, strict=True):
        rows = diffs[diffs["metric"] == metric].set_index("variant").reindex(variants)
        errors = [rows["diff"] - rows["diff_ci_low"], rows["diff_ci_high"] - rows["diff"]]
        ax.errorbar(rows["diff"], range(len(variants)), xerr=errors, fmt="o", capsize=4)
        ax.axvline(0.0, color="grey", linewidth=0.8)
        ax.set_yticks(range(len(variants)), variants if ax is axes[0][0] else [""] * len(variants))
        ax.set(title=metric.replace("_", " "), xlabel="difference (metric units)")
        ax.set_ylim(-0.5, len(variants) - 0.5)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def tournament_standings(market_kpis: pd.DataFrame, months_per_round: int) -> Figure:
    """Each team's customers and cumulative profit month by month, rounds marked.

    Takes a tournament round's ``market_kpis.csv`` (``Market.firm_kpis()``: one row per
    month and firm, each firm a team).
    """
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8))
    for team, rows in market_kpis.groupby("firm", sort=True):
        left.plot(rows["month"], rows["customers"], label=team)
        right.plot(rows["month"], rows["profit"].cumsum(), label=team)
    last = int(market_kpis["month"].max())
    for ax in (left, right):
        for end in range(months_per_round, last, months_per_round):
            ax.axvline(end + 0.5, color="grey", linewidth=0.6, linestyle=":")
    left.set(title="Customers", xlabel="month", ylabel="customers (count)")
    right.set(title="Profit so far", xlabel="month", ylabel="cumulative profit (currency)")
    right.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, title="team")
    fig.suptitle("Tournament standings (dotted lines: end of a round)")
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------- figures in three languages
# The dashboard's figures: the same content as the figures above, with every text looked up
# in sim.i18n so a class sees them in English, simplified or traditional Chinese.

#: Fonts with Chinese glyphs, tried in order after DejaVu Sans (Debian: fonts-wqy-microhei).
CJK_FONTS = (
    "WenQuanYi Micro Hei",
    "Noto Sans CJK SC",
    "Noto Sans CJK TC",
    "Source Han Sans SC",
    "Microsoft YaHei",
    "PingFang SC",
    "SimHei",
)

#: Colours of the pyramid tiers, top first.
TIER_COLOURS = {"platinum": "#6a51a3", "gold": "#d4a017", "iron": "#737373", "lead": "#a50f15"}


def stage_area(kpis: pd.DataFrame, language: str = "en") -> Figure:
    """Customers in each lifecycle stage, month by month, as a stacked area."""
    fig, ax = _subplots(language, figsize=(7, 4))
    stages = [s.label for s in Stage]
    ax.stackplot(
        kpis["month"],
        [kpis[stage] for stage in stages],
        labels=[label(f"stage.{stage}", language) for stage in stages],
        colors=[STAGE_COLOURS[stage] for stage in stages],
    )
    ax.set(
        title=label("fig.stages.title", language),
        xlabel=label("axis.month", language),
        ylabel=label("fig.stages.y", language),
    )
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    ax.margins(x=0)
    return _localised(fig, language)


def churn_reason_bars(kpis: pd.DataFrame, language: str = "en") -> Figure:
    """Defections over the run by Keaveney's switching reason, the most frequent on top."""
    totals = pd.Series(
        {label(f"reason.{r.value}", language): kpis["churn_" + r.value].sum() for r in REASONS}
    ).sort_values()
    fig, ax = _subplots(language, figsize=(7, 4))
    ax.barh(totals.index, totals.to_numpy(), color="#a50f15")
    ax.set(
        title=label("fig.churn.title", language),
        xlabel=label("fig.churn.x", language),
        ylabel=label("fig.churn.y", language),
    )
    return _localised(fig, language)


def profit_equity_lines(kpis: pd.DataFrame, language: str = "en") -> Figure:
    """Monthly profit (top) and customer equity (bottom) of the focal firm."""
    fig, (top, bottom) = _subplots(language, 2, 1, figsize=(7, 4.5), sharex=True)
    top.plot(kpis["month"], kpis["profit"], color="#238b45")
    top.axhline(0.0, color="grey", linewidth=0.8)
    top.set(title=label("fig.profit.title", language), ylabel=label("fig.profit.y", language))
    bottom.plot(kpis["month"], kpis["customer_equity"], color="#08519c")
    bottom.set(xlabel=label("axis.month", language), ylabel=label("fig.equity.y", language))
    return _localised(fig, language)


def tier_clv_bars(tiers: pd.DataFrame, language: str = "en") -> Figure:
    """Mean CLV per current customer by pyramid tier, each bar labelled with its head count.

    Takes ``sim.analytics.tier_value.clv_by_tier``'s table.
    """
    fig, ax = _subplots(language, figsize=(7, 4))
    names = [label(f"tier.{tier}", language) for tier in tiers.index]
    heights = tiers["mean_clv"].fillna(0.0).to_numpy()
    bars = ax.bar(names, heights, color=[TIER_COLOURS[tier] for tier in tiers.index])
    counts = [label("fig.tiers.count", language).format(count=n) for n in tiers["customers"]]
    ax.bar_label(bars, counts, padding=2)
    ax.axhline(0.0, color="grey", linewidth=0.8)
    ax.set(
        title=label("fig.tiers.title", language),
        xlabel=label("fig.tiers.x", language),
        ylabel=label("fig.tiers.y", language),
    )
    ax.margins(y=0.15)
    return _localised(fig, language)


def ab_band_lines(
    bands: pd.DataFrame,
    metric: str,
    unit: str,
    replications: int,
    language: str = "en",
    differences: pd.DataFrame | None = None,
) -> Figure:
    """Each variant's monthly mean of ``metric`` with its 95% band; below, B − A paired.

    Takes ``sim.ab.ABComparison.bands(metric)`` and, optionally, its
    ``difference_bands(metric)`` for a second panel; ``unit`` is a ``unit.*`` key of
    ``sim.i18n``. The paired band is the one to read: the variants ran on the same
    seeds, so where it excludes zero the difference is not simulation noise, even when
    the two upper bands overlap.
    """
    rows = 1 if differences is None else 2
    fig, axes = _subplots(
        language, rows, 1, figsize=(7, 2.6 + 2.2 * rows), sharex=True, squeeze=False
    )
    top = axes[0][0]
    name = label(f"kpi.{metric}", language)
    unit_text = label(unit, language)
    colours = ("#08519c", "#d94801", "#238b45")
    for (variant, group), colour in zip(
        bands.groupby("variant", sort=False), colours, strict=False
    ):
        top.plot(
            group["month"], group["mean"], color=colour, label=label(f"variant.{variant}", language)
        )
        top.fill_between(group["month"], group["ci_low"], group["ci_high"], color=colour, alpha=0.2)
    top.set(
        title=label("fig.ab.title", language).format(metric=name, replications=replications),
        ylabel=label("fig.ab.y", language).format(metric=name, unit=unit_text),
    )
    top.legend(frameon=False)
    top.margins(x=0)
    bottom = top
    if differences is not None:
        bottom = axes[1][0]
        bottom.plot(differences["month"], differences["mean"], color=colours[1])
        bottom.fill_between(
            differences["month"],
            differences["ci_low"],
            differences["ci_high"],
            color=colours[1],
            alpha=0.2,
        )
        bottom.axhline(0.0, color="grey", linewidth=0.8)
        bottom.set(
            title=label("fig.ab.difference", language),
            ylabel=label("fig.ab.difference_y", language).format(unit=unit_text),
        )
    bottom.set_xlabel(label("axis.month", language))
    return _localised(fig, language)


def _subplots(language: str, *args, **kwargs):
    """``plt.subplots`` once the language is known to be valid (no figure left behind)."""
    check_language(language)
    return plt.subplots(*args, **kwargs)


def _localised(fig: Figure, language: str) -> Figure:
    """Give every text of the figure a font with the language's glyphs, then lay it out."""
    families = (
        ["DejaVu Sans", *_cjk_families()] if check_language(language) != "en" else ["DejaVu Sans"]
    )
    for text in fig.findobj(Text):
        text.set_fontfamily(families)
    for ax in fig.axes:
        ax.tick_params(labelfontfamily=families)
    fig.tight_layout()
    return fig


@cache
def _cjk_families() -> tuple[str, ...]:
    """Installed fonts with Chinese glyphs (also ones installed after matplotlib's cache)."""
    known = {font.name for font in font_manager.fontManager.ttflist}
    if not known.intersection(CJK_FONTS):
        for path in font_manager.findSystemFonts():
            if any(part in path.lower() for part in ("wqy", "cjk", "sourcehan", "yahei")):
                font_manager.fontManager.addfont(path)
        known = {font.name for font in font_manager.fontManager.ttflist}
    return tuple(name for name in CJK_FONTS if name in known)


def clv_by_retention(
    margin: float,
    discount_rates: Sequence[float],
    retention: Sequence[float] = tuple(np.linspace(0.5, 0.95, 46)),
    title: str = "Customer lifetime value by retention rate",
) -> Figure:
    """CLV = m r / (1 + d - r) against retention, one line per annual discount rate."""
    fig, ax = plt.subplots(figsize=(8, 4.5))
    rates = np.asarray(retention, dtype=float)
    for rate in discount_rates:
        ax.plot(rates * 100, retention_clv(margin, rates, rate), label=f"discount rate {rate:.0%}")
    ax.set(
        title=title,
        xlabel="Annual retention rate (%)",
        ylabel=f"CLV of a customer worth {margin:,.0f} a year (currency)",
    )
    ax.legend(frameon=False)
    fig.tight_layout()
    return fig


def kpi_lines(
    runs: Mapping[str, pd.DataFrame],
    column: str,
    ylabel: str,
    title: str,
) -> Figure:
    """One KPI (a column of ``Market.kpis()``) month by month, one line per run."""
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for name, kpis in runs.items():
        ax.plot(kpis["month"], kpis[column], label=name)
    ax.set(title=title, xlabel="Month", ylabel=ylabel)
    ax.legend(frameon=False)
    ax.margins(x=0)
    fig.tight_layout()
    return fig


def contacts_by_channel(
    contacts: pd.DataFrame, title: str = "How customers heard of the firms"
) -> Figure:
    """Customers reached per month by channel (advertising, word of mouth, referral...).

    Takes the CRM database's ``contacts`` table; month 0 (initial awareness) is left out.
    """
    counts = (
        contacts[contacts["month"] > 0]
        .groupby(["month", "channel"])
        .size()
        .unstack("channel", fill_value=0)
    )
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for channel in counts.columns:
        ax.plot(counts.index, counts[channel], label=channel.replace("_", " "))
    ax.set(title=title, xlabel="Month", ylabel="Contacts per month (customers reached)")
    ax.legend(frameon=False)
    ax.margins(x=0)
    fig.tight_layout()
    return fig


def lorenz_curve(
    lorenz: pd.DataFrame, value: str = "revenue", title: str = "Concentration of revenue"
) -> Figure:
    """Lorenz curve (``Concentration().fit(...).lorenz_``) against the line of equality."""
    fig, ax = plt.subplots(figsize=(5.5, 5))
    ax.plot(lorenz["customer_share"] * 100, lorenz["value_share"] * 100, label="customers")
    ax.plot([0, 100], [0, 100], color="grey", linewidth=0.8, linestyle="--", label="equality")
    ax.axvline(80, color="#a50f15", linewidth=0.8, label="top 20% of customers to the right")
    ax.set(
        title=title,
        xlabel="Customers, smallest first (cumulative %)",
        ylabel=f"Share of {value} (cumulative %)",
    )
    ax.legend(frameon=False, loc="upper left")
    fig.tight_layout()
    return fig


def retention_by_tenure(
    table: pd.DataFrame, title: str = "Retention rate by tenure year"
) -> Figure:
    """Annual retention by tenure year (``cohorts.retention_by_tenure_year``)."""
    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.bar(table.index, table["annual_retention"] * 100, color="#08519c")
    ax.set(
        title=title,
        xlabel="Tenure year",
        ylabel="Customers still there a year later (%)",
        ylim=(0, 100),
    )
    fig.tight_layout()
    return fig


def satisfaction_loyalty(
    title: str = "The satisfaction-loyalty curve (Jones & Sasser)",
) -> Figure:
    """The model's defection hazard relative to a "satisfied" (4 of 5) customer."""
    satisfaction = np.linspace(1.0, 5.0, 81)
    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.plot(satisfaction, satisfaction_loyalty_multiplier(satisfaction), color="#a50f15")
    ax.axhline(1.0, color="grey", linewidth=0.8)
    zones = ((1.0, 2.0, "defection", "#fc9272"), (2.0, 4.0, "indifference", "#d9d9d9"))
    for low, high, zone, colour in (*zones, (4.0, 5.0, "affection", "#9ecae1")):
        ax.axvspan(low, high, alpha=0.3, color=colour)
        ax.text((low + high) / 2, 5.5, f"zone of {zone}", ha="center")
    ax.set(
        title=title,
        xlabel="Satisfaction (1 = very dissatisfied, 5 = completely satisfied)",
        ylabel="Defection hazard (times that of a 4)",
    )
    fig.tight_layout()
    return fig


def variant_means(
    summary: pd.DataFrame,
    metric: str,
    ylabel: str,
    title: str,
    xlabel: str = "Variant",
) -> Figure:
    """Mean of one metric per variant with its confidence interval (a sweep's response).

    Takes ``sim.compare.compare(...)``'s table; variants appear in the order they were
    given, so a sweep over a parameter reads left to right.
    """
    rows = summary[summary["metric"] == metric]
    positions = np.arange(len(rows))
    errors = [rows["mean"] - rows["ci_low"], rows["ci_high"] - rows["mean"]]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.errorbar(positions, rows["mean"], yerr=errors, fmt="o-", capsize=4)
    ax.set_xticks(positions, rows["variant"])
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    fig.tight_layout()
    return fig
