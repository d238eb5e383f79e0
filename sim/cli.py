"""Command line: ``crm-sim run baseline`` and friends.

Bad input (an unknown preset, a malformed scenario, an impossible option) prints one
clear error and exits with code 2, before anything is written.
"""

import argparse
import dataclasses
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

from sim.errors import CRMError
from sim.scenario import Scenario, preset_names

if TYPE_CHECKING:
    import pandas as pd

#: The engines (``sim.model.ENGINES``, not imported here: the model takes seconds to load).
ENGINES = ("agents", "vectorized")
#: KPI columns in the printed summary table.
SUMMARY_COLUMNS = [
    "month",
    "customers",
    "acquisitions",
    "defections",
    "retention_rate",
    "revenue",
    "profit",
    "satisfaction",
    "market_share",
    "customer_equity",
]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crm-sim",
        description="Simulate a CRM market and write KPIs, figures and its CRM database.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run a scenario headless")
    run.add_argument("scenario", help=f"a preset ({', '.join(preset_names())}) or a .toml file")
    run.add_argument("--customers", type=int, help="number of customers")
    run.add_argument("--months", type=int, help="months to simulate")
    run.add_argument("--seed", type=int, help="random seed")
    run.add_argument("--out", type=Path, default=Path("out"), help="output folder (default out/)")
    run.add_argument(
        "--backend", choices=["duckdb", "parquet"], default="duckdb", help="CRM database format"
    )
    run.add_argument("--engine", choices=ENGINES, default="agents", help="simulation engine")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    compare = commands.add_parser(
        "compare", help="compare strategy variants over replications (common random numbers)"
    )
    compare.add_argument("scenario", help="a preset name or a .toml file")
    compare.add_argument("variants", type=Path, help="TOML file with a [variants.NAME] table each")
    compare.add_argument("--replications", type=int, default=10, help="runs per variant")
    compare.add_argument("--customers", type=int, help="number of customers")
    compare.add_argument("--months", type=int, help="months to simulate")
    compare.add_argument("--seed", type=int, default=0, help="master seed of the replications")
    compare.add_argument("--out", type=Path, default=Path("out"), help="output folder")
    compare.add_argument("--engine", choices=ENGINES, default="agents", help="simulation engine")
    compare.add_argument("--quiet", action="store_true", help="no progress bar")
    tournament = commands.add_parser(
        "tournament", help="a classroom competition: teams run the firms of one market"
    )
    rounds = tournament.add_subparsers(dest="action", required=True)
    new = rounds.add_parser("new", help="set up a tournament folder")
    new.add_argument("scenario", help="the market: a preset name or a .toml file")
    new.add_argument("--teams", nargs="+", required=True, help="team names (2-12)")
    new.add_argument("--rounds", type=int, default=4, help="rounds to play (default 4)")
    new.add_argument("--months-per-round", type=int, default=3, help="months per round")
    new.add_argument("--seed", type=int, default=0, help="seed of the shared market")
    new.add_argument("--out", type=Path, required=True, help="the tournament's folder")
    play = rounds.add_parser("play", help="play the next round with the decisions handed in")
    play.add_argument("folder", type=Path, help="the tournament's folder")
    status = rounds.add_parser("status", help="rounds played and the latest leaderboard")
    status.add_argument("folder", type=Path, help="the tournament's folder")
    sweep = commands.add_parser(
        "sweep", help="run an experiment file (grid or variants x replications); resumable"
    )
    sweep.add_argument("experiment", type=Path, help="experiment TOML file (see examples/)")
    sweep.add_argument("--out", type=Path, default=Path("out"), help="output folder (default out/)")
    sweep.add_argument("--workers", type=int, help="local worker processes (default: one per core)")
    sweep.add_argument("--scheduler", help="Dask scheduler address, e.g. tcp://127.0.0.1:8786")
    sweep.add_argument(
        "--engine", choices=ENGINES, help="simulation engine (overrides the file's 'engine')"
    )
    sweep.add_argument("--quiet", action="store_true", help="no progress bar")
    equivalence = commands.add_parser(
        "equivalence",
        help="do two engines give the same KPI distributions? (exit 1 if they disagree)",
    )
    equivalence.add_argument("scenario", help="a preset name or a .toml file")
    equivalence.add_argument("--replications", type=int, default=30, help="runs per engine")
    equivalence.add_argument("--customers", type=int, help="number of customers")
    equivalence.add_argument("--seed", type=int, default=0, help="master seed of the replications")
    equivalence.add_argument(
        "--workers", type=int, help="local worker processes (default: one per core)"
    )
    equivalence.add_argument(
        "--months", type=int, nargs="+", default=[12, 36, 60], help="checkpoint months"
    )
    equivalence.add_argument("--alpha", type=float, default=0.05, help="family-wise error rate")
    equivalence.add_argument(
        "--reference", choices=ENGINES, default="agents", help="reference engine"
    )
    equivalence.add_argument(
        "--candidate", choices=ENGINES, default="vectorized", help="candidate engine"
    )
    equivalence.add_argument(
        "--candidate-seed",
        type=int,
        help="another master seed for the candidate (independent sides; default: the same seeds)",
    )
    commands.add_parser("presets", help="list the scenario presets")
    info = commands.add_parser("info", help="show a preset's Info sections")
    info.add_argument("scenario", help="a preset name or a .toml file")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``crm-sim``; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "presets":
            for name in preset_names():
                print(f"{name:14} {Scenario.load(name).title}")
            return 0
        if args.command == "info":
            _print_info(Scenario.load(args.scenario))
            return 0
        if args.command == "compare":
            return _compare(args)
        if args.command == "tournament":
            return _tournament(args)
        if args.command == "sweep":
            return _sweep(args)
        if args.command == "equivalence":
            return _equivalence(args)
        return _run(args)
    except CRMError as exc:
        print(f"crm-sim: error: {exc}", file=sys.stderr)
        return 2


def _tournament(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from sim.classroom import Tournament, TournamentSettings
    from sim.scenario import _describe

    if args.action == "new":
        fields = {
            "teams": args.teams,
            "rounds": args.rounds,
            "months_per_round": args.months_per_round,
            "seed": args.seed,
        }
        try:
            settings = TournamentSettings(**fields)
        except ValidationError as exc:
            raise CRMError(_describe(exc, "tournament", TournamentSettings)) from None
        tournament = Tournament.create(args.out, Scenario.load(args.scenario), settings)
        print(f"tournament in {tournament.folder}: {len(settings.teams)} teams, ", end="")
        print(f"{settings.rounds} rounds of {settings.months_per_round} months")
        print(f"teams hand in {tournament.decisions_folder(1)}/TEAM.toml")
        return 0
    tournament = Tournament(args.folder)
    if args.action == "play":
        folder = tournament.play_round()
        print(f"round {tournament.rounds_played} played: {folder}")
        if tournament.rounds_played < tournament.settings.rounds:
            print(f"next decisions: {tournament.decisions_folder(tournament.rounds_played + 1)}")
    played = tournament.rounds_played
    print(f"rounds played: {played} of {tournament.settings.rounds}")
    if played:
        columns = ["rank", "team", "score", "profit_total", "customer_equity", "customers"]
        print(
            tournament.leaderboard()[columns].to_string(index=False, float_format="{:,.0f}".format)
        )
    return 0


def _print_info(scenario: Scenario) -> None:
    print(f"{scenario.name}: {scenario.title}")
    for field, text in scenario.info.model_dump().items():
        if text.strip():
            print(f"\n## {field.replace('_', ' ').capitalize()}")
            print(textwrap.fill(" ".join(text.split()), width=88))


def _sized(args: argparse.Namespace) -> Scenario:
    """The scenario with the command line's size and seed options applied."""
    scenario = Scenario.load(args.scenario)
    overrides = {
        "market.customers": args.customers,
        "market.months": args.months,
        "market.seed": getattr(args, "seed", None) if args.command == "run" else None,
    }
    return scenario.with_overrides({k: v for k, v in overrides.items() if v is not None})


def _output_folder(path: Path) -> Path:
    if path.exists() and not path.is_dir():
        raise CRMError(f"--out: '{path}' exists and is not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CRMError(f"--out: cannot create folder '{path}' ({exc.strerror})") from None
    return path


def _compare(args: argparse.Namespace) -> int:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot
    from tqdm.auto import tqdm

    from sim import plots
    from sim.compare import compare_runs, load_variants, replication_seeds, summarise_comparison

    scenario = _sized(args)
    variants = load_variants(args.variants)
    replication_seeds(args.seed, args.replications)  # a bad count fails before any run
    for name, overrides in variants.items():
        try:
            scenario.with_overrides(overrides)
        except CRMError as exc:
            raise CRMError(f"variant '{name}': {exc}") from None
    bar = tqdm(
        total=len(variants) * args.replications, unit="run", desc="compare", disable=args.quiet
    )
    runs = compare_runs(
        scenario,
        variants,
        replications=args.replications,
        rng=args.seed,
        progress=lambda name, replication: bar.update(1),
        engine=args.engine,
    )
    bar.close()
    summary = summarise_comparison(runs)
    folder = _output_folder(args.out / f"{scenario.name}-compare")
    runs.to_csv(folder / "runs.csv", index=False)
    summary.to_csv(folder / "comparison.csv", index=False)
    figure = plots.comparison(summary)
    figure.savefig(folder / "comparison.png", dpi=110)
    pyplot.close(figure)
    print(
        f"\n{scenario.name}: {len(variants)} variants x {args.replications} replications "
        f"(master seed {args.seed}); reference variant: {next(iter(variants))}"
    )
    _print_summary(summary)
    print(f"\nWritten to {folder}/: runs.csv, comparison.csv, comparison.png")
    return 0


def _print_summary(summary: "pd.DataFrame") -> None:
    """The headline metrics of a comparison or sweep summary, as a table."""
    shown = summary[summary["metric"].isin(["churn_rate", "revenue", "profit", "customer_equity"])]
    print(
        shown[["variant", *shown.columns[shown.columns.get_loc("metric") :]]]
        .drop(columns="replications")
        .to_string(index=False, float_format=lambda v: f"{v:,.4f}" if abs(v) < 10 else f"{v:,.0f}")
    )


def _sweep(args: argparse.Namespace) -> int:
    from sim.experiments import MANIFEST, Experiment, run_experiment

    experiment = Experiment.load(args.experiment)
    if args.engine is not None:
        experiment = dataclasses.replace(experiment, engine=args.engine)
    folder = args.out / experiment.name
    try:
        result = run_experiment(
            experiment,
            folder,
            workers=args.workers,
            scheduler=args.scheduler,
            progress=not args.quiet,
        )
    except KeyboardInterrupt:
        kept = len(list((folder / "runs").glob("*.parquet")))
        print(
            f"\ncrm-sim: interrupted; {kept} finished runs are kept in {folder}/runs, "
            "the same command resumes",
            file=sys.stderr,
        )
        return 130  # the shell's code for Ctrl-C
    runs = len(experiment.runs())
    print(
        f"\n{experiment.name}: {len(experiment.variants)} variants x "
        f"{experiment.replications} replications (master seed {experiment.seed}, "
        f"{experiment.engine} engine); {result.executed} of {runs} runs computed now, "
        f"{runs - result.executed} found done; "
        f"reference variant: {next(iter(experiment.variants))}"
    )
    _print_summary(result.summary())
    print(
        f"\nWritten to {folder}/: {MANIFEST}, runs/*.parquet (one file per run), "
        "summary.parquet, summary.csv"
    )
    return 0


def _equivalence(args: argparse.Namespace) -> int:
    from sim.equivalence import compare_engines

    try:
        comparison = compare_engines(
            Scenario.load(args.scenario),
            replications=args.replications,
            seed=args.seed,
            months=args.months,
            reference={"engine": args.reference},
            candidate={"engine": args.candidate},
            customers=args.customers,
            workers=args.workers,
            alpha=args.alpha,
            candidate_seed=args.candidate_seed,
        )
    except ImportError as exc:
        raise CRMError(f"an engine cannot be loaded ({exc})") from None
    print(comparison.summary())
    return 0 if comparison.agree else 1


def _run(args: argparse.Namespace) -> int:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    from sim import plots
    from sim.compare import check_engine
    from sim.model import Market

    scenario = _sized(args)
    check_engine(args.engine)  # before anything is written
    folder = _output_folder(args.out / scenario.name)
    database = folder / ("crm.duckdb" if args.backend == "duckdb" else "crm_parquet")
    market = Market(scenario, database=database, backend=args.backend, engine=args.engine)
    try:
        market.run_for(scenario.market.months, progress=not args.quiet)
    except BaseException:
        market.warehouse.discard()
        raise
    market.warehouse.close()
    kpis = market.kpis()
    kpis.to_csv(folder / "kpis.csv", index=False)
    market.firm_kpis().to_csv(folder / "firm_kpis.csv", index=False)
    focal = scenario.focal_firm.replace("'", "''")  # a quote in a firm's name, for SQL
    figures = {
        "lifecycle_stages.png": plots.lifecycle_stages(kpis),
        "churn_by_reason.png": plots.churn_by_reason(kpis),
        "profit_and_equity.png": plots.profit_and_equity(kpis),
        "profit_by_tenure.png": plots.profit_by_tenure(
            market.sql(f"SELECT * FROM customer_months WHERE firm = '{focal}'")
        ),
    }
    for name, figure in figures.items():
        figure.savefig(folder / name, dpi=110)
        pyplot.close(figure)
    if args.backend == "duckdb":
        market.warehouse.connection.close()  # release the file (main() may run in a kernel)
    yearly = kpis[(kpis["month"] % 12 == 0) | (kpis["month"] == kpis["month"].max())]
    print(
        f"\n{scenario.name}: {scenario.market.customers} customers, "
        f"{scenario.market.months} months, seed {market.seed}, {args.engine} engine; "
        f"KPIs of {scenario.focal_firm}"
    )
    print(
        yearly[SUMMARY_COLUMNS]
        .drop_duplicates("month")
        .to_string(index=False, float_format=lambda v: f"{v:,.3f}" if abs(v) < 10 else f"{v:,.0f}")
    )
    print(
        f"\nWritten to {folder}/: kpis.csv, firm_kpis.csv, {database.name}, " + ", ".join(figures)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
