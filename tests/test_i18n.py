import string

import pytest

from sim.ab import BAND_METRICS
from sim.analytics.pyramid import TIERS
from sim.compare import RUN_METRICS
from sim.i18n import (
    GLOSSARY,
    LABELS,
    LANGUAGES,
    TranslationError,
    check_language,
    glossary,
    label,
)
from sim.rules.relationship import Stage
from sim.rules.switching import REASONS
from sim.widgets.dashboard import AB_ROWS, KPI_ROWS

# Characters that exist in only one of the two scripts (common words of this vocabulary).
SIMPLIFIED_ONLY = set("们与这个为于经时价实务体变数关点应现后选据户终资计质费较权运执种层铁铅历门")
TRADITIONAL_ONLY = set("們與這個為於經時價實務體變數關點應現後選據戶終資計質費較權運執種層鐵鉛歷門")


def _fields(text: str) -> list[str]:
    return sorted(name for _, name, _, _ in string.Formatter().parse(text) if name)


@pytest.mark.parametrize("table", [LABELS, GLOSSARY], ids=["labels", "glossary"])
def test_every_key_has_a_text_in_all_three_languages(table):
    for key, texts in table.items():
        assert len(texts) == len(LANGUAGES), key
        assert all(isinstance(t, str) and t.strip() for t in texts), key


def test_templates_use_the_same_placeholders_in_every_language():
    for key, texts in LABELS.items():
        assert len({tuple(_fields(t)) for t in texts}) == 1, key


def test_simplified_and_traditional_texts_keep_to_their_own_script():
    for key, (_, simplified, traditional) in {**LABELS, **GLOSSARY}.items():
        assert not SIMPLIFIED_ONLY & set(traditional), (key, traditional)
        assert not TRADITIONAL_ONLY & set(simplified), (key, simplified)


def test_every_model_category_the_dashboard_shows_has_a_label():
    keys = (
        [f"stage.{s.label}" for s in Stage]
        + [f"reason.{r.value}" for r in REASONS]
        + [f"tier.{t}" for t in TIERS]
        + [f"kpi.{m}" for m in RUN_METRICS if not m.startswith("churn_") or m == "churn_rate"]
        + [f"kpi.{m}" for m in [*BAND_METRICS, *KPI_ROWS, *AB_ROWS]]
        + list(BAND_METRICS.values())
    )
    missing = [k for k in keys if k not in LABELS]
    assert not missing


def test_chinese_labels_are_translations_not_copies_of_the_english():
    for key in [f"stage.{s.label}" for s in Stage] + [f"reason.{r.value}" for r in REASONS]:
        english, simplified, traditional = LABELS[key]
        assert not any(c.isascii() and c.isalpha() for c in simplified + traditional), key
        assert english.isascii()


@pytest.mark.parametrize(
    ("key", "language", "text"),
    [
        ("stage.exploration", "zh-Hans", "考察期"),
        ("stage.formation", "zh-Hant", "形成期"),
        ("stage.stability", "zh-Hans", "稳定期"),
        ("stage.stability", "zh-Hant", "穩定期"),
        ("stage.decline", "zh-Hant", "退化期"),
        ("stage.churned", "zh-Hans", "流失"),
        ("stage.stability", "en", "stability"),
        ("reason.pricing", "zh-Hant", "價格"),
    ],
)
def test_stage_names_follow_the_course(key, language, text):
    assert label(key, language) == text


def test_unknown_language_names_the_value_and_the_languages_allowed():
    with pytest.raises(
        TranslationError, match=r"unknown language 'fr'.*'en', 'zh-Hans', 'zh-Hant'"
    ):
        label("ui.run", "fr")
    with pytest.raises(TranslationError, match="'zh-TW'"):
        check_language("zh-TW")
    assert check_language("zh-Hant") == "zh-Hant"


def test_unknown_key_names_the_key_and_lists_the_keys_of_its_group():
    with pytest.raises(TranslationError, match=r"unknown label 'stage\.expansion'") as error:
        label("stage.expansion", "en")
    assert "stage.exploration" in str(error.value)
    assert "ui.run" not in str(error.value)


def test_glossary_defines_terms_and_rejects_unknown_ones():
    assert "CLV" in glossary("clv")
    assert "客户终身价值" in glossary("clv", "zh-Hans")
    with pytest.raises(TranslationError, match=r"unknown glossary term 'nps'.*'clv'"):
        glossary("nps", "en")
    with pytest.raises(TranslationError, match="unknown language"):
        glossary("clv", "de")
