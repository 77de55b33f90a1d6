"""SMART reports of real goals, the policy, and approval blocked by a failing letter."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from quotaflow.core.errors import InvalidInput, NotAllowed
from quotaflow.core.models import AuditEvent
from quotaflow.plans import actions as plan_actions
from quotaflow.plans.models import Goal, GoalStatus
from quotaflow.smart import actions
from quotaflow.smart.facts import check_goals, smart_report
from quotaflow.smart.models import SmartPolicy
from tests.smart.conftest import SmartWorld

pytestmark = pytest.mark.django_db


def test_ria_realistic_and_unrealistic_targets(smart_world: SmartWorld) -> None:
    goal = smart_world.goal_of("ria")
    fair = smart_report(goal, target=100_000_000)  # 1.0M: her usual quarter
    assert fair.attainable.status == "pass"
    assert 0.3 < (fair.probability or 0) < 0.8
    wild = smart_report(goal, target=200_000_000)  # 2.0M
    assert wild.attainable.status == "fail"
    assert "2M EUR has less than a 1% chance on the last 11 quarters" in wild.attainable.reason
    assert wild.suggested_target is not None and 80_000_000 < wild.suggested_target < 110_000_000


def test_the_goal_tree_gives_relevant_and_time_bound_facts(smart_world: SmartWorld) -> None:
    report = smart_report(smart_world.goal_of("ria"), target=100_000_000)
    assert report.relevant.status == "pass" and "North Team A" in report.relevant.reason
    # The cycle has a submission deadline but no check-in cadence until the policy sets one.
    assert report.time_bound.status == "warn"
    actions.update_policy(
        acting_user=smart_world.org.users["ops_olga"], checkin_cadence="every two weeks"
    )
    assert smart_report(smart_world.goal_of("ria"), target=100_000_000).time_bound.status == "pass"


def test_a_new_hire_is_judged_on_peers(smart_world: SmartWorld) -> None:
    from quotaflow.org.models import Person

    newbie = Person.objects.create(
        external_id="E099", full_name="Nina New", hire_date=smart_world.cycle.period_start
    )
    goal = Goal.objects.create(
        cycle=smart_world.cycle, owner_person=newbie, metric=smart_world.revenue,
        period_start=smart_world.cycle.period_start, period_end=smart_world.cycle.period_end,
        target=80_000_000, parent=smart_world.goal_of("ria").parent,
    )  # fmt: skip
    report = smart_report(goal)
    assert "peers' results" in report.attainable.reason
    assert report.attainable.status == "fail"  # 0.8M in the first, ramping quarter
    assert report.suggested_target is not None and report.suggested_target < 40_000_000


def test_unit_goals_use_their_members_history(smart_world: SmartWorld) -> None:
    team = Goal.objects.get(cycle=smart_world.cycle, owner_unit=smart_world.org.north_team)
    report = smart_report(team, target=160_000_000)  # Ria 1.0M + Rob 0.6M
    assert report.attainable.status == "pass"


def test_checking_many_goals_costs_a_fixed_number_of_queries(smart_world: SmartWorld) -> None:
    goals = list(Goal.objects.filter(cycle=smart_world.cycle))
    with CaptureQueriesContext(connection) as few:
        check_goals(goals[:2])
    with CaptureQueriesContext(connection) as many:
        checked = check_goals(goals)
    assert len(checked) == len(goals) == 8
    assert len(many) == len(few)


def test_only_planners_change_the_policy_and_it_is_audited(smart_world: SmartWorld) -> None:
    with pytest.raises(NotAllowed):
        actions.update_policy(acting_user=smart_world.org.users["manager_max"], band_low=30)
    with pytest.raises(InvalidInput, match="ordered"):
        actions.update_policy(acting_user=smart_world.org.users["ops_olga"], band_low=95)
    policy = actions.update_policy(acting_user=smart_world.org.users["ops_olga"], band_low=30)
    assert SmartPolicy.for_cycle(smart_world.cycle).band_low == 30
    event = AuditEvent.objects.get(action="smart.policy.changed")
    assert event.changes["band_low"] == [20, 30]
    own = actions.update_policy(
        acting_user=smart_world.org.users["ops_olga"], cycle=smart_world.cycle, band_low=10
    )
    assert SmartPolicy.for_cycle(smart_world.cycle) == own != policy


def test_approval_is_blocked_while_a_letter_fails_when_the_policy_says_so(
    smart_world: SmartWorld,
) -> None:
    users = smart_world.org.users
    goal = smart_world.goal_of("ria")
    plan_actions.submit_goal(
        goal, acting_user=users["rep_ria"], target=300_000_000, rationale="big deal coming"
    )
    actions.update_policy(
        acting_user=users["ops_olga"], cycle=smart_world.cycle, block_approval_on_fail=True
    )
    with pytest.raises(InvalidInput, match="Attainable: Unrealistic"):
        actions.approve_goal_checked(smart_world.goal_of("ria"), acting_user=users["manager_max"])
    assert smart_world.goal_of("ria").status == GoalStatus.SUBMITTED
    plan_actions.submit_goal(
        smart_world.goal_of("ria"), acting_user=users["rep_ria"], target=100_000_000
    )
    approved = actions.approve_goal_checked(
        smart_world.goal_of("ria"), acting_user=users["manager_max"]
    )
    assert approved.status == GoalStatus.APPROVED


def test_review_corrects_a_submission_by_the_owner_track_record(smart_world: SmartWorld) -> None:
    from quotaflow.smart.review import review

    last = smart_world.history[-1]
    Goal.objects.create(  # last quarter Rob committed to 0.3M and sold about 0.6M
        owner_person=smart_world.org.people["rob"], metric=smart_world.revenue, period_start=last.start,
        period_end=last.end, target=30_000_000, submitted_target=30_000_000, status=GoalStatus.CLOSED,
    )  # fmt: skip
    rob_goal = smart_world.goal_of("rob")
    Goal.objects.filter(pk=rob_goal.pk).update(
        submitted_target=35_000_000, status=GoalStatus.SUBMITTED
    )
    result = review([smart_world.goal_of("rob"), smart_world.goal_of("ria")])
    rob_row = next(row for row in result.rows if row.checked.goal.pk == rob_goal.pk)
    assert rob_row.bias is not None and rob_row.bias.kind == "sandbagging"
    assert rob_row.bias.historical_ratio == pytest.approx(2.0, rel=0.2)
    assert "past results were" in rob_row.bias.reason
    assert result.rollup.raw == 35_000_000  # Ria has not submitted
    assert result.rollup.corrected == pytest.approx(35_000_000 * rob_row.bias.historical_ratio)
