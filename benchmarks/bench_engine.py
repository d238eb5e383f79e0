"""Speed and memory of the agent engine: customer-months per second and peak memory.

Each run happens in a fresh process, so the peak resident memory (``ru_maxrss``) belongs
to that run alone. Prints the median of the repeats per size. Not a test: timings depend
on the machine, so they are reported, never asserted.

Usage: python benchmarks/bench_engine.py [--sizes 1000 10000] [--months 60] [--repeats 3]
"""

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time


def one_run(customers: int, months: int, seed: int) -> dict:
    """Build and run the baseline market once; time the months only (not the set-up)."""
    from sim.model import Market
    from sim.scenario import Scenario

    scenario = Scenario.load("baseline").with_overrides(
        {"market.customers": customers, "market.months": months}
    )
    started = time.perf_counter()
    market = Market(scenario, rng=seed)
    built = time.perf_counter()
    market.run()
    finished = time.perf_counter()
    return {
        "setup_s": built - started,
        "run_s": finished - built,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    """Run every size ``repeats`` times in fresh processes and print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000])
    parser.add_argument("--months", type=int, default=60)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--one", type=int, nargs=3, metavar=("CUSTOMERS", "MONTHS", "SEED"))
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one_run(*args.one)))
        return
    print(f"agent engine, baseline preset, {args.months} months, median of {args.repeats}")
    print(f"{'customers':>10} {'run s':>8} {'set-up s':>9} {'cust-months/s':>14} {'peak MB':>8}")
    for customers in args.sizes:
        runs = []
        for seed in range(args.repeats):
            command = [sys.executable, __file__, "--one", str(customers), str(args.months)]
            output = subprocess.run(
                [*command, str(seed)], check=True, capture_output=True, text=True
            ).stdout
            runs.append(json.loads(output))
        run_s = statistics.median(r["run_s"] for r in runs)
        setup_s = statistics.median(r["setup_s"] for r in runs)
        peak = statistics.median(r["peak_mb"] for r in runs)
        rate = customers * args.months / run_s
        print(f"{customers:>10} {run_s:>8.2f} {setup_s:>9.2f} {rate:>14,.0f} {peak:>8.0f}")


if __name__ == "__main__":
    main()
