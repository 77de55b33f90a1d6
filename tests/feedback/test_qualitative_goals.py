"""Milestone and rubric goals: defining their measure, ticking and confirming milestones,
scoring a rubric — who may, what is refused with nothing written, what is audited — and
the SMART check's Measurable and Time-bound letters on them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from quotaflow.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from quotaflow.core.models import AuditEvent
from quotaflow.performance.qualitative import goal_measure, qualitative_progress
from quotaflow.plans import actions
from quotaflow.plans.models import (
    MILESTONES_MAX,
    Goal,
    GoalKind,
    Milestone,
    PlanningCycle,
    RubricScore,
)
from quotaflow.plans.qualitative import MilestoneSpec, clean_rubric, parse_milestone_lines
from quotaflow.smart.facts import smart_report
from tests.conftest import SmallOrg
from tests.feedback.qualitative_plan import ACCOUNT_PLANS_RUBRIC, QualitativePlan, build_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(small_org: SmallOrg, frozen: Any) -> QualitativePlan:
    return build_plan(small_org)


def _written() -> tuple[int, ...]:
    return (
        AuditEvent.objects.count(),
        Milestone.objects.filter(done=True).count(),
        RubricScore.objects.count(),
        Milestone.objects.count(),
    )


def test_template_goals_carry_their_kind_checklist_and_rubric(
    plan: QualitativePlan, small_org: SmallOrg
) -> None:
    rubric_goal = plan.goal(plan.account_plans, "ria", small_org)
    checklist = plan.goal(plan.onboarding, "ria", small_org)
    assert rubric_goal.kind == GoalKind.RUBRIC and rubric_goal.rubric == ACCOUNT_PLANS_RUBRIC
    assert checklist.kind == GoalKind.MILESTONE
    assert [m.title for m in checklist.milestones.all()] == [
        "Shadow three calls",
        "Certify on the product",
        "Run a QBR alone",
    ]
    created = AuditEvent.objects.filter(action="plans.goal.created", object_id=str(checklist.pk))
    assert created.get().changes["kind"] == [None, "milestone"]


def test_the_owner_ticks_with_evidence_and_progress_is_weighted(
    plan: QualitativePlan, small_org: SmallOrg
) -> None:
    ria = small_org.users["rep_ria"]
    goal = plan.goal(plan.onboarding, "ria", small_org)
    first, second, third = goal.milestones.order_by("position")
    actions.tick_milestone(
        first, acting_user=ria, evidence="Shadowed Max on 3 calls", expected_version=1
    )
    # Weights 1, 1, 2: one of four by weight done.
    progress = qualitative_progress([goal])[goal.pk]
    assert progress.attainment_pct == Decimal("25.00")
    assert progress.summary == "1 of 3 milestones done (1 of 4 by weight)"
    actions.tick_milestone(
        third, acting_user=ria, link="https://crm.example.com/qbr/42", expected_version=1
    )
    assert qualitative_progress([goal])[goal.pk].attainment_pct == Decimal("75.00")
    event = AuditEvent.objects.filter(action="plans.milestone.ticked").order_by("pk").last()
    assert event is not None and event.object_type == "plans.goal"
    assert event.object_id == str(goal.pk) and event.actor == ria
    assert event.changes["done"] == [False, True]
    assert event.changes["link"] == ["", "https://crm.example.com/qbr/42"]


def test_a_tick_needs_evidence_and_a_safe_link_or_nothing_is_written(
    plan: QualitativePlan, small_org: SmallOrg
) -> None:
    ria = small_org.users["rep_ria"]
    item = plan.goal(plan.onboarding, "ria", small_org).milestones.first()
    assert item is not None
    before = _written()
    with pytest.raises(InvalidInput, match="note, a link, or both"):
        actions.tick_milestone(item, acting_user=ria, expected_version=1)
    with pytest.raises(InvalidInput, match="web address"):
        actions.tick_milestone(
            item, acting_user=ria, link="javascript:alert(1)", expected_version=1
        )
    with pytest.raises(InvalidInput, match="control character"):
        actions.tick_milestone(item, acting_user=ria, evidence="bad\x00", expected_version=1)
    with pytest.raises(Conflict):
        actions.tick_milestone(item, acting_user=ria, evidence="done", expected_version=7)
    assert _written() == before


def test_only_the_owner_ticks_and_only_a_manager_above_confirms_or_unticks(
    plan: QualitativePlan, small_org: SmallOrg
) -> None:
    users = small_org.users
    item = plan.goal(plan.onboarding, "ria", small_org).milestones.first()
    assert item is not None
    with pytest.raises(NotAllowed):
        actions.tick_milestone(
            item, acting_user=users["manager_max"], evidence="x", expected_version=1
        )
    with pytest.raises(NotFound):
        actions.tick_milestone(
            item, acting_user=users["manager_sam"], evidence="x", expected_version=1
        )
    actions.tick_milestone(item, acting_user=users["rep_ria"], evidence="done", expected_version=1)
    with pytest.raises(NotAllowed):
        actions.confirm_milestone(item, acting_user=users["rep_ria"], expected_version=2)
    confirmed = actions.confirm_milestone(
        item, acting_user=users["manager_max"], expected_version=2
    )
    assert confirmed.confirmed_by == users["manager_max"] and confirmed.done
    with pytest.raises(InvalidInput, match="why"):
        actions.confirm_milestone(
            item, acting_user=users["manager_max"], confirm=False, expected_version=3
        )
    unticked = actions.confirm_milestone(
        item,
        acting_user=users["manager_max"],
        confirm=False,
        comment="Only two calls were shadowed",
        expected_version=3,
    )
    assert not unticked.done and unticked.confirmed_at is None
    actions_seen = list(
        AuditEvent.objects.filter(action__startswith="plans.milestone.")
        .order_by("pk")
        .values_list("action", "reason")
    )
    assert actions_seen == [
        ("plans.milestone.ticked", "done"),
        ("plans.milestone.confirmed", ""),
        ("plans.milestone.unticked", "Only two calls were shadowed"),
    ]


def test_the_manager_scores_a_rubric_goal_and_the_history_is_kept(
    plan: QualitativePlan, small_org: SmallOrg
) -> None:
    users = small_org.users
    goal = plan.goal(plan.account_plans, "ria", small_org)
    measure = goal_measure(goal)
    assert measure is not None and measure.progress.attainment_pct is None
    before = _written()
    with pytest.raises(NotAllowed):
        actions.score_rubric(goal, acting_user=users["rep_ria"], score=4, comment="All done")
    with pytest.raises(NotFound):
        actions.score_rubric(goal, acting_user=users["manager_sam"], score=2, comment="Hm")
    with pytest.raises(InvalidInput, match="0 to 4"):
        actions.score_rubric(goal, acting_user=users["manager_max"], score=5, comment="Great")
    with pytest.raises(InvalidInput, match="why"):
        actions.score_rubric(goal, acting_user=users["manager_max"], score=3, comment="  ")
    assert _written() == before
    actions.score_rubric(goal, acting_user=users["manager_max"], score=2, comment="Five plans")
    actions.score_rubric(goal, acting_user=users["manager_max"], score=3, comment="All ten written")
    measure = goal_measure(goal)
    assert measure is not None
    assert [row.score for row in measure.scores] == [3, 2]  # newest first
    assert measure.progress.attainment_pct == Decimal("75.00")  # 3 / 4
    assert measure.progress.summary == "scored 3/4"
    scored = AuditEvent.objects.filter(action="plans.goal.scored", object_id=str(goal.pk)).order_by(
        "pk"
    )
    assert [event.changes["score"] for event in scored] == [[None, 2], [2, 3]]


def test_scoring_a_numeric_goal_is_refused(plan: QualitativePlan, small_org: SmallOrg) -> None:
    goal = Goal.objects.get(
        cycle=plan.cycle, metric=plan.revenue, owner_person=small_org.people["ria"]
    )
    with pytest.raises(InvalidInput, match="not scored against a rubric"):
        actions.score_rubric(goal, acting_user=small_org.users["manager_max"], score=2, comment="x")


def test_define_measure_checks_the_rubric_and_the_checklist(
    small_org: SmallOrg, frozen: Any
) -> None:
    plan = build_plan(small_org, publish=False)
    max_ = small_org.users["manager_max"]
    goal = Goal.objects.get(
        cycle=plan.cycle, metric=plan.revenue, owner_person=small_org.people["rob"]
    )
    before = _written()
    with pytest.raises(InvalidInput, match="levels 3, 4 not written"):
        actions.define_measure(
            goal,
            acting_user=max_,
            kind="rubric",
            rubric=ACCOUNT_PLANS_RUBRIC[:3],
            expected_version=goal.version,
        )
    with pytest.raises(InvalidInput, match="at least one milestone"):
        actions.define_measure(
            goal, acting_user=max_, kind="milestone", expected_version=goal.version
        )
    with pytest.raises(InvalidInput, match=f"at most {MILESTONES_MAX}"):
        actions.define_measure(
            goal,
            acting_user=max_,
            kind="milestone",
            milestones=[MilestoneSpec(f"Step {n}") for n in range(MILESTONES_MAX + 1)],
            expected_version=goal.version,
        )
    with pytest.raises(InvalidInput, match="outside the goal's period"):
        actions.define_measure(
            goal,
            acting_user=max_,
            kind="milestone",
            milestones=[MilestoneSpec("Late", dt.date(2028, 1, 5))],
            expected_version=goal.version,
        )
    with pytest.raises(NotFound):  # Rob's goal is not Ria's to see
        actions.define_measure(
            goal,
            acting_user=small_org.users["rep_ria"],
            kind="milestone",
            milestones=[MilestoneSpec("Mine")],
            expected_version=goal.version,
        )
    with pytest.raises(NotAllowed):  # finance reads every plan and changes none
        actions.define_measure(
            goal,
            acting_user=small_org.users["finance_fay"],
            kind="milestone",
            milestones=[MilestoneSpec("Theirs")],
            expected_version=goal.version,
        )
    assert _written() == before
    changed = actions.define_measure(
        goal,
        acting_user=max_,
        kind="milestone",
        milestones=[MilestoneSpec("Close the pilot", dt.date(2027, 5, 31))],
        expected_version=goal.version,
        reason="Rob's year is about the pilot",
    )
    assert changed.kind == GoalKind.MILESTONE and changed.milestones.count() == 1
    event = AuditEvent.objects.filter(action="plans.goal.measure_defined").get()
    assert event.changes["kind"] == ["numeric", "milestone"]
    assert event.reason == "Rob's year is about the pilot"
    with pytest.raises(Conflict):  # the version read is stale now
        actions.define_measure(goal, acting_user=max_, kind="numeric", expected_version=1)


def test_a_published_plan_keeps_its_measures(plan: QualitativePlan, small_org: SmallOrg) -> None:
    goal = plan.goal(plan.account_plans, "ria", small_org)
    with pytest.raises(Conflict, match="new version"):
        actions.define_measure(
            goal,
            acting_user=small_org.users["ops_olga"],
            kind="numeric",
            expected_version=goal.version,
        )


def test_milestone_lines_and_rubric_cleaning() -> None:
    specs = parse_milestone_lines(
        "Kick-off\n\nPilot live | 2027-04-30\nRoll-out | 2027-09-30 | 3\n"
    )
    assert specs == [
        MilestoneSpec("Kick-off"),
        MilestoneSpec("Pilot live", dt.date(2027, 4, 30)),
        MilestoneSpec("Roll-out", dt.date(2027, 9, 30), 3),
    ]
    with pytest.raises(InvalidInput, match="not a date"):
        parse_milestone_lines("Pilot | next week")
    with pytest.raises(InvalidInput, match="twice"):
        clean_rubric([*ACCOUNT_PLANS_RUBRIC, {"score": 2, "meaning": "again"}])
    with pytest.raises(InvalidInput, match="scored 0 to 4"):
        clean_rubric([{"score": 5, "meaning": "Beyond"}])


# SMART on qualitative goals ------------------------------------------------------------------


def test_smart_measurable_passes_for_a_full_rubric_and_a_titled_checklist(
    plan: QualitativePlan, small_org: SmallOrg
) -> None:
    PlanningCycle.objects.filter(pk=plan.cycle.pk).update(checkin_cadence="monthly")
    rubric_report = smart_report(plan.goal(plan.account_plans, "ria", small_org))
    assert rubric_report.measurable.status == "pass"
    assert "every level defined" in rubric_report.measurable.reason
    checklist = smart_report(plan.goal(plan.onboarding, "ria", small_org))
    assert checklist.measurable.status == "pass"
    assert "3 milestones" in checklist.measurable.reason
    # Time-bound reads the milestones' due dates as the goal's deadlines.
    assert checklist.time_bound.status == "pass"
    assert "milestones due 15 Feb 2027–30 Jun 2027" in checklist.time_bound.reason


def test_smart_measurable_fails_with_a_fix_when_the_measure_is_not_defined(
    plan: QualitativePlan, small_org: SmallOrg
) -> None:
    goal = plan.goal(plan.account_plans, "rob", small_org)
    Goal.objects.filter(pk=goal.pk).update(rubric=ACCOUNT_PLANS_RUBRIC[:2])
    report = smart_report(goal)
    assert report.measurable.status == "fail"
    assert "levels 2, 3, 4 not written" in report.measurable.reason
    assert "0 to 4" in report.measurable.fix
    checklist = plan.goal(plan.onboarding, "rob", small_org)
    checklist.milestones.all().delete()
    report = smart_report(checklist)
    assert report.measurable.status == "fail" and "has none yet" in report.measurable.reason
    assert report.measurable.fix == "Add at least one milestone with a title (and a due date)."


def test_smart_time_bound_fails_on_a_milestone_due_outside_the_period(
    plan: QualitativePlan, small_org: SmallOrg
) -> None:
    checklist = plan.goal(plan.onboarding, "rob", small_org)
    Milestone.objects.filter(goal=checklist, position=3).update(due=dt.date(2028, 2, 1))
    report = smart_report(checklist)
    assert report.time_bound.status == "fail"
    assert "01 Feb 2028" in report.time_bound.reason
