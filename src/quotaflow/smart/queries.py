"""Read-side queries for SMART pages and endpoints: which goals a user may check."""

from __future__ import annotations

from quotaflow.accounts.models import User
from quotaflow.plans.loaders import cycle_for
from quotaflow.plans.models import Goal, PlanningCycle
from quotaflow.plans.visibility import visible_goal_ids


def visible_cycle_goals(user: User, cycle_id: int) -> tuple[PlanningCycle, list[Goal]]:
    """A cycle the user may open and the goals in it they may see in detail."""
    cycle = cycle_for(user, cycle_id)
    visible = visible_goal_ids(user, cycle)
    goals = Goal.objects.filter(cycle=cycle).select_related(
        "cycle", "owner_unit", "owner_person", "metric", "parent__owner_unit"
    )
    if visible is not None:
        goals = goals.filter(pk__in=visible)
    return cycle, list(goals.order_by("pk"))
