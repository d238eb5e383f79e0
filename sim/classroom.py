"""Classroom competition: teams run the firms of one shared market, round by round.

Each team is a firm; every firm starts alike (the scenario's first firm, renamed, with no
strategies), so the teams' decisions alone make the difference. Each round (a quarter,
say) every team hands in a decisions file -- price, advertising budget, strategies --
the market runs for the round's months, and each team gets its own report while the
instructor sees the leaderboard and the whole market.

A tournament lives in a folder::

    tournament.toml              teams, rounds, months per round, seed
    scenario.toml                the market (copied at creation: it cannot drift)
    decisions/round-01/TEAM.toml what each team hands in
    rounds/round-01/             what the round produced (written whole, or not at all)

The market is never saved: playing round k replays rounds 1..k-1 from the seed with the
decisions that stood, then runs round k. The same seed gives the same market, so
nothing of a finished round is lost when a later one is interrupted, and an interrupted
round is simply played again. A decisions file that is missing or invalid leaves the
team's previous decisions in force, and the team's report says why.
"""

import os
import re
import shutil
import tomllib
from pathlib import Path
from typing import Annotated, Any, Self

import numpy as np
import pandas as pd
from pydantic import Field, ValidationError, field_validator, model_validator

from sim.errors import CRMError, ScenarioError, TournamentError
from sim.model import Market
from sim.rules.diffusion import advertising_reach
from sim.rules.switching import REASONS
from sim.scenario import Scenario, _describe, _to_toml
from sim.section import FieldProblem, Positive, Section, Share
from sim.strategies import StrategySettings

#: Strategies a team cannot hand in: its price and advertising are decided directly.
DECIDED_DIRECTLY = ("advertising_campaign", "price_change")
TeamName = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]{0,29}$")]


class TournamentSettings(Section):
    """What the instructor sets up: teams, rounds and how advertising buys reach."""

    teams: Annotated[list[TeamName], Field(min_length=2, max_length=12)]
    rounds: Annotated[int, Field(ge=1, le=40)] = 4
    months_per_round: Annotated[int, Field(ge=1, le=24)] = 3
    seed: Annotated[int, Field(ge=0)] = 0
    max_reach: Share = 0.06
    half_saturation_spend: Positive = 3000.0

    @field_validator("teams")
    @classmethod
    def _unique(cls, teams: list[str]) -> list[str]:
        repeated = sorted({t for t in teams if teams.count(t) > 1})
        if repeated:
            raise ValueError(f"team names must be unique; repeated: {repeated}")
        return teams


class Decisions(Section):
    """A team's decisions for a round; a field left out keeps last round's value.

    ``strategies``, when given, is the whole set the firm runs this round (a strategy
    left out of it is stopped); when left out, last round's set stands.
    """

    price: Annotated[float, Field(gt=0.0, le=10_000.0)] | None = None
    advertising_spend: Annotated[float, Field(ge=0.0, le=1_000_000.0)] | None = None
    strategies: StrategySettings | None = None

    @model_validator(mode="after")
    def _no_direct_decisions_as_strategies(self) -> Self:
        for name in DECIDED_DIRECTLY:
            if self.strategies is not None and getattr(self.strategies, name) is not None:
                raise FieldProblem(
                    f"strategies.{name}",
                    "is decided directly in a tournament (price, advertising_spend); "
                    f"not allowed: {list(DECIDED_DIRECTLY)}",
                )
        return self


class Tournament:
    """A tournament in its folder: create it, then play one round at a time."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        settings_file = self.folder / "tournament.toml"
        if not settings_file.is_file():
            raise TournamentError(
                f"'{self.folder}' holds no tournament (no tournament.toml); "
                "create one with Tournament.create or crm-sim tournament new"
            )
        self.settings = _validated(
            TournamentSettings, _read_toml(settings_file), str(settings_file)
        )
        self.scenario = Scenario.load(self.folder / "scenario.toml")

    # ------------------------------------------------------------------ set-up
    @classmethod
    def create(
        cls, folder: str | Path, scenario: Scenario | str, settings: TournamentSettings
    ) -> "Tournament":
        """Set up a tournament folder: one firm per team, all alike, no strategies yet."""
        folder = Path(folder)
        if (folder / "tournament.toml").exists():
            raise TournamentError(f"'{folder}' already holds a tournament")
        market = scenario if isinstance(scenario, Scenario) else Scenario.load(scenario)
        months = settings.rounds * settings.months_per_round
        template = market.firms[0].model_dump(mode="json")
        template["strategies"] = {}
        teams = [{**template, "name": team} for team in settings.teams]
        shared = market.model_dump(mode="json")
        shared.update(name=f"{market.name}-tournament", firms=teams)
        shared["market"].update(months=months, seed=settings.seed)
        shared = Scenario.from_dict(shared, source="tournament market")
        (folder / "decisions" / "round-01").mkdir(parents=True, exist_ok=True)
        _write_text(folder / "scenario.toml", shared.to_toml())
        _write_text(folder / "tournament.toml", _to_toml(settings.model_dump(mode="json")))
        return cls(folder)

    # ------------------------------------------------------------------ rounds
    @property
    def rounds_played(self) -> int:
        """Rounds whose results are complete on disk."""
        played = 0
        while (self._round_folder(played + 1) / "accepted.toml").is_file():
            played += 1
        return played

    def handed_in(self, round_number: int) -> list[str]:
        """Teams with a decisions file for a round (checked when the round is played)."""
        folder = self.decisions_folder(round_number)
        return [team for team in self.settings.teams if (folder / f"{team}.toml").is_file()]

    def decisions_folder(self, round_number: int) -> Path:
        """Where teams hand in their decisions files for a round."""
        return self.folder / "decisions" / f"round-{round_number:02d}"

    def play_round(self) -> Path:
        """Play the next round and write its results; returns the round's folder."""
        played = self.rounds_played
        if played >= self.settings.rounds:
            raise TournamentError(
                f"all {self.settings.rounds} rounds are played; the leaderboard is final"
            )
        number = played + 1
        market, standing = self._replay(played)
        handed_in = {team: self._read_decisions(number, team) for team in self.settings.teams}
        problems = {}
        for team, (decisions, problem) in handed_in.items():
            if decisions is not None:
                standing[team] = _merged(standing[team], decisions)
            if problem:
                problems[team] = problem
        self._apply(market, standing)
        market.run_for(self.settings.months_per_round)
        return self._write_round(number, market, standing, problems)

    def leaderboard(self, round_number: int | None = None) -> pd.DataFrame:
        """The leaderboard after a played round (the latest by default)."""
        number = round_number or self.rounds_played
        if not 1 <= number <= self.rounds_played:
            raise TournamentError(f"round {number} is not played; played: 1..{self.rounds_played}")
        return pd.read_csv(self._round_folder(number) / "leaderboard.csv")

    # ------------------------------------------------------------------ internals
    def _round_folder(self, number: int) -> Path:
        return self.folder / "rounds" / f"round-{number:02d}"

    def _replay(self, played: int) -> tuple[Market, dict[str, Decisions]]:
        """The market at the end of round ``played``, and the decisions that stood."""
        market = Market(self.scenario)
        standing = {team: self._opening(team, market) for team in self.settings.teams}
        for number in range(1, played + 1):
            accepted = _read_toml(self._round_folder(number) / "accepted.toml")
            for team in self.settings.teams:
                # TOML has no empty-table marker: a team without strategies reads back None
                decisions = Decisions.model_validate(accepted[team])
                standing[team] = _merged(Decisions(strategies=StrategySettings()), decisions)
            self._apply(market, standing)
            market.run_for(self.settings.months_per_round)
        return market, standing

    def _opening(self, team: str, market: Market) -> Decisions:
        """Before round 1 every team has the template firm's price and budget."""
        firm = next(f for f in market.firms if f.name == team)
        return Decisions(
            price=firm.price,
            advertising_spend=firm.advertising_spend,
            strategies=StrategySettings(),
        )

    def _read_decisions(self, number: int, team: str) -> tuple[Decisions | None, str]:
        path = self.decisions_folder(number) / f"{team}.toml"
        if not path.is_file():
            return None, f"no decisions file {path.name} for round {number}: last decisions stand"
        source = str(path.relative_to(self.folder))  # the same words in any folder
        try:
            decisions = _validated(Decisions, _read_toml(path, source), source)
            if decisions.strategies is not None:
                self._check_strategies(team, decisions.strategies, source)
        except CRMError as exc:
            return None, f"{exc} (last decisions stand)"
        return decisions, ""

    def _check_strategies(self, team: str, strategies: StrategySettings, source: str) -> None:
        """Strategies must fit this market (e.g. a cross-sold product must exist)."""
        try:
            self.scenario.with_overrides(
                {f"firms.{team}.strategies": strategies.model_dump(mode="json")}
            )
        except ScenarioError as exc:
            # the team's file holds the firm's strategies: name the field as they wrote it
            detail = re.sub(r"field 'firms\.\d+\.", "field '", str(exc).removeprefix("overrides: "))
            raise TournamentError(f"{source}: {detail}") from None

    def _apply(self, market: Market, standing: dict[str, Decisions]) -> None:
        """Put each team's decisions in force for the coming months."""
        for firm in market.firms:
            decisions = standing[firm.name]
            firm.price = decisions.price
            firm.advertising_spend = decisions.advertising_spend
            firm.advertising = advertising_reach(
                decisions.advertising_spend,
                self.settings.max_reach,
                self.settings.half_saturation_spend,
            )
            firm.adopt_strategies(decisions.strategies)

    def _write_round(
        self,
        number: int,
        market: Market,
        standing: dict[str, Decisions],
        problems: dict[str, str],
    ) -> Path:
        """Write the round's results into a staging folder, then move it into place."""
        target = self._round_folder(number)
        staging = target.with_name(f".{target.name}.partial")
        shutil.rmtree(staging, ignore_errors=True)
        (staging / "teams").mkdir(parents=True)
        kpis = market.firm_kpis()
        board = leaderboard(kpis, number, self.settings.months_per_round)
        board.to_csv(staging / "leaderboard.csv", index=False)
        kpis.to_csv(staging / "market_kpis.csv", index=False)
        for team in self.settings.teams:
            own = kpis[kpis["firm"] == team]
            own.to_csv(staging / "teams" / f"{team}_kpis.csv", index=False)
            report = team_report(team, own, board, number, self.settings.months_per_round)
            report += _decisions_text(standing[team], problems.get(team, ""))
            _write_text(staging / "teams" / f"{team}.md", report)
        problem_rows = [{"team": t, "problem": p} for t, p in problems.items()]
        pd.DataFrame(problem_rows, columns=["team", "problem"]).to_csv(
            staging / "problems.csv", index=False
        )
        accepted = {team: d.model_dump(mode="json") for team, d in standing.items()}
        # written last: a round folder without accepted.toml was never finished
        _write_text(staging / "accepted.toml", _to_toml(accepted))
        shutil.rmtree(target, ignore_errors=True)
        os.replace(staging, target)
        self.decisions_folder(number + 1).mkdir(parents=True, exist_ok=True)
        return target


def leaderboard(kpis: pd.DataFrame, number: int, months_per_round: int) -> pd.DataFrame:
    """Teams ranked by score: cumulative profit plus the customer equity they built.

    Profit alone rewards milking the customer base in the last round; customer equity
    (the value of the customers a team holds, Gupta & Lehmann 2003) counts what it built.
    """
    end = number * months_per_round
    played = kpis[kpis["month"] <= end]
    last = played[played["month"] == end].set_index("firm")
    this_round = played[played["month"] > end - months_per_round].groupby("firm")
    board = pd.DataFrame(
        {
            "team": last.index,
            "round": number,
            "profit_round": this_round["profit"].sum().reindex(last.index).to_numpy(),
            "profit_total": played.groupby("firm")["profit"].sum().reindex(last.index).to_numpy(),
            "customer_equity": last["customer_equity"].to_numpy(),
            "customers": last["customers"].to_numpy(),
            "market_share": last["market_share"].to_numpy(),
        }
    )
    board["score"] = board["profit_total"] + board["customer_equity"]
    board = board.sort_values(["score", "team"], ascending=[False, True], ignore_index=True)
    board.insert(0, "rank", np.arange(1, len(board) + 1))
    return board


def team_report(
    team: str, kpis: pd.DataFrame, board: pd.DataFrame, number: int, months_per_round: int
) -> str:
    """What one team sees after a round: its customers, churn by reason, money, rank."""
    end = number * months_per_round
    this_round = kpis[(kpis["month"] > end - months_per_round) & (kpis["month"] <= end)]
    first, last = this_round.iloc[0], this_round.iloc[-1]
    standing = board.set_index("team").loc[team]
    lines = [
        f"# {team}: round {number} (months {end - months_per_round + 1}-{end})",
        "",
        f"Rank {int(standing['rank'])} of {len(board)}; score {standing['score']:,.0f} "
        f"(profit so far {standing['profit_total']:,.0f} + customer equity "
        f"{standing['customer_equity']:,.0f}).",
        "",
        "## Customers",
        f"- at the end of the round: {int(last['customers'])} "
        f"(month {int(first['month'])}: {int(first['customers'])})",
        f"- acquired: {int(this_round['acquisitions'].sum())}, "
        f"of them won back: {int(this_round['win_backs'].sum())}",
        f"- lost: {int(this_round['defections'].sum())}; "
        f"mean monthly retention {this_round['retention_rate'].mean():.1%}",
        f"- satisfaction (1-5): {last['satisfaction']:.2f}; "
        f"market share (revenue): {last['market_share']:.1%}",
        "",
        "## Why customers left (this round)",
    ]
    for reason in REASONS:
        count = int(this_round[f"churn_{reason.value}"].sum())
        lines.append(f"- {reason.value.replace('_', ' ')}: {count}")
    lines += [
        "",
        "## Money (this round)",
        f"- revenue {this_round['revenue'].sum():,.0f}; margin {this_round['margin'].sum():,.0f}",
        f"- acquisition spend {this_round['acquisition_spend'].sum():,.0f}; "
        f"retention spend {this_round['retention_spend'].sum():,.0f}",
        f"- profit {this_round['profit'].sum():,.0f}; "
        f"customer equity at the end {last['customer_equity']:,.0f}",
        "",
    ]
    return "\n".join(lines)


def _decisions_text(decisions: Decisions, problem: str) -> str:
    strategies = [
        name for name, value in decisions.strategies.model_dump().items() if value is not None
    ]
    lines = [
        "",
        "## Decisions in force this round",
        f"- price {decisions.price:,.2f}; advertising {decisions.advertising_spend:,.0f} a month",
        f"- strategies: {', '.join(strategies) or 'none'}",
    ]
    if problem:
        lines += ["", "## Your decisions file", f"- {problem}"]
    return "\n".join(lines) + "\n"


def _merged(previous: Decisions, new: Decisions) -> Decisions:
    """New decisions over the previous ones: a field left out keeps its value."""
    given = new.model_dump(exclude_none=True)
    return Decisions.model_validate({**previous.model_dump(), **given})


def _validated(model: type[Section], data: dict[str, Any], source: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise TournamentError(_describe(exc, source, model)) from None


def _read_toml(path: Path, source: str | None = None) -> dict[str, Any]:
    source = source or str(path)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise TournamentError(f"'{source}' cannot be read as UTF-8 text ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise TournamentError(f"{source}: not valid TOML ({exc})") from None


def _write_text(path: Path, text: str) -> None:
    """Write a file whole or not at all (a temporary file moved into place)."""
    staging = path.with_name(f".{path.name}.partial")
    staging.write_text(text, encoding="utf-8")
    os.replace(staging, path)
