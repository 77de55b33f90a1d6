"""My goals lists the goals waiting for their owner's number: a draft of a bottom-up or
hybrid plan to submit, a number returned to them. Never a what-if scenario's copy and
never somebody else's draft."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client

from quotaflow.plans import actions
from quotaflow.plans.models import PlanningCycle
from tests.conftest import SmallOrg
from tests.plans.conftest import goal_of

pytestmark = pytest.mark.django_db


def _client(org: SmallOrg, username: str) -> Client:
    client = Client()
    client.force_login(org.users[username])
    return client


def test_a_rep_sees_her_draft_with_the_deadline_and_the_link_to_submit(
    more_reps: SmallOrg, make_cycle: Callable[..., PlanningCycle]
) -> None:
    cycle = make_cycle("bottom_up", submissions_due=dt.date(2099, 1, 31))
    ria = goal_of(cycle, more_reps.people["ria"])

    waiting = _client(more_reps, "rep_ria").get("/api/v1/goals/mine/waiting").json()

    assert [item["goal"]["id"] for item in waiting] == [ria.pk]
    assert waiting[0]["action"] == "submit" and waiting[0]["can_act"] is True
    assert waiting[0]["deadline"] == "2099-01-31"
    assert waiting[0]["cycle_name"] == str(cycle)
    assert waiting[0]["submit"] == f"/api/v1/goals/{ria.pk}/submit"
    assert waiting[0]["page"] == f"/plans/goals/{ria.pk}/"
    page = _client(more_reps, "rep_ria").get("/plans/my-goals/").content.decode()
    assert "Waiting for you" in page and f'href="/plans/goals/{ria.pk}/"' in page
    assert "31 Jan 2099" in page


def test_a_returned_number_waits_for_a_resubmission_and_a_submitted_one_does_not(
    more_reps: SmallOrg, make_cycle: Callable[..., PlanningCycle]
) -> None:
    cycle = make_cycle("bottom_up")
    ria = goal_of(cycle, more_reps.people["ria"])
    actions.submit_goal(ria, acting_user=more_reps.users["rep_ria"], target=450_000)
    client = _client(more_reps, "rep_ria")
    assert client.get("/api/v1/goals/mine/waiting").json() == []

    actions.return_goal(
        goal_of(cycle, more_reps.people["ria"]),
        acting_user=more_reps.users["manager_max"],
        comment="Include the renewal",
    )
    waiting = client.get("/api/v1/goals/mine/waiting").json()
    assert [(item["goal"]["id"], item["action"]) for item in waiting] == [(ria.pk, "resubmit")]
    assert "Returned to you" in client.get("/plans/my-goals/").content.decode()


def test_never_a_scenario_nor_another_persons_draft(
    more_reps: SmallOrg, make_cycle: Callable[..., PlanningCycle]
) -> None:
    olga = more_reps.users["ops_olga"]
    cycle = make_cycle("bottom_up")
    actions.copy_as_scenario(cycle, acting_user=olga, name="What if")  # Ria's goal copied

    waiting = _client(more_reps, "rep_ria").get("/api/v1/goals/mine/waiting").json()
    assert [item["goal"]["id"] for item in waiting] == [goal_of(cycle, more_reps.people["ria"]).pk]
    # her manager's page lists none of his reps' drafts; a planner has none of their own
    for username in ("manager_max", "ops_olga"):
        assert _client(more_reps, username).get("/api/v1/goals/mine/waiting").json() == []


def test_a_passed_deadline_is_shown_but_cannot_be_acted_on(
    more_reps: SmallOrg, make_cycle: Callable[..., PlanningCycle]
) -> None:
    make_cycle("bottom_up", submissions_due=dt.date(2020, 1, 31))

    waiting = _client(more_reps, "rep_ria").get("/api/v1/goals/mine/waiting").json()

    assert [item["can_act"] for item in waiting] == [False]


def test_a_top_down_draft_never_waits_for_the_rep(
    more_reps: SmallOrg, make_cycle: Callable[..., PlanningCycle]
) -> None:
    make_cycle("top_down")

    assert _client(more_reps, "rep_ria").get("/api/v1/goals/mine/waiting").json() == []
