"""Every planning action × every role: who may do it, by role and place in the tree.

Each action is tried by every user on the same prepared state, each attempt inside a
savepoint that is rolled back, so one user's success does not change the next one's try.
Allowed attempts must really happen (no refusal); refused ones raise ``NotAllowed``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction

from quotaflow.accounts.models import User
from quotaflow.core.errors import NotAllowed
from quotaflow.metrics.models import Metric
from quotaflow.plans import actions
from quotaflow.plans.models import PlanningCycle
from tests.conftest import SmallOrg
from tests.plans.conftest import FY_END, FY_START, goal_of

PLANNERS = {"admin_ada", "ops_olga"}
ABOVE_RIA = PLANNERS | {"ceo_cora", "manager_max"}


class _Rollback(Exception):
    """Undo an allowed attempt."""


def outcomes(small_org: SmallOrg, attempt: Callable[[User], Any]) -> set[str]:
    """The usernames whose attempt was not refused."""
    allowed = set()
    for username, user in small_org.users.items():
        try:
            with transaction.atomic():
                attempt(user)
                raise _Rollback
        except _Rollback:
            allowed.add(username)
        except NotAllowed:
            pass
    return allowed


def _top_down(org: SmallOrg, make: Callable[..., PlanningCycle]) -> PlanningCycle:
    cycle = make()
    actions.run_cascade(cycle, acting_user=org.users["ops_olga"], company_target=1_000_000)
    return cycle


def _published(org: SmallOrg, make: Callable[..., PlanningCycle]) -> PlanningCycle:
    cycle = _top_down(org, make)
    actions.publish_cycle(cycle, acting_user=org.users["ops_olga"])
    return cycle


def _submitted(org: SmallOrg, make: Callable[..., PlanningCycle]) -> PlanningCycle:
    cycle = make("bottom_up")
    actions.submit_goal(
        goal_of(cycle, org.people["ria"]), acting_user=org.users["rep_ria"], target=100
    )
    return cycle


def _hybrid(org: SmallOrg, make: Callable[..., PlanningCycle]) -> PlanningCycle:
    cycle = make("hybrid")
    actions.run_cascade(cycle, acting_user=org.users["ops_olga"], company_target=1_000_000)
    return cycle


def _team_approved(org: SmallOrg, make: Callable[..., PlanningCycle]) -> PlanningCycle:
    cycle = make("bottom_up")
    for key, username in (("ria", "rep_ria"), ("rob", "rep_rob")):
        goal = goal_of(cycle, org.people[key])
        actions.submit_goal(goal, acting_user=org.users[username], target=100)
        actions.approve_goal(goal, acting_user=org.users["manager_max"])
    return cycle


CASES: dict[str, tuple[Callable[..., PlanningCycle] | None, Callable[..., Any], set[str]]] = {
    "create_cycle": (
        None,
        lambda org, cycle, metric, user: actions.create_cycle(
            acting_user=user, name="x", metric=metric, period_start=FY_START, period_end=FY_END
        ),
        PLANNERS,
    ),
    "create_goals_from_template": (
        lambda org, make: make(),
        lambda org, cycle, metric, user: actions.create_goals_from_template(
            cycle,
            acting_user=user,
            metric=Metric.objects.get_or_create(code="calls", name="Calls")[0],
            role="rep",
            target=5,
        ),
        PLANNERS,
    ),
    "run_cascade": (
        lambda org, make: make(),
        lambda org, cycle, metric, user: actions.run_cascade(
            cycle, acting_user=user, company_target=10
        ),
        PLANNERS,
    ),
    "set_weights": (
        _top_down,
        lambda org, cycle, metric, user: actions.set_weights(
            cycle, acting_user=user, weights={goal_of(cycle, org.north).pk: 5}
        ),
        PLANNERS,
    ),
    "lock_goal": (
        _top_down,
        lambda org, cycle, metric, user: actions.lock_goal(
            goal_of(cycle, org.people["ria"]), acting_user=user
        ),
        PLANNERS,
    ),
    "adjust_goal": (
        _top_down,
        lambda org, cycle, metric, user: actions.adjust_goal(
            goal_of(cycle, org.north), acting_user=user, target=600_000, reason="r"
        ),
        PLANNERS,
    ),
    "resplit_children": (
        _top_down,
        lambda org, cycle, metric, user: actions.resplit_children(
            goal_of(cycle, org.north_team),
            acting_user=user,
            targets={
                goal_of(cycle, org.people["ria"]).pk: 300_000,
                goal_of(cycle, org.people["rob"]).pk: 200_000,
            },
            reason="r",
        ),
        ABOVE_RIA,
    ),
    "publish_cycle": (
        _top_down,
        lambda org, cycle, metric, user: actions.publish_cycle(cycle, acting_user=user),
        PLANNERS,
    ),
    "submit_goal": (
        lambda org, make: make("bottom_up"),
        lambda org, cycle, metric, user: actions.submit_goal(
            goal_of(cycle, org.people["ria"]), acting_user=user, target=5
        ),
        {"rep_ria"},
    ),
    "approve_goal": (
        _submitted,
        lambda org, cycle, metric, user: actions.approve_goal(
            goal_of(cycle, org.people["ria"]), acting_user=user
        ),
        ABOVE_RIA,
    ),
    "return_goal": (
        _submitted,
        lambda org, cycle, metric, user: actions.return_goal(
            goal_of(cycle, org.people["ria"]), acting_user=user, comment="again"
        ),
        ABOVE_RIA,
    ),
    "adjust_submission": (
        _submitted,
        lambda org, cycle, metric, user: actions.adjust_submission(
            goal_of(cycle, org.people["ria"]), acting_user=user, target=7, reason="r"
        ),
        ABOVE_RIA,
    ),
    "submit_rollup": (
        _team_approved,
        lambda org, cycle, metric, user: actions.submit_rollup(
            goal_of(cycle, org.north_team), acting_user=user
        ),
        ABOVE_RIA,
    ),
    "send_submission_reminders": (
        lambda org, make: make("bottom_up"),
        lambda org, cycle, metric, user: actions.send_submission_reminders(cycle, acting_user=user),
        PLANNERS,
    ),
    "reconcile_cycle": (
        _hybrid,
        lambda org, cycle, metric, user: actions.reconcile_cycle(
            cycle, acting_user=user, method="weighted_blend"
        ),
        PLANNERS,
    ),
    "comment_on_goal": (
        lambda org, make: make("hybrid"),
        lambda org, cycle, metric, user: actions.comment_on_goal(
            goal_of(cycle, org.people["ria"]), acting_user=user, body="hi"
        ),
        ABOVE_RIA | {"rep_ria"},
    ),
    "copy_as_scenario": (
        _top_down,
        lambda org, cycle, metric, user: actions.copy_as_scenario(cycle, acting_user=user),
        PLANNERS,
    ),
    "create_mid_period_version": (
        _published,
        lambda org, cycle, metric, user: actions.create_mid_period_version(
            cycle,
            acting_user=user,
            effective_from=dt.date(2027, 7, 1),
            reason="relief",
            targets={goal_of(cycle, org.people["ria"]).pk: 1},
        ),
        PLANNERS,
    ),
    "close_cycle": (
        _published,
        lambda org, cycle, metric, user: actions.close_cycle(cycle, acting_user=user),
        PLANNERS,
    ),
}


@pytest.mark.parametrize("action", sorted(CASES))
def test_who_may_do_what(
    action: str, more_reps: SmallOrg, revenue: Metric, make_cycle: Callable[..., PlanningCycle]
) -> None:
    small_org = more_reps  # every role, plus rep_rob and rep_sue who may not touch Ria's goal
    prepare, attempt, expected = CASES[action]
    cycle = prepare(small_org, make_cycle) if prepare else None
    allowed = outcomes(small_org, lambda user: attempt(small_org, cycle, revenue, user))
    assert allowed == expected, f"{action}: allowed {sorted(allowed)}, expected {sorted(expected)}"
