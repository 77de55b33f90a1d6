"""The body of one process in the concurrency test. It imports nothing from Django at
module level, because a spawned process must set Django up before loading any model."""

from __future__ import annotations

import os
from typing import Any

ROUNDS = 10


def run_worker(
    db_name: str, goal_ids: list[int], step: int, approve_first: bool, start: Any, results: Any
) -> None:
    """Runs in its own process with its own connection: optionally approve the goals, then
    add ``step`` to each goal ``ROUNDS`` times, re-reading and retrying after a conflict."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quotaflow.config.test_settings")
    import django

    django.setup()
    from django.db import connections

    connections["default"].settings_dict["NAME"] = db_name
    from quotaflow.accounts.models import User
    from quotaflow.core.errors import Conflict
    from quotaflow.plans import actions
    from quotaflow.plans.models import Goal, GoalStatus

    manager = User.objects.get(username="manager_max")
    conflicts = 0
    start.wait()
    if approve_first:
        for goal_id in goal_ids:
            while True:
                goal = Goal.objects.get(pk=goal_id)
                if goal.status != GoalStatus.SUBMITTED:
                    break  # the other process's edit approved it already
                try:
                    actions.approve_goal(goal, acting_user=manager, expected_version=goal.version)
                    break
                except Conflict:
                    conflicts += 1
    for _ in range(ROUNDS):
        for goal_id in goal_ids:
            while True:
                goal = Goal.objects.get(pk=goal_id)
                try:
                    actions.adjust_submission(
                        goal,
                        acting_user=manager,
                        target=goal.target + step,
                        reason=f"+{step}",
                        expected_version=goal.version,
                    )
                    break
                except Conflict:
                    conflicts += 1
    connections.close_all()
    results.put(conflicts)
