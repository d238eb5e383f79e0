"""The dashboard without a browser: set controls, click, read back what was plotted."""

import pytest

from sim.errors import ScenarioError
from sim.i18n import TranslationError, glossary, label
from sim.scenario import Scenario
from sim.widgets import Dashboard


def small(dashboard: Dashboard, customers: int = 300, months: int = 12) -> Dashboard:
    dashboard.customers.value = customers
    dashboard.months.value = months
    return dashboard


def bars(figure) -> dict[str, float]:
    ax = figure.axes[0]
    return {
        t.get_text(): p.get_width() for t, p in zip(ax.get_yticklabels(), ax.patches, strict=True)
    }


def test_controls_start_from_the_preset():
    dashboard = Dashboard("classroom")
    preset = Scenario.load("classroom")
    assert dashboard.preset.value == "classroom"
    assert dashboard.customers.value == preset.market.customers == 2000
    assert dashboard.months.value == preset.market.months
    assert dashboard.strategy_a.price.value == preset.firms[0].price
    assert dashboard.strategy_a.loyalty.value is False
    assert dashboard.strategy_a.loyalty_bond.disabled
    assert dashboard.strategy_a.early_warning.value == 0
    assert dashboard.scenario() == preset  # untouched controls change nothing
    assert dashboard.result is None
    assert dashboard.status.value == label("ui.ready", "en")


def test_clicking_run_runs_the_scenario_and_draws_its_figures():
    dashboard = small(Dashboard("classroom"))
    dashboard.run_button.click()
    result = dashboard.result
    assert result is not None
    assert len(result.kpis) == 12
    assert dashboard.progress.value == dashboard.progress.max == 12
    assert set(dashboard.figures) == {"stages", "churn", "profit", "tiers"}
    assert all(bytes(image.value).startswith(b"\x89PNG") for image in dashboard.images.values())
    assert result.tiers["customers"].sum() == result.kpis["customers"].iloc[-1]
    top_layer = dashboard.figures["stages"].axes[0].collections[-1].get_paths()[0]
    assert top_layer.vertices[:, 1].max() == pytest.approx(300)  # every customer is stacked
    assert "300 customers, 12 months" in dashboard.status.value
    assert f"{result.summary['customers_end']:,.0f}" in dashboard.kpi_table.value


def test_a_higher_focal_price_shows_in_the_run_and_in_pricing_churn():
    dashboard = small(Dashboard("classroom"), customers=500)
    dashboard.run_button.click()
    cheap = dashboard.result
    cheap_image = dashboard.images["churn"].value
    dashboard.strategy_a.price.value = 30.0
    dashboard.run_button.click()
    dear = dashboard.result
    assert dear.scenario.firms[0].price == 30.0
    assert "focal price 30.00" in dashboard.status.value
    assert bars(dashboard.figures["churn"])["pricing"] == dear.summary["churn_pricing"]
    assert dear.summary["churn_pricing"] > cheap.summary["churn_pricing"]
    assert dear.summary["customers_end"] < cheap.summary["customers_end"]
    assert dashboard.images["churn"].value != cheap_image


def test_strategy_toggles_become_the_focal_firms_strategies():
    dashboard = small(Dashboard("classroom"))
    controls = dashboard.strategy_a
    controls.loyalty.value = True
    controls.loyalty_bond.value = 0.5
    controls.recovery.value = 0.9
    controls.early_warning.value = 1000.0
    assert not controls.loyalty_bond.disabled
    dashboard.run_button.click()
    focal = dashboard.result.scenario.firms[0]
    assert focal.strategies.loyalty_programme.bond == 0.5
    assert focal.recovery_quality == 0.9
    assert focal.strategies.early_warning.budget == 1000.0
    with_programmes = dashboard.result.kpis["retention_spend"].sum()
    controls.loyalty.value = False
    controls.early_warning.value = 0.0
    dashboard.run_button.click()
    focal = dashboard.result.scenario.firms[0]
    assert focal.strategies.loyalty_programme is None
    assert focal.strategies.early_warning is None
    assert dashboard.result.kpis["retention_spend"].sum() < with_programmes


def test_choosing_a_preset_loads_its_strategies_and_keeps_their_other_settings():
    dashboard = Dashboard("classroom")
    dashboard.preset.value = "services"
    services = Scenario.load("services").firms[0].strategies
    controls = dashboard.strategy_a
    assert controls.loyalty.value is True
    assert controls.recovery.value == services.service_recovery.quality
    controls.loyalty_bond.value = 0.4
    controls.recovery.value = 0.3
    strategies = dashboard.scenario().firms[0].strategies
    assert strategies.loyalty_programme.bond == 0.4
    assert strategies.loyalty_programme.enrolment == services.loyalty_programme.enrolment
    assert strategies.service_recovery.quality == 0.3
    assert strategies.relationship_managers == services.relationship_managers
    assert dashboard.scenario().name == "services"
    assert "Keaveney" in dashboard.info.value


def test_language_switch_relabels_controls_and_figures_without_rerunning():
    dashboard = small(Dashboard("classroom"))
    dashboard.strategy_a.price.value = 22.0
    dashboard.run_button.click()
    result, image = dashboard.result, dashboard.images["stages"].value
    dashboard.language_picker.value = "zh-Hant"
    assert dashboard.run_button.description == "執行"
    assert dashboard.strategy_a.price.description == "本公司價格"
    assert dashboard.tabs.titles == ("單次執行", "A/B 比較")
    stages = dashboard.figures["stages"].axes[0]
    assert stages.get_title() == "各生命週期階段的客戶"
    assert "穩定期" in [t.get_text() for t in stages.get_legend().get_texts()]
    assert "完成" in dashboard.status.value and "期末客戶數" in dashboard.kpi_table.value
    assert dashboard.result is result  # relabelled, not rerun
    assert dashboard.images["stages"].value != image
    assert dashboard.strategy_a.price.value == 22.0  # the class's settings survive
    assert glossary("clv", "zh-Hant") in dashboard.info.value
    dashboard.set_language("en")
    assert dashboard.figures["stages"].axes[0].get_title() == "Customers by lifecycle stage"
    assert dashboard.run_button.description == "Run"


def test_ab_mode_compares_two_strategies_with_intervals():
    dashboard = small(Dashboard("classroom"), customers=200, months=8)
    dashboard.strategy_b.loyalty.value = True
    dashboard.strategy_b.loyalty_bond.value = 0.5
    dashboard.replications.value = 3
    dashboard.compare_button.click()
    comparison = dashboard.comparison
    assert comparison.variants == ["A", "B"] and comparison.replications == 3
    assert dashboard.ab_progress.value == 6
    bands = comparison.bands("cumulative_profit")
    assert (bands.groupby("variant").size() == 8).all()
    assert (bands["ci_low"] <= bands["mean"]).all() and (bands["mean"] <= bands["ci_high"]).all()
    assert (bands["ci_high"] - bands["ci_low"]).max() > 0
    top, difference = dashboard.figures["ab"].axes
    assert len(top.get_lines()) == 2 and len(top.collections) == 2
    assert difference.get_title() == label("fig.ab.difference", "en")
    paired = comparison.difference_bands("cumulative_profit")
    assert difference.get_lines()[0].get_ydata().tolist() == paired["mean"].tolist()
    spend = comparison.runs.groupby("variant")["marketing_spend"].mean()
    assert spend["B"] > spend["A"]  # B pays for its loyalty programme
    assert dashboard.ab_table.value.count("<tr>") == 5
    dashboard.ab_metric.value = "customers"
    assert dashboard.figures["ab"].axes[0].get_title().startswith("Customers:")


def test_a_run_that_cannot_work_says_why_and_leaves_the_buttons_usable():
    unknown = Scenario.load("classroom").with_overrides(
        {
            "population.initial_customer_share": 0.0,
            "population.initial_awareness": 0.0,
            "firms.Focal.advertising": 0.0,
            "network.kind": "none",
        }
    )
    dashboard = small(Dashboard(unknown), customers=100, months=6)
    dashboard.run_button.click()
    assert dashboard.result is None
    assert "Cannot run" in dashboard.status.value
    assert not dashboard.run_button.disabled


def test_bad_arguments_are_refused_with_what_is_allowed():
    with pytest.raises(ScenarioError, match=r"unknown scenario preset 'clasroom'.*'classroom'"):
        Dashboard("clasroom")
    with pytest.raises(TranslationError, match=r"unknown language 'zh'"):
        Dashboard("classroom", language="zh")
