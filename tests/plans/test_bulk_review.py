"""Bulk approve and bulk return (``plans.actions.bulk`` and ``/cycles/{id}/approvals|returns``).

All or nothing: one refused goal (outside the reviewer's subtree, stale, not submitted,
failing a SMART letter the policy blocks on) writes nothing, and the answer names every
refused goal with its reason.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from quotaflow.core.models import AuditEvent
from quotaflow.plans import actions
from quotaflow.plans.actions.bulk import MAX_BULK_GOALS, BulkRefused
from quotaflow.plans.models import CommentKind, Goal, GoalComment, GoalStatus, PlanningCycle
from quotaflow.plans.permissions import NOT_ABOVE
from quotaflow.smart.actions import approve_goals_checked
from quotaflow.smart.models import SmartPolicy
from tests.conftest import SmallOrg
from tests.plans.conftest import goal_of


def versions(*goals: Goal) -> dict[int, int]:
    return {goal.pk: goal.version for goal in goals}


def state(*goals: Goal) -> list[tuple[str, int]]:
    return list(
        Goal.objects.filter(pk__in=[g.pk for g in goals])
        .order_by("pk")
        .values_list("status", "version")
    )


def test_a_manager_approves_their_teams_submissions_at_once(
    cycle: PlanningCycle, submissions: dict[str, Goal], more_reps: SmallOrg
) -> None:
    ria, rob = submissions["ria"], submissions["rob"]
    max_ = more_reps.users["manager_max"]

    approved = actions.approve_goals(
        cycle, acting_user=max_, versions=versions(ria, rob), comment="Agreed"
    )

    assert [g.pk for g in approved] == sorted([ria.pk, rob.pk])
    assert state(ria, rob) == [(GoalStatus.APPROVED, ria.version + 1)] * 2
    events = AuditEvent.objects.filter(action="plans.goal.approved")
    assert sorted(int(e.object_id) for e in events) == sorted([ria.pk, rob.pk])
    assert {e.changes["status"][1] for e in events} == {"approved"}
    assert {(e.actor, e.reason) for e in events} == {(max_, "Agreed")}
    comments = GoalComment.objects.filter(goal__in=[ria.pk, rob.pk])
    assert {(c.body, c.kind, c.author) for c in comments} == {("Agreed", CommentKind.COMMENT, max_)}


def test_a_bulk_return_keeps_the_reason_and_tells_each_owner(
    cycle: PlanningCycle,
    submissions: dict[str, Goal],
    more_reps: SmallOrg,
    django_capture_on_commit_callbacks: Any,
) -> None:
    ria, rob = submissions["ria"], submissions["rob"]
    with django_capture_on_commit_callbacks() as callbacks:
        actions.return_goals(
            cycle,
            acting_user=more_reps.users["manager_max"],
            versions=versions(ria, rob),
            reason="Add the renewals",
        )
    assert state(ria, rob) == [(GoalStatus.RETURNED, ria.version + 1)] * 2
    kinds = GoalComment.objects.filter(goal__in=[ria.pk, rob.pk]).values_list("kind", "body")
    assert sorted(kinds) == [(CommentKind.RETURN, "Add the renewals")] * 2
    assert len(callbacks) == 1  # the notifications, scheduled once after commit
    events = AuditEvent.objects.filter(action="plans.goal.returned")
    assert {e.reason for e in events} == {"Add the renewals"} and events.count() == 2


def test_a_return_needs_a_reason(
    cycle: PlanningCycle, submissions: dict[str, Goal], more_reps: SmallOrg
) -> None:
    with pytest.raises(Exception, match="Say what should change"):
        actions.return_goals(
            cycle,
            acting_user=more_reps.users["manager_max"],
            versions=versions(submissions["ria"]),
            reason="  ",
        )


def test_bad_input_writes_nothing_and_names_every_refused_goal(
    cycle: PlanningCycle,
    submissions: dict[str, Goal],
    more_reps: SmallOrg,
    make_cycle: Callable[..., PlanningCycle],
) -> None:
    ria, rob, sue = submissions["ria"], submissions["rob"], submissions["sue"]
    draft = goal_of(cycle, more_reps.north_team)  # North Team A's roll-up: still a draft
    before = (state(ria, rob, sue, draft), AuditEvent.objects.count())
    asked = {
        ria.pk: ria.version,  # fine on its own
        rob.pk: rob.version - 1,  # stale
        sue.pk: sue.version,  # South: not Max's to review
        draft.pk: draft.version,  # not submitted
        999_999: 1,  # no such goal
    }
    with pytest.raises(BulkRefused) as refused:
        actions.approve_goals(
            cycle, acting_user=more_reps.users["manager_max"], versions=asked, within=None
        )

    reasons = {r.goal_id: (r.status, r.reason) for r in refused.value.refusals}
    assert set(reasons) == {rob.pk, sue.pk, draft.pk, 999_999}
    assert reasons[rob.pk][0] == 409 and "changed by someone else" in reasons[rob.pk][1]
    assert reasons[sue.pk] == (
        403,
        "Only a manager above this goal, or sales operations, can review it.",
    )
    assert reasons[draft.pk][0] == 409 and "this one is draft" in reasons[draft.pk][1]
    assert reasons[999_999][0] == 404
    assert refused.value.status_code == 400  # the refusals differ
    assert "Nothing was approved: 4 of 5 goals cannot be approved." in refused.value.message
    assert (state(ria, rob, sue, draft), AuditEvent.objects.count()) == before


def test_goals_outside_what_the_caller_sees_are_not_found_and_say_nothing(
    cycle: PlanningCycle, submissions: dict[str, Goal], more_reps: SmallOrg
) -> None:
    ria, sue = submissions["ria"], submissions["sue"]
    with pytest.raises(BulkRefused) as refused:
        actions.approve_goals(
            cycle,
            acting_user=more_reps.users["ops_olga"],
            versions=versions(ria, sue),
            within={ria.pk},
        )
    (only,) = refused.value.refusals
    assert (only.goal_id, only.owner, only.status) == (sue.pk, "", 404)
    assert refused.value.status_code == 404
    assert state(ria)[0][0] == GoalStatus.SUBMITTED


def test_a_goal_from_another_cycle_is_not_found(
    cycle: PlanningCycle,
    submissions: dict[str, Goal],
    more_reps: SmallOrg,
    make_cycle: Callable[..., PlanningCycle],
) -> None:
    other = make_cycle("bottom_up", name="Other", submissions_due=dt.date(2099, 1, 31))
    with pytest.raises(BulkRefused) as refused:
        actions.approve_goals(
            other, acting_user=more_reps.users["ops_olga"], versions=versions(submissions["ria"])
        )
    assert refused.value.status_code == 404


def test_the_number_of_goals_is_bounded(
    cycle: PlanningCycle, submissions: dict[str, Goal], more_reps: SmallOrg
) -> None:
    too_many = {pk: 1 for pk in range(1, MAX_BULK_GOALS + 2)}
    with pytest.raises(Exception, match=f"At most {MAX_BULK_GOALS} goals"):
        actions.approve_goals(cycle, acting_user=more_reps.users["ops_olga"], versions=too_many)
    with pytest.raises(Exception, match="Choose at least one"):
        actions.approve_goals(cycle, acting_user=more_reps.users["ops_olga"], versions={})


def test_the_smart_policy_blocks_failing_goals_in_bulk_too(
    cycle: PlanningCycle, more_reps: SmallOrg
) -> None:
    from tests.plans.test_api import _monthly_sales

    for key in ("ria", "rob"):
        _monthly_sales(more_reps.people[key], 24, 100_000_00)  # about 1.2M a year each
    SmartPolicy.objects.create(cycle=cycle, block_approval_on_fail=True, checkin_cadence="weekly")
    sensible, absurd = (
        goal_of(cycle, more_reps.people["rob"]),
        goal_of(cycle, more_reps.people["ria"]),
    )
    actions.submit_goal(sensible, acting_user=more_reps.users["rep_rob"], target=1_200_000_00)
    actions.submit_goal(absurd, acting_user=more_reps.users["rep_ria"], target=90_000_000_00)
    goals = [Goal.objects.get(pk=sensible.pk), Goal.objects.get(pk=absurd.pk)]

    with pytest.raises(BulkRefused) as refused:
        approve_goals_checked(
            cycle, acting_user=more_reps.users["manager_max"], versions=versions(*goals)
        )

    (only,) = refused.value.refusals
    assert (only.goal_id, only.owner, only.status) == (absurd.pk, "Ria Rep", 400)
    assert "fails the SMART check" in only.reason and "Attainable" in only.reason
    assert [status for status, _ in state(*goals)] == [GoalStatus.SUBMITTED] * 2


def test_the_query_count_does_not_grow_with_the_number_of_goals(
    make_cycle: Callable[..., PlanningCycle], more_reps: SmallOrg
) -> None:
    def approve(count: int) -> int:
        cycle = make_cycle("bottom_up", name=f"c{count}", submissions_due=dt.date(2099, 1, 31))
        keys = [("ria", "rep_ria"), ("rob", "rep_rob"), ("sue", "rep_sue")][:count]
        goals = []
        for key, username in keys:
            goal = goal_of(cycle, more_reps.people[key])
            actions.submit_goal(goal, acting_user=more_reps.users[username], target=5)
            goals.append(Goal.objects.get(pk=goal.pk))
        with CaptureQueriesContext(connection) as queries:
            actions.return_goals(
                cycle,
                acting_user=more_reps.users["ops_olga"],
                versions=versions(*goals),
                reason="r",
            )
        return len(queries)

    assert approve(1) == approve(3)


# The API --------------------------------------------------------------------------------


def api(user: Any, path: str, body: dict[str, Any]) -> Any:
    client = Client()
    client.force_login(user)
    return client.post(f"/api/v1{path}", json.dumps(body), content_type="application/json")


def listed(*goals: Goal, stale: int | None = None) -> list[dict[str, int]]:
    return [
        {"goal": g.pk, "expected_version": g.version - (1 if g.pk == stale else 0)} for g in goals
    ]


def test_the_api_approves_and_returns_in_bulk(
    cycle: PlanningCycle, submissions: dict[str, Goal], more_reps: SmallOrg
) -> None:
    ria, rob = submissions["ria"], submissions["rob"]
    max_ = more_reps.users["manager_max"]
    approved = api(max_, f"/cycles/{cycle.pk}/approvals", {"goals": listed(ria), "comment": "ok"})
    assert approved.status_code == 200, approved.json()
    assert approved.json() == {
        "count": 1,
        "goals": [
            {"id": ria.pk, "owner": "Ria Rep", "status": "approved", "version": ria.version + 1}
        ],
    }
    returned = api(max_, f"/cycles/{cycle.pk}/returns", {"goals": listed(rob), "reason": "Too low"})
    assert returned.status_code == 200, returned.json()
    assert returned.json()["goals"][0]["status"] == "returned"


def test_the_api_answers_every_refusal_and_writes_nothing(
    cycle: PlanningCycle, submissions: dict[str, Goal], more_reps: SmallOrg
) -> None:
    ria, rob, sue = submissions["ria"], submissions["rob"], submissions["sue"]
    before = (state(ria, rob, sue), AuditEvent.objects.count())
    max_ = more_reps.users["manager_max"]

    refused = api(
        max_,
        f"/cycles/{cycle.pk}/approvals",
        {"goals": listed(ria, rob, sue, stale=rob.pk)},
    )

    assert refused.status_code == 400
    body = refused.json()
    assert body["field"] == "goals" and body["detail"].startswith("Nothing was approved")
    # Sue is in South: outside what Max sees today, so she is "not found", not named.
    assert [(g["goal"], g["status"], g["owner"]) for g in body["goals"]] == [
        (rob.pk, 409, "Rob Rep"),
        (sue.pk, 404, ""),
    ]
    assert (state(ria, rob, sue), AuditEvent.objects.count()) == before

    stale_only = api(
        max_, f"/cycles/{cycle.pk}/returns", {"goals": listed(rob, stale=rob.pk), "reason": "r"}
    )
    assert stale_only.status_code == 409
    twice = api(max_, f"/cycles/{cycle.pk}/approvals", {"goals": listed(ria, ria)})
    assert twice.status_code == 400 and "listed twice" in twice.json()["detail"]
    too_many = [{"goal": n, "expected_version": 1} for n in range(1, MAX_BULK_GOALS + 2)]
    bounded = api(max_, f"/cycles/{cycle.pk}/approvals", {"goals": too_many})
    assert bounded.status_code == 422
    assert (state(ria, rob, sue), AuditEvent.objects.count()) == before


def test_a_rep_cannot_bulk_approve(
    cycle: PlanningCycle, submissions: dict[str, Goal], more_reps: SmallOrg
) -> None:
    rob = submissions["rob"]
    refused = api(
        more_reps.users["rep_ria"], f"/cycles/{cycle.pk}/approvals", {"goals": listed(rob)}
    )
    assert refused.status_code == 404  # Rob's goal is not hers to see
    own = submissions["ria"]
    mine = api(more_reps.users["rep_ria"], f"/cycles/{cycle.pk}/approvals", {"goals": listed(own)})
    assert mine.status_code == 403
    assert mine.json()["goals"][0]["reason"] == NOT_ABOVE
