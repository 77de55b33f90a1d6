"""Bottom-up: reps submit, managers approve, return or adjust, roll-ups go upward."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from pytest_django import DjangoCaptureOnCommitCallbacks

from quotaflow.core.errors import Conflict, InvalidInput, NotAllowed
from quotaflow.core.models import Notification
from quotaflow.plans import actions
from quotaflow.plans.models import CycleStatus, GoalComment, GoalStatus, PlanningCycle
from quotaflow.plans.queries import replay_target, submission_status, sums_are_exact, tree_goals
from tests.conftest import SmallOrg
from tests.plans.conftest import goal_of


@pytest.fixture
def cycle(make_cycle: Callable[..., PlanningCycle]) -> PlanningCycle:
    return make_cycle("bottom_up", submissions_due=dt.date(2099, 1, 31))


def test_submission_rolls_up_exactly_at_every_level(
    small_org: SmallOrg,
    cycle: PlanningCycle,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    ria = goal_of(cycle, small_org.people["ria"])
    with django_capture_on_commit_callbacks(execute=True):
        actions.submit_goal(
            ria,
            acting_user=small_org.users["rep_ria"],
            target=420_000,
            rationale="Two renewals and the Nordics pipeline",
            breakdown=[
                {"label": "Software", "target": 300_000},
                {"label": "Services", "target": 120_000},
            ],
        )
    ria.refresh_from_db()
    assert ria.status == GoalStatus.SUBMITTED and ria.target == ria.submitted_target == 420_000
    assert goal_of(cycle, small_org.north_team).target == 420_000
    assert goal_of(cycle, small_org.company).target == 420_000
    assert sums_are_exact(tree_goals(cycle)) == []
    # North Team A has no manager of its own, so Max (North) hears about it
    assert Notification.objects.filter(
        user=small_org.users["manager_max"], kind="plan.submission"
    ).exists()
    assert cycle.status == CycleStatus.OPEN


def test_breakdown_must_add_up(small_org: SmallOrg, cycle: PlanningCycle) -> None:
    ria = goal_of(cycle, small_org.people["ria"])
    with pytest.raises(InvalidInput, match="adds up to 1.00"):
        actions.submit_goal(
            ria,
            acting_user=small_org.users["rep_ria"],
            target=200,
            breakdown=[{"label": "Software", "target": 100}],
        )


def test_only_the_owner_submits_and_not_after_the_deadline(
    small_org: SmallOrg, make_cycle: Callable[..., PlanningCycle]
) -> None:
    cycle = make_cycle("bottom_up", submissions_due=dt.date(2020, 1, 31))
    ria = goal_of(cycle, small_org.people["ria"])
    with pytest.raises(NotAllowed):
        actions.submit_goal(ria, acting_user=small_org.users["manager_max"], target=1)
    with pytest.raises(InvalidInput, match="closed on 31 Jan 2020"):
        actions.submit_goal(ria, acting_user=small_org.users["rep_ria"], target=1)


def test_return_and_resubmit_before_the_team_rolls_up(
    small_org: SmallOrg,
    cycle: PlanningCycle,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    users, people = small_org.users, small_org.people
    ria, rob, sue = (goal_of(cycle, people[k]) for k in ("ria", "rob", "sue"))
    actions.submit_goal(ria, acting_user=users["rep_ria"], target=500_000, rationale="stretch")
    status = {row.goal.owner_name: row.submitted for row in submission_status(cycle)}
    assert status == {"Ria Rep": True, "Rob Rep": False, "Sue Seller": False}

    max_ = users["manager_max"]
    with django_capture_on_commit_callbacks(execute=True):
        actions.return_goal(
            ria, acting_user=max_, comment="Too high for a first year in the territory"
        )
    ria.refresh_from_db()
    assert ria.status == GoalStatus.RETURNED
    assert GoalComment.objects.get(goal=ria).kind == "return"
    assert Notification.objects.filter(user=users["rep_ria"], kind="plan.returned").exists()
    actions.submit_goal(ria, acting_user=users["rep_ria"], target=400_000, rationale="revised")
    actions.approve_goal(ria, acting_user=max_)
    with pytest.raises(Conflict, match="Only a submitted goal"):
        actions.approve_goal(ria, acting_user=max_)

    # the team cannot roll up while Rob has nothing approved
    team = goal_of(cycle, small_org.north_team)
    with pytest.raises(InvalidInput, match="Rob Rep"):
        actions.submit_rollup(team, acting_user=max_)


def _submit_all(small_org: SmallOrg, cycle: PlanningCycle) -> None:
    """Everyone submits; Max approves Ria, adjusts Rob's number; Sam approves Sue."""
    users, people = small_org.users, small_org.people
    ria, rob, sue = (goal_of(cycle, people[k]) for k in ("ria", "rob", "sue"))
    actions.submit_goal(ria, acting_user=users["rep_ria"], target=400_000)
    actions.submit_goal(rob, acting_user=users["rep_rob"], target=330_000)
    actions.submit_goal(sue, acting_user=users["rep_sue"], target=300_001)
    actions.approve_goal(ria, acting_user=users["manager_max"])
    actions.adjust_submission(
        rob, acting_user=users["manager_max"], target=350_000, reason="Rob sandbagged"
    )
    actions.approve_goal(sue, acting_user=users["manager_sam"])


def test_rollups_travel_up_to_sales_ops_and_publish(
    more_reps: SmallOrg, cycle: PlanningCycle
) -> None:
    small_org = more_reps
    users = small_org.users
    _submit_all(small_org, cycle)
    max_, sam, cora, olga = (
        users["manager_max"],
        users["manager_sam"],
        users["ceo_cora"],
        users["ops_olga"],
    )
    north_team, south_team = (
        goal_of(cycle, small_org.north_team),
        goal_of(cycle, small_org.south_team),
    )
    north, south = goal_of(cycle, small_org.north), goal_of(cycle, small_org.south)
    acme = goal_of(cycle, small_org.company)

    actions.submit_rollup(north_team, acting_user=max_)
    actions.approve_goal(north_team, acting_user=max_)
    actions.submit_rollup(north, acting_user=max_)
    with pytest.raises(NotAllowed, match="manager above"):
        actions.approve_goal(north, acting_user=max_)
    actions.approve_goal(north, acting_user=cora)
    actions.submit_rollup(south_team, acting_user=sam)
    actions.approve_goal(south_team, acting_user=sam)
    actions.submit_rollup(south, acting_user=sam)
    actions.approve_goal(south, acting_user=cora)
    actions.submit_rollup(acme, acting_user=cora)
    with pytest.raises(NotAllowed):
        actions.approve_goal(acme, acting_user=cora)
    actions.approve_goal(acme, acting_user=olga)
    actions.publish_cycle(cycle, acting_user=olga)

    acme.refresh_from_db()
    assert acme.target == 1_050_001 and acme.status == GoalStatus.PUBLISHED
    assert sums_are_exact(tree_goals(cycle)) == []
    for goal in tree_goals(cycle):
        assert replay_target(goal) == goal.target


def test_publish_waits_for_every_approval(small_org: SmallOrg, cycle: PlanningCycle) -> None:
    with pytest.raises(InvalidInput, match="must be approved"):
        actions.publish_cycle(cycle, acting_user=small_org.users["ops_olga"])


def test_reminders_go_to_those_who_have_not_submitted(
    small_org: SmallOrg,
    cycle: PlanningCycle,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        count = actions.send_submission_reminders(cycle, acting_user=small_org.users["ops_olga"])
    assert count == 1  # only Ria has a login in the base fixture
    assert Notification.objects.filter(
        user=small_org.users["rep_ria"], kind="plan.reminder"
    ).exists()
    actions.submit_goal(
        goal_of(cycle, small_org.people["ria"]), acting_user=small_org.users["rep_ria"], target=1
    )
    assert actions.send_submission_reminders(cycle, acting_user=small_org.users["ops_olga"]) == 0


def test_non_revenue_goals_follow_the_same_workflow(
    small_org: SmallOrg, make_cycle: Callable[..., PlanningCycle]
) -> None:
    from quotaflow.metrics.models import Metric

    calls = Metric.objects.create(code="calls", name="Calls", unit="count", source="activities")
    cycle = make_cycle("bottom_up", submissions_due=dt.date(2099, 1, 31))
    users = small_org.users
    (ria_calls,) = [
        g
        for g in actions.create_goals_from_template(
            cycle, acting_user=users["ops_olga"], metric=calls, role="rep", target=0
        )
        if g.owner_person == small_org.people["ria"]
    ]
    actions.submit_goal(ria_calls, acting_user=users["rep_ria"], target=900, rationale="15 a day")
    with pytest.raises(NotAllowed):
        actions.approve_goal(ria_calls, acting_user=users["manager_sam"])
    actions.approve_goal(ria_calls, acting_user=users["manager_max"])
    ria_calls.refresh_from_db()
    assert ria_calls.status == GoalStatus.APPROVED and ria_calls.target == 900


def test_managers_see_and_review_their_reps_template_goals_in_the_pages(
    small_org: SmallOrg, make_cycle: Callable[..., PlanningCycle]
) -> None:
    from django.test import Client

    from quotaflow.metrics.models import Metric

    calls = Metric.objects.create(code="calls", name="Calls", unit="count", source="activities")
    cycle = make_cycle("bottom_up", submissions_due=dt.date(2099, 1, 31))
    made = actions.create_goals_from_template(
        cycle, acting_user=small_org.users["ops_olga"], metric=calls, role="rep", target=0
    )
    ria_calls = next(g for g in made if g.owner_person == small_org.people["ria"])
    actions.submit_goal(ria_calls, acting_user=small_org.users["rep_ria"], target=900)
    client = Client()
    client.force_login(small_org.users["manager_max"])
    page = client.get(f"/plans/goals/{ria_calls.pk}/")
    assert page.status_code == 200 and b'id="approve-form"' in page.content
    client.force_login(small_org.users["manager_sam"])
    assert client.get(f"/plans/goals/{ria_calls.pk}/").status_code == 404
