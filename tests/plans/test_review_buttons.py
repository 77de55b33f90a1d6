"""A review button appears on a page exactly when its action would succeed.

For every viewer (the goal's owner, another rep, a manager above the goal, one elsewhere,
one who managed the region only in the past, one who manages it today but no longer in the
plan's year, one who manages a region and also leads a team in it, ops, finance, an administrator) and every
state a goal can be reviewed in or not, the goal page's Approve, Return and Adjust buttons
and the cycle page's Approve button are compared with what the actions do when tried — each
attempt inside a savepoint that is rolled back, so every case starts from the same data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from quotaflow.accounts.models import Role, User
from quotaflow.org.models import Assignment, AssignmentRole, Person
from quotaflow.plans import actions
from quotaflow.plans.models import CycleStatus, Goal, GoalStatus, PlanningCycle
from tests.attempts import succeeds as _succeeds
from tests.conftest import PASSWORD, START, SmallOrg
from tests.plans.conftest import goal_of

VIEWERS = [
    "rep_ria",
    "rep_rob",
    "manager_max",
    "manager_sam",
    "ceo_cora",
    "past_manager_pia",
    "leaving_manager_leo",
    "team_lead_tia",
    "ops_olga",
    "finance_fay",
    "admin_ada",
]
STATES = ["submitted", "draft", "approved", "returned", "submitted_in_published_plan"]


def _manager(org: SmallOrg, key: str, name: str, places: list[tuple[Any, dt.date | None]]) -> User:
    person = Person.objects.create(
        external_id=f"E{Person.objects.count() + 100}", full_name=name, hire_date=START
    )
    for unit, until in places:
        Assignment.objects.create(
            person=person, unit=unit, role=AssignmentRole.MANAGER, valid_from=START, valid_to=until
        )
    user = User.objects.create_user(username=key, password=PASSWORD, role=Role.MANAGER)
    person.user = user
    person.save(update_fields=["user"])
    return user


def _extra_managers(org: SmallOrg) -> None:
    """Pia managed North until mid-2026 (before today and before the plan's year); Leo
    manages South until the end of 2026 (today, not in the plan's year); Tia manages North
    and leads North Team A herself."""
    org.users["past_manager_pia"] = _manager(
        org, "past_manager_pia", "Pia Past", [(org.north, dt.date(2026, 6, 30))]
    )
    org.users["leaving_manager_leo"] = _manager(
        org, "leaving_manager_leo", "Leo Leaving", [(org.south, dt.date(2026, 12, 31))]
    )
    org.users["team_lead_tia"] = _manager(
        org, "team_lead_tia", "Tia Lead", [(org.north, None), (org.north_team, None)]
    )


def _in_state(cycle: PlanningCycle, goals: list[Goal], state: str) -> None:
    status = state.removesuffix("_in_published_plan")
    Goal.objects.filter(pk__in=[g.pk for g in goals]).update(
        status=GoalStatus(status), submitted_target=500_000
    )
    if state.endswith("_in_published_plan"):
        PlanningCycle.objects.filter(pk=cycle.pk).update(status=CycleStatus.PUBLISHED)


def _buttons(client: Client, cycle: PlanningCycle, goal: Goal) -> dict[str, bool]:
    page = client.get(reverse("plans-goal", args=[goal.pk]))
    shown = page.content.decode() if page.status_code == 200 else ""
    listing = client.get(reverse("plans-cycle", args=[cycle.pk]))
    listed = listing.content.decode() if listing.status_code == 200 else ""
    approve_url = reverse("plans-goal-step", args=[goal.pk, "approve"])
    return {
        "approve": 'id="approve-form"' in shown,
        "return": 'id="return-form"' in shown,
        "adjust": 'id="adjust-form"' in shown,
        "approve on the cycle page": f'action="{approve_url}"' in listed,
    }


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("viewer", VIEWERS)
def test_a_review_button_appears_exactly_when_the_action_allows_it(
    more_reps: SmallOrg, make_cycle: Callable[..., PlanningCycle], viewer: str, state: str
) -> None:
    org = more_reps
    _extra_managers(org)
    cycle = make_cycle("bottom_up")
    goals = {
        "Ria's goal": goal_of(cycle, org.people["ria"]),
        "North Team A's roll-up": goal_of(cycle, org.north_team),
        "North's roll-up": goal_of(cycle, org.north),
        "Sue's goal": goal_of(cycle, org.people["sue"]),
        "South Team A's roll-up": goal_of(cycle, org.south_team),
        "Acme's roll-up": goal_of(cycle, org.company),
    }
    _in_state(cycle, list(goals.values()), state)
    user = org.users[viewer]
    client = Client()
    client.force_login(user)
    for name, stale in goals.items():
        goal = Goal.objects.get(pk=stale.pk)
        allowed = {
            "approve": _succeeds(lambda g=goal: actions.approve_goal(g, acting_user=user)),
            "return": _succeeds(
                lambda g=goal: actions.return_goal(g, acting_user=user, comment="Too low")
            ),
            "adjust": _succeeds(
                lambda g=goal: actions.adjust_submission(
                    g, acting_user=user, target=600_000, reason="Market grows"
                )
            ),
        }
        allowed["approve on the cycle page"] = allowed["approve"]
        assert _buttons(client, cycle, goal) == allowed, f"{viewer} on {name} ({state})"


def test_a_manager_is_offered_no_review_of_the_unit_they_manage(
    more_reps: SmallOrg, make_cycle: Callable[..., PlanningCycle]
) -> None:
    """The worked example: Max manages North, so North's roll-up is Cora's to review."""
    cycle = make_cycle("bottom_up")
    north = goal_of(cycle, more_reps.north)
    _in_state(cycle, [north], "submitted")
    max_, cora = Client(), Client()
    max_.force_login(more_reps.users["manager_max"])
    cora.force_login(more_reps.users["ceo_cora"])
    assert not any(_buttons(max_, cycle, north).values())
    assert all(_buttons(cora, cycle, north).values())
