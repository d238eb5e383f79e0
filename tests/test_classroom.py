"""Classroom tournament: teams' decisions, rounds, reports and a leaderboard that add up."""

import filecmp
import os

import pandas as pd
import pytest

from sim import classroom
from sim.classroom import Tournament, TournamentSettings
from sim.errors import TournamentError
from sim.model import Market
from sim.scenario import Scenario

MARKET = Scenario.load("baseline").with_overrides({"market.customers": 300})
SETTINGS = TournamentSettings(teams=["Ants", "Bees", "Crows"], rounds=4, months_per_round=3)

#: What the teams hand in, round by round (a round a team skips keeps its decisions).
PLAYBOOK = {
    1: {
        "Ants": "price = 22.0\nadvertising_spend = 4000.0\n",
        "Bees": "price = 18.0\n[strategies.loyalty_programme]\nbond = 0.4\n",
        "Crows": "advertising_spend = 500.0\n",
    },
    2: {
        "Ants": "price = 21.0\n[strategies.service_recovery]\nquality = 0.9\n",
        "Bees": "price = -3\n",  # invalid: Bees keep round 1's decisions
    },
    3: {
        "Crows": "prise = 19.0\n",
        "Bees": "price = 19.0\n[strategies.cross_sell]\nproduct = 'x'\n",
    },
    4: {"Bees": "[strategies.price_change]\nmonth = 12\nchange = 0.1\n"},
}


def hand_in(tournament: Tournament, number: int) -> None:
    folder = tournament.decisions_folder(number)
    for team, text in PLAYBOOK.get(number, {}).items():
        (folder / f"{team}.toml").write_text(text, encoding="utf-8")


def play_all(folder) -> Tournament:
    tournament = Tournament.create(folder, MARKET, SETTINGS)
    for number in range(1, SETTINGS.rounds + 1):
        hand_in(tournament, number)
        tournament.play_round()
    return tournament


@pytest.fixture(scope="module")
def played(tmp_path_factory) -> Tournament:
    return play_all(tmp_path_factory.mktemp("tournament"))


def accepted(tournament: Tournament, number: int) -> dict:
    import tomllib

    path = tournament.folder / "rounds" / f"round-{number:02d}" / "accepted.toml"
    return tomllib.loads(path.read_text(encoding="utf-8"))


def test_a_tournament_runs_deterministically_from_its_seed(played, tmp_path):
    again = play_all(tmp_path / "again")
    for number in range(1, 5):
        ours = played.folder / "rounds" / f"round-{number:02d}"
        theirs = again.folder / "rounds" / f"round-{number:02d}"
        files = sorted(p.relative_to(ours) for p in ours.rglob("*") if p.is_file())
        assert len(files) == 4 + 2 * 3  # board, market, problems, accepted + 2 per team
        _, mismatch, errors = filecmp.cmpfiles(ours, theirs, files, shallow=False)
        assert not mismatch and not errors, (number, mismatch, errors)
    # and another seed gives another market
    other = TournamentSettings(**{**SETTINGS.model_dump(), "seed": 1})
    tournament = Tournament.create(tmp_path / "other", MARKET, other)
    hand_in(tournament, 1)
    tournament.play_round()
    assert not tournament.leaderboard(1).equals(played.leaderboard(1))


def test_decisions_take_effect_and_last_ones_stand_when_a_file_is_missing(played):
    assert accepted(played, 1)["Ants"]["price"] == 22.0
    assert accepted(played, 2)["Ants"]["price"] == 21.0
    assert accepted(played, 2)["Ants"]["strategies"]["service_recovery"]["quality"] == 0.9
    assert "loyalty_programme" not in accepted(played, 2)["Ants"].get("strategies", {})
    assert accepted(played, 3)["Ants"] == accepted(played, 2)["Ants"]  # no file in round 3
    problems = pd.read_csv(played.folder / "rounds" / "round-03" / "problems.csv")
    ants = problems.loc[problems["team"] == "Ants", "problem"].iloc[0]
    assert "no decisions file Ants.toml for round 3" in ants
    # advertising buys reach with diminishing returns: more spend, more reach, less per unit
    board = played.leaderboard(1).set_index("team")
    assert board.loc["Ants", "customers"] > 0
    report = (played.folder / "rounds" / "round-01" / "teams" / "Bees.md").read_text()
    assert "strategies: loyalty_programme" in report and "price 18.00" in report


@pytest.mark.parametrize(
    ("number", "team", "field"),
    [
        (2, "Bees", "field 'price' = -3"),
        (3, "Crows", "unknown field 'prise'"),
        (3, "Bees", "strategies.cross_sell.product"),
        (4, "Bees", "strategies.price_change"),
    ],
)
def test_invalid_decisions_are_rejected_naming_the_field_and_previous_ones_stand(
    played, number, team, field
):
    problems = pd.read_csv(played.folder / "rounds" / f"round-{number:02d}" / "problems.csv")
    problem = problems.loc[problems["team"] == team, "problem"].iloc[0]
    assert field in problem and "last decisions stand" in problem
    assert accepted(played, number)[team] == accepted(played, number - 1)[team]
    report = (played.folder / "rounds" / f"round-{number:02d}" / "teams" / f"{team}.md").read_text()
    assert field in report  # the team is told, in its own report


def test_the_leaderboard_matches_the_teams_reports(played):
    months = 0
    for number in range(1, 5):
        months += SETTINGS.months_per_round
        board = played.leaderboard(number)
        assert list(board["rank"]) == [1, 2, 3]
        assert board["score"].is_monotonic_decreasing
        folder = played.folder / "rounds" / f"round-{number:02d}" / "teams"
        for row in board.itertuples():
            kpis = pd.read_csv(folder / f"{row.team}_kpis.csv")
            assert kpis["month"].max() == months
            assert row.profit_total == pytest.approx(kpis["profit"].sum())
            assert row.profit_round == pytest.approx(kpis["profit"].tail(3).sum())
            assert row.customer_equity == pytest.approx(kpis["customer_equity"].iloc[-1])
            assert row.score == pytest.approx(row.profit_total + row.customer_equity)
            report = (folder / f"{row.team}.md").read_text()
            assert f"Rank {row.rank} of 3" in report
            assert f"at the end of the round: {row.customers}" in report
    market = pd.read_csv(played.folder / "rounds" / "round-04" / "market_kpis.csv")
    assert sorted(market["firm"].unique()) == SETTINGS.teams
    assert market["market_share"].groupby(market["month"]).sum().round(9).eq(1.0).all()


def test_a_round_interrupted_while_writing_leaves_nothing_and_plays_again(played, tmp_path):
    tournament = Tournament.create(tmp_path / "crash", MARKET, SETTINGS)
    for number in (1, 2):
        hand_in(tournament, number)
        tournament.play_round()
    hand_in(tournament, 3)
    real_replace = os.replace

    def crash(source, target):
        if "round-03" in str(target):
            raise KeyboardInterrupt  # the instructor's laptop is closed mid-write
        real_replace(source, target)

    classroom.os.replace = crash
    try:
        with pytest.raises(KeyboardInterrupt):
            tournament.play_round()
    finally:
        classroom.os.replace = real_replace
    assert tournament.rounds_played == 2
    assert not (tournament.folder / "rounds" / "round-03").exists()
    tournament.play_round()
    pd.testing.assert_frame_equal(tournament.leaderboard(3), played.leaderboard(3))


def test_after_the_last_round_nothing_more_is_played(played):
    with pytest.raises(TournamentError, match="all 4 rounds are played"):
        played.play_round()
    with pytest.raises(TournamentError, match="round 5 is not played"):
        played.leaderboard(5)


def test_every_team_starts_alike(tmp_path):
    tournament = Tournament.create(tmp_path / "t", MARKET, SETTINGS)
    firms = tournament.scenario.firms
    assert [f.name for f in firms] == SETTINGS.teams
    for firm in firms:
        same = firm.model_dump(exclude={"name"}) == firms[0].model_dump(exclude={"name"})
        assert same and firm.strategies.model_dump(exclude_none=True) == {}
    assert tournament.scenario.market.months == 12
    with pytest.raises(TournamentError, match="already holds a tournament"):
        Tournament.create(tmp_path / "t", MARKET, SETTINGS)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ('teams = ["A"]\n', "teams"),
        ('teams = ["A", "A"]\n', "repeated: ['A']"),
        ('teams = ["A", "B"]\nrounds = 0\n', "rounds"),
        ('teams = ["A", "B/C"]\n', "teams.1"),
        ('teams = ["A", "B"]\nmonths_per_round = 30\n', "months_per_round"),
        ('teams = ["A", "B"]\nround = 3\n', "unknown field 'round'"),
    ],
)
def test_a_malformed_tournament_file_names_the_field(tmp_path, text, field):
    Tournament.create(tmp_path, MARKET, SETTINGS)
    (tmp_path / "tournament.toml").write_text(text, encoding="utf-8")
    with pytest.raises(TournamentError, match=field.replace("[", r"\[").replace("]", r"\]")):
        Tournament(tmp_path)


def test_a_firm_keeps_unchanged_strategies_and_restores_its_desk_when_one_stops():
    scenario = MARKET.with_overrides(
        {
            "market.months": 6,
            "firms.Focal.strategies.loyalty_programme": {},
            "firms.Focal.strategies.service_recovery": {"quality": 0.95},
        }
    )
    market = Market(scenario, rng=1).run_for(3)
    focal = market.firms[0]
    programme = focal.strategies[0]
    members = set(programme.members)
    assert members and focal.recovery_quality == 0.95
    focal.adopt_strategies(
        scenario.firms[0].strategies.model_copy(update={"service_recovery": None})
    )
    assert focal.strategies == [programme] and programme.members == members
    assert focal.recovery_quality == scenario.firms[0].recovery_quality
    market.run_for(3)


def test_the_command_line_sets_up_plays_and_reports(tmp_path, capsys):
    from sim.cli import main

    folder = tmp_path / "class"
    assert main(["tournament", "new", "baseline", "--teams", "Red", "Blue", "--rounds", "2",
                 "--out", str(folder)]) == 0  # fmt: skip
    (folder / "decisions" / "round-01" / "Red.toml").write_text("price = 24.0\n")
    assert main(["tournament", "play", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "round 1 played" in out and "rounds played: 1 of 2" in out
    assert "Red" in out and "Blue" in out
    assert main(["tournament", "status", str(folder)]) == 0
    assert main(["tournament", "play", str(folder)]) == 0
    assert main(["tournament", "play", str(folder)]) == 2
    assert "all 2 rounds are played" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--teams", "Solo"], "field 'teams'"),
        (["--teams", "A", "A"], "repeated: ['A']"),
        (["--teams", "A", "B", "--rounds", "0"], "field 'rounds' = 0"),
        (["--teams", "A", "B", "--months-per-round", "99"], "field 'months_per_round' = 99"),
    ],
)
def test_the_command_line_rejects_a_bad_set_up_naming_the_field(tmp_path, capsys, argv, message):
    from sim.cli import main

    folder = tmp_path / "class"
    assert main(["tournament", "new", "baseline", *argv, "--out", str(folder)]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not folder.exists()  # nothing written
