"""The vectorized engine gives the agent engine's KPI distributions, preset by preset.

For the baseline and every preset: 30 replications per engine over the same seeds
(each replication's population and month-0 state shared), Anderson-Darling permutation
tests on churn rate, revenue, profit and stage shares at months 12/36/60 (or the
preset's last month), Holm-corrected at 5% (``sim.equivalence``). Reduced size so the
file stays within CI's budget; tests/test_equivalence.py shows the check catching a
changed rule at this size and replication count.

One preset does not agree yet, and that is tested too, so it cannot be forgotten:
``credit_card`` shows more customers in formation at month 12 under the vectorized
engine (+1.8 points of the market at master seed 0, Holm-adjusted p = 0.037; also at
seed 2, p = 0.007; seeds 1 and 3 pass). The cause is open (issue 6). When it is fixed,
``test_the_known_disagreement_is_still_there`` fails: move the preset back.
"""

import pytest

from sim.equivalence import compare_engines
from sim.scenario import preset_names

#: Customers per market: 30 x 2 runs of every preset in a few minutes on 2 cores.
CUSTOMERS = 500
REPLICATIONS = 30
#: Presets whose engines do not agree yet, with what differs.
OPEN_DISAGREEMENTS = {"credit_card": "share_formation"}
SCENARIOS = [
    name for name in dict.fromkeys(["baseline", *preset_names()]) if name not in OPEN_DISAGREEMENTS
]


def engines(scenario: str):
    return compare_engines(
        scenario,
        replications=REPLICATIONS,
        customers=CUSTOMERS,
        reference={"engine": "agents"},
        candidate={"engine": "vectorized"},
    )


@pytest.mark.slow
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_vectorized_engine_agrees_with_the_agent_engine(scenario):
    comparison = engines(scenario)
    assert comparison.agree, comparison.summary()


@pytest.mark.slow
@pytest.mark.parametrize("scenario", sorted(OPEN_DISAGREEMENTS))
def test_the_known_disagreement_is_still_there(scenario):
    """Only the recorded metric disagrees; if nothing does, the preset is fixed."""
    comparison = engines(scenario)
    failing = set(comparison.failures()["metric"])
    assert failing == {OPEN_DISAGREEMENTS[scenario]}, comparison.summary()
