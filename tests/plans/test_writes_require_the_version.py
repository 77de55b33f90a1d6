"""Writes require the version: every state change of a goal or a cycle, in the API and in
the pages, names the version it read — leaving it out changes nothing (there is no
last-write-wins) — and a closed plan refuses changes, comments included, except through
its documented versioning."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from quotaflow.core.errors import Conflict
from quotaflow.core.models import AuditEvent
from quotaflow.plans import actions
from quotaflow.plans.models import CycleStatus, GoalComment, PlanningCycle
from tests.conftest import SmallOrg
from tests.plans.conftest import goal_of
from tests.plans.test_permissions import _published, _submitted, _top_down

Make = Callable[..., PlanningCycle]


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(f"/api/v1{url}", body, content_type="application/json")


def _version(cycle: PlanningCycle) -> int:
    """The cycle's version as stored now (actions re-read it; the object may be stale)."""
    return PlanningCycle.objects.get(pk=cycle.pk).version


def _closed(org: SmallOrg, make: Make) -> PlanningCycle:
    cycle = _published(org, make)
    actions.close_cycle(cycle, acting_user=org.users["ops_olga"])
    return cycle


# (prepare, url, body without a version, who acts)
CYCLE_WRITES: dict[str, tuple[Callable[..., PlanningCycle], str, dict[str, Any], str]] = {
    "close": (_published, "/cycles/{cycle}/close", {}, "ops_olga"),
    "publish": (_top_down, "/cycles/{cycle}/publish", {}, "ops_olga"),
    "cascade": (_top_down, "/cycles/{cycle}/cascade", {"company_target": 7}, "ops_olga"),
    "weights": (_top_down, "/cycles/{cycle}/weights", {"weights": {}}, "ops_olga"),
    "versions": (
        _published,
        "/cycles/{cycle}/versions",
        {"effective_from": "2027-07-01", "reason": "relief", "targets": {"{ria}": 1}},
        "ops_olga",
    ),
    "lock": (_top_down, "/goals/{ria}/lock", {"locked": True}, "ops_olga"),
    "target": (_top_down, "/goals/{north}/target", {"target": 1, "reason": "r"}, "ops_olga"),
    "approve": (_submitted, "/goals/{ria}/approve", {}, "manager_max"),
    "return": (_submitted, "/goals/{ria}/return", {"comment": "again"}, "manager_max"),
    "adjust": (_submitted, "/goals/{ria}/adjust", {"target": 9, "reason": "r"}, "manager_max"),
    "resplit": (
        _top_down,
        "/goals/{team}/resplit",
        {"targets": {"{ria}": 1}, "reason": "r"},
        "manager_max",
    ),
}


def _fill(text: str, ids: dict[str, int]) -> str:
    for name, value in ids.items():
        text = text.replace("{" + name + "}", str(value))
    return text


def _state(cycle: PlanningCycle) -> tuple[Any, ...]:
    goals = tuple(
        cycle.goals.order_by("pk").values_list("pk", "version", "target", "status", "locked")
    )
    fresh = PlanningCycle.objects.get(pk=cycle.pk)
    return fresh.version, fresh.status, goals, PlanningCycle.objects.count()


@pytest.mark.parametrize("endpoint", sorted(CYCLE_WRITES))
def test_writes_require_the_version_in_the_api(
    endpoint: str, small_org: SmallOrg, make_cycle: Make
) -> None:
    prepare, url, body, username = CYCLE_WRITES[endpoint]
    cycle = prepare(small_org, make_cycle)
    ids = {
        "cycle": cycle.pk,
        "ria": goal_of(cycle, small_org.people["ria"]).pk,
        "north": goal_of(cycle, small_org.north).pk,
        "team": goal_of(cycle, small_org.north_team).pk,
    }
    body = {
        key: {_fill(k, ids): v for k, v in value.items()} if isinstance(value, dict) else value
        for key, value in body.items()
    }
    before = _state(cycle)

    response = _post(_client(small_org.users[username]), _fill(url, ids), body)

    assert response.status_code == 422, response.json()
    assert response.json()["field"] in {"expected_version", "expected_versions"}
    assert _state(cycle) == before


def test_an_empty_body_no_longer_closes_a_published_cycle(
    small_org: SmallOrg, make_cycle: Make
) -> None:
    cycle = _published(small_org, make_cycle)
    ops = _client(small_org.users["ops_olga"])

    refused = _post(ops, f"/cycles/{cycle.pk}/close", {})
    assert refused.status_code == 422
    assert PlanningCycle.objects.get(pk=cycle.pk).status == CycleStatus.PUBLISHED

    stale = _post(ops, f"/cycles/{cycle.pk}/close", {"expected_version": _version(cycle) - 1})
    assert stale.status_code == 409
    closed = _post(ops, f"/cycles/{cycle.pk}/close", {"expected_version": _version(cycle)})
    assert closed.status_code == 200 and closed.json()["status"] == CycleStatus.CLOSED


def test_stale_weights_and_mid_period_versions_are_conflicts(
    small_org: SmallOrg, make_cycle: Make
) -> None:
    ops = _client(small_org.users["ops_olga"])
    draft = _top_down(small_org, make_cycle)
    ria = goal_of(draft, small_org.people["ria"])
    stale_weights = {"weights": {str(ria.pk): 3}, "expected_version": _version(draft) - 1}
    assert _post(ops, f"/cycles/{draft.pk}/weights", stale_weights).status_code == 409
    fresh_weights = {**stale_weights, "expected_version": _version(draft)}
    assert _post(ops, f"/cycles/{draft.pk}/weights", fresh_weights).json() == {"count": 1}

    published = _published(small_org, make_cycle)
    ria = goal_of(published, small_org.people["ria"])
    change = {"effective_from": "2027-07-01", "reason": "relief", "targets": {str(ria.pk): 1}}
    stale = {**change, "expected_version": _version(published) - 1}
    assert _post(ops, f"/cycles/{published.pk}/versions", stale).status_code == 409
    made = _post(
        ops, f"/cycles/{published.pk}/versions", {**change, "expected_version": _version(published)}
    )
    assert made.status_code == 201


def test_resplit_needs_a_version_for_every_child_it_changes(
    small_org: SmallOrg, make_cycle: Make
) -> None:
    cycle = _top_down(small_org, make_cycle)
    team = goal_of(cycle, small_org.north_team)
    ria, rob = goal_of(cycle, small_org.people["ria"]), goal_of(cycle, small_org.people["rob"])
    max_ = _client(small_org.users["manager_max"])
    body = {"targets": {str(ria.pk): ria.target, str(rob.pk): rob.target}, "reason": "same"}

    partial = _post(
        max_, f"/goals/{team.pk}/resplit", {**body, "expected_versions": {str(ria.pk): ria.version}}
    )

    assert partial.status_code == 400
    assert partial.json()["field"] == "expected_versions"
    assert str(rob.pk) in partial.json()["detail"]


@pytest.mark.parametrize("step", ["publish", "close", "cascade", "reconcile"])
def test_writes_require_the_version_in_the_cycle_pages(
    step: str, small_org: SmallOrg, make_cycle: Make
) -> None:
    cycle = (
        _published(small_org, make_cycle) if step == "close" else _top_down(small_org, make_cycle)
    )
    before = _state(cycle)
    ops = _client(small_org.users["ops_olga"])

    answer = ops.post(
        f"/plans/{cycle.pk}/step/{step}/",
        {"company_target": "5", "method": "weighted_blend", "top_down_weight": "50"},
        follow=True,
    )

    assert "did not say which version" in answer.content.decode()
    assert _state(cycle) == before


def test_writes_require_the_version_in_the_resplit_and_mid_period_pages(
    small_org: SmallOrg, make_cycle: Make
) -> None:
    cycle = _top_down(small_org, make_cycle)
    team = goal_of(cycle, small_org.north_team)
    ria, rob = goal_of(cycle, small_org.people["ria"]), goal_of(cycle, small_org.people["rob"])
    before = _state(cycle)
    answer = _client(small_org.users["manager_max"]).post(
        f"/plans/goals/{team.pk}/resplit/",
        {f"child-{ria.pk}": "1", f"child-{rob.pk}": "2", "reason": "no versions"},
    )
    assert "did not say which version" in answer.content.decode()
    assert _state(cycle) == before

    published = _published(small_org, make_cycle)
    before = _state(published)
    form = _client(small_org.users["ops_olga"]).post(
        f"/plans/{published.pk}/version/",
        {"effective_from": "2027-07-01", "reason": "relief",
         "goal": goal_of(published, small_org.people["ria"]).pk, "new_target": "1"},
    )  # fmt: skip
    assert form.status_code == 200  # the form again, nothing published
    assert _state(published) == before


def test_comments_on_goals_of_a_closed_plan_are_refused(
    small_org: SmallOrg, make_cycle: Make
) -> None:
    cycle = _closed(small_org, make_cycle)
    ria_goal = goal_of(cycle, small_org.people["ria"])
    ria, max_ = small_org.users["rep_ria"], small_org.users["manager_max"]

    with pytest.raises(Conflict, match="closed: its goals take no more comments"):
        actions.comment_on_goal(ria_goal, acting_user=max_, body="late remark")

    api = _post(_client(ria), f"/goals/{ria_goal.pk}/comments", {"body": "late remark"})
    assert api.status_code == 409
    assert "no more comments" in api.json()["detail"]
    page = _client(max_).post(
        f"/plans/goals/{ria_goal.pk}/step/comment/",
        {"text": "late remark", "expected_version": ria_goal.version},
        follow=True,
    )
    assert "no more comments" in page.content.decode()
    assert not GoalComment.objects.filter(goal__cycle=cycle).exists()
    assert not AuditEvent.objects.filter(action="plans.goal.commented").exists()


def test_comments_on_a_superseded_version_are_refused_and_on_the_published_one_taken(
    small_org: SmallOrg, make_cycle: Make
) -> None:
    cycle = _published(small_org, make_cycle)
    ria_goal = goal_of(cycle, small_org.people["ria"])
    max_ = small_org.users["manager_max"]
    actions.comment_on_goal(ria_goal, acting_user=max_, body="on track?")  # a running goal
    newer = actions.create_mid_period_version(
        cycle,
        acting_user=small_org.users["ops_olga"],
        effective_from=dt.date(2027, 7, 1),
        reason="relief",
        targets={ria_goal.pk: 1},
        expected_version=_version(cycle),
    )

    with pytest.raises(Conflict, match="superseded"):
        actions.comment_on_goal(ria_goal, acting_user=max_, body="old version")
    actions.comment_on_goal(
        goal_of(newer, small_org.people["ria"]), acting_user=max_, body="new version"
    )
    assert list(GoalComment.objects.order_by("pk").values_list("body", flat=True)) == [
        "on track?",
        "new version",
    ]
