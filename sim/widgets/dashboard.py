"""The classroom dashboard: pick a scenario, set a strategy, run, compare, in three languages.

``Dashboard("classroom")`` shows a preset chooser, the focal firm's strategy controls, a
Run button with a progress bar and four figures (customers by lifecycle stage, churn by
reason, profit and customer equity, CLV by pyramid tier); a second tab compares two
strategies over replications with 95% bands. Everything the dashboard computes, a
``sim`` function computes: the dashboard builds a Scenario with
``Scenario.load(...).with_overrides(...)``, runs ``sim.model.Market`` and hands the
tables to ``sim.analytics``, ``sim.ab`` and ``sim.plots``. Its last result stays on the
object (``result``, ``comparison``, ``figures``), so a notebook or a test can read what
was plotted.
"""

import html
import io
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from sim import plots
from sim.ab import BAND_METRICS, ABComparison, ab_compare
from sim.analytics.tier_value import clv_by_tier
from sim.compare import summarise_run
from sim.economics import monthly_rate
from sim.errors import CRMError
from sim.i18n import GLOSSARY, LANGUAGE_NAMES, LANGUAGES, check_language, glossary, label
from sim.model import EQUITY_WINDOW, Market
from sim.scenario import Info, Scenario, preset_names
from sim.widgets.controls import STYLE, WIDE, StrategyControls

#: KPIs of one run in the table beside the figures, and how each is written.
KPI_ROWS: dict[str, str] = {
    "customers_end": "{:,.0f}",
    "acquisitions": "{:,.0f}",
    "defections": "{:,.0f}",
    "churn_rate": "{:.2%}",
    "revenue": "{:,.0f}",
    "profit": "{:,.0f}",
    "customer_equity": "{:,.0f}",
    "satisfaction": "{:.2f}",
}

#: Whole-run metrics whose A/B difference the comparison table shows.
AB_ROWS: tuple[str, ...] = ("profit", "customers_end", "churn_rate", "customer_equity")

_FIGURES: dict[str, Callable[[Any, str], Figure]] = {
    "stages": lambda result, language: plots.stage_area(result.kpis, language),
    "churn": lambda result, language: plots.churn_reason_bars(result.kpis, language),
    "profit": lambda result, language: plots.profit_equity_lines(result.kpis, language),
    "tiers": lambda result, language: plots.tier_clv_bars(result.tiers, language),
}


@dataclass(frozen=True)
class RunResult:
    """What one run of the dashboard produced.

    Attributes:
        scenario: the scenario that ran (preset plus the controls' overrides).
        kpis: the focal firm's monthly KPIs (``Market.kpis()``).
        tiers: CLV of current customers by pyramid tier (``clv_by_tier``).
        summary: the run reduced to ``sim.compare.RUN_METRICS``.
        seconds: wall time from building the market to the finished tables.
    """

    scenario: Scenario
    kpis: pd.DataFrame
    tiers: pd.DataFrame
    summary: dict[str, float]
    seconds: float


class Dashboard:
    """An ipywidgets dashboard over one scenario; display it as a notebook's last line.

    Args:
        scenario: a preset name (``"classroom"``), a path to a TOML file, or a Scenario.
        language: ``"en"``, ``"zh-Hans"`` or ``"zh-Hant"``; the switch changes it later.

    Raises:
        ScenarioError: for an unknown preset or a malformed file, before any widget.
        TranslationError: for a language not in ``sim.i18n.LANGUAGES``.
    """

    def __init__(self, scenario: Scenario | str | Path = "classroom", language: str = "en"):
        check_language(language)
        first = scenario if isinstance(scenario, Scenario) else Scenario.load(scenario)
        given = isinstance(scenario, Scenario) or str(scenario) not in preset_names()
        self.language = language
        self.result: RunResult | None = None
        self.comparison: ABComparison | None = None
        self.figures: dict[str, Figure] = {}
        self._ab_seconds = 0.0
        self._relabelling = False
        self._choices: list[str | Scenario] = [first, *preset_names()] if given else preset_names()

        self.language_picker = widgets.Dropdown(
            options=[(LANGUAGE_NAMES[code], code) for code in LANGUAGES], value=language
        )
        self.language_picker.add_class("crm-language")
        self.preset = widgets.Dropdown(style=STYLE, layout=WIDE)
        self.preset.add_class("crm-preset")
        self.customers = widgets.IntSlider(min=100, max=10_000, step=100, style=STYLE, layout=WIDE)
        self.months = widgets.IntSlider(min=6, max=120, step=6, style=STYLE, layout=WIDE)
        self.seed = widgets.BoundedIntText(min=0, max=2**31 - 1, style=STYLE, layout=WIDE)
        self.customers.add_class("crm-customers")
        self.months.add_class("crm-months")
        self.strategy_a = StrategyControls(first, "crm-a")
        self.strategy_b = StrategyControls(first, "crm-b")

        self.run_button = widgets.Button(button_style="primary", icon="play")
        self.run_button.add_class("crm-run")
        self.progress = widgets.IntProgress(min=0, max=1, value=0, layout=WIDE)
        self.status = widgets.HTML()
        self.status.add_class("crm-status")
        self.kpi_table = widgets.HTML()
        self.kpi_table.add_class("crm-kpis")
        self.images = {name: widgets.Image(format="png") for name in _FIGURES}
        for name, image in self.images.items():
            image.layout = widgets.Layout(width="100%", display="none")  # until drawn
            image.add_class(f"crm-figure-{name}")

        self.replications = widgets.IntSlider(min=2, max=30, value=5, style=STYLE, layout=WIDE)
        self.ab_metric = widgets.Dropdown(style=STYLE, layout=WIDE)
        self.compare_button = widgets.Button(button_style="primary", icon="balance-scale")
        self.compare_button.add_class("crm-compare")
        self.ab_progress = widgets.IntProgress(min=0, max=1, value=0, layout=WIDE)
        self.ab_status = widgets.HTML()
        self.ab_table = widgets.HTML()
        self.ab_image = widgets.Image(
            format="png", layout=widgets.Layout(width="100%", max_width="56em", display="none")
        )
        self.ab_image.add_class("crm-figure-ab")

        self.title = widgets.HTML()
        self.market_heading = widgets.HTML()
        self.strategy_heading = widgets.HTML()
        self.variant_a_note = widgets.HTML()
        self.variant_b_heading = widgets.HTML()
        self.info = widgets.HTML()
        self.info_box = widgets.Accordion(children=[self.info])
        self.widget = self._layout()

        self._fill_presets()
        self.preset.value = first if given else str(scenario)
        self._show_scenario(first)
        self.relabel(language)
        self.preset.observe(self._on_preset, names="value")
        self.language_picker.observe(self._on_language, names="value")
        self.ab_metric.observe(self._on_metric, names="value")
        self.run_button.on_click(lambda _: self._guarded(self.run, self.status))
        self.compare_button.on_click(lambda _: self._guarded(self.compare, self.ab_status))

    # ------------------------------------------------------------------ display
    def _repr_mimebundle_(self, **kwargs: Any) -> dict | None:
        """Display the dashboard's widget when the object is a cell's last expression."""
        return self.widget._repr_mimebundle_(**kwargs)

    # ------------------------------------------------------------------ scenarios
    def base_scenario(self) -> Scenario:
        """The chosen scenario with the market controls (customers, months, seed)."""
        return self._chosen().with_overrides(
            {
                "market.customers": self.customers.value,
                "market.months": self.months.value,
                "market.seed": self.seed.value,
            }
        )

    def scenario(self) -> Scenario:
        """The scenario a single run uses: the market controls and strategy A."""
        base = self.base_scenario()
        return base.with_overrides(self.strategy_a.overrides(base))

    # ------------------------------------------------------------------ actions
    def run(self) -> RunResult:
        """Run the scenario month by month (moving the progress bar), then redraw."""
        started = time.perf_counter()
        scenario = self.scenario()
        months = scenario.market.months
        self.progress.max, self.progress.value = months, 0
        market = Market(scenario, rng=scenario.market.seed)
        for month in range(1, months + 1):
            market.step()
            self.progress.value = month
            self.status.value = label("ui.running", self.language).format(
                month=month, months=months
            )
        market.warehouse.close()
        kpis = market.kpis()
        focal = scenario.focal_firm
        customer_months = market.table("customer_months")
        churn_events = market.table("churn_events")
        tiers = clv_by_tier(
            customer_months[customer_months["firm"] == focal],
            churn_events[churn_events["firm"] == focal],
            retention=float(kpis["retention_rate"].tail(EQUITY_WINDOW).mean()),
            monthly_discount_rate=monthly_rate(scenario.market.annual_discount_rate),
        )
        self.result = RunResult(
            scenario=scenario,
            kpis=kpis,
            tiers=tiers,
            summary=summarise_run(kpis),
            seconds=time.perf_counter() - started,
        )
        self._draw_run()
        return self.result

    def compare(self) -> ABComparison:
        """Compare strategy A with strategy B over replications on common seeds."""
        started = time.perf_counter()
        base = self.base_scenario()
        variants = {"A": self.strategy_a.overrides(base), "B": self.strategy_b.overrides(base)}
        runs = 2 * self.replications.value
        self.ab_progress.max, self.ab_progress.value = runs, 0

        def advance(variant: str, replication: int) -> None:
            self.ab_progress.value += 1
            self.ab_status.value = label("ui.ab_running", self.language).format(
                run=self.ab_progress.value, runs=runs
            )

        self.comparison = ab_compare(
            base,
            variants,
            replications=self.replications.value,
            rng=self.seed.value,
            progress=advance,
        )
        self._ab_seconds = time.perf_counter() - started
        self._draw_comparison()
        return self.comparison

    def set_language(self, language: str) -> None:
        """Relabel everything in ``language`` (the switch does this too)."""
        self.language_picker.value = check_language(language)

    def relabel(self, language: str) -> None:
        """Write every control, heading and figure in ``language``; nothing reruns."""
        self.language = check_language(language)
        self._relabelling = True  # new option lists must not reload the preset or redraw
        text = partial(label, language=language)
        self.title.value = f"<h2 style='margin:0 1em 0 0'>{text('ui.title')}</h2>"
        self.language_picker.description = text("ui.language")
        self.preset.description = text("ui.preset")
        self._fill_presets()
        self.market_heading.value = f"<b>{text('ui.market')}</b>"
        self.customers.description = text("ui.customers")
        self.months.description = text("ui.months")
        self.seed.description = text("ui.seed")
        self.strategy_heading.value = f"<b>{text('ui.strategy')}</b>"
        self.strategy_a.relabel(language)
        self.strategy_b.relabel(language)
        self.run_button.description = text("ui.run")
        self.variant_a_note.value = f"<i>{text('ui.variant_a')}</i>"
        self.variant_b_heading.value = f"<b>{text('ui.variant_b')}</b>"
        self.replications.description = text("ui.replications")
        self.ab_metric.description = text("ui.ab_metric")
        metric = self.ab_metric.value or "cumulative_profit"
        self.ab_metric.options = [(text(f"kpi.{m}"), m) for m in BAND_METRICS]
        self.ab_metric.value = metric
        self.compare_button.description = text("ui.run_ab")
        self.tabs.titles = (text("ui.single"), text("ui.ab"))
        self.info_box.titles = (text("ui.info"),)
        self._show_info(self._chosen())
        self._relabelling = False
        if self.result is None:
            self.status.value = text("ui.ready")
        else:
            self._draw_run()
        if self.comparison is not None:
            self._draw_comparison()

    # ------------------------------------------------------------------ drawing
    def _draw_run(self) -> None:
        result, language = self.result, self.language
        for name, draw in _FIGURES.items():
            self._render(name, draw(result, language), self.images[name])
        self.status.value = label("ui.done", language).format(
            customers=result.scenario.market.customers,
            months=result.scenario.market.months,
            price=result.scenario.firms[0].price,
            seconds=result.seconds,
        )
        rows = "".join(
            f"<tr><td>{label(f'kpi.{key}', language)}</td>"
            f"<td style='text-align:right'>{form.format(result.summary[key])}</td></tr>"
            for key, form in KPI_ROWS.items()
        )
        self.kpi_table.value = (
            f"<table><tr><th>{label('ui.kpi', language)}</th>"
            f"<th>{label('ui.value', language)}</th></tr>{rows}</table>"
        )

    def _draw_comparison(self) -> None:
        comparison, language = self.comparison, self.language
        metric = self.ab_metric.value
        figure = plots.ab_band_lines(
            comparison.bands(metric),
            metric,
            BAND_METRICS[metric],
            comparison.replications,
            language,
            differences=comparison.difference_bands(metric),
        )
        self._render("ab", figure, self.ab_image)
        summary = comparison.summary().set_index(["variant", "metric"])
        rows = []
        for key in AB_ROWS:
            form = KPI_ROWS[key]
            a, b = summary.loc[("A", key)], summary.loc[("B", key)]
            interval = f"{form.format(b['diff_ci_low'])} … {form.format(b['diff_ci_high'])}"
            rows.append(
                f"<tr><td>{label(f'kpi.{key}', language)}</td>"
                f"<td style='text-align:right'>{form.format(a['mean'])}</td>"
                f"<td style='text-align:right'>{form.format(b['mean'])}</td>"
                f"<td style='text-align:right'>{form.format(b['diff'])} [{interval}]</td></tr>"
            )
        self.ab_table.value = (
            f"<table><tr><th>{label('ui.kpi', language)}</th><th>A</th><th>B</th>"
            f"<th>{label('ui.difference', language)}</th></tr>{''.join(rows)}</table>"
        )
        self.ab_status.value = label("ui.ab_done", language).format(
            replications=comparison.replications, seconds=self._ab_seconds
        )

    def _render(self, name: str, figure: Figure, image: widgets.Image) -> None:
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=90)
        plt.close(figure)  # keep the Figure for reading back, not in pyplot's registry
        image.value = buffer.getvalue()
        image.layout.display = None
        self.figures[name] = figure

    # ------------------------------------------------------------------ events
    def _guarded(self, action: Callable[[], Any], status: widgets.HTML) -> None:
        """Run a button's action; a bad setting shows as a message, not a traceback."""
        self.run_button.disabled = self.compare_button.disabled = True
        try:
            action()
        except CRMError as exc:
            status.value = (
                "<span style='color:#a50f15'>"
                f"{html.escape(label('ui.error', self.language).format(error=exc))}</span>"
            )
        finally:
            self.run_button.disabled = self.compare_button.disabled = False

    def _on_preset(self, change: dict) -> None:
        if self._relabelling:
            return
        scenario = self._chosen()
        self._show_scenario(scenario)
        self.strategy_a.set_from(scenario)
        self.strategy_b.set_from(scenario)
        self._show_info(scenario)

    def _on_language(self, change: dict) -> None:
        self.relabel(change["new"])

    def _on_metric(self, change: dict) -> None:
        if self.comparison is not None and not self._relabelling:
            self._draw_comparison()

    # ------------------------------------------------------------------ helpers
    def _layout(self) -> widgets.VBox:
        """Header (title, language, scenario), the two tabs, and the scenario's Info."""
        figures = widgets.GridBox(
            list(self.images.values()),
            layout=widgets.Layout(grid_template_columns="1fr 1fr", width="100%"),
        )
        single = widgets.HBox(
            [
                widgets.VBox(
                    [
                        self.market_heading,
                        self.customers,
                        self.months,
                        self.seed,
                        self.strategy_heading,
                        self.strategy_a.box,
                        self.run_button,
                        self.progress,
                        self.status,
                        self.kpi_table,
                    ],
                    layout=widgets.Layout(min_width="32em"),
                ),
                figures,
            ]
        )
        ab = widgets.HBox(
            [
                widgets.VBox(
                    [
                        self.variant_a_note,
                        self.variant_b_heading,
                        self.strategy_b.box,
                        self.replications,
                        self.ab_metric,
                        self.compare_button,
                        self.ab_progress,
                        self.ab_status,
                        self.ab_table,
                    ],
                    layout=widgets.Layout(min_width="32em"),
                ),
                widgets.Box([self.ab_image], layout=widgets.Layout(width="100%")),
            ]
        )
        self.tabs = widgets.Tab(children=[single, ab])
        header = widgets.HBox([self.title, self.language_picker, self.preset])
        return widgets.VBox([header, self.tabs, self.info_box])

    def _chosen(self) -> Scenario:
        choice = self.preset.value
        return choice if isinstance(choice, Scenario) else Scenario.load(choice)

    def _fill_presets(self) -> None:
        value = self.preset.value
        self.preset.options = [
            (label("ui.given_scenario", self.language).format(name=c.name), c)
            if isinstance(c, Scenario)
            else (c, c)
            for c in self._choices
        ]
        if value is not None:
            self.preset.value = value

    def _show_scenario(self, scenario: Scenario) -> None:
        market = scenario.market
        self.customers.max = max(self.customers.max, market.customers)
        self.months.max = max(self.months.max, market.months)
        self.customers.value = market.customers
        self.months.value = market.months
        self.seed.value = market.seed

    def _show_info(self, scenario: Scenario) -> None:
        """The preset's Info sections (as written, in English) and the glossary."""
        language = self.language
        sections = "".join(
            f"<h4>{label(f'info.{field}', language)}</h4>"
            f"<p>{html.escape(getattr(scenario.info, field))}</p>"
            for field in Info.model_fields
            if getattr(scenario.info, field).strip()
        )
        terms = "".join(f"<li>{html.escape(glossary(term, language))}</li>" for term in GLOSSARY)
        self.info.value = (
            f"<h3>{html.escape(scenario.title or scenario.name)}</h3>{sections}"
            f"<h4>{label('ui.glossary', language)}</h4><ul>{terms}</ul>"
        )
