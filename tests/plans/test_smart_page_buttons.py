"""The SMART pages offer a step exactly when its planning action would take it.

The goal page's submission form and the review page's Approve button used to follow rules
of their own (any bottom-up goal you own; any submitted goal you can see), so a rep was
offered a submission in a published plan or after the deadline, and a manager an approval
of the unit they manage. They now ask ``quotaflow.plans.permissions``, like the actions.
Each attempt runs inside a savepoint that is rolled back, so every case starts equal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from quotaflow.plans import actions
from quotaflow.plans.models import CycleStatus, Goal, GoalStatus, PlanningCycle
from quotaflow.smart.actions import approve_goal_checked
from tests.attempts import succeeds as _succeeds
from tests.conftest import SmallOrg
from tests.plans.conftest import goal_of
from tests.plans.test_review_buttons import VIEWERS as REVIEW_VIEWERS
from tests.plans.test_review_buttons import _extra_managers

#: The review-button viewers but two, to keep the run short: the administrator stands where
#: sales operations stands, and Leo (manages South today, not in the plan's year) where Pia does.
VIEWERS = [
    viewer for viewer in REVIEW_VIEWERS if viewer not in {"leaving_manager_leo", "admin_ada"}
]
CYCLES = ["open", "past_deadline", "published", "top_down"]
STATES = ["draft", "submitted", "returned", "approved"]


def _cycle(make_cycle: Callable[..., PlanningCycle], kind: str) -> PlanningCycle:
    if kind == "top_down":
        return make_cycle("top_down")
    cycle = make_cycle("bottom_up")
    if kind == "past_deadline":
        PlanningCycle.objects.filter(pk=cycle.pk).update(submissions_due=dt.date(2020, 1, 31))
    if kind == "published":
        PlanningCycle.objects.filter(pk=cycle.pk).update(status=CycleStatus.PUBLISHED)
    return PlanningCycle.objects.get(pk=cycle.pk)


def _goals(org: SmallOrg, cycle: PlanningCycle, state: str) -> dict[str, Goal]:
    goals = {
        "Ria's goal": goal_of(cycle, org.people["ria"]),
        "Sue's goal": goal_of(cycle, org.people["sue"]),
        "North Team A's roll-up": goal_of(cycle, org.north_team),
        "North's roll-up": goal_of(cycle, org.north),
    }
    Goal.objects.filter(pk__in=[g.pk for g in goals.values()]).update(
        status=GoalStatus(state), submitted_target=500_000
    )
    return {name: Goal.objects.get(pk=goal.pk) for name, goal in goals.items()}


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("kind", CYCLES)
@pytest.mark.parametrize("viewer", VIEWERS)
def test_the_smart_submission_form_appears_exactly_when_submit_is_allowed(
    more_reps: SmallOrg,
    make_cycle: Callable[..., PlanningCycle],
    viewer: str,
    kind: str,
    state: str,
) -> None:
    org = more_reps
    _extra_managers(org)
    cycle = _cycle(make_cycle, kind)
    user = org.users[viewer]
    client = Client()
    client.force_login(user)
    for name, goal in _goals(org, cycle, state).items():
        allowed = _succeeds(
            lambda g=goal: actions.submit_goal(
                g, acting_user=user, target=600_000, expected_version=g.version
            )
        )
        page = client.get(reverse("smart-goal", args=[goal.pk]))
        shown = page.status_code == 200 and 'id="submit-form"' in page.content.decode()
        assert shown == allowed, f"{viewer} on {name} ({kind}, {state})"


@pytest.mark.parametrize("kind", ["open", "published"])
@pytest.mark.parametrize("viewer", VIEWERS)
def test_the_smart_review_approve_button_appears_exactly_when_approval_is_allowed(
    more_reps: SmallOrg, make_cycle: Callable[..., PlanningCycle], viewer: str, kind: str
) -> None:
    org = more_reps
    _extra_managers(org)
    cycle = _cycle(make_cycle, kind)
    goals = _goals(org, cycle, "submitted")
    user = org.users[viewer]
    client = Client()
    client.force_login(user)
    page = client.get(reverse("smart-review", args=[cycle.pk]))
    listed = page.content.decode() if page.status_code == 200 else ""
    for name, goal in goals.items():
        if goal.owner_person_id is None:
            continue  # the review page lists personal submissions; roll-ups are the cycle page's
        allowed = _succeeds(lambda g=goal: approve_goal_checked(g, acting_user=user, comment=""))
        approve_url = reverse("smart-goal-approve", args=[goal.pk])
        assert (f'action="{approve_url}"' in listed) == allowed, f"{viewer} on {name} ({kind})"


def test_a_rep_is_offered_no_submission_in_a_published_plan(
    more_reps: SmallOrg, make_cycle: Callable[..., PlanningCycle]
) -> None:
    """The worked example of the defect: Ria owns a draft goal of a published plan."""
    cycle = _cycle(make_cycle, "published")
    ria_goal = _goals(more_reps, cycle, "draft")["Ria's goal"]
    client = Client()
    client.force_login(more_reps.users["rep_ria"])
    page = client.get(reverse("smart-goal", args=[ria_goal.pk]))
    assert page.status_code == 200
    assert 'id="submit-form"' not in page.content.decode()
    refused = client.post(reverse("smart-goal", args=[ria_goal.pk]), {"target": "6000"})
    assert refused.status_code == 404
