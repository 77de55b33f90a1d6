"""Every planning API write × every role, over HTTP: allowed roles get a 2xx, the rest a
403 (or 404 where the goal is outside their part of the tree) and nothing changes.

The prepared states are those of the action matrix in test_permissions; each request runs
in a savepoint that is rolled back, so every role tries the same state."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from quotaflow.metrics.models import Metric
from quotaflow.plans.models import Goal, PlanningCycle
from tests.conftest import SmallOrg
from tests.plans.conftest import goal_of
from tests.plans.test_permissions import (
    ABOVE_RIA,
    PLANNERS,
    _hybrid,
    _published,
    _submitted,
    _team_approved,
    _top_down,
)

Url = Callable[[SmallOrg, PlanningCycle], str]
Prepare = Callable[[SmallOrg, Callable[..., PlanningCycle]], PlanningCycle]


def _ria(org: SmallOrg, cycle: PlanningCycle) -> int:
    return goal_of(cycle, org.people["ria"]).pk


CASES: dict[str, tuple[Prepare, Url, dict[str, Any], set[str]]] = {
    "cascade": (_top_down, lambda o, c: f"/cycles/{c.pk}/cascade", {"company_target": 5}, PLANNERS),
    "publish": (_top_down, lambda o, c: f"/cycles/{c.pk}/publish", {}, PLANNERS),
    "scenarios": (_top_down, lambda o, c: f"/cycles/{c.pk}/scenarios", {}, PLANNERS),
    "weights": (_top_down, lambda o, c: f"/cycles/{c.pk}/weights", {"weights": {}}, PLANNERS),
    "reconcile": (
        _hybrid,
        lambda o, c: f"/cycles/{c.pk}/reconcile",
        {"method": "weighted_blend"},
        PLANNERS,
    ),
    "reminders": (
        lambda o, m: m("bottom_up"),
        lambda o, c: f"/cycles/{c.pk}/reminders",
        {},
        PLANNERS,
    ),
    "template-goals": (
        lambda o, m: m(),
        lambda o, c: f"/cycles/{c.pk}/template-goals",
        {"metric": "calls", "target": 5, "role": "rep"},
        PLANNERS,
    ),
    "versions": (
        _published,
        lambda o, c: f"/cycles/{c.pk}/versions",
        {"effective_from": "2027-07-01", "reason": "relief", "targets": "RIA"},
        PLANNERS,
    ),
    "close": (_published, lambda o, c: f"/cycles/{c.pk}/close", {}, PLANNERS),
    "target": (
        _top_down,
        lambda o, c: f"/goals/{goal_of(c, o.north).pk}/target",
        {"target": 1, "reason": "r"},
        PLANNERS,
    ),
    "lock": (_top_down, lambda o, c: f"/goals/{_ria(o, c)}/lock", {}, PLANNERS),
    "resplit": (
        _top_down,
        lambda o, c: f"/goals/{goal_of(c, o.north_team).pk}/resplit",
        {"targets": {}, "reason": "same numbers"},
        ABOVE_RIA,
    ),
    "submit": (
        lambda o, m: m("bottom_up"),
        lambda o, c: f"/goals/{_ria(o, c)}/submit",
        {"target": 5},
        {"rep_ria"},
    ),
    "approve": (_submitted, lambda o, c: f"/goals/{_ria(o, c)}/approve", {}, ABOVE_RIA),
    "return": (
        _submitted,
        lambda o, c: f"/goals/{_ria(o, c)}/return",
        {"comment": "again"},
        ABOVE_RIA,
    ),
    "adjust": (
        _submitted,
        lambda o, c: f"/goals/{_ria(o, c)}/adjust",
        {"target": 7, "reason": "r"},
        ABOVE_RIA,
    ),
    "rollup": (
        _team_approved,
        lambda o, c: f"/goals/{goal_of(c, o.north_team).pk}/rollup",
        {},
        ABOVE_RIA,
    ),
    "comments": (
        lambda o, m: m("hybrid"),
        lambda o, c: f"/goals/{_ria(o, c)}/comments",
        {"body": "hi"},
        ABOVE_RIA | {"rep_ria"},
    ),
}


# Writes that name the version they read (required): of the cycle, or of the goal.
CYCLE_WRITES = {"cascade", "publish", "weights", "reconcile", "versions", "close"}
GOAL_WRITES = {"target", "lock", "submit", "approve", "return", "adjust", "rollup"}


def _versioned(endpoint: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """``body`` with the current version of what ``path`` writes, as a client would send."""
    pk = int(path.split("/")[4])
    if endpoint in CYCLE_WRITES:
        return {**body, "expected_version": PlanningCycle.objects.get(pk=pk).version}
    if endpoint in GOAL_WRITES:
        return {**body, "expected_version": Goal.objects.get(pk=pk).version}
    if endpoint == "resplit":
        return {**body, "expected_versions": {}}
    return body


class _Rollback(Exception):
    """Undo an allowed request."""


@pytest.mark.parametrize("endpoint", sorted(CASES))
def test_who_may_call_which_endpoint(
    endpoint: str, more_reps: SmallOrg, revenue: Metric, make_cycle: Callable[..., PlanningCycle]
) -> None:
    Metric.objects.create(code="calls", name="Calls", unit="count")
    prepare, url, body, expected = CASES[endpoint]
    cycle = prepare(more_reps, make_cycle)
    path = "/api/v1" + url(more_reps, cycle)
    if body.get("targets") == "RIA":
        body = {**body, "targets": {str(_ria(more_reps, cycle)): 1}}
    body = _versioned(endpoint, path, body)
    allowed, statuses = set(), {}
    for username, user in more_reps.users.items():
        client = Client()
        client.force_login(user)
        try:
            with transaction.atomic():
                response = client.post(path, body, content_type="application/json")
                statuses[username] = response.status_code
                if response.status_code < 300:
                    raise _Rollback
        except _Rollback:
            allowed.add(username)
    assert allowed == expected, statuses
    refused = {statuses[u] for u in set(statuses) - expected}
    assert refused <= {403, 404}, statuses
