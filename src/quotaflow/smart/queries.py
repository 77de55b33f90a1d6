"""Read-side queries for SMART pages and endpoints: which goals a user may check."""

from __future__ import annotations

from quotaflow.accounts.models import User
from quotaflow.core.errors import NotFound
from quotaflow.plans.models import Goal, PlanningCycle
from quotaflow.visibility import can_view_cycle, visible_goal_ids

NOT_VISIBLE = "There is no such goal, or it is outside your part of the organisation."


def visible_goal(user: User, goal_id: int) -> Goal:
    """The goal, if ``user`` may see it (a rep their own, a manager their subtree, planners
    and finance all); else :class:`NotFound` — never a hint that it exists."""
    goal = (
        Goal.objects.select_related("cycle", "owner_unit", "owner_person", "metric", "parent")
        .filter(pk=goal_id)
        .first()
    )
    if goal is None or goal.cycle is None:
        raise NotFound(NOT_VISIBLE)
    visible = visible_goal_ids(user, goal.cycle)
    if visible is not None and goal.pk not in visible:
        raise NotFound(NOT_VISIBLE)
    return goal


def visible_cycle_goals(user: User, cycle_id: int) -> tuple[PlanningCycle, list[Goal]]:
    """A cycle the user may open and the goals in it they may see in detail."""
    cycle = PlanningCycle.objects.select_related("metric", "root_unit").filter(pk=cycle_id).first()
    if cycle is None or not can_view_cycle(user, cycle):
        raise NotFound(
            "There is no such planning cycle, or it is outside your part of the organisation."
        )
    visible = visible_goal_ids(user, cycle)
    goals = Goal.objects.filter(cycle=cycle).select_related(
        "cycle", "owner_unit", "owner_person", "metric", "parent__owner_unit"
    )
    if visible is not None:
        goals = goals.filter(pk__in=visible)
    return cycle, list(goals.order_by("pk"))
