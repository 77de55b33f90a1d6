"""Awards follow the numbers: earned when attainment reaches a rule, revoked when a
reversal takes it back, and evaluating again changes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from quotaflow.core.errors import InvalidInput, NotAllowed
from quotaflow.core.models import AuditEvent, Notification
from quotaflow.metrics.models import Metric
from quotaflow.recognition.actions import create_rule, deactivate_rule, evaluate_awards, update_rule
from quotaflow.recognition.models import Award, RecognitionRule
from tests.conftest import SmallOrg
from tests.recognition.conftest import QUARTERS, YEAR_END, Sell, goal

pytestmark = pytest.mark.django_db


def _club(small_org: SmallOrg, revenue: Metric) -> RecognitionRule:
    return create_rule(
        acting_user=small_org.users["ops_olga"], name="President's Club", kind="club",
        metric=revenue, period_kind="year", threshold_pct="100",
    )  # fmt: skip


def _standing(rule: RecognitionRule) -> list[str]:
    return sorted(
        a.person.full_name for a in Award.objects.filter(rule=rule, revoked_at__isnull=True)
    )


def test_a_club_is_earned_at_the_threshold_revoked_by_a_credit_note_and_earned_again(
    small_org: SmallOrg,
    revenue: Metric,
    annual_goals: dict,
    sell: Sell,
    django_capture_on_commit_callbacks,
) -> None:
    rule = _club(small_org, revenue)
    sell("R1", "ria", 105_000_00)  # Ria: 105% of her annual goal
    sell("S1", "sue", 99_999_99)  # Sue: just short
    with django_capture_on_commit_callbacks(execute=True):
        result = evaluate_awards(as_of=YEAR_END, acting_user=None)
    assert (result.earned, result.revoked) == (1, 0)
    award = Award.objects.get(rule=rule)
    assert award.person == small_org.people["ria"]
    assert award.period_label == "FY2027"
    assert award.earned_figures["attainment_pct"] == "105.00"
    assert award.earned_figures["actual"] == 105_000_00
    assert award.earned_why == (
        "105.00% of the FY2027 Revenue goal (105,000.00 EUR of 100,000.00 EUR) on 2027-12-31: at least 100.00%."
    )
    assert (
        Notification.objects.filter(
            user=small_org.users["rep_ria"], kind="recognition.awarded"
        ).count()
        == 1
    )

    # Evaluating again with the same numbers: the same award, no duplicate, nothing new.
    again = evaluate_awards(as_of=YEAR_END, acting_user=None)
    assert (again.earned, again.revoked, again.standing) == (0, 0, 1)
    assert Award.objects.count() == 1

    # A credit note of 6,000.00 takes Ria to 99%: the award is revoked, with the figures.
    sell("R1-CN", "ria", -6_000_00)
    with django_capture_on_commit_callbacks(execute=True):
        revoked = evaluate_awards(as_of=YEAR_END, acting_user=None)
    assert (revoked.earned, revoked.revoked) == (0, 1)
    award.refresh_from_db()
    assert award.revoked_at is not None
    assert award.revoked_figures["attainment_pct"] == "99.00"
    assert award.revoked_why.startswith(
        "Now 99.00% of the FY2027 Revenue goal (99,000.00 EUR of 100,000.00 EUR)"
    )
    assert AuditEvent.objects.filter(
        action="recognition.award.revoked", object_id=str(award.pk)
    ).exists()
    assert (
        Notification.objects.filter(
            user=small_org.users["rep_ria"], kind="recognition.revoked"
        ).count()
        == 1
    )

    # Selling again earns it anew: a second award, the revoked one kept as history.
    sell("R2", "ria", 1_000_00)
    evaluate_awards(as_of=YEAR_END, acting_user=None)
    assert Award.objects.filter(rule=rule).count() == 2
    assert _standing(rule) == ["Ria Rep"]


def test_an_ingest_evaluates_the_rules_after_it_commits(
    small_org: SmallOrg, revenue: Metric, annual_goals: dict, sell: Sell, frozen: object,
    django_capture_on_commit_callbacks,
) -> None:  # fmt: skip
    rule = _club(small_org, revenue)
    with django_capture_on_commit_callbacks(execute=True):
        sell("R1", "ria", 100_000_00, day=dt.date(2027, 1, 15))
    assert _standing(rule) == ["Ria Rep"]  # measured today, 20 January 2027
    with django_capture_on_commit_callbacks(execute=True):
        sell("R1-CN", "ria", -1, day=dt.date(2027, 1, 16))
    assert _standing(rule) == []


def test_ranks_are_per_team_and_ties_share_a_rank(
    small_org: SmallOrg, revenue: Metric, annual_goals: dict, sell: Sell
) -> None:
    rule = create_rule(
        acting_user=small_org.users["ops_olga"], name="Top of the team", kind="rank",
        metric=revenue, period_kind="year", threshold_pct="", top_n=1,
    )  # fmt: skip
    sell("R1", "ria", 50_000_00)
    sell("B1", "rob", 40_000_00)
    sell("S1", "sue", 10_000_00)  # alone in South Team A: first of one
    evaluate_awards(as_of=YEAR_END, acting_user=None)
    assert _standing(rule) == ["Ria Rep", "Sue Seller"]
    ria = Award.objects.get(rule=rule, person=small_org.people["ria"])
    assert ria.earned_figures["rank"] == 1 and ria.earned_figures["team"] == "North Team A"
    assert ria.earned_why.startswith("Rank 1 of 2 in North Team A for FY2027")
    sell("B2", "rob", 10_000_00)  # Rob ties Ria at 50%: both rank 1
    evaluate_awards(as_of=YEAR_END, acting_user=None)
    assert _standing(rule) == ["Ria Rep", "Rob Rep", "Sue Seller"]
    sell("R1-CN", "ria", -1_000_00)  # Ria drops to second: her award is revoked
    evaluate_awards(as_of=YEAR_END, acting_user=None)
    assert _standing(rule) == ["Rob Rep", "Sue Seller"]


def test_a_streak_needs_every_period_in_a_row(
    small_org: SmallOrg, revenue: Metric, sell: Sell
) -> None:
    for span in QUARTERS:
        for who in ("ria", "rob"):
            goal(small_org, revenue, who, 10_000_00, span)
    rule = create_rule(
        acting_user=small_org.users["ops_olga"], name="Hat trick", kind="streak",
        metric=revenue, period_kind="quarter", threshold_pct="100", streak_length=3,
    )  # fmt: skip
    for index, (start, _) in enumerate(QUARTERS):
        sell(f"R{index}", "ria", 10_000_00, day=start)
        if index != 1:  # Rob misses Q2
            sell(f"B{index}", "rob", 12_000_00, day=start)
    evaluate_awards(as_of=YEAR_END, acting_user=None)
    awards = Award.objects.filter(rule=rule).order_by("period_start")
    # Ria: Q1–Q3 ends a streak of three, and Q2–Q4 another; Rob has none.
    assert [(a.person.full_name, a.period_label) for a in awards] == [
        ("Ria Rep", "FY2027-Q3"),
        ("Ria Rep", "FY2027-Q4"),
    ]
    assert [step["period"] for step in awards[0].earned_figures["streak"]] == [
        "FY2027-Q1", "FY2027-Q2", "FY2027-Q3",
    ]  # fmt: skip


def test_rules_are_for_sales_ops_and_bad_fields_are_named(
    small_org: SmallOrg, revenue: Metric
) -> None:
    with pytest.raises(NotAllowed):
        create_rule(
            acting_user=small_org.users["manager_max"], name="Club", kind="club", metric=revenue,
            period_kind="year", threshold_pct="100",
        )  # fmt: skip
    for field, value in (
        ("threshold_pct", "-1"),
        ("threshold_pct", "abc"),
        ("period_kind", "week"),
        ("name", " "),
    ):
        values = {
            "name": "Club",
            "kind": "club",
            "metric": revenue,
            "period_kind": "year",
            "threshold_pct": "100",
        }
        with pytest.raises(InvalidInput) as refused:
            create_rule(acting_user=small_org.users["ops_olga"], **{**values, field: value})
        assert refused.value.field == field
    with pytest.raises(InvalidInput) as refused:
        create_rule(
            acting_user=small_org.users["ops_olga"], name="Top", kind="rank", metric=revenue,
            period_kind="quarter", threshold_pct="0", top_n=0,
        )  # fmt: skip
    assert refused.value.field == "top_n"
    assert RecognitionRule.objects.count() == 0


def test_changing_and_deactivating_a_rule(
    small_org: SmallOrg, revenue: Metric, annual_goals: dict, sell: Sell
) -> None:
    rule = _club(small_org, revenue)
    sell("R1", "ria", 105_000_00)
    evaluate_awards(as_of=YEAR_END, acting_user=None)
    olga = small_org.users["ops_olga"]
    rule = update_rule(
        rule, acting_user=olga, expected_version=1, name="President's Club", kind="club",
        metric=revenue, period_kind="year", threshold_pct="110",
    )  # fmt: skip
    assert rule.version == 2 and rule.threshold_pct == Decimal("110.00")
    evaluate_awards(as_of=YEAR_END, acting_user=None)
    assert _standing(rule) == []  # 105% is below the new 110%
    rule = deactivate_rule(rule, acting_user=olga, expected_version=2)
    assert not rule.is_active
    sell("R2", "ria", 10_000_00)
    assert evaluate_awards(as_of=YEAR_END, acting_user=None).rules == 0
    assert _standing(rule) == []
