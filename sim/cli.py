"""Command line: ``crm-sim run baseline`` and friends.

Bad input (an unknown preset, a malformed scenario, an impossible option) prints one
clear error and exits with code 2, before anything is written.
"""

import argparse
import sys
import textwrap
from pathlib import Path

from sim.errors import CRMError
from sim.scenario import Scenario, preset_names

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
    run.add_argument("--quiet", action="store_true", help="no progress bar")
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
        return _run(args)
    except CRMError as exc:
        print(f"crm-sim: error: {exc}", file=sys.stderr)
        return 2


def _print_info(scenario: Scenario) -> None:
    print(f"{scenario.name}: {scenario.title}")
    for field, text in scenario.info.model_dump().items():
        if text.strip():
            print(f"\n## {field.replace('_', ' ').capitalize()}")
            print(textwrap.fill(" ".join(text.split()), width=88))


def _run(args: argparse.Namespace) -> int:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    from sim import plots
    from sim.model import Market

    scenario = Scenario.load(args.scenario)
    overrides = {
        "market.customers": args.customers,
        "market.months": args.months,
        "market.seed": args.seed,
    }
    scenario = scenario.with_overrides({k: v for k, v in overrides.items() if v is not None})
    folder = args.out / scenario.name
    if folder.exists() and not folder.is_dir():
        raise CRMError(f"--out: '{folder}' exists and is not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CRMError(f"--out: cannot create folder '{folder}' ({exc.strerror})") from None
    database = folder / ("crm.duckdb" if args.backend == "duckdb" else "crm_parquet")
    market = Market(scenario, database=database, backend=args.backend)
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
        f"{scenario.market.months} months, seed {market.seed}; KPIs of {scenario.focal_firm}"
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
