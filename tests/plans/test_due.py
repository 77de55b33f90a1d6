"""Planning in the action centre (``plans.due``) and what blocks a plan
(``plans.blockers``), with time frozen on 20 January 2027 in a bottom-up FY2027 plan whose
submissions are due on 15 February and approvals on 28 February.

    Acme (ceo_cora) → North (manager_max) → North Team A → Ria Rep (rep_ria), Rob Rep
                    → South (manager_sam) → South Team A → Sue Seller
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from quotaflow.core.due import collect
from quotaflow.plans import actions
from quotaflow.plans.blockers import cycle_blockers, preparing_cycles
from quotaflow.plans.due import items_for
from quotaflow.plans.models import PlanningCycle
from tests.conftest import SmallOrg, local
from tests.plans.conftest import goal_of

pytestmark = pytest.mark.django_db

TODAY = dt.date(2027, 1, 20)


@pytest.fixture
def bottom_up(
    make_cycle: Callable[..., PlanningCycle], more_reps: SmallOrg, frozen: Any
) -> PlanningCycle:
    return make_cycle(
        "bottom_up",
        name="FY2027 bookings",
        submissions_due=dt.date(2027, 2, 15),
        approvals_due=dt.date(2027, 2, 28),
    )


def _summary(items: list[Any]) -> list[tuple[str, str, str]]:
    return [(item.kind, item.concerns, item.url) for item in items]


def test_a_rep_is_asked_for_her_target_then_to_resubmit_a_returned_one(
    bottom_up: PlanningCycle, more_reps: SmallOrg, frozen: Any
) -> None:
    ria = more_reps.users["rep_ria"]
    goal = goal_of(bottom_up, more_reps.people["ria"])

    (item,) = items_for(ria, TODAY)
    assert _summary([item]) == [("plan.submit", "", f"/plans/goals/{goal.pk}/")]
    assert item.title == "Submit your target for FY2027 bookings"
    assert (item.due_on, item.overdue) == (dt.date(2027, 2, 15), False)

    actions.submit_goal(goal, acting_user=ria, target=90_000_00)
    assert items_for(ria, TODAY) == []

    actions.return_goal(goal, acting_user=more_reps.users["manager_max"], comment="Aim higher.")
    (item,) = items_for(ria, TODAY)
    assert item.kind == "plan.returned"
    assert (
        item.title == "Your target for FY2027 bookings was returned: change it and submit it again"
    )

    # After the deadline the item stays, overdue, and says who sets the number now.
    frozen.move_to(local(2027, 2, 16, 9))
    (item,) = items_for(ria, dt.date(2027, 2, 16))
    assert item.overdue
    assert (
        item.title == "Submissions for FY2027 bookings have closed: your manager sets your number"
    )


def test_a_manager_gets_the_submissions_to_approve_and_then_the_roll_up(
    bottom_up: PlanningCycle, more_reps: SmallOrg, frozen: Any
) -> None:
    max_ = more_reps.users["manager_max"]
    ria = goal_of(bottom_up, more_reps.people["ria"])
    rob = goal_of(bottom_up, more_reps.people["rob"])
    sue = goal_of(bottom_up, more_reps.people["sue"])
    actions.submit_goal(ria, acting_user=more_reps.users["rep_ria"], target=90_000_00)
    actions.submit_goal(sue, acting_user=more_reps.users["rep_sue"], target=80_000_00)

    items = items_for(max_, TODAY)
    assert _summary(items) == [("plan.approve", "Ria Rep", f"/plans/goals/{ria.pk}/")]
    assert items[0].title == "FY2027 bookings: approve or return the submitted 90,000.00 EUR"
    assert (items[0].due_on, items[0].overdue) == (dt.date(2027, 2, 28), False)
    # Sue is in the South: Sam's to approve, never Max's.
    assert [item.concerns for item in items_for(more_reps.users["manager_sam"], TODAY)] == [
        "Sue Seller"
    ]

    actions.approve_goal(ria, acting_user=max_)
    actions.submit_goal(rob, acting_user=more_reps.users["rep_rob"], target=70_000_00)
    actions.approve_goal(rob, acting_user=max_)
    team = goal_of(bottom_up, more_reps.north_team)
    # North Team A has no manager of its own: Max, above it, sends its roll-up on.
    assert _summary(items_for(max_, TODAY)) == [
        ("plan.rollup", "North Team A", f"/plans/goals/{team.pk}/")
    ]


def test_sales_ops_see_what_blocks_each_plan(
    bottom_up: PlanningCycle,
    make_cycle: Callable[..., PlanningCycle],
    more_reps: SmallOrg,
    frozen: Any,
) -> None:
    hybrid = make_cycle("hybrid", name="FY2027 hybrid")
    ria = goal_of(bottom_up, more_reps.people["ria"])
    actions.submit_goal(ria, acting_user=more_reps.users["rep_ria"], target=90_000_00)

    blockers = {row.cycle.pk: row for row in cycle_blockers(preparing_cycles())}
    assert blockers[bottom_up.pk].unsubmitted == 2  # Rob and Sue
    assert blockers[bottom_up.pk].awaiting_approval == 1  # Ria
    assert not blockers[bottom_up.pk].needs_cascade
    assert blockers[hybrid.pk].needs_cascade and blockers[hybrid.pk].needs_reconciliation
    assert blockers[hybrid.pk].unsubmitted == 3

    items = items_for(more_reps.users["ops_olga"], TODAY)
    by_plan = {(item.group, item.kind): item for item in items}
    unsubmitted = by_plan[("Plan FY2027 bookings before publishing", "cycle.unsubmitted")]
    assert unsubmitted.title == "2 people have not submitted a target"
    assert unsubmitted.url == f"/plans/{bottom_up.pk}/"
    assert unsubmitted.due_on == dt.date(2027, 2, 15)
    unapproved = by_plan[("Plan FY2027 bookings before publishing", "cycle.unapproved")]
    assert unapproved.title == "1 submitted number awaits approval"
    assert unapproved.url == f"/plans/{bottom_up.pk}/review/"
    assert {kind for group, kind in by_plan if group == "Plan FY2027 hybrid before publishing"} == {
        "cycle.cascade",
        "cycle.unsubmitted",
        "cycle.unreconciled",
    }
    # Ops own no goal to submit; a rep sees none of this.
    assert all(item.kind.startswith("cycle.") for item in items)
    assert not any(
        item.kind.startswith("cycle.") for item in collect(more_reps.users["rep_ria"], TODAY)
    )


def test_a_published_plan_blocks_nothing(
    bottom_up: PlanningCycle, more_reps: SmallOrg, frozen: Any
) -> None:
    PlanningCycle.objects.filter(pk=bottom_up.pk).update(status="published")
    assert items_for(more_reps.users["ops_olga"], TODAY) == []
    assert items_for(more_reps.users["rep_ria"], TODAY) == []
