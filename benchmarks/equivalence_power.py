"""Power and false-alarm rate of the engine-equivalence check, measured by simulation.

The check (``sim.equivalence``) compares two sides over 30 replications. Here both sides
are the agent engine; the candidate's monthly defection hazard is scaled by a factor
(1.0: no change, the false-alarm rate). Two designs bracket the real engine comparison:
"paired" (the candidate uses the reference's seeds: same population and, up to the
first decision the change flips, the same random stream, so more power than two engines
that share only the population) and "independent" (another master seed: nothing
shared, so less power than the engines). For each factor and design the share of master
seeds whose check disagrees is the power (or, at 1.0, the false-alarm rate), with the
metrics that disagree most often. Not a test: it takes minutes.

Usage: python benchmarks/equivalence_power.py [--customers 300] [--trials 8]
       [--paired 1.1 1.25 1.5] [--independent 1.0 1.25 1.5 2.0] [--workers 2]
"""

import argparse
import collections
import functools
import time

import pandas as pd

from sim.compare import replication_seeds
from sim.equivalence import MONTHS, _execute, agreement_table, checkpoint_months
from sim.rules.loyalty import defection_probability
from sim.scenario import Scenario


def scaled_hazard(*args: float, factor: float) -> float:
    """The default defection hazard times ``factor`` (clipped to 1)."""
    return min(1.0, factor * defection_probability(*args))


def side_values(scenario, seeds, kwargs, months, workers, side) -> pd.DataFrame:
    """One side's tidy values (as ``EngineComparison.values``)."""
    tasks = [(side, r, s, kwargs) for r, s in enumerate(seeds)]
    results = _execute(scenario, tasks, months, workers)
    return pd.DataFrame(
        {
            "side": side,
            "engine": "agents",
            "replication": r,
            "seed": s,
            "month": month,
            "metric": metric,
            "value": value,
        }
        for (_, r, s, _), values in zip(tasks, results, strict=True)
        for (month, metric), value in values.items()
    )


def main() -> None:
    """Run every design x factor over ``trials`` master seeds; print the rejection rates."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="baseline")
    parser.add_argument("--customers", type=int, default=300)
    parser.add_argument("--replications", type=int, default=30)
    parser.add_argument("--trials", type=int, default=8)
    parser.add_argument("--paired", type=float, nargs="*", default=[1.1, 1.25, 1.5])
    parser.add_argument("--independent", type=float, nargs="*", default=[1.0, 1.25, 1.5, 2.0])
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    scenario = Scenario.load(args.scenario).with_overrides({"market.customers": args.customers})
    months = checkpoint_months(MONTHS, scenario.market.months)
    outcomes = collections.defaultdict(list)
    started = time.perf_counter()
    for trial in range(args.trials):
        seeds = replication_seeds(trial, args.replications)
        reference = side_values(scenario, seeds, {}, months, args.workers, "reference")
        other = replication_seeds(10_000 + trial, args.replications)
        designs = [("paired", f, seeds) for f in args.paired]
        designs += [("independent", f, other) for f in args.independent]
        for design, factor, candidate_seeds in designs:
            rule = {"defection_rule": functools.partial(scaled_hazard, factor=factor)}
            candidate = side_values(
                scenario, candidate_seeds, rule, months, args.workers, "candidate"
            )
            table = agreement_table(pd.concat([reference, candidate]), seed=trial)
            failing = table[~table["agree"]]
            outcomes[design, factor].append(
                [
                    f"{m}@{month}"
                    for m, month in zip(failing["metric"], failing["month"], strict=True)
                ]
            )
        print(f"trial {trial + 1}/{args.trials} done, {time.perf_counter() - started:.0f} s")
    print(
        f"\n{args.scenario}, {args.customers} customers, {args.replications} replications, "
        f"{args.trials} master seeds, Holm alpha 0.05"
    )
    print("| design | hazard x | disagree (share of trials) | metrics failing most often |")
    print("|---|---|---|---|")
    for (design, factor), runs in outcomes.items():
        share = sum(bool(r) for r in runs) / len(runs)
        common = collections.Counter(m for r in runs for m in r).most_common(3)
        text = ", ".join(f"{m} ({n})" for m, n in common) or "-"
        print(
            f"| {design} | {factor} | {share:.2f} ({sum(map(bool, runs))}/{len(runs)}) | {text} |"
        )


if __name__ == "__main__":
    main()
