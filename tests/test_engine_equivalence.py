"""The vectorized engine gives the agent engine's KPI distributions, for every preset.

For the baseline and every preset: 30 replications per engine over the same seeds
(each replication's population and month-0 state shared), Anderson-Darling permutation
tests on churn rate, revenue, profit and stage shares at months 12/36/60 (or the
preset's last month), Holm-corrected at 5% (``sim.equivalence``). Reduced size so the
file stays within CI's budget; tests/test_equivalence.py shows the check catching a
changed rule at this size and replication count.
"""

import pytest

from sim.equivalence import compare_engines
from sim.scenario import preset_names

#: Customers per market: 30 x 2 runs of every preset in a few minutes on 2 cores.
CUSTOMERS = 500
REPLICATIONS = 30
SCENARIOS = list(dict.fromkeys(["baseline", *preset_names()]))


@pytest.mark.slow
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_vectorized_engine_agrees_with_the_agent_engine(scenario):
    comparison = compare_engines(
        scenario,
        replications=REPLICATIONS,
        customers=CUSTOMERS,
        reference={"engine": "agents"},
        candidate={"engine": "vectorized"},
    )
    assert comparison.agree, comparison.summary()
