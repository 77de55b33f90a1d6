"""The ``workflow`` token scope: reps and managers automate their own planning steps.

The scope opens the door to the steps (submit, approve, return, adjust, roll up, re-split,
comment); what a token may do there is exactly what its user may do by the tree rules, and
only inside the user's part of the organisation today.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from quotaflow import cli
from quotaflow.accounts import actions as account_actions
from quotaflow.accounts.models import ApiToken, TokenScope, User
from quotaflow.core.errors import InvalidInput
from quotaflow.core.models import AuditEvent
from quotaflow.org.models import Assignment, AssignmentRole
from quotaflow.plans import actions
from quotaflow.plans.models import Goal, GoalStatus, PlanningCycle
from tests.conftest import SmallOrg
from tests.plans.conftest import goal_of

WORKFLOW = [TokenScope.READ, TokenScope.WORKFLOW]


def token_for(user: User, scopes: list[str]) -> str:
    _, raw = account_actions.create_token(user, name="bot", scopes=scopes, acting_user=user)
    return raw


def call(token: str, path: str, body: dict[str, Any]) -> Any:
    return Client().post(
        f"/api/v1{path}",
        json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


@pytest.fixture
def bottom_up(make_cycle: Callable[..., PlanningCycle], more_reps: SmallOrg) -> PlanningCycle:
    return make_cycle("bottom_up", submissions_due=dt.date(2099, 1, 31))


def submitted(cycle: PlanningCycle, org: SmallOrg, key: str, username: str) -> Goal:
    goal = goal_of(cycle, org.people[key])
    actions.submit_goal(goal, acting_user=org.users[username], target=100_000)
    return Goal.objects.get(pk=goal.pk)


def test_any_role_may_hold_the_workflow_scope_but_only_planners_manage(
    small_org: SmallOrg,
) -> None:
    for username in ("rep_ria", "manager_max", "finance_fay", "ops_olga"):
        user = small_org.users[username]
        token, _ = account_actions.create_token(user, name="bot", scopes=WORKFLOW, acting_user=user)
        assert token.scopes == ["read", "workflow"]
    with pytest.raises(InvalidInput, match="'manage' scope"):
        ria = small_org.users["rep_ria"]
        account_actions.create_token(ria, name="bot", scopes=["manage"], acting_user=ria)


def test_a_reps_workflow_token_submits_their_own_goal_and_nothing_else(
    bottom_up: PlanningCycle, more_reps: SmallOrg
) -> None:
    token = token_for(more_reps.users["rep_ria"], WORKFLOW)
    ria = goal_of(bottom_up, more_reps.people["ria"])
    rob = submitted(bottom_up, more_reps, "rob", "rep_rob")

    done = call(
        token,
        f"/goals/{ria.pk}/submit",
        {"target": 120_000, "rationale": "pipeline", "expected_version": ria.version},
    )
    assert done.status_code == 200, done.json()
    assert (done.json()["status"], done.json()["submitted_target"]) == ("submitted", 120_000)
    event = AuditEvent.objects.filter(action="plans.goal.submitted", object_id=str(ria.pk)).get()
    assert event.actor == more_reps.users["rep_ria"]

    # Her own submission: she cannot approve it (the tree rule, not the token, says no).
    own = call(token, f"/goals/{ria.pk}/approve", {"expected_version": ria.version + 1})
    assert own.status_code == 403
    # Another rep's goal is outside her part of the tree: it does not exist for her.
    for step, body in (
        ("approve", {}),
        ("return", {"comment": "no"}),
        ("submit", {"target": 1}),
        ("comments", {"body": "hello"}),
    ):
        other = call(token, f"/goals/{rob.pk}/{step}", {**body, "expected_version": rob.version})
        assert other.status_code == 404, (step, other.json())
    assert Goal.objects.get(pk=rob.pk).version == rob.version

    commented = call(token, f"/goals/{ria.pk}/comments", {"body": "Happy to discuss"})
    assert commented.status_code == 201


def test_a_managers_workflow_token_reviews_only_the_subtree_they_manage(
    bottom_up: PlanningCycle, more_reps: SmallOrg
) -> None:
    token = token_for(more_reps.users["manager_max"], WORKFLOW)
    ria = submitted(bottom_up, more_reps, "ria", "rep_ria")
    rob = submitted(bottom_up, more_reps, "rob", "rep_rob")
    sue = submitted(bottom_up, more_reps, "sue", "rep_sue")

    approved = call(
        token, f"/goals/{ria.pk}/approve", {"comment": "Good", "expected_version": ria.version}
    )
    assert approved.status_code == 200, approved.json()
    assert approved.json()["status"] == GoalStatus.APPROVED
    returned = call(
        token, f"/goals/{rob.pk}/return", {"comment": "Too low", "expected_version": rob.version}
    )
    assert returned.status_code == 200, returned.json()
    assert returned.json()["status"] == GoalStatus.RETURNED

    # Sue is in South: outside Max's subtree, so 404 for every step, and nothing changes.
    for step in ("approve", "return", "adjust"):
        body = {"comment": "x", "target": 1, "reason": "x", "expected_version": sue.version}
        outside = call(token, f"/goals/{sue.pk}/{step}", body)
        assert outside.status_code == 404, (step, outside.json())
    assert Goal.objects.get(pk=sue.pk).status == GoalStatus.SUBMITTED

    # A manager cannot submit a rep's number for them.
    fresh = Goal.objects.get(pk=rob.pk)
    refused = call(
        token, f"/goals/{rob.pk}/submit", {"target": 1, "expected_version": fresh.version}
    )
    assert refused.status_code == 403


def test_a_read_only_token_can_take_no_step(bottom_up: PlanningCycle, more_reps: SmallOrg) -> None:
    ria = submitted(bottom_up, more_reps, "ria", "rep_ria")
    team = goal_of(bottom_up, more_reps.north_team)
    before = AuditEvent.objects.count()
    for username, goal, steps in (
        ("rep_ria", ria, ("submit", "comments")),
        ("manager_max", ria, ("approve", "return", "adjust", "comments")),
        ("manager_max", team, ("rollup",)),
        ("ops_olga", ria, ("approve", "return", "adjust", "comments")),
    ):
        token = token_for(more_reps.users[username], [TokenScope.READ])
        for step in steps:
            body = {"target": 1, "comment": "x", "reason": "x", "body": "x"}
            refused = call(
                token, f"/goals/{goal.pk}/{step}", {**body, "expected_version": goal.version}
            )
            assert refused.status_code == 403, (username, step)
            assert "'workflow' or 'manage' scope" in refused.json()["detail"]
        bulk = call(
            token,
            f"/cycles/{bottom_up.pk}/approvals",
            {"goals": [{"goal": ria.pk, "expected_version": ria.version}]},
        )
        assert bulk.status_code == 403, username
    # Only the token creations were recorded.
    assert AuditEvent.objects.count() - before == 4
    assert Goal.objects.get(pk=ria.pk).status == GoalStatus.SUBMITTED


def test_the_manage_scope_keeps_working_for_planners(
    bottom_up: PlanningCycle, more_reps: SmallOrg
) -> None:
    ria = submitted(bottom_up, more_reps, "ria", "rep_ria")
    token = token_for(more_reps.users["ops_olga"], [TokenScope.READ, TokenScope.MANAGE])
    approved = call(token, f"/goals/{ria.pk}/approve", {"expected_version": ria.version})
    assert approved.status_code == 200, approved.json()


def test_workflow_steps_follow_todays_tree_not_the_plans_start(
    bottom_up: PlanningCycle, more_reps: SmallOrg
) -> None:
    """Sam takes over North on the plan's first day (in the future). By the tree of that
    day he would review Ria; today he does not manage her, so her goal is not his to see."""
    Assignment.objects.create(
        person=more_reps.people["sam"],
        unit=more_reps.north,
        role=AssignmentRole.MANAGER,
        valid_from=bottom_up.period_start,
    )
    ria = submitted(bottom_up, more_reps, "ria", "rep_ria")
    token = token_for(more_reps.users["manager_sam"], WORKFLOW)

    single = call(token, f"/goals/{ria.pk}/approve", {"expected_version": ria.version})
    assert single.status_code == 404
    bulk = call(
        token,
        f"/cycles/{bottom_up.pk}/approvals",
        {"goals": [{"goal": ria.pk, "expected_version": ria.version}]},
    )
    assert bulk.status_code == 404, bulk.json()
    assert bulk.json()["goals"][0]["owner"] == ""  # nothing about the goal is told
    assert Goal.objects.get(pk=ria.pk).status == GoalStatus.SUBMITTED


def test_the_command_line_issues_a_workflow_token(
    small_org: SmallOrg, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(
        ["token", "create", "--user", "manager_max", "--scope", "read", "--scope", "workflow"]
    )
    assert code == 0, capsys.readouterr().err
    token = ApiToken.objects.get(user=small_org.users["manager_max"])
    assert token.scopes == ["read", "workflow"]
    assert "with scopes: read, workflow" in capsys.readouterr().out


def test_the_tokens_page_offers_the_workflow_scope_to_a_rep(small_org: SmallOrg) -> None:
    client = Client()
    client.force_login(small_org.users["rep_ria"])
    page = client.get("/tokens/").content.decode()
    assert 'value="workflow"' in page and 'value="manage"' not in page
    created = client.post("/tokens/", {"name": "Planning bot", "scopes": ["read", "workflow"]})
    assert created.status_code == 200
    assert ApiToken.objects.get(user=small_org.users["rep_ria"]).scopes == ["read", "workflow"]
