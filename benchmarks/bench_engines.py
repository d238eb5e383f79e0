"""Agent engine vs vectorized engine: customer-months per second and peak memory.

Each measurement runs in a fresh process, so its peak resident memory (``ru_maxrss``,
what the 2 GB target means) belongs to that run alone. Build time (population, network,
month-0 state) and run time (the months, and finishing the database) are reported
apart; customer-months per second = customers x months / run time. Each size runs
without a database (``backend="none"``, KPIs only) and with every event streamed to
Parquet files in a temporary folder, whose size on disk is reported. Medians of
``--repeats`` (one run at ``--big`` customers and more). An engine that cannot run
(not installed yet, out of memory, over ``--timeout``) is reported as such and the
rest goes on. Prints Markdown tables: the measurements, the ratio vectorized/agents
per size, and the issue's targets. Not a test: timings depend on the machine.

Targets (the issue): vectorized >= 5 million customer-months/s at 100k customers and
>= 30x the agent engine; 1M customers x 120 months within 2 GB.

Usage: python benchmarks/bench_engines.py [--engines agents vectorized]
       [--sizes 1000 10000 100000 1000000] [--months 60] [--agent-max 100000]
       [--backends none parquet] [--repeats 3] [--big 100000] [--timeout SECONDS]
       [--no-memory-target]
"""

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: The issue's targets.
TARGET_RATE = 5_000_000
TARGET_RATIO = 30.0
TARGET_MEMORY_MB = 2048
MEMORY_CUSTOMERS, MEMORY_MONTHS = 1_000_000, 120


def one_run(engine: str, customers: int, months: int, seed: int, backend: str, scenario: str):
    """Build and run one market; times, peak RSS and (Parquet) bytes on disk."""
    from sim.model import Market
    from sim.scenario import Scenario

    settings = Scenario.load(scenario).with_overrides(
        {"market.customers": customers, "market.months": months}
    )
    with tempfile.TemporaryDirectory(prefix="bench-engines-") as folder:
        database = Path(folder) / "crm_parquet" if backend == "parquet" else None
        started = time.perf_counter()
        market = Market(settings, rng=seed, engine=engine, backend=backend, database=database)
        built = time.perf_counter()
        market.run()
        finished = time.perf_counter()
        disk = sum(f.stat().st_size for f in Path(folder).rglob("*") if f.is_file())
    return {
        "build_s": built - started,
        "run_s": finished - built,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "disk_mb": disk / 2**20,
    }


def measure(args, engine: str, customers: int, months: int, backend: str) -> dict:
    """Median of the repeats, each in a fresh process; ``error`` if a run failed."""
    repeats = 1 if customers >= args.big else args.repeats
    runs = []
    for seed in range(repeats):
        command = [sys.executable, __file__, "--one", engine, str(customers), str(months)]
        command += [str(seed), backend, args.scenario]
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=args.timeout, check=False
            )
        except subprocess.TimeoutExpired:
            return {"error": f"over {args.timeout:.0f} s"}
        if done.returncode != 0:
            lines = done.stderr.strip().splitlines() or [f"exit code {done.returncode}"]
            return {"error": lines[-1][:70]}
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    result = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
    result["rate"] = customers * months / result["run_s"]
    result["repeats"] = repeats
    return result


def main() -> None:
    """Measure every engine x size x backend; print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", nargs="+", default=["agents", "vectorized"])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000, 1_000_000])
    parser.add_argument("--months", type=int, default=60)
    parser.add_argument("--agent-max", type=int, default=100_000, help="largest agent market")
    parser.add_argument("--backends", nargs="+", default=["none", "parquet"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--big", type=int, default=100_000, help="one repeat from this size")
    parser.add_argument("--timeout", type=float, help="seconds per run before giving up")
    parser.add_argument("--scenario", default="baseline")
    parser.add_argument("--no-memory-target", action="store_true", help="skip 1M x 120 months")
    parser.add_argument("--one", nargs=6, metavar=("ENGINE", "N", "MONTHS", "SEED", "BACKEND", "S"))
    args = parser.parse_args()
    if args.one:
        engine, customers, months, seed, backend, scenario = args.one
        print(
            json.dumps(one_run(engine, int(customers), int(months), int(seed), backend, scenario))
        )
        return
    results = {}
    for customers in args.sizes:
        for engine in args.engines:
            if engine == "agents" and customers > args.agent_max:
                continue
            for backend in args.backends:
                print(f"... {engine} {customers:,} x {args.months} {backend}", file=sys.stderr)
                results[engine, customers, backend] = measure(
                    args, engine, customers, args.months, backend
                )
    print(f"\n{args.scenario} preset, {args.months} months; medians of {args.repeats} runs")
    print(f"(1 run from {args.big:,} customers), each in a fresh process\n")
    print(
        "| engine | backend | customers | build s | run s | customer-months/s | peak MB | disk MB |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for (engine, customers, backend), r in results.items():
        if "error" in r:
            print(f"| {engine} | {backend} | {customers:,} | n/a: {r['error']} | | | | |")
            continue
        disk = f"{r['disk_mb']:,.1f}" if backend == "parquet" else "-"
        print(
            f"| {engine} | {backend} | {customers:,} | {r['build_s']:.2f} | {r['run_s']:.2f} "
            f"| {r['rate']:,.0f} | {r['peak_mb']:,.0f} | {disk} |"
        )
    ratios = []
    for (engine, customers, backend), r in results.items():
        agents = results.get(("agents", customers, backend), {})
        if engine == "vectorized" and "rate" in r and "rate" in agents:
            ratios.append((customers, backend, r["rate"] / agents["rate"]))
    if ratios:
        print("\n| customers | backend | vectorized / agents (customer-months/s) |")
        print("|---:|---|---:|")
        for customers, backend, ratio in ratios:
            print(f"| {customers:,} | {backend} | {ratio:,.1f}x |")
    if "vectorized" in args.engines:
        targets(args, results)


def targets(args, results: dict) -> None:
    """The issue's three targets, met or not (or not measured)."""
    print("\n| target | measured | met |")
    print("|---|---:|---|")
    vectorized = results.get(("vectorized", 100_000, "none"), {})
    agents = results.get(("agents", 100_000, "none"), {})
    if "rate" not in vectorized:
        print("| >= 5M customer-months/s, >= 30x agents at 100k | not measured | - |")
    else:
        rate = vectorized["rate"]
        print(f"| >= 5M customer-months/s at 100k | {rate:,.0f} | {rate >= TARGET_RATE} |")
        if "rate" in agents:
            ratio = rate / agents["rate"]
            print(f"| >= 30x the agent engine at 100k | {ratio:.1f}x | {ratio >= TARGET_RATIO} |")
    if args.no_memory_target:
        return
    print(f"... vectorized {MEMORY_CUSTOMERS:,} x {MEMORY_MONTHS} none", file=sys.stderr)
    big = measure(args, "vectorized", MEMORY_CUSTOMERS, MEMORY_MONTHS, "none")
    if "error" in big:
        print(f"| 1M x 120 months within 2 GB | n/a: {big['error']} | - |")
    else:
        peak = big["peak_mb"]
        print(f"| 1M x 120 months within 2 GB | {peak:,.0f} MB | {peak <= TARGET_MEMORY_MB} |")


if __name__ == "__main__":
    main()
