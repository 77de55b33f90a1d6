"""Checks every action makes before it writes: who may act, on what, in which state."""

from __future__ import annotations

from quotaflow.accounts.models import User
from quotaflow.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from quotaflow.plans import permissions
from quotaflow.plans.models import Approach, Goal, GoalStatus, PlanningCycle

#: Kept under the name the actions use; the rule lives in ``plans.permissions``.
_manages_unit = permissions.manages_unit


def _require_planner(user: User) -> None:
    if not permissions.can_plan(user):
        raise NotAllowed("Only administrators and sales operations can change a planning cycle.")


def _require_targets(*targets: int, field: str | None = "target") -> None:
    """Refuse a negative target (on ``field`` of the request, when it names one)."""
    if any(target < 0 for target in targets):
        raise InvalidInput("A target cannot be negative.", field=field)


def _require_editable(cycle: PlanningCycle) -> None:
    if cycle.is_frozen:
        raise Conflict(
            f"'{cycle}' is {cycle.get_status_display().lower()} and cannot change; "
            "make a mid-period version with a reason instead."
        )


def _require_approach(cycle: PlanningCycle, *approaches: str) -> None:
    if cycle.approach not in approaches:
        names = " or ".join(Approach(a).label.lower() for a in approaches)
        raise InvalidInput(
            f"This step belongs to {names} cycles; '{cycle}' is {cycle.get_approach_display().lower()}."
        )


def _require_reviewer(user: User, goal: Goal) -> None:
    """Approving, returning or adjusting: a manager above the goal, never its owner."""
    refusal = permissions.review_refusal(user, goal)
    if refusal:
        raise NotAllowed(refusal)


def _require_decision(user: User, goal: Goal, *, verb: str) -> PlanningCycle:
    """Approving or returning: a reviewer, on a submitted goal of a cycle that still changes
    (``verb`` is "approved" or "returned", for the message). Returns the goal's cycle."""
    _require_reviewer(user, goal)
    assert goal.cycle is not None  # noqa: S101 - submitted goals belong to a cycle
    _require_editable(goal.cycle)
    if goal.status != GoalStatus.SUBMITTED:
        raise Conflict(
            f"Only a submitted goal can be {verb}; this one is {goal.get_status_display().lower()}."
        )
    return goal.cycle


def _check_version(obj: Goal | PlanningCycle, expected_version: int | None) -> None:
    if expected_version is not None and obj.version != expected_version:
        raise Conflict(
            f"{obj} was changed by someone else (now version {obj.version}, you had "
            f"{expected_version}); reload it and try again."
        )


def _locked_goal(goal: Goal | int, expected_version: int | None = None) -> Goal:
    """Re-read a goal under a row lock, so the checks below see the committed state; with
    ``expected_version``, Conflict unless that is still the goal's version."""
    pk = goal.pk if isinstance(goal, Goal) else goal
    # Lock the cycle first: every writer takes cycle → goals in that order, so two writers
    # touching goals and their shared ancestors queue up instead of deadlocking.
    cycle_ids = list(Goal.objects.filter(pk=pk).values_list("cycle_id", flat=True))
    if cycle_ids and cycle_ids[0] is not None:
        list(PlanningCycle.objects.select_for_update().filter(pk=cycle_ids[0]).values_list("pk"))
    found = (
        Goal.objects.select_for_update(of=("self",))
        .select_related(
            "cycle", "parent", "owner_unit", "owner_person", "metric", "parent__owner_unit"
        )
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotFound("That goal does not exist.")
    _check_version(found, expected_version)
    return found


def _locked_cycle(cycle: PlanningCycle | int, expected_version: int | None = None) -> PlanningCycle:
    """Re-read a cycle under a row lock; with ``expected_version``, Conflict unless that is
    still the cycle's version."""
    pk = cycle.pk if isinstance(cycle, PlanningCycle) else cycle
    found = PlanningCycle.objects.select_for_update().filter(pk=pk).first()
    if found is None:
        raise NotFound("That planning cycle does not exist.")
    _check_version(found, expected_version)
    return found
