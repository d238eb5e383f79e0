"""Speed-up of a sweep over worker processes: wall time with 1 and with 2 workers.

Each timing runs in a fresh process on a fresh folder and covers ``run_experiment`` as
a whole: starting the pool's workers, the runs, writing the run files and the summary.
With one worker the runs happen in the calling process; with more, in a process pool
whose workers are forked by a forkserver. The forkserver imports the model once per
session (seconds); a warm-up sweep of one tiny run per worker pays that first, and its
time is printed apart as "start-up". Prints the median of the repeats and the speed-up.
Not a test: timings depend on the machine (and on what else runs on it: the load
average is printed), so they are reported, never asserted.

Usage: python benchmarks/bench_sweep.py [--customers 1000] [--months 24]
       [--replications 4] [--workers 1 2] [--repeats 3]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

#: The swept parameter: three prices for the focal firm.
PRICES = [18.0, 20.0, 22.0]


def one_sweep(customers: int, months: int, replications: int, workers: int) -> dict:
    """Warm up, then run the sweep once; wall times of both ``run_experiment`` calls."""
    from sim.experiments import Experiment, run_experiment
    from sim.scenario import Scenario

    scenario = Scenario.load("baseline").with_overrides(
        {"market.customers": customers, "market.months": months}
    )
    tiny = scenario.with_overrides({"market.customers": 20, "market.months": 1})
    times = {}
    for name, base, count in (("start_s", tiny, workers), ("sweep_s", scenario, replications)):
        experiment = Experiment.from_grid(
            base, {"firms.Focal.price": PRICES}, replications=max(count, 2), seed=1
        )
        with tempfile.TemporaryDirectory() as folder:
            started = time.perf_counter()
            run_experiment(experiment, Path(folder) / "sweep", workers=workers)
            times[name] = time.perf_counter() - started
    return times


def busy(loops: int) -> float:
    """Pure-Python arithmetic: what one core gives, with nothing shared between workers."""
    total = 0
    for i in range(loops):
        total += i * i
    return float(total)


def core_speed_up(workers: int, loops: int = 10_000_000) -> float:
    """Speed-up of ``workers`` busy processes over one: how many cores are free right now."""
    started = time.perf_counter()
    for _ in range(workers):
        busy(loops)
    alone = time.perf_counter() - started
    with ProcessPoolExecutor(workers) as pool:
        started = time.perf_counter()
        list(pool.map(busy, [loops] * workers))
        return alone / (time.perf_counter() - started)


def main() -> None:
    """Time the sweep ``repeats`` times per worker count in fresh processes; print medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--replications", type=int, default=4)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--one", type=int, metavar="WORKERS")
    args = parser.parse_args()
    size = (args.customers, args.months, args.replications)
    if args.one:
        print(json.dumps(one_sweep(*size, workers=args.one)))
        return
    runs = len(PRICES) * args.replications
    print(
        f"sweep: baseline, {args.customers} customers, {args.months} months, "
        f"{len(PRICES)} variants x {args.replications} replications = {runs} runs; "
        f"median of {args.repeats}"
    )
    # Other programs on the machine take cores from the pool: say how busy it was, and
    # what speed-up a task with no overhead at all gets right now (the ceiling).
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    for workers in args.workers[1:]:
        print(f"busy-loop speed-up with {workers} processes: {core_speed_up(workers):.2f}x")
    print(f"{'workers':>8} {'start-up s':>11} {'sweep s':>8} {'all sweeps s':>24} {'speed-up':>9}")
    # Repeats alternate between the worker counts, so a burst of load elsewhere on the
    # machine falls on both rather than on one of them.
    times: dict[int, list[dict]] = {workers: [] for workers in args.workers}
    for _ in range(args.repeats):
        for workers in args.workers:
            command = [sys.executable, __file__, "--one", str(workers)]
            command += ["--customers", str(args.customers), "--months", str(args.months)]
            command += ["--replications", str(args.replications)]
            output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
            times[workers].append(json.loads(output))
    reference = statistics.median(t["sweep_s"] for t in times[args.workers[0]])
    for workers, seen in times.items():
        start = statistics.median(t["start_s"] for t in seen)
        median = statistics.median(t["sweep_s"] for t in seen)
        shown = " ".join(f"{t['sweep_s']:.2f}" for t in seen)
        print(f"{workers:>8} {start:>11.2f} {median:>8.2f} {shown:>24} {reference / median:>8.2f}x")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
