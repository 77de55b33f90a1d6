"""Planning cycles and goals loaded for a viewer, the same way for the web pages and the API.

A cycle or goal the viewer may not see (``plans.visibility``: another part of the tree,
someone else's scenario or unpublished version) is refused exactly like one that does not
exist, with :class:`~quotaflow.core.errors.NotFound`, so nothing reveals that it is there.
"""

from __future__ import annotations

from quotaflow.accounts.models import User
from quotaflow.core.errors import NotFound
from quotaflow.plans.models import AdjustmentRequest, Goal, PlanningCycle
from quotaflow.plans.permissions import can_see_adjustment
from quotaflow.plans.visibility import (
    can_see_goal,
    can_view_cycle,
    visible_adjustment_requests,
)

NO_CYCLE = "There is no such planning cycle, or it is outside your part of the organisation."
NO_GOAL = "There is no such goal, or it is outside your part of the organisation."
NO_REQUEST = "There is no such adjustment request, or it is outside your part of the organisation."


def cycle_for(user: User, pk: int) -> PlanningCycle:
    """The planning cycle ``pk``, if ``user`` may open it."""
    cycle = (
        PlanningCycle.objects.select_related("metric", "root_unit", "owner", "based_on")
        .filter(pk=pk)
        .first()
    )
    if cycle is None or not can_view_cycle(user, cycle):
        raise NotFound(NO_CYCLE)
    return cycle


def goal_for(user: User, pk: int, *, in_plan: bool = False) -> Goal:
    """The goal ``pk``, if ``user`` may see it; with ``in_plan``, only a goal of a planning
    cycle (the planning pages and steps have nothing to say about the others)."""
    goal = (
        Goal.objects.select_related(
            "cycle", "metric", "owner_unit", "owner_person", "parent", "parent__owner_unit"
        )
        .filter(pk=pk)
        .first()
    )
    if goal is None or (in_plan and goal.cycle_id is None) or not can_see_goal(user, goal):
        raise NotFound(NO_GOAL)
    return goal


def adjustment_for(user: User, pk: int) -> AdjustmentRequest:
    """The adjustment request ``pk`` with its goal, if ``user`` may see it
    (``plans.permissions.can_see_adjustment``)."""
    found = visible_adjustment_requests(user).filter(pk=pk).first()
    if found is None or not can_see_adjustment(user, found):
        raise NotFound(NO_REQUEST)
    return found


def goal_for_action(goal: Goal | int) -> Goal:
    """The goal ``goal`` read afresh, with what the actions' checks and messages read
    (cycle, metric, owners and their logins, the parent's unit); NotFound if it is gone.
    Whether the acting user may see it is the caller's to check."""
    pk = goal.pk if isinstance(goal, Goal) else goal
    found = (
        Goal.objects.select_related(
            "cycle", "metric", "owner_unit", "owner_person__user", "parent__owner_unit"
        )
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotFound("That goal does not exist.")
    return found
