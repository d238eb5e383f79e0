import io
import warnings

import matplotlib.pyplot as plt
import pytest

from sim import plots
from sim.ab import ab_compare
from sim.analytics.pyramid import TIERS
from sim.i18n import LANGUAGES, TranslationError, label
from sim.model import Market
from sim.scenario import Scenario
from sim.widgets import Dashboard

SMALL = Scenario.load("classroom").with_overrides({"market.customers": 200, "market.months": 8})


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _has_unit(text: str) -> bool:
    return "(" in text or "（" in text


@pytest.fixture(scope="module")
def kpis():
    return Market(SMALL, rng=3).run().kpis()


@pytest.fixture(scope="module")
def tiers():
    dashboard = Dashboard(SMALL)
    return dashboard.run().tiers


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_dashboard_figure_has_a_title_axis_labels_and_units_in_the_language(
    kpis, tiers, language
):
    comparison = ab_compare(SMALL, {"A": {}, "B": {}}, replications=2)
    bands, differences = comparison.bands("profit"), comparison.difference_bands("profit")
    figures = {
        "stages": plots.stage_area(kpis, language),
        "churn": plots.churn_reason_bars(kpis, language),
        "profit": plots.profit_equity_lines(kpis, language),
        "tiers": plots.tier_clv_bars(tiers, language),
        "ab": plots.ab_band_lines(bands, "profit", "unit.currency", 2, language, differences),
    }
    for name, figure in figures.items():
        first = figure.axes[0]
        assert first.get_title(), name
        assert figure.axes[-1].get_xlabel(), name
        for ax in figure.axes:
            assert ax.get_ylabel(), name
            assert any(_has_unit(text) for text in (ax.get_xlabel(), ax.get_ylabel())), name
    assert figures["stages"].axes[0].get_title() == label("fig.stages.title", language)
    legend = [t.get_text() for t in figures["stages"].axes[0].get_legend().get_texts()]
    assert legend[3] == label("stage.stability", language)
    ticks = [t.get_text() for t in figures["tiers"].axes[0].get_xticklabels()]
    assert ticks == [label(f"tier.{tier}", language) for tier in TIERS]


def test_tier_bars_show_mean_clv_and_head_counts(tiers):
    ax = plots.tier_clv_bars(tiers, "en").axes[0]
    heights = [bar.get_height() for bar in ax.patches]
    assert heights == pytest.approx(tiers["mean_clv"].fillna(0.0).tolist())
    counts = [t.get_text() for t in ax.texts]
    assert counts == [f"{n} customers" for n in tiers["customers"]]


def test_ab_figure_draws_one_line_and_one_band_per_variant():
    bands = ab_compare(SMALL, {"A": {}, "B": {"firms.Focal.price": 24.0}}, 2).bands("customers")
    ax = plots.ab_band_lines(bands, "customers", "unit.people", 2, "zh-Hans").axes[0]
    assert [line.get_label() for line in ax.get_lines()] == ["策略 A", "策略 B"]
    assert len(ax.collections) == 2
    assert ax.get_title() == "客户数：2 次重复的平均值与 95% 区间"


@pytest.mark.parametrize("language", ["zh-Hans", "zh-Hant"])
def test_chinese_figures_render_without_missing_glyphs(kpis, language):
    # Needs a CJK font (Debian: fonts-wqy-microhei, installed by .ci/run).
    assert plots._cjk_families(), "no font with Chinese glyphs: apt-get install fonts-wqy-microhei"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        plots.churn_reason_bars(kpis, language).savefig(io.BytesIO(), format="png")
    assert not [w for w in caught if "missing from font" in str(w.message)]


def test_an_unknown_language_is_refused_before_drawing(kpis):
    before = plt.get_fignums()
    with pytest.raises(TranslationError, match="unknown language 'jp'"):
        plots.stage_area(kpis, "jp")
    assert plt.get_fignums() == before
