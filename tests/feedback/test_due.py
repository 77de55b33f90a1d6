"""Check-ins in the action centre (``feedback.due``), with time frozen on Wednesday
20 January 2027 inside the weekly FY2027 plan: windows 1–7 Jan (due 7 Jan), 8–14 Jan
(due 14 Jan), 15–21 Jan (due 21 Jan), 22–28 Jan (due 28 Jan) …

    Acme (ceo_cora) → North (manager_max) → North Team A → Ria Rep (rep_ria), Rob Rep
                    → South (manager_sam) → South Team A → Sue Seller
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from quotaflow.core.due import collect
from quotaflow.feedback import actions
from quotaflow.feedback.due import items_for
from quotaflow.plans.models import Goal, PlanningCycle
from tests.conftest import SmallOrg, local
from tests.feedback.conftest import set_cadence
from tests.plans.conftest import goal_of

pytestmark = pytest.mark.django_db

TODAY = dt.date(2027, 1, 20)


def _kinds(items: list[Any]) -> list[tuple[str, str, str]]:
    return [(item.kind, item.concerns, item.url) for item in items]


def test_without_a_cadence_no_check_in_is_due(small_org: SmallOrg, plan: PlanningCycle) -> None:
    assert items_for(small_org.users["rep_ria"], TODAY) == []
    assert items_for(small_org.users["manager_max"], TODAY) == []


def test_a_missed_window_is_overdue_until_the_owner_checks_in(
    small_org: SmallOrg, plan: PlanningCycle, ria_goal: Goal, frozen: Any
) -> None:
    set_cadence(plan, "weekly", small_org)
    ria = small_org.users["rep_ria"]

    (item,) = items_for(ria, TODAY)
    assert item.kind == "checkin.overdue" and item.overdue
    assert item.due_on == dt.date(2027, 1, 14)  # the window 8–14 Jan ended without one
    assert item.url == f"/performance/goals/{ria_goal.pk}/#check-ins"
    assert item.title == "Check in on Revenue (FY2027): the check-in due 14 Jan is missing"
    assert item.group == "Check-ins due from you" and item.concerns == ""

    actions.check_in(ria_goal, acting_user=ria, note="Two demos booked.", confidence=4)
    assert items_for(ria, TODAY) == []  # it counts for this window too

    # Friday 22 Jan: a new window (22–28 Jan) has opened with no check-in in it yet.
    frozen.move_to(local(2027, 1, 22, 9))
    (item,) = items_for(ria, dt.date(2027, 1, 22))
    assert (item.kind, item.due_on, item.overdue) == ("checkin.due", dt.date(2027, 1, 28), False)
    assert item.title == "Check in on Revenue (FY2027)"


def test_a_manager_sees_their_units_check_ins_and_who_in_the_team_missed_one(
    small_org: SmallOrg, plan: PlanningCycle, frozen: Any
) -> None:
    set_cadence(plan, "weekly", small_org)
    north, team = goal_of(plan, small_org.north), goal_of(plan, small_org.north_team)
    ria, rob = goal_of(plan, small_org.people["ria"]), goal_of(plan, small_org.people["rob"])
    actions.check_in(ria, acting_user=small_org.users["rep_ria"], note="Fine.", confidence=3)

    items = items_for(small_org.users["manager_max"], TODAY)

    own = [item for item in items if item.group == "Check-ins due from you"]
    assert _kinds(own) == [
        ("checkin.overdue", "North", f"/performance/goals/{north.pk}/#check-ins")
    ]
    team_items = [item for item in items if item.group == "Who has not checked in"]
    # North Team A (a unit below North) and Rob; Ria checked in; nobody from the South.
    assert sorted(_kinds(team_items)) == sorted(
        [
            ("checkin.team_overdue", "North Team A", f"/performance/goals/{team.pk}/#check-ins"),
            ("checkin.team_overdue", "Rob Rep", f"/performance/goals/{rob.pk}/#check-ins"),
        ]
    )
    assert all(item.overdue and item.due_on == dt.date(2027, 1, 14) for item in team_items)


def test_a_rep_never_gets_anybody_elses_items(
    small_org: SmallOrg, plan: PlanningCycle, ria_goal: Goal, frozen: Any
) -> None:
    set_cadence(plan, "weekly", small_org)
    items = collect(small_org.users["rep_ria"], TODAY)
    assert [item.url for item in items] == [f"/performance/goals/{ria_goal.pk}/#check-ins"]
    assert {item.concerns for item in items} == {""}
    # A manager of the South hears nothing of the North.
    south = collect(small_org.users["manager_sam"], TODAY)
    assert "Rob Rep" not in {item.concerns for item in south}
    assert {item.concerns for item in south} == {"South", "South Team A", "Sue Seller"}


def test_the_team_costs_a_fixed_number_of_queries(
    small_org: SmallOrg, plan: PlanningCycle, frozen: Any
) -> None:
    set_cadence(plan, "weekly", small_org)
    max_ = small_org.users["manager_max"]
    with CaptureQueriesContext(connection) as few:
        assert len(items_for(max_, TODAY)) == 4
    # Twenty more people in North Team A, each with a goal on the plan.
    from tests.web.test_home import _add_team

    extra = _add_team(small_org.north, "NORTH-B", members=20)
    for person in extra.assignments.values_list("person", flat=True):
        Goal.objects.create(
            cycle=plan, owner_person_id=person, metric=plan.metric, target=100,
            period_start=plan.period_start, period_end=plan.period_end,
            period_label="FY2027", status="published",
        )  # fmt: skip
    with CaptureQueriesContext(connection) as many:
        assert len(items_for(max_, TODAY)) == 24
    assert len(many) == len(few)


def test_the_weekly_digest_says_what_is_due_from_the_same_items(
    small_org: SmallOrg,
    plan: PlanningCycle,
    ria_goal: Goal,
    frozen: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Monday 25 January: Ria's check-in due 21 Jan is missing; her digest (weekly, on
    Mondays) lists it with its link, as her home does. Once she has checked in, the next
    Monday's digest names only the check-in due in the window she is in."""
    from django.core import mail

    from quotaflow.performance.actions import send_digests
    from quotaflow.performance.models import PerformanceSettings

    set_cadence(plan, "weekly", small_org)
    settings = PerformanceSettings.current()
    settings.digest_cadence = "weekly"
    settings.save()
    ria = small_org.users["rep_ria"]
    ria.email = "ria@example.com"
    ria.save()

    frozen.move_to(local(2027, 1, 25, 7, 5))
    with django_capture_on_commit_callbacks(execute=True):
        assert send_digests(as_of=dt.date(2027, 1, 25)) == 1
    (digest,) = mail.outbox
    assert digest.to == ["ria@example.com"] and digest.subject == "Quotaflow: 1 thing due"
    assert digest.body == (
        "What is due:\n\n"
        "Check-ins due from you (1)\n"
        "- Check in on Revenue (FY2027): the check-in due 21 Jan is missing "
        "(due 21 Jan 2027, overdue)\n"
        f"  /performance/goals/{ria_goal.pk}/#check-ins\n"
    )

    actions.check_in(ria_goal, acting_user=ria, note="Back on track.", confidence=4)
    mail.outbox.clear()
    frozen.move_to(local(2027, 2, 1, 7, 5))
    with django_capture_on_commit_callbacks(execute=True):
        send_digests(as_of=dt.date(2027, 2, 1))
    # Her check-in of 25 Jan counts for the window 22–28 Jan; the one she is in on
    # 1 February (29 Jan – 4 Feb) has none yet: due, not overdue.
    (digest,) = [message for message in mail.outbox if message.to == ["ria@example.com"]]
    assert "Check in on Revenue (FY2027) (due 4 Feb 2027)" in digest.body
    assert "overdue" not in digest.body
