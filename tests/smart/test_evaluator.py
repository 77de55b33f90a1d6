"""Each SMART letter's rules on plain facts, including the edge cases: no history, a new
hire, a zero baseline and a qualitative goal."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import replace

import numpy as np
import pytest

from quotaflow.smart.attainability import LONG_TENURED, Panel, Prediction, predict_panel
from quotaflow.smart.evaluator import (
    GoalFacts,
    HistoryFacts,
    MetricFacts,
    ParentFacts,
    Thresholds,
    evaluate,
    format_amount,
    round_target,
)

REVENUE = MetricFacts(
    code="revenue", name="Revenue", definition="Booked new and expansion revenue, net of credit notes.",
    unit="currency", source="transactions",
)  # fmt: skip
Q2 = (dt.date(2027, 4, 1), dt.date(2027, 6, 30))
TEAM_GOAL = ParentFacts(
    "North · Revenue · FY2027", "revenue", "currency", dt.date(2027, 1, 1), dt.date(2027, 12, 31)
)
# A rep who sells about 1M a quarter (in cents: 100,000,000), lognormal spread of ~20%.
STEADY = Prediction(
    mu=math.log(100_000_000), scale=0.2, df=12, p_zero=0.0, basis="own", periods_used=8
)


def _facts(**changes: object) -> GoalFacts:
    base = GoalFacts(
        owner_name="Ria Rep",
        owner_kind="person",
        metric=REVENUE,
        target=95_000_000,
        currency="EUR",
        description="New business in the Nordics, software only.",
        parent=TEAM_GOAL,
        period_start=Q2[0],
        period_end=Q2[1],
        cycle_start=dt.date(2027, 1, 1),
        cycle_end=dt.date(2027, 12, 31),
        deadline=dt.date(2027, 3, 15),
        checkin_cadence="every two weeks",
        history=HistoryFacts(
            STEADY, "the last 8 quarters", last_comparable=90_000_000, growth_range=(-0.1, 0.3)
        ),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_a_well_formed_goal_passes_every_letter() -> None:
    report = evaluate(_facts())
    assert [verdict.status for _, _, verdict in report.verdicts()] == ["pass"] * 5
    assert report.worst == "pass"
    assert 0.2 < (report.probability or 0) < 0.9


# Specific
def test_specific_fails_without_an_owner_or_metric() -> None:
    assert evaluate(_facts(owner_kind="")).specific.status == "fail"
    assert evaluate(_facts(metric=None)).specific.status == "fail"


def test_specific_warns_without_a_metric_definition_or_a_scope() -> None:
    verdict = evaluate(_facts(metric=replace(REVENUE, definition=""), description="")).specific
    assert verdict.status == "warn"
    assert "no definition" in verdict.reason and "no description" in verdict.reason
    assert verdict.fix


# Measurable
def test_measurable_needs_a_target_an_active_metric_and_a_computed_source() -> None:
    assert evaluate(_facts(target=None)).measurable.status == "fail"
    assert evaluate(_facts(target=-1)).measurable.status == "fail"
    assert evaluate(_facts(metric=replace(REVENUE, is_active=False))).measurable.status == "fail"
    manual = evaluate(_facts(metric=replace(REVENUE, source="manual"))).measurable
    assert manual.status == "warn" and "by hand" in manual.reason
    assert "950k EUR" in evaluate(_facts()).measurable.reason


def test_a_qualitative_goal_needs_a_description_and_a_rubric() -> None:
    qualitative = _facts(metric=None, target=None, qualitative=True, history=None)
    report = evaluate(qualitative)
    assert report.measurable.status == "fail" and "rubric" in report.measurable.reason
    assert report.attainable.status == "warn"
    assert report.probability is None
    with_rubric = evaluate(
        replace(qualitative, rubric="1: no account plans … 5: plans for all top-20 accounts")
    )
    assert with_rubric.measurable.status == "pass"
    assert with_rubric.specific.status == "pass"
    assert evaluate(replace(qualitative, description="")).specific.status == "fail"


# Attainable
def test_an_unrealistic_target_fails_with_the_figure_that_would_be_attainable() -> None:
    report = evaluate(_facts(target=150_000_000))
    verdict = report.attainable
    assert verdict.status == "fail"
    assert verdict.reason.startswith(
        "Unrealistic: 1.5M EUR has a under 1% chance on the last 8 quarters"
    ) or ("1.5M EUR has a" in verdict.reason)
    suggested = report.suggested_target
    assert suggested is not None and STEADY.probability(suggested) == pytest.approx(0.6, abs=0.01)
    assert format_amount(suggested, "currency", "EUR") in verdict.reason
    assert format_amount(suggested, "currency", "EUR") in verdict.fix


def test_a_stretching_but_possible_target_is_a_warning_not_a_failure() -> None:
    # P(actual ≥ 1.2M) is about 19% for this rep: below the 20% band, above the 5% floor.
    verdict = evaluate(_facts(target=120_000_000)).attainable
    assert verdict.status == "warn"
    assert verdict.reason.startswith("Unrealistic")


def test_a_too_easy_target_is_flagged() -> None:
    verdict = evaluate(
        _facts(target=50_000_000, history=HistoryFacts(STEADY, "the last 8 quarters"))
    ).attainable
    assert verdict.status == "fail"  # over 99%
    assert verdict.reason.startswith("Too easy")
    assert "Raise the target" in verdict.fix


def test_the_band_is_configurable() -> None:
    strict = Thresholds(band_low=0.65, band_high=0.8)  # 0.95M has a 60% chance
    assert evaluate(_facts(target=95_000_000), strict).attainable.status == "warn"


def test_growth_outside_the_owners_range_warns_even_inside_the_band() -> None:
    facts = _facts(
        history=HistoryFacts(
            STEADY, "the last 8 quarters", last_comparable=50_000_000, growth_range=(0.0, 0.2)
        )
    )
    verdict = evaluate(facts).attainable
    assert verdict.status == "warn"
    assert "+90% on the same period last year" in verdict.reason


def test_a_zero_baseline_is_explained_not_divided_by() -> None:
    facts = _facts(
        history=HistoryFacts(STEADY, "the last 8 quarters", last_comparable=0.0, growth_range=None)
    )
    verdict = evaluate(facts).attainable
    assert "was zero" in verdict.reason


def test_an_owner_who_always_sold_nothing_is_judged_on_peers_with_a_zero_mass() -> None:
    rng = np.random.default_rng(5)
    rows = np.vstack([1e8 * np.exp(rng.normal(0, 0.2, (10, 8))), np.zeros((1, 8))])
    panel = Panel(
        rows, (np.arange(8) % 4).astype(np.int64), 4, np.full(11, LONG_TENURED, dtype=np.int64)
    )
    prediction = predict_panel(panel, 8).owner(10)
    # 80% of the mass is at zero, so 1.3M (a 10% chance for a peer) is about a 2% chance.
    report = evaluate(
        _facts(target=130_000_000, history=HistoryFacts(prediction, "the last 8 quarters"))
    )
    assert report.attainable.status == "fail"
    assert (report.probability or 1) < 0.05
    assert "peers' results" in report.attainable.reason


def test_no_history_at_all_is_a_warning_that_says_so() -> None:
    no_basis = Prediction(math.nan, math.nan, math.nan, math.nan, "none", 0)
    for history in (None, HistoryFacts(no_basis, "no quarters")):
        report = evaluate(_facts(history=history))
        assert report.attainable.status == "warn"
        assert "no history" in report.attainable.reason
        assert report.probability is None


def test_a_new_hire_is_judged_against_ramped_peer_capacity() -> None:
    ramping = replace(STEADY, mu=math.log(25_000_000), basis="peers", ramp_factor=0.25)
    facts = _facts(
        target=40_000_000, history=HistoryFacts(ramping, "4 quarters", full_capacity=100_000_000)
    )
    verdict = evaluate(facts).attainable
    assert "peers' results" in verdict.reason
    assert "ramped capacity of 250k EUR (25% of a fully ramped peer)" in verdict.reason
    assert verdict.status == "fail"


# Relevant
def test_relevant_needs_a_parent_or_an_objective() -> None:
    assert evaluate(_facts(parent=None)).relevant.status == "fail"
    top = evaluate(_facts(parent=None, objective="Grow software revenue 20% in FY2027"))
    assert top.relevant.status == "pass" and "objective" in top.relevant.reason


def test_relevant_checks_metric_and_period_compatibility_with_the_parent() -> None:
    other_metric = replace(TEAM_GOAL, metric_code="bookings")
    assert evaluate(_facts(parent=other_metric)).relevant.status == "warn"
    other_unit = replace(TEAM_GOAL, metric_unit="count")
    assert evaluate(_facts(parent=other_unit)).relevant.status == "fail"
    earlier_parent = replace(TEAM_GOAL, period_end=dt.date(2027, 3, 31))
    assert "outside the period" in evaluate(_facts(parent=earlier_parent)).relevant.reason


def test_children_must_cover_the_target_without_too_much_over_assignment() -> None:
    short = evaluate(_facts(children_count=3, children_total=80_000_000)).relevant
    assert short.status == "warn" and "150k EUR short" in short.reason
    over = evaluate(_facts(children_count=3, children_total=130_000_000)).relevant
    assert over.status == "warn" and "over-assigned by 37%" in over.reason
    assert evaluate(_facts(children_count=3, children_total=100_000_000)).relevant.status == "pass"


# Time-bound
def test_time_bound_rules() -> None:
    assert evaluate(_facts(period_start=None)).time_bound.status == "fail"
    outside = evaluate(_facts(period_start=dt.date(2026, 12, 1))).time_bound
    assert outside.status == "fail" and "outside the planning cycle" in outside.reason
    missing = evaluate(_facts(deadline=None, checkin_cadence="")).time_bound
    assert missing.status == "warn" and "has no deadline or check-in cadence" in missing.reason
    assert evaluate(_facts()).time_bound.status == "pass"


def test_report_as_dict_is_json_ready() -> None:
    data = evaluate(_facts(target=150_000_000)).as_dict()
    assert data["worst"] == "fail"
    assert set(data["letters"]) == {
        "specific",
        "measurable",
        "attainable",
        "relevant",
        "time_bound",
    }  # type: ignore[arg-type]
    assert isinstance(data["suggested_target"], int)


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (123_456_789, "currency", 123_000_000),
        (9_876, "count", 9_880),
        (7, "count", 7),
        (0, "count", 0),
    ],
)
def test_suggested_targets_are_rounded_to_three_figures(
    value: int, unit: str, expected: int
) -> None:
    assert round_target(value, unit, "EUR") == expected


def test_for_a_lower_is_better_metric_attaining_means_staying_under() -> None:
    churn = replace(REVENUE, code="churn", name="Churned revenue", direction="lower")
    history = HistoryFacts(STEADY, "the last 8 quarters")
    generous = evaluate(
        _facts(
            metric=churn,
            target=200_000_000,
            history=history,
            parent=None,
            objective="Keep churn down",
        )
    )
    assert generous.attainable.status == "fail" and generous.attainable.reason.startswith(
        "Too easy"
    )
    strict = evaluate(_facts(metric=churn, target=60_000_000, history=history))
    assert strict.attainable.reason.startswith("Unrealistic")
    suggested = strict.suggested_target
    assert suggested is not None and 1 - STEADY.probability(suggested) == pytest.approx(
        0.6, abs=0.01
    )
