"""Scenarios: presets load, TOML round trips, overrides, and one clear error per mistake."""

import datetime as dt
import tomllib

import pytest

from sim.errors import ScenarioError
from sim.scenario import FAST_ENV, Scenario, preset_names, scale


# ---------------------------------------------------------------------------- presets
def test_preset_names_match_the_shipped_files():
    names = Scenario.preset_names()
    assert names == preset_names()
    assert "baseline" in names
    assert names == sorted(names)


@pytest.mark.parametrize("name", preset_names())
def test_every_preset_loads_and_explains_itself(name):
    scenario = Scenario.load(name)
    assert scenario.name == name
    assert scenario.title
    assert scenario.info.what_it_is.strip()
    assert scenario.focal_firm == scenario.firms[0].name


def test_baseline_reads_its_file():
    scenario = Scenario.load("baseline")
    assert scenario.market.customers == 2000
    assert scenario.market.start_date == dt.date(2024, 1, 1)
    assert [f.name for f in scenario.firms] == ["Focal", "Rival"]
    assert scenario.firms[1].price == 18.0
    # Sections the preset leaves out take the defaults.
    assert scenario.behaviour == Scenario().behaviour


# ---------------------------------------------------------------------------- round trip
@pytest.mark.parametrize("name", preset_names())
def test_to_toml_round_trip(name, tmp_path):
    scenario = Scenario.load(name)
    path = tmp_path / f"{name}.toml"
    path.write_text(scenario.to_toml(), encoding="utf-8")
    assert Scenario.load(path) == scenario


def test_round_trip_keeps_awkward_values(tmp_path):
    scenario = Scenario().with_overrides(
        {
            "title": '雙十一 "sale"\\ with a backslash',
            "info.things_to_try": "line one\nline two\ttabbed",
            "market.start_date": "2025-02-28",
            "behaviour.no_purchase_utility": -0.1 - 0.2,  # a float without a short decimal
            "defection.enabled": False,
            "firms.Focal.name": "Focal's",
        }
    )
    text = scenario.to_toml()
    tomllib.loads(text)  # valid TOML
    path = tmp_path / "awkward.toml"
    path.write_text(text, encoding="utf-8")
    again = Scenario.load(path)
    assert again == scenario
    assert again.behaviour.no_purchase_utility == -0.1 - 0.2
    assert again.market.start_date == dt.date(2025, 2, 28)


def test_default_scenario_round_trips_through_nested_tables():
    scenario = Scenario()
    text = scenario.to_toml()
    assert "[population.segments.price_seeker.value_weights]" in text
    assert Scenario.from_dict(tomllib.loads(text)) == scenario


# ---------------------------------------------------------------------------- overrides
def test_with_overrides_changes_only_what_is_named():
    base = Scenario.load("baseline")
    changed = base.with_overrides({"market.customers": 100, "firms.Focal.price": 25.0})
    assert changed.market.customers == 100
    assert changed.firms[0].price == 25.0
    assert changed.firms[1].price == base.firms[1].price
    assert changed.market.months == base.market.months
    # The original is untouched.
    assert base.market.customers == 2000
    assert base.firms[0].price == 20.0


def test_overrides_address_list_items_by_index_and_replace_whole_lists():
    base = Scenario.load("baseline")
    assert base.with_overrides({"firms.1.advertising": 0.05}).firms[1].advertising == 0.05
    solo = base.with_overrides({"firms": [{"name": "Solo", "price": 9.0}]})
    assert [f.name for f in solo.firms] == ["Solo"]
    assert solo.firms[0].unit_cost == 12.0  # defaults fill the rest


def test_overridden_values_are_validated():
    with pytest.raises(ScenarioError, match=r"market\.customers.*-1"):
        Scenario.load("baseline").with_overrides({"market.customers": -1})


@pytest.mark.parametrize(
    ("path", "named"),
    [
        ("market.customerz", ["market.customerz", "allowed", "customers"]),
        ("firms.Nobody.price", ["Nobody", "Focal", "Rival"]),
        ("firms.7.price", ["7", "Focal"]),
        ("bogus.x", ["bogus"]),
        ("market.customers.x", ["customers", "no fields"]),
    ],
)
def test_bad_override_paths_name_the_field(path, named):
    with pytest.raises(ScenarioError) as info:
        Scenario.load("baseline").with_overrides({path: 1})
    message = str(info.value)
    assert path in message
    for word in named:
        assert word in message


# ---------------------------------------------------------------------------- bad input
FIRM = '[[firms]]\nname = "Focal"\n'

# (TOML text, fragments the one-line message must contain: field, value, what is allowed)
MALFORMED = {
    "wrong type": ('[market]\ncustomers = "many"', ["market.customers", "'many'", "number"]),
    "number as text": ('[market]\ncustomers = "100"', ["market.customers", "'100'", "number"]),
    "bool as number": (
        '[[firms]]\nname = "A"\nprice = true',
        ["firms.0.price", "True", "number"],
    ),
    "fraction of a customer": ("[market]\ncustomers = 10.5", ["market.customers", "10.5", "int"]),
    "negative customers": (
        "[market]\ncustomers = -5",
        ["market.customers", "-5", "greater than or equal to 1"],
    ),
    "zero months": ("[market]\nmonths = 0", ["market.months", "0", "greater than or equal to 1"]),
    "too many months": ("[market]\nmonths = 601", ["market.months", "601", "less than or equal"]),
    "probability above one": (
        "[defection]\nbase_rate = 1.5",
        ["defection.base_rate", "1.5", "less than or equal to 1"],
    ),
    "negative share": (
        FIRM + "service_failure_rate = -0.1",
        ["firms.0.service_failure_rate", "-0.1", "greater than or equal to 0"],
    ),
    "not a number": (
        "[behaviour]\nno_purchase_utility = nan",
        ["behaviour.no_purchase_utility", "nan", "finite"],
    ),
    "infinite cost": (
        "[economics]\nacquisition_cost = inf",
        ["economics.acquisition_cost", "inf", "finite"],
    ),
    "unknown top-level key": ('colour = "red"', ["'colour'", "unknown", "allowed", "'market'"]),
    "unknown section": ("[marketing]\nbudget = 3", ["'marketing'", "unknown", "allowed"]),
    "unknown nested key": (
        "[behaviour]\nword_of_mouht = 0.3",
        ["behaviour.word_of_mouht", "unknown", "allowed", "'word_of_mouth'"],
    ),
    "unknown firm key": (
        FIRM + "pricee = 3.0",
        ["firms.0.pricee", "unknown", "allowed", "'price'"],
    ),
    "unknown deep key": (
        "[population.segments.price_seeker]\nshare = 1.0\nbudget = 3\n"
        "[population.segments.price_seeker.value_weights]\nproduct = 1.0\n"
        "service = 0.0\npersonnel = 0.0\nimage = 0.0",
        ["population.segments.price_seeker.budget", "unknown", "'price_weight'"],
    ),
    "unknown network kind": (
        '[network]\nkind = "ring"',
        ["network.kind", "'ring'", "'small_world'", "'none'"],
    ),
    "bad date": (
        '[market]\nstart_date = "yesterday"',
        ["market.start_date", "'yesterday'", "date"],
    ),
    "date with a time": (
        "[market]\nstart_date = 2024-01-01T10:30:00",
        ["market.start_date", "10, 30", "zero time"],
    ),
    "broken syntax": ("[market\ncustomers = 100", ["not valid TOML", "line 1"]),
    "duplicate key": ("[market]\ncustomers = 1\ncustomers = 2", ["not valid TOML", "line 3"]),
    "empty firms": ("firms = []", ["'firms'", "[]", "at least 1"]),
    "duplicate firm names": (
        FIRM + FIRM,
        ["'firms'", "'Focal'", "unique"],
    ),
    "firm without a name": ("[[firms]]\nprice = 3.0", ["firms.0.name", "required", "missing"]),
    "section as a number": ("market = 5", ["'market'", "5", "dictionary"]),
    "text for a flag": ('[defection]\nenabled = "yes"', ["defection.enabled", "'yes'", "bool"]),
    "unknown defection model": (
        '[defection]\nmodel = "coinflip"',
        ["defection.model", "'coinflip'", "'satisfaction'", "'fixed'"],
    ),
    "segment shares off": (
        "[population.segments.price_seeker]\nshare = 0.9\n"
        "[population.segments.price_seeker.value_weights]\nproduct = 1.0\n"
        "service = 0.0\npersonnel = 0.0\nimage = 0.0",
        ["population.segments", "sum to 1", "0.9"],
    ),
    "unknown segment": (
        "[population.segments.bargain_hunter]\nshare = 1.0\n"
        "[population.segments.bargain_hunter.value_weights]\nproduct = 1.0\n"
        "service = 0.0\npersonnel = 0.0\nimage = 0.0",
        ["population.segments", "'bargain_hunter'", "allowed", "'price_seeker'"],
    ),
    "value weights off": (
        "[population.segments.price_seeker]\nshare = 1.0\n"
        "[population.segments.price_seeker.value_weights]\nproduct = 0.5\n"
        "service = 0.2\npersonnel = 0.1\nimage = 0.1",
        ["population.segments.price_seeker.value_weights", "sum to 1", "0.9"],
    ),
    "elasticity shares off": (
        "[population.elasticity]\nzero = 0.5\nlow = 0.5\nhigh = 0.5",
        ["population.elasticity", "zero+low+high", "sum to 1", "1.5"],
    ),
    "name leaving the output folder": (
        'name = "../../elsewhere"',
        ["'name'", "'../../elsewhere'", "folder name"],
    ),
    "empty name": ('name = ""', ["'name'", "''", "at least 1 character"]),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_scenario_gives_one_clear_error(case, tmp_path):
    text, fragments = MALFORMED[case]
    path = tmp_path / "bad.toml"
    path.write_text(text + "\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        Scenario.load(path)
    message = str(info.value)
    assert "\n" not in message, f"one problem, one line: {message!r}"
    assert str(path) in message, "the message says which file"
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} missing from {message!r}"
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__, "no pydantic/tomllib traceback chained"


def test_several_problems_in_one_error():
    with pytest.raises(ScenarioError) as info:
        Scenario.from_dict({"market": {"customers": 0, "months": "x"}, "colour": 1})
    lines = str(info.value).splitlines()
    assert len(lines) == 3
    assert any("market.customers" in line for line in lines)
    assert any("market.months" in line for line in lines)
    assert any("colour" in line for line in lines)


def test_missing_file(tmp_path):
    path = tmp_path / "nowhere.toml"
    with pytest.raises(ScenarioError, match="does not exist") as info:
        Scenario.load(path)
    assert str(path) in str(info.value)


def test_folder_instead_of_a_file(tmp_path):
    folder = tmp_path / "folder.toml"
    folder.mkdir()
    with pytest.raises(ScenarioError, match=r"folder\.toml.* is not a file"):
        Scenario.load(folder)


def test_unknown_preset_lists_the_allowed_ones():
    with pytest.raises(ScenarioError) as info:
        Scenario.load("basline")
    message = str(info.value)
    assert "'basline'" in message
    assert "baseline" in message.split("allowed")[1]
    assert ".toml" in message


def test_file_that_is_not_text(tmp_path):
    path = tmp_path / "binary.toml"
    path.write_bytes(b"\xff\xfe\x00name = 1")
    with pytest.raises(ScenarioError, match=r"binary\.toml.*UTF-8"):
        Scenario.load(path)


def test_a_complete_valid_file_loads(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(
        'name = "mine"\n[market]\ncustomers = 300\nstart_date = 2023-07-01\n'
        '[network]\nkind = "none"\n'
        '[[firms]]\nname = "Solo"\nprice = 15\n',  # an integer price is fine
        encoding="utf-8",
    )
    scenario = Scenario.load(path)
    assert scenario.name == "mine"
    assert scenario.market.customers == 300
    assert scenario.market.start_date == dt.date(2023, 7, 1)
    assert scenario.firms[0].price == 15.0
    assert scenario.focal_firm == "Solo"


def test_scenario_error_is_a_value_error():
    with pytest.raises(ValueError, match=r"market\.customers"):
        Scenario.from_dict({"market": {"customers": -1}})


def test_setting_a_field_of_an_absent_strategy_switches_it_on():
    scenario = Scenario.load("baseline").with_overrides(
        {"firms.Focal.strategies.loyalty_programme.enrolment": 0.7}
    )
    programme = scenario.firms[0].strategies.loyalty_programme
    assert programme is not None
    assert programme.enrolment == 0.7
    assert scenario.firms[1].strategies.loyalty_programme is None
    with pytest.raises(ScenarioError, match=r"loyalty_programme\.enrolmant"):
        Scenario.load("baseline").with_overrides(
            {"firms.Focal.strategies.loyalty_programme.enrolmant": 0.7}
        )


@pytest.mark.parametrize(("flag", "expected"), [(None, 2000), ("", 2000), ("0", 2000), ("1", 400)])
def test_scale_is_small_only_under_crm_fast(monkeypatch, flag, expected):
    if flag is None:
        monkeypatch.delenv(FAST_ENV, raising=False)
    else:
        monkeypatch.setenv(FAST_ENV, flag)
    assert scale(2000, 400) == expected


def test_scale_rejects_an_unclear_flag(monkeypatch):
    monkeypatch.setenv(FAST_ENV, "yes")
    with pytest.raises(ScenarioError, match=r"CRM_FAST = 'yes': allowed '1'"):
        scale(2000, 400)
