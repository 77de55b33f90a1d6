"""A what-if scenario is its planner's alone, also in notifications: steps a planner
takes on a scenario copy of a bottom-up plan (a reminder, a return) tell no rep and no
manager about it — they could not open it anyway.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from quotaflow.core.models import Notification
from quotaflow.plans import actions
from quotaflow.plans.models import Goal, GoalStatus, PlanningCycle
from tests.conftest import SmallOrg
from tests.plans.conftest import goal_of


def _scenario_notifications(scenario: PlanningCycle) -> list[tuple[str, str]]:
    """Notifications to anyone but the scenario's owner (the fixture's plan sent none)."""
    return list(
        Notification.objects.exclude(user_id=scenario.owner_id).values_list(
            "user__username", "title"
        )
    )


@pytest.fixture
def scenario(small_org: SmallOrg, make_cycle: Callable[..., PlanningCycle]) -> PlanningCycle:
    plan = make_cycle("bottom_up")
    Notification.objects.all().delete()
    return actions.copy_as_scenario(plan, acting_user=small_org.users["ops_olga"], name="What if")


def test_reminders_on_a_scenario_reach_nobody(
    small_org: SmallOrg, scenario: PlanningCycle, django_capture_on_commit_callbacks: Any
) -> None:
    ops = small_org.users["ops_olga"]
    with django_capture_on_commit_callbacks(execute=True):
        actions.send_submission_reminders(scenario, acting_user=ops)
    assert _scenario_notifications(scenario) == []


def test_steps_on_a_scenario_notify_nobody(
    small_org: SmallOrg, scenario: PlanningCycle, django_capture_on_commit_callbacks: Any
) -> None:
    ops = small_org.users["ops_olga"]
    goal = goal_of(scenario, small_org.people["ria"])
    # Ria cannot see the scenario, so she cannot submit in it; as if she had:
    Goal.objects.filter(pk=goal.pk).update(status=GoalStatus.SUBMITTED, submitted_target=500_000)
    goal.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        actions.return_goal(goal, acting_user=ops, comment="Lower", expected_version=goal.version)
    assert _scenario_notifications(scenario) == []
