"""Every planning page step × every role, through the web forms: allowed roles see a
success message, the rest a refusal (403/404 page or an error message) and nothing changes.

The prepared states are those of the action matrix in test_permissions; each request runs
in a savepoint that is rolled back, so every role tries the same state."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.messages import constants, get_messages
from django.db import transaction
from django.test import Client

from quotaflow.metrics.models import Metric
from quotaflow.plans.models import PlanningCycle
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

Request = Callable[[SmallOrg, PlanningCycle], tuple[str, dict[str, Any]]]


def _ria(org: SmallOrg, cycle: PlanningCycle) -> Any:
    return goal_of(cycle, org.people["ria"])


def goal_step(step: str, owner: str = "ria", **data: Any) -> Request:
    def build(org: SmallOrg, cycle: PlanningCycle) -> tuple[str, dict[str, Any]]:
        goal = _ria(org, cycle) if owner == "ria" else goal_of(cycle, getattr(org, owner))
        return f"/plans/goals/{goal.pk}/step/{step}/", {"expected_version": goal.version, **data}

    return build


def cycle_step(step: str, **data: Any) -> Request:
    def build(org: SmallOrg, cycle: PlanningCycle) -> tuple[str, dict[str, Any]]:
        return f"/plans/{cycle.pk}/step/{step}/", {"expected_version": cycle.version, **data}

    return build


def resplit(org: SmallOrg, cycle: PlanningCycle) -> tuple[str, dict[str, Any]]:
    team = goal_of(cycle, org.north_team)
    ria, rob = _ria(org, cycle), goal_of(cycle, org.people["rob"])
    body = {
        f"child-{ria.pk}": "3000", f"child-{rob.pk}": "2000", "reason": "r",
        f"version-{ria.pk}": ria.version, f"version-{rob.pk}": rob.version,
    }  # fmt: skip
    return f"/plans/goals/{team.pk}/resplit/", body


def version(org: SmallOrg, cycle: PlanningCycle) -> tuple[str, dict[str, Any]]:
    body = {
        "effective_from": "2027-07-01",
        "reason": "relief",
        "goal": _ria(org, cycle).pk,
        "new_target": "1",
        "expected_version": cycle.version,
    }
    return f"/plans/{cycle.pk}/version/", body


CASES: dict[str, tuple[Callable[..., PlanningCycle], Request, set[str]]] = {
    "cascade": (_top_down, cycle_step("cascade", company_target="5"), PLANNERS),
    "publish": (_top_down, cycle_step("publish"), PLANNERS),
    "scenario": (_top_down, cycle_step("scenario"), PLANNERS),
    "template": (
        lambda o, m: m(),
        cycle_step("template", metric="CALLS", owners="role:rep", target="5"),
        PLANNERS,
    ),
    "reconcile": (
        _hybrid,
        cycle_step("reconcile", method="weighted_blend", top_down_weight="50"),
        PLANNERS,
    ),
    "remind": (lambda o, m: m("bottom_up"), cycle_step("remind"), PLANNERS),
    "close": (_published, cycle_step("close"), PLANNERS),
    "version": (_published, version, PLANNERS),
    "target": (_top_down, goal_step("target", owner="north", target="1", text="r"), PLANNERS),
    "lock": (_top_down, goal_step("lock"), PLANNERS),
    "resplit": (_top_down, resplit, ABOVE_RIA),
    "submit": (lambda o, m: m("bottom_up"), goal_step("submit", target="5"), {"rep_ria"}),
    "approve": (_submitted, goal_step("approve"), ABOVE_RIA),
    "return": (_submitted, goal_step("return", text="again"), ABOVE_RIA),
    "adjust": (_submitted, goal_step("adjust", target="7", text="r"), ABOVE_RIA),
    "rollup": (_team_approved, goal_step("rollup", owner="north_team"), ABOVE_RIA),
    "comment": (lambda o, m: m("hybrid"), goal_step("comment", text="hi"), ABOVE_RIA | {"rep_ria"}),
}


class _Rollback(Exception):
    """Undo an allowed step."""


@pytest.mark.parametrize("step", sorted(CASES))
def test_who_may_take_which_step_in_the_pages(
    step: str, more_reps: SmallOrg, revenue: Metric, make_cycle: Callable[..., PlanningCycle]
) -> None:
    calls = Metric.objects.create(code="calls", name="Calls", unit="count")
    prepare, build, expected = CASES[step]
    cycle = prepare(more_reps, make_cycle)
    cycle.refresh_from_db()  # the page shows the version the preparation left
    url, body = build(more_reps, cycle)
    body = {key: calls.pk if value == "CALLS" else value for key, value in body.items()}
    allowed, outcomes = set(), {}
    for username, user in more_reps.users.items():
        client = Client()
        client.force_login(user)
        try:
            with transaction.atomic():
                response = client.post(url, body)
                errors = [
                    m for m in get_messages(response.wsgi_request) if m.level == constants.ERROR
                ]
                outcomes[username] = (response.status_code, [str(m) for m in errors])
                if response.status_code == 302 and not errors:
                    raise _Rollback
        except _Rollback:
            allowed.add(username)
    assert allowed == expected, outcomes
