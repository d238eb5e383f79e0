"""The instructor's tournament page: state from disk, a Play button, standings, reports."""

import pytest

from sim.classroom import Tournament, TournamentSettings
from sim.scenario import Scenario
from sim.widgets import TournamentPanel

MARKET = Scenario.load("baseline").with_overrides({"market.customers": 200})
SETTINGS = TournamentSettings(teams=["Ants", "Bees", "Crows"], rounds=2, months_per_round=2)


def team_lines(ax):
    """The teams' lines (the round markers have no label)."""
    return [line for line in ax.get_lines() if not line.get_label().startswith("_")]


@pytest.fixture
def panel(tmp_path) -> TournamentPanel:
    Tournament.create(tmp_path / "class", MARKET, SETTINGS)
    return TournamentPanel(tmp_path / "class")


def test_the_page_shows_who_has_handed_in(panel):
    assert "0 of 2" in panel.status.value
    assert "handed in: none yet" in panel.handed_in.value
    folder = panel.tournament.decisions_folder(1)
    (folder / "Bees.toml").write_text("price = 19.0\n")
    panel.refresh_button.click()
    assert "handed in: Bees" in panel.handed_in.value
    assert "waiting for: Ants, Crows" in panel.handed_in.value
    assert "No round played yet" in panel.report.value


def test_playing_a_round_shows_the_leaderboard_chart_and_reports(panel):
    (panel.tournament.decisions_folder(1) / "Ants.toml").write_text("price = 25.0\n")
    panel.play_button.click()
    assert "1 of 2" in panel.status.value
    board = panel.tournament.leaderboard(1)
    for team in SETTINGS.teams:
        assert f">{team}<" in panel.board.value
    assert f">{board['team'].iloc[0]}<" in panel.board.value.split("</tr>")[1]  # rank 1 first
    lines = team_lines(panel.figure.axes[0])
    assert sorted(line.get_label() for line in lines) == SETTINGS.teams
    assert all(len(line.get_xdata()) == 2 for line in lines)  # one point per month played
    assert panel.chart.value  # the picture shown is the figure drawn
    panel.team.value = "Ants"
    assert "Ants: round 1" in panel.report.value and "price 25.00" in panel.report.value
    panel.team.value = "Crows"
    assert "Crows: round 1" in panel.report.value


def test_after_the_last_round_the_button_is_off_and_errors_are_shown(panel):
    panel.play_button.click()
    panel.play_button.click()
    assert "2 of 2" in panel.status.value and "final" in panel.status.value
    assert panel.play_button.disabled
    panel.play()  # a second instructor's click, say: a message, not a traceback
    assert "all 2 rounds are played" in panel.status.value
    assert panel.play_button.disabled
    lines = team_lines(panel.figure.axes[1])
    assert all(len(line.get_xdata()) == 4 for line in lines)
