"""The instructor's page for a classroom tournament: who handed in, play, leaderboard.

``TournamentPanel("class/")`` shows the round in progress and which teams have handed
in their decisions, a button that plays the next round, the leaderboard, each team's
customers and profit month by month, and any team's report. Everything it shows comes
from ``sim.classroom`` and ``sim.plots``; the panel only displays it.
"""

import html
import io
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from sim import plots
from sim.classroom import Tournament
from sim.errors import CRMError

#: Leaderboard columns shown, and how each is written.
BOARD_COLUMNS: dict[str, str] = {
    "rank": "{:d}",
    "team": "{}",
    "score": "{:,.0f}",
    "profit_total": "{:,.0f}",
    "customer_equity": "{:,.0f}",
    "customers": "{:,d}",
    "market_share": "{:.1%}",
}


class TournamentPanel:
    """Run a tournament's rounds in class from one page."""

    def __init__(self, folder: str | Path) -> None:
        self.tournament = Tournament(folder)
        self.figure: Figure | None = None
        self.status = widgets.HTML()
        self.handed_in = widgets.HTML()
        self.play_button = widgets.Button(
            description="Play next round", button_style="primary", icon="play"
        )
        self.refresh_button = widgets.Button(description="Refresh", icon="refresh")
        self.board = widgets.HTML()
        self.chart = widgets.Image(format="png")
        self.team = widgets.Dropdown(
            options=self.tournament.settings.teams, description="Team report"
        )
        self.report = widgets.HTML()
        self.play_button.on_click(lambda _: self.play())
        self.refresh_button.on_click(lambda _: self.refresh())
        self.team.observe(lambda _: self._show_report(), names="value")
        self.view = widgets.VBox(
            [
                widgets.HTML(f"<h3>Tournament: {html.escape(str(self.tournament.folder))}</h3>"),
                self.status,
                self.handed_in,
                widgets.HBox([self.play_button, self.refresh_button]),
                self.board,
                self.chart,
                self.team,
                self.report,
            ]
        )
        self.refresh()

    def _repr_mimebundle_(self, **kwargs: Any) -> dict | None:
        return self.view._repr_mimebundle_(**kwargs)

    def play(self) -> None:
        """Play the next round; a problem shows as a message, not a traceback."""
        self.play_button.disabled = True
        try:
            self.tournament.play_round()
        except CRMError as exc:
            self.status.value = f"<span style='color:#a50f15'>{html.escape(str(exc))}</span>"
            settings = self.tournament.settings
            self.play_button.disabled = self.tournament.rounds_played >= settings.rounds
            return
        self.refresh()

    def refresh(self) -> None:
        """Show the state on disk: rounds played, decisions handed in, the standings."""
        tournament, settings = self.tournament, self.tournament.settings
        played = tournament.rounds_played
        finished = played >= settings.rounds
        self.play_button.disabled = finished
        self.status.value = (
            f"Rounds played: <b>{played} of {settings.rounds}</b> "
            f"({settings.months_per_round} months each)"
            + (" &mdash; the leaderboard is final." if finished else "")
        )
        if finished:
            self.handed_in.value = ""
        else:
            upcoming = played + 1
            ready = tournament.handed_in(upcoming)
            waiting = [t for t in settings.teams if t not in ready]
            folder = html.escape(str(tournament.decisions_folder(upcoming)))
            self.handed_in.value = (
                f"Round {upcoming}: decisions in {folder}"
                f"<br>handed in: {', '.join(ready) or 'none yet'}"
                f"<br>waiting for: {', '.join(waiting) or 'nobody'} "
                "(a team without a file keeps its last decisions)"
            )
        if played:
            self._show_standings(played)
        self._show_report()

    def _show_standings(self, played: int) -> None:
        board = self.tournament.leaderboard(played)
        header = "".join(f"<th>{name.replace('_', ' ')}</th>" for name in BOARD_COLUMNS)
        rows = "".join(
            "<tr>"
            + "".join(
                f"<td style='text-align:right'>{html.escape(form.format(row[name]))}</td>"
                for name, form in BOARD_COLUMNS.items()
            )
            + "</tr>"
            for row in board.to_dict("records")
        )
        self.board.value = f"<table><tr>{header}</tr>{rows}</table>"
        kpis = pd.read_csv(
            self.tournament.folder / "rounds" / f"round-{played:02d}" / "market_kpis.csv"
        )
        figure = plots.tournament_standings(kpis, self.tournament.settings.months_per_round)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=90)
        plt.close(figure)
        self.chart.value = buffer.getvalue()
        self.figure = figure

    def _show_report(self) -> None:
        played = self.tournament.rounds_played
        if not played:
            self.report.value = "<i>No round played yet.</i>"
            return
        path = (
            self.tournament.folder
            / "rounds"
            / f"round-{played:02d}"
            / "teams"
            / f"{self.team.value}.md"
        )
        self.report.value = f"<pre>{html.escape(path.read_text(encoding='utf-8'))}</pre>"
