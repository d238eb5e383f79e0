"""How long the classroom dashboard takes to answer a click on Run.

Builds ``Dashboard("classroom")`` in a fresh process and clicks Run ``--repeats`` times
with the preset's defaults (2,000 customers), timing the whole answer (scenario,
simulation, CLV by tier, four figures) and its parts. The first click of a process is
reported apart: it pays for lazy imports and matplotlib's first drawing, which is what
a class sees once after the page loads. CPU seconds of the process are printed beside
wall seconds: on a shared machine the wall time includes waiting for a core, while the
CPU time is what an idle classroom laptop would take. Not a test: timings depend on the
machine.

Usage: python benchmarks/bench_dashboard.py [--preset classroom] [--months N] [--repeats 5]
"""

import argparse
import statistics
import time

from sim.widgets import Dashboard


def click(dashboard: Dashboard) -> dict[str, float]:
    """Click Run once; split the wall time into simulation+tables and figures."""
    started, cpu = time.perf_counter(), time.process_time()
    dashboard.run_button.click()
    total = time.perf_counter() - started
    if dashboard.result is None:
        raise SystemExit(f"the run failed: {dashboard.status.value}")
    return {
        "total_s": total,
        "run_s": dashboard.result.seconds,
        "figures_s": total - dashboard.result.seconds,
        "cpu_s": time.process_time() - cpu,
    }


def main() -> None:
    """Click Run repeatedly and print the first click and the median of the others."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="classroom")
    parser.add_argument("--months", type=int, help="move the Months slider (default: preset)")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    dashboard = Dashboard(args.preset)
    if args.months:
        dashboard.months.value = args.months
    market = dashboard.scenario().market
    clicks = [click(dashboard) for _ in range(args.repeats + 1)]
    first, rest = clicks[0], clicks[1:]
    keys = ("total_s", "run_s", "figures_s", "cpu_s")
    print(f"Dashboard({args.preset!r}): {market.customers:,} customers, {market.months} months")
    print(f"{'':>22} {'total s':>8} {'run s':>8} {'figures s':>10} {'CPU s':>8}")
    rows = {
        "first click": [first[k] for k in keys],
        f"median of {len(rest)} more": [statistics.median(c[k] for c in rest) for k in keys],
    }
    for name, (total, run, figures, cpu) in rows.items():
        print(f"{name:>22} {total:>8.2f} {run:>8.2f} {figures:>10.2f} {cpu:>8.2f}")


if __name__ == "__main__":
    main()
