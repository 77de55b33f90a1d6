"""Bias flags, corrected roll-ups, plan health — and the model's invariants as properties."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quotaflow.smart.attainability import NO_PREDICTION, Prediction
from quotaflow.smart.bias import corrected_rollup, historical_ratio, submission_bias
from quotaflow.smart.evaluator import GoalFacts, HistoryFacts, MetricFacts, evaluate
from quotaflow.smart.health import HealthItem, plan_health

# About 1.0M a quarter (cents), ±20%.
TYPICAL = Prediction(
    mu=math.log(100_000_000), scale=0.2, df=10, p_zero=0.0, basis="own", periods_used=8
)


def test_a_low_submission_is_likely_sandbagging_and_corrected_to_the_median() -> None:
    verdict = submission_bias(70_000_000, TYPICAL)
    assert verdict.kind == "sandbagging"
    assert verdict.corrected == pytest.approx(TYPICAL.median)
    assert "Likely sandbagging" in verdict.reason


def test_a_high_submission_is_over_optimistic_and_an_ordinary_one_in_line() -> None:
    assert submission_bias(140_000_000, TYPICAL).kind == "over_optimistic"
    assert submission_bias(100_000_000, TYPICAL).kind == "in_line"


def test_the_track_record_corrects_the_submission_when_there_is_one() -> None:
    verdict = submission_bias(
        80_000_000, TYPICAL, past_submitted=[50, 80, 100], past_achieved=[60, 100, 130]
    )
    assert verdict.historical_ratio == pytest.approx(1.25)
    assert verdict.corrected == pytest.approx(100_000_000)
    assert historical_ratio([0, 0], [5, 5]) is None


def test_without_any_history_the_submission_stands_unjudged() -> None:
    verdict = submission_bias(80_000_000, NO_PREDICTION)
    assert verdict.kind == "unknown" and verdict.corrected == 80_000_000


def test_rollups_side_by_side() -> None:
    low, high = submission_bias(70_000_000, TYPICAL), submission_bias(140_000_000, TYPICAL)
    rollup = corrected_rollup([(70_000_000, low), (140_000_000, high)])
    assert rollup.raw == 210_000_000
    assert rollup.corrected == pytest.approx(2 * TYPICAL.median)
    assert (rollup.sandbagging, rollup.over_optimistic) == (1, 1)


def test_plan_health_summarises_probabilities_totals_and_failing_letters() -> None:
    metric = MetricFacts("revenue", "Revenue", "Won deals.", "currency", "transactions")
    items = []
    for name, target in (("Ria", 100_000_000), ("Rob", 200_000_000)):
        facts = GoalFacts(
            name,
            "person",
            metric,
            target,
            history=HistoryFacts(TYPICAL, "the last 8 quarters"),
            currency="EUR",
        )
        items.append(HealthItem(name, target, evaluate(facts), TYPICAL))
    health = plan_health(items)
    assert health.goals == health.predicted == 2
    assert dict(health.distribution)["under 20%"] == 1
    assert health.expected_share_at_quota == pytest.approx(
        (TYPICAL.probability(100_000_000) + TYPICAL.probability(200_000_000)) / 2
    )
    assert health.expected_total == pytest.approx(2 * math.exp(math.log(100_000_000) + 0.02))
    assert health.target_total == 300_000_000
    assert dict(health.failing)["Attainable"] == ("Rob",)
    assert dict(health.failing)["Relevant"] == ("Ria", "Rob")  # no parent, no objective


predictions = st.builds(
    Prediction,
    mu=st.floats(0, 25),
    scale=st.floats(0.01, 2),
    df=st.floats(1, 60),
    p_zero=st.floats(0, 0.9),
    basis=st.just("own"),
    periods_used=st.integers(1, 12),
)


@given(predictions, st.floats(1, 1e12), st.floats(1, 1e12))
def test_a_higher_target_is_never_more_likely(prediction: Prediction, a: float, b: float) -> None:
    low, high = sorted((a, b))
    assert 0.0 <= prediction.probability(high) <= prediction.probability(low) <= 1.0


@given(predictions, st.floats(0.02, 0.98))
def test_target_for_probability_inverts_probability(prediction: Prediction, wanted: float) -> None:
    target = prediction.target_for_probability(wanted)
    if target == 0.0:
        assert wanted >= 1 - prediction.p_zero - 1e-12
    elif math.isfinite(target) and 1e-300 < target < 1e300:
        assert prediction.probability(target) == pytest.approx(wanted, abs=1e-6)
