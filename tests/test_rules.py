"""The decision rules: the same numbers for a float and an array, and textbook behaviour."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.rules import (
    choice,
    diffusion,
    fairness,
    loyalty,
    offers,
    ops,
    relationship,
    satisfaction,
    service,
    switching,
    value,
    word_of_mouth,
)
from sim.rules.relationship import Stage
from sim.rules.switching import KEAVENEY_SHARES, REASONS, ChurnReason

# ---------------------------------------------------------------------------- parity
# Each rule: the function, its per-customer arguments with their valid ranges (a float or
# an array), and its parameters (always plain values, the same for every customer).
LIFECYCLE = {
    "formation_purchases": 2,
    "formation_strength": 0.45,
    "stability_strength": 0.65,
    "stability_tenure": 12,
    "decline_strength": 0.40,
    "decline_recency": 4,
}
RULES = {
    "adoption_probability": (
        diffusion.adoption_probability,
        {"innovation": (0.0, 0.5), "imitation": (0.0, 1.0), "adopter_share": (0.0, 1.0)},
        {},
    ),
    "total_customer_value": (
        lambda weights, **kw: value.total_customer_value(weights=(weights, 0.3, 0.2, 0.1), **kw),
        {
            "product": (0.0, 1.0),
            "service": (0.0, 1.0),
            "personnel": (0.0, 1.0),
            "image": (0.0, 1.0),
            "weights": (0.0, 0.4),
        },
        {},
    ),
    "total_customer_cost": (
        value.total_customer_cost,
        {
            "price": (1.0, 100.0),
            "reference_price": (1.0, 100.0),
            "price_weight": (0.0, 4.0),
            "convenience": (0.0, 1.0),
            "time_weight": (0.0, 1.0),
            "switching_cost": (0.0, 0.5),
        },
        {},
    ),
    "perceived_value": (
        value.perceived_value,
        {"value": (0.0, 1.0), "cost": (-1.0, 3.0), "inertia": (0.0, 0.5)},
        {},
    ),
    "purchase_satisfaction": (
        satisfaction.purchase_satisfaction,
        {"performance": (0.0, 1.0), "expectation": (0.0, 1.0)},
        {"disconfirmation_weight": 1.3},
    ),
    "cumulative_satisfaction": (
        satisfaction.cumulative_satisfaction,
        {"previous": (1.0, 5.0), "latest": (1.0, 5.0)},
        {"memory": 0.6},
    ),
    "adapted_expectation": (
        satisfaction.adapted_expectation,
        {"expectation": (0.0, 1.0), "performance": (0.0, 1.0)},
        {"adaptation": 0.3},
    ),
    "failure_probability": (
        service.failure_probability,
        {"failure_rate": (0.0, 1.0), "service_level": (0.0, 1.0)},
        {},
    ),
    "performance_after_failure": (
        service.performance_after_failure,
        {
            "performance": (0.0, 1.0),
            "severity": (0.0, 1.0),
            "complained": "bool",
            "recovered": "bool",
        },
        {"recovery_bonus": 0.05},
    ),
    "satisfaction_loyalty_multiplier": (
        loyalty.satisfaction_loyalty_multiplier,
        {"satisfaction": (0.0, 6.0)},
        {},
    ),
    "defection_probability": (
        loyalty.defection_probability,
        {"satisfaction": (1.0, 5.0), "bonds": (0.0, 1.0), "commitment": (0.0, 1.0)},
        {"base_rate": 0.3, "commitment_protection": 0.5},
    ),
    "updated_strength": (
        relationship.updated_strength,
        {"strength": (0.0, 1.0), "satisfaction": (1.0, 5.0)},
        {"learning_rate": 0.15},
    ),
    "next_stage": (
        relationship.next_stage,
        {
            "stage": ("int", 0, 5),
            "strength": (0.0, 1.0),
            "purchases": ("int", 0, 5),
            "tenure": ("int", 0, 24),
            "months_since_purchase": ("int", 0, 8),
        },
        LIFECYCLE,
    ),
    "referral_probability": (
        word_of_mouth.referral_probability,
        {"satisfaction": (1.0, 5.0), "propensity": (0.0, 1.0)},
        {},
    ),
    "warning_probability": (
        word_of_mouth.warning_probability,
        {"satisfaction": (1.0, 5.0), "propensity": (0.0, 1.0)},
        {},
    ),
    "image_after_warnings": (
        word_of_mouth.image_after_warnings,
        {"image": (0.0, 1.0), "warnings": (0.0, 30.0)},
        {"impact": 0.05},
    ),
    "faded": (switching.faded, {"memory": (0.0, 10.0)}, {"decay": 0.8}),
    "pricing_grievance": (
        switching.pricing_grievance,
        {"price_paid": (1.0, 60.0), "reference_price": (1.0, 60.0), "price_weight": (0.0, 4.0)},
        {},
    ),
    "inconvenience_grievance": (
        switching.inconvenience_grievance,
        {"convenience": (0.0, 1.0), "time_weight": (0.0, 1.0)},
        {},
    ),
    "competition_grievance": (
        switching.competition_grievance,
        {"best_rival_value": (-1.0, 1.0), "supplier_value": (-1.0, 1.0)},
        {},
    ),
    "offer_acceptance": (
        offers.offer_acceptance,
        {"offer_value": (-2.0, 2.0), "trust": (0.0, 1.0)},
        {"hurdle": 0.62, "trust_weight": 1.3, "scale": 6.0},
    ),
    "price_unfairness": (
        fairness.price_unfairness,
        {"own_price": (1.0, 60.0), "other_price": (1.0, 60.0), "price_weight": (0.0, 4.0)},
        {},
    ),
    "ops.where": (ops.where, {"condition": "bool", "if_true": (-5, 5), "if_false": (-5, 5)}, {}),
    "ops.clip": (ops.clip, {"x": (-2.0, 3.0)}, {"low": 0.0, "high": 1.0}),
    "ops.minimum": (ops.minimum, {"a": (-5.0, 5.0), "b": (-5.0, 5.0)}, {}),
    "ops.maximum": (ops.maximum, {"a": (-5.0, 5.0), "b": (-5.0, 5.0)}, {}),
    "ops.exp": (ops.exp, {"x": (-50.0, 50.0)}, {}),
    "ops.power": (ops.power, {"base": (0.01, 3.0), "exponent": (-3.0, 3.0)}, {}),
    "ops.interp": (
        ops.interp,
        {"x": (-1.0, 7.0)},
        {"knots": (0.0, 1.0, 2.5, 6.0), "values": (3.0, -1.0, 2.0, 2.0)},
    ),
}


def _column(data: st.DataObject, spec, n: int) -> np.ndarray:
    if spec == "bool":
        return np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    if spec[0] == "int":
        ints = st.integers(spec[1], spec[2])
        return np.array(data.draw(st.lists(ints, min_size=n, max_size=n)), dtype=np.int64)
    floats = st.floats(spec[0], spec[1], allow_nan=False, allow_infinity=False)
    return np.array(data.draw(st.lists(floats, min_size=n, max_size=n)), dtype=float)


def _plain(x):
    """A NumPy element as the Python number the agent engine would pass."""
    return x.item()


@pytest.mark.parametrize("name", list(RULES))
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_rule_gives_the_same_numbers_for_floats_and_arrays(name, data):
    rule, per_customer, parameters = RULES[name]
    n = data.draw(st.integers(1, 6), label="customers")
    columns = {arg: _column(data, spec, n) for arg, spec in per_customer.items()}
    # The vectorized engine passes arrays for some arguments and plain numbers for others
    # (a firm's attribute is one number for all customers): any mix must broadcast.
    as_array = data.draw(
        st.lists(st.booleans(), min_size=len(columns), max_size=len(columns)).filter(any),
        label="as array",
    )
    vector_args = {
        arg: col if array else _plain(col[0])
        for (arg, col), array in zip(columns.items(), as_array, strict=True)
    }

    one_by_one = []
    for i in range(n):
        scalar_args = {
            arg: _plain(col[i] if array else col[0])
            for (arg, col), array in zip(columns.items(), as_array, strict=True)
        }
        result = rule(**scalar_args, **parameters)
        assert not isinstance(result, np.ndarray), "the agent engine path must stay scalar"
        one_by_one.append(result)

    vectorized = rule(**vector_args, **parameters)
    if all(as_array):
        assert isinstance(vectorized, np.ndarray)
        assert np.shape(vectorized) == (n,)
    # With some arguments plain numbers, a rule may return a plain number where every
    # customer gets the same value (ops.where's scalar shortcut): compare broadcast values.
    got = np.broadcast_to(np.asarray(vectorized, dtype=float), (n,))
    np.testing.assert_allclose(got, np.array(one_by_one, dtype=float), rtol=1e-12, atol=0)


@settings(max_examples=40, deadline=None)
@given(
    utilities=st.lists(
        st.lists(st.floats(-3.0, 3.0), min_size=4, max_size=4), min_size=1, max_size=4
    ),
    scale=st.floats(0.0, 20.0),
)
def test_choice_probabilities_same_for_floats_and_arrays(utilities, scale):
    # utilities[firm][customer]; the last customer column is the no-purchase utility.
    table = np.array(utilities)
    firms, no_purchase = list(table[:, :3]), np.array([-0.4, 0.0, 0.5])
    vectorized = choice.choice_probabilities(firms, no_purchase, scale)
    assert len(vectorized) == len(firms) + 1
    for c in range(3):
        scalar = choice.choice_probabilities(
            [float(u[c]) for u in firms], float(no_purchase[c]), scale
        )
        assert all(isinstance(p, float) for p in scalar)
        np.testing.assert_allclose([p[c] for p in vectorized], scalar, rtol=1e-12)


def test_bass_recurrence_same_for_float_and_array_coefficients():
    p = np.array([0.01, 0.03, 0.1])
    q = np.array([0.2, 0.38, 0.0])
    together = diffusion.bass_recurrence(p, q, months=24)
    for k in range(3):
        alone = diffusion.bass_recurrence(float(p[k]), float(q[k]), months=24)
        np.testing.assert_allclose([f[k] for f in together[1:]], alone[1:], rtol=1e-12)


# ---------------------------------------------------------------------------- diffusion
def test_adoption_probability_is_p_without_adopters_and_rises_with_their_share():
    p, q = 0.03, 0.38
    assert diffusion.adoption_probability(p, q, 0.0) == pytest.approx(p)
    shares = np.linspace(0.0, 1.0, 11)
    chances = diffusion.adoption_probability(p, q, shares)
    assert np.all(np.diff(chances) > 0)
    assert chances[-1] == pytest.approx(p + q)
    # Without word of mouth, others' adoption does not matter.
    np.testing.assert_allclose(diffusion.adoption_probability(p, 0.0, shares), p)


def test_adoption_probability_is_a_probability():
    assert diffusion.adoption_probability(0.4, 0.9, 1.0) == 1.0
    assert np.all(diffusion.adoption_probability(0.5, 2.0, np.array([0.5, 1.0])) == 1.0)


def test_bass_recurrence_first_steps_by_hand():
    p, q = 0.03, 0.38
    shares = diffusion.bass_recurrence(p, q, months=2)
    f1 = p  # (p + q * 0) * (1 - 0)
    f2 = f1 + (p + q * f1) * (1 - f1)
    assert shares == pytest.approx([0.0, f1, f2])


def test_bass_recurrence_without_imitation_is_geometric():
    # q = 0: each month a share p of the remaining prospects adopts, F(t) = 1 - (1-p)^t.
    p = 0.05
    shares = diffusion.bass_recurrence(p, 0.0, months=40)
    expected = [1.0 - (1.0 - p) ** t for t in range(41)]
    np.testing.assert_allclose(shares, expected, rtol=1e-12)


def test_bass_recurrence_is_an_s_curve_below_one():
    p, q = 0.01, 0.4
    shares = np.array(diffusion.bass_recurrence(p, q, months=60, start=0.0))
    assert len(shares) == 61
    assert shares[0] == 0.0
    new_adopters = np.diff(shares)
    assert np.all(new_adopters > 0)  # monotone
    assert np.all(shares < 1.0)  # never everyone...
    assert shares[-1] > 0.99  # ...but nearly, in the end
    # S-shaped: adoptions per month rise to one peak and then fall (q > p).
    peak = int(np.argmax(new_adopters))
    assert 0 < peak < 59
    assert np.all(np.diff(new_adopters[: peak + 1]) > 0)
    assert np.all(np.diff(new_adopters[peak:]) < 0)


def _bass_closed_form(p: float, q: float, t: np.ndarray) -> np.ndarray:
    decay = np.exp(-(p + q) * t)
    return (1.0 - decay) / (1.0 + (q / p) * decay)


def test_bass_recurrence_approaches_the_closed_form_when_diffusion_is_slow():
    # The recurrence is the continuous Bass model stepped one month at a time (an Euler
    # step), so its gap to F(t) = (1 - e^-(p+q)t) / (1 + (q/p) e^-(p+q)t) shrinks in
    # proportion to (p + q) per month.
    gaps = []
    for scale in (1.0, 2.0, 4.0):
        p, q = 0.001 * scale, 0.05 * scale
        months = int(12 / (p + q))
        t = np.arange(months + 1)
        shares = np.array(diffusion.bass_recurrence(p, q, months))
        gaps.append(np.abs(shares - _bass_closed_form(p, q, t)).max())
        if scale == 1.0:
            peak = np.argmax(np.diff(shares)) + 1
            assert abs(peak - math.log(q / p) / (p + q)) < 0.05 * math.log(q / p) / (p + q)
    assert gaps[0] < 0.025
    assert gaps[0] < gaps[1] < gaps[2]
    assert gaps[1] / gaps[0] == pytest.approx(2.0, rel=0.25)


def test_bass_recurrence_starts_where_asked():
    shares = diffusion.bass_recurrence(0.02, 0.3, months=5, start=0.5)
    assert shares[0] == 0.5
    assert shares[1] == pytest.approx(0.5 + (0.02 + 0.3 * 0.5) * 0.5)


# ---------------------------------------------------------------------------- choice
def _logit_by_hand(utilities, no_purchase, scale):
    weights = [math.exp(scale * u) for u in [*utilities, no_purchase]]
    return [w / sum(weights) for w in weights]


def test_choice_probabilities_match_the_logit_formula():
    got = choice.choice_probabilities([0.3, 0.1, -0.2], -0.4, 6.0)
    assert got == pytest.approx(_logit_by_hand([0.3, 0.1, -0.2], -0.4, 6.0), rel=1e-12)
    assert sum(got) == pytest.approx(1.0)


def test_no_purchase_is_the_last_option():
    firms_bad = choice.choice_probabilities([-2.0, -2.0], 2.0, 3.0)
    assert firms_bad[-1] > 0.99
    firms_good = choice.choice_probabilities([2.0, -5.0], -2.0, 3.0)
    assert firms_good[0] > 0.99
    assert firms_good[-1] < 0.01


def test_higher_perceived_value_means_higher_choice_probability():
    low = choice.choice_probabilities([0.2, 0.2], -0.4, 5.0)
    high = choice.choice_probabilities([0.4, 0.2], -0.4, 5.0)
    assert low[0] == pytest.approx(low[1])
    assert high[0] > low[0]
    assert high[1] < low[1]
    assert high[2] < low[2]


def test_choice_scale_zero_is_uniform_and_large_scale_picks_the_best():
    assert choice.choice_probabilities([0.9, 0.1], -0.4, 0.0) == pytest.approx([1 / 3] * 3)
    sharp = choice.choice_probabilities([0.5, 0.4], -0.4, 500.0)
    assert sharp[0] == pytest.approx(1.0)


def test_choice_does_not_overflow_on_large_utilities():
    got = choice.choice_probabilities([1000.0, 999.0], 0.0, 100.0)
    assert all(math.isfinite(p) for p in got)
    assert sum(got) == pytest.approx(1.0)
    arrays = choice.choice_probabilities([np.array([800.0, 1.0])], np.array([0.0, 0.0]), 100.0)
    assert np.all(np.isfinite(arrays[0]))
    np.testing.assert_allclose(arrays[0] + arrays[1], 1.0)


def test_choice_odds_between_firms_ignore_the_no_purchase_option():
    # Independence of irrelevant alternatives: p1/p2 = exp(scale * (u1 - u2)).
    for no_purchase in (-2.0, 0.0, 1.0):
        p = choice.choice_probabilities([0.5, 0.2], no_purchase, 4.0)
        assert p[0] / p[1] == pytest.approx(math.exp(4.0 * 0.3))


@settings(max_examples=50, deadline=None)
@given(
    utilities=st.lists(st.floats(-5.0, 5.0), min_size=1, max_size=6),
    no_purchase=st.floats(-5.0, 5.0),
    scale=st.floats(0.0, 50.0),
)
def test_choice_probabilities_are_a_distribution(utilities, no_purchase, scale):
    p = choice.choice_probabilities(utilities, no_purchase, scale)
    assert len(p) == len(utilities) + 1
    assert all(0.0 <= x <= 1.0 for x in p)
    assert sum(p) == pytest.approx(1.0)


# ---------------------------------------------------------------------------- value
def test_total_customer_value_is_the_weighted_sum():
    weights = (0.4, 0.3, 0.2, 0.1)
    assert value.total_customer_value(1.0, 0.5, 0.0, 0.2, weights) == pytest.approx(
        0.4 * 1.0 + 0.3 * 0.5 + 0.0 + 0.1 * 0.2
    )
    # With weights summing to 1, equal components give that component.
    assert value.total_customer_value(0.7, 0.7, 0.7, 0.7, weights) == pytest.approx(0.7)


def test_total_customer_cost_counts_price_against_the_reference_price():
    at_reference = value.total_customer_cost(20.0, 20.0, 1.5, 1.0, 0.5, 0.0)
    assert at_reference == pytest.approx(0.0)
    ten_percent_above = value.total_customer_cost(22.0, 20.0, 1.5, 1.0, 0.5, 0.0)
    assert ten_percent_above == pytest.approx(0.1 * 1.5)
    below = value.total_customer_cost(18.0, 20.0, 1.5, 1.0, 0.5, 0.0)
    assert below == pytest.approx(-0.1 * 1.5)
    inconvenient = value.total_customer_cost(20.0, 20.0, 1.5, 0.4, 0.5, 0.1)
    assert inconvenient == pytest.approx(0.5 * 0.6 + 0.1)


def test_perceived_value_is_value_minus_cost_plus_inertia():
    assert value.perceived_value(0.6, 0.2) == pytest.approx(0.4)
    assert value.perceived_value(0.6, 0.2, inertia=0.15) == pytest.approx(0.55)


# ---------------------------------------------------------------------------- satisfaction
def test_performance_above_expectation_raises_satisfaction():
    performance = 0.6
    met = satisfaction.purchase_satisfaction(performance, 0.6, 1.0)
    exceeded = satisfaction.purchase_satisfaction(performance, 0.4, 1.0)
    disappointed = satisfaction.purchase_satisfaction(performance, 0.8, 1.0)
    assert disappointed < met < exceeded
    assert met == pytest.approx(1.0 + 4.0 * 0.6)


def test_meeting_a_high_expectation_satisfies_more_than_a_low_one():
    assert satisfaction.purchase_satisfaction(0.8, 0.8, 1.0) > (
        satisfaction.purchase_satisfaction(0.4, 0.4, 1.0)
    )


def test_disconfirmation_weight_zero_ignores_expectations():
    assert satisfaction.purchase_satisfaction(0.5, 0.1, 0.0) == pytest.approx(
        satisfaction.purchase_satisfaction(0.5, 0.9, 0.0)
    )


@given(
    performance=st.floats(0.0, 1.0),
    expectation=st.floats(0.0, 1.0),
    weight=st.floats(0.0, 5.0),
)
def test_purchase_satisfaction_stays_on_the_survey_scale(performance, expectation, weight):
    assert 1.0 <= satisfaction.purchase_satisfaction(performance, expectation, weight) <= 5.0


def test_cumulative_satisfaction_weighs_memory():
    assert satisfaction.cumulative_satisfaction(2.0, 5.0, 1.0) == 2.0
    assert satisfaction.cumulative_satisfaction(2.0, 5.0, 0.0) == 5.0
    assert satisfaction.cumulative_satisfaction(2.0, 5.0, 0.6) == pytest.approx(0.6 * 2 + 0.4 * 5)


def test_expectation_adapts_toward_experience():
    assert satisfaction.adapted_expectation(0.5, 0.9, 0.25) == pytest.approx(0.6)
    assert satisfaction.adapted_expectation(0.5, 0.1, 0.25) == pytest.approx(0.4)
    assert satisfaction.adapted_expectation(0.5, 0.9, 0.0) == 0.5
    assert satisfaction.adapted_expectation(0.5, 0.9, 1.0) == pytest.approx(0.9)


# ---------------------------------------------------------------------------- service
def test_full_service_halves_the_failure_rate():
    assert service.failure_probability(0.1, 0.0) == pytest.approx(0.1)
    assert service.failure_probability(0.1, 1.0) == pytest.approx(0.05)
    assert service.failure_probability(0.1, 0.5) == pytest.approx(0.075)


def test_failure_outcomes_rank_as_the_recovery_paradox_says():
    perf, severity, bonus = 0.7, 0.3, 0.05
    silent = service.performance_after_failure(perf, severity, False, False, bonus)
    complained_in_vain = service.performance_after_failure(perf, severity, True, False, bonus)
    recovered = service.performance_after_failure(perf, severity, True, True, bonus)
    assert silent == pytest.approx(perf - severity)
    assert complained_in_vain == pytest.approx(perf - 1.5 * severity)  # the second failure
    assert recovered == pytest.approx(perf + bonus)  # better than no failure at all
    assert complained_in_vain < silent < perf < recovered
    assert service.performance_after_failure(0.1, 0.9, True, False, bonus) == 0.0
    assert service.performance_after_failure(0.99, 0.2, True, True, bonus) == 1.0


def test_core_failures_outnumber_encounter_failures():
    assert service.CORE_FAILURE_SHARE == pytest.approx(0.443 / (0.443 + 0.341))
    assert 0.5 < service.CORE_FAILURE_SHARE < 1.0


# ---------------------------------------------------------------------------- loyalty
def test_satisfied_customer_has_the_base_hazard():
    assert loyalty.satisfaction_loyalty_multiplier(4.0) == pytest.approx(1.0)
    assert loyalty.defection_probability(4.0, 0.0, 0.0, 0.02, 0.5) == pytest.approx(0.02)


def test_defection_falls_as_satisfaction_rises():
    scores = np.linspace(1.0, 5.0, 41)
    hazard = loyalty.defection_probability(scores, 0.0, 0.0, 0.02, 0.5)
    assert np.all(np.diff(hazard) < 0)


def test_loyalty_curve_is_steepest_at_the_top():
    m = {s: loyalty.satisfaction_loyalty_multiplier(float(s)) for s in (1, 2, 3, 4, 5)}
    # Relative drop in the defection hazard per point of satisfaction: completely
    # satisfied (5) vs satisfied (4) dwarfs any step in the zone of indifference.
    top = m[4] / m[5]
    assert top > 2 * max(m[1] / m[2], m[2] / m[3], m[3] / m[4])
    # Jones & Sasser (Xerox): totally satisfied customers were about six times less likely
    # to defect over 18 months than satisfied ones.
    base = 0.02
    leave_4 = 1 - (1 - base * m[4]) ** 18
    leave_5 = 1 - (1 - base * m[5]) ** 18
    assert 4.5 < leave_4 / leave_5 < 7.5


def test_curve_is_flat_beyond_the_scale():
    assert loyalty.satisfaction_loyalty_multiplier(0.0) == loyalty.LOYALTY_MULTIPLIERS[0]
    assert loyalty.satisfaction_loyalty_multiplier(6.0) == loyalty.LOYALTY_MULTIPLIERS[-1]


def test_bonds_and_commitment_protect():
    base = loyalty.defection_probability(3.0, 0.0, 0.0, 0.05, 0.5)
    assert loyalty.defection_probability(3.0, 1.0, 0.0, 0.05, 0.5) == 0.0
    assert loyalty.defection_probability(3.0, 0.4, 0.0, 0.05, 0.5) == pytest.approx(0.6 * base)
    assert loyalty.defection_probability(3.0, 0.0, 1.0, 0.05, 0.5) == pytest.approx(0.5 * base)
    assert loyalty.defection_probability(3.0, 0.0, 0.5, 0.05, 0.8) == pytest.approx(0.6 * base)


def test_defection_probability_is_capped_at_one():
    assert loyalty.defection_probability(1.0, 0.0, 0.0, 0.5, 0.5) == 1.0


# ---------------------------------------------------------------------------- relationship
def test_stages_are_in_lifecycle_order_with_labels():
    assert [s.name for s in sorted(Stage)] == [
        "PROSPECT",
        "EXPLORATION",
        "FORMATION",
        "STABILITY",
        "DECLINE",
        "CHURNED",
    ]
    assert [int(s) for s in Stage] == list(range(6))
    assert Stage.STABILITY.label == "stability"
    assert [s.label for s in Stage] == [s.name.lower() for s in Stage]
    assert Stage(np.int64(3)) is Stage.STABILITY


def test_strength_moves_toward_what_satisfaction_justifies():
    assert relationship.updated_strength(0.5, 5.0, 1.0) == pytest.approx(1.0)
    assert relationship.updated_strength(0.5, 1.0, 1.0) == pytest.approx(0.0)
    assert relationship.updated_strength(0.5, 3.0, 0.3) == pytest.approx(0.5)
    assert relationship.updated_strength(0.2, 4.0, 0.5) == pytest.approx(0.2 + 0.5 * (0.75 - 0.2))


# (stage, strength, purchases, tenure, months_since_purchase) -> next stage, with the
# LIFECYCLE thresholds (formation: 2 purchases and 0.45; stability: 0.65 and 12 months;
# decline below 0.40 or 4 months without buying).
TRANSITIONS = [
    ((Stage.EXPLORATION, 0.50, 2, 3, 0), Stage.FORMATION),
    ((Stage.EXPLORATION, 0.50, 1, 3, 0), Stage.EXPLORATION),
    ((Stage.EXPLORATION, 0.42, 5, 3, 0), Stage.EXPLORATION),
    ((Stage.EXPLORATION, 0.39, 5, 3, 0), Stage.DECLINE),
    ((Stage.FORMATION, 0.70, 9, 12, 0), Stage.STABILITY),
    ((Stage.FORMATION, 0.70, 9, 11, 0), Stage.FORMATION),
    ((Stage.FORMATION, 0.60, 9, 20, 1), Stage.FORMATION),
    ((Stage.FORMATION, 0.70, 9, 20, 4), Stage.DECLINE),
    ((Stage.STABILITY, 0.90, 9, 30, 3), Stage.STABILITY),
    ((Stage.STABILITY, 0.30, 9, 30, 0), Stage.DECLINE),
    ((Stage.DECLINE, 0.50, 9, 30, 0), Stage.FORMATION),
    ((Stage.DECLINE, 0.42, 9, 30, 0), Stage.DECLINE),
    ((Stage.DECLINE, 0.80, 9, 30, 5), Stage.DECLINE),
    ((Stage.PROSPECT, 0.90, 9, 30, 0), Stage.PROSPECT),
    ((Stage.CHURNED, 0.90, 9, 30, 0), Stage.CHURNED),
]


@pytest.mark.parametrize(("state", "expected"), TRANSITIONS)
def test_next_stage(state, expected):
    assert relationship.next_stage(*state, **LIFECYCLE) == expected


def test_next_stage_on_arrays_matches_each_customer():
    columns = [np.array(c) for c in zip(*(state for state, _ in TRANSITIONS), strict=True)]
    got = relationship.next_stage(*columns, **LIFECYCLE)
    np.testing.assert_array_equal(got, [int(e) for _, e in TRANSITIONS])


# ---------------------------------------------------------------------------- word of mouth
def test_only_promoters_refer():
    threshold = word_of_mouth.PROMOTER_THRESHOLD
    assert word_of_mouth.referral_probability(threshold, 0.1) == 0.1
    assert word_of_mouth.referral_probability(threshold - 0.01, 0.1) == 0.0
    assert word_of_mouth.referral_probability(5.0, 0.1) == 0.1
    got = word_of_mouth.referral_probability(np.array([3.0, 4.5, 4.9]), 0.2)
    np.testing.assert_array_equal(got, [0.0, 0.2, 0.2])


def test_only_detractors_warn_and_they_talk_twice_as_much():
    threshold = word_of_mouth.DETRACTOR_THRESHOLD
    assert threshold < word_of_mouth.PROMOTER_THRESHOLD
    assert word_of_mouth.warning_probability(threshold, 0.1) == pytest.approx(0.2)
    assert word_of_mouth.warning_probability(threshold + 0.01, 0.1) == 0.0
    assert word_of_mouth.warning_probability(1.0, 0.7) == 1.0
    assert word_of_mouth.warning_probability(4.8, 0.1) == 0.0


def test_warnings_lower_the_image():
    assert word_of_mouth.image_after_warnings(0.6, 0, 0.05) == 0.6
    assert word_of_mouth.image_after_warnings(0.6, 2, 0.05) == pytest.approx(0.5)
    assert word_of_mouth.image_after_warnings(0.6, 100, 0.05) == 0.0


# ---------------------------------------------------------------------------- switching
def test_keaveney_shares_in_published_order():
    shares = [KEAVENEY_SHARES[r] for r in REASONS]
    assert REASONS[0] is ChurnReason.CORE_SERVICE_FAILURE
    assert set(KEAVENEY_SHARES) == set(ChurnReason)
    assert shares == sorted(shares, reverse=True)
    assert max(KEAVENEY_SHARES, key=KEAVENEY_SHARES.get) is ChurnReason.CORE_SERVICE_FAILURE
    assert all(0.0 < s < 1.0 for s in shares)


def test_keaveney_shares_normalise_to_a_distribution():
    # Respondents named several causes, so the raw shares add up to more than one; as
    # weights for one reason per churn they normalise to a distribution.
    total = sum(KEAVENEY_SHARES.values())
    assert total > 1.0
    weights = np.array([KEAVENEY_SHARES[r] for r in REASONS]) / total
    assert weights.sum() == pytest.approx(1.0)
    assert weights[0] == pytest.approx(0.443 / total)


def test_reason_values_are_the_database_labels():
    assert [r.value for r in REASONS] == [r.name.lower() for r in REASONS]
    assert ChurnReason("pricing") is ChurnReason.PRICING


def test_grievances():
    assert switching.faded(switching.faded(1.0, 0.8), 0.8) == pytest.approx(0.64)
    assert switching.pricing_grievance(20.0, 20.0, 1.5) == 0.0
    assert switching.pricing_grievance(18.0, 20.0, 1.5) == 0.0
    assert switching.pricing_grievance(22.0, 20.0, 1.5) == pytest.approx(0.15)
    assert switching.inconvenience_grievance(1.0, 0.8) == 0.0
    assert switching.inconvenience_grievance(0.25, 0.8) == pytest.approx(0.6)
    assert switching.competition_grievance(0.3, 0.5) == 0.0
    assert switching.competition_grievance(0.5, 0.3) == pytest.approx(0.2)


# ---------------------------------------------------------------------------- ops
def test_interp_hits_the_knots_and_is_flat_beyond():
    knots, values = (1.0, 2.0, 4.0), (10.0, 0.0, 4.0)
    for k, v in zip(knots, values, strict=True):
        assert ops.interp(k, knots, values) == v
    assert ops.interp(1.5, knots, values) == pytest.approx(5.0)
    assert ops.interp(3.0, knots, values) == pytest.approx(2.0)
    assert ops.interp(-5.0, knots, values) == 10.0
    assert ops.interp(9.0, knots, values) == 4.0


def test_where_with_a_scalar_condition_and_array_branches():
    np.testing.assert_array_equal(ops.where(True, np.array([1.0, 2.0]), 0.0), [1.0, 2.0])
    np.testing.assert_array_equal(ops.where(False, 5.0, np.array([1.0, 2.0])), [1.0, 2.0])
    assert ops.where(True, 3.0, 4.0) == 3.0
    assert ops.where(False, 3.0, 4.0) == 4.0


def test_scalar_ops_return_python_numbers():
    for result in (
        ops.clip(1.5, 0.0, 1.0),
        ops.minimum(1.0, 2.0),
        ops.maximum(1.0, 2.0),
        ops.exp(1.0),
        ops.power(2.0, 0.5),
        ops.interp(0.5, (0.0, 1.0), (0.0, 2.0)),
    ):
        assert type(result) is float


# ---------------------------------------------------------------------------- offers
def test_an_offer_at_the_hurdle_is_even_odds_for_a_stranger():
    assert offers.offer_acceptance(0.62, 0.0, 0.62, 1.3, 6.0) == pytest.approx(0.5)


def test_trust_and_value_each_raise_the_chance_of_a_yes():
    stranger = offers.offer_acceptance(0.5, 0.0, 0.62, 1.3, 6.0)
    trusted = offers.offer_acceptance(0.5, 0.8, 0.62, 1.3, 6.0)
    better = offers.offer_acceptance(0.6, 0.0, 0.62, 1.3, 6.0)
    assert stranger < trusted and stranger < better
    # the trust term is worth trust_weight * trust in log-odds
    log_odds = math.log(trusted / (1 - trusted)) - math.log(stranger / (1 - stranger))
    assert log_odds == pytest.approx(1.3 * 0.8)


def test_offer_acceptance_stays_a_probability_at_extremes():
    assert offers.offer_acceptance(1e6, 1.0, 0.0, 1.3, 6.0) == pytest.approx(1.0)
    assert offers.offer_acceptance(-1e6, 0.0, 0.0, 1.3, 6.0) == pytest.approx(0.0)


# ---------------------------------------------------------------------------- fairness
def test_paying_the_same_or_less_than_a_peer_feels_fair():
    assert fairness.price_unfairness(20.0, 20.0, 1.6) == 0.0
    assert fairness.price_unfairness(18.0, 20.0, 1.6) == 0.0


def test_unfairness_grows_with_the_gap_and_with_price_sensitivity():
    assert fairness.price_unfairness(20.0, 15.0, 1.0) == pytest.approx(0.25)
    assert fairness.price_unfairness(20.0, 15.0, 2.0) == pytest.approx(0.5)
    assert fairness.price_unfairness(20.0, 10.0, 1.0) == pytest.approx(0.5)
    assert fairness.price_unfairness(20.0, 10.0, 0.0) == 0.0  # zero elasticity: no reaction
