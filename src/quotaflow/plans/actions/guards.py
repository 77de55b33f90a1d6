"""Checks every action makes before it writes: who may act, on what, in which state."""

from __future__ import annotations

import datetime as dt

from quotaflow.accounts.models import Role, User
from quotaflow.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from quotaflow.org.models import Unit
from quotaflow.org.queries import (
    managed_units,
    scope_for,
)
from quotaflow.plans.models import (
    Approach,
    Goal,
    PlanningCycle,
)
from quotaflow.plans.queries import (
    person_for,
    reviewing_unit,
)


def _require_planner(user: User) -> None:
    if not user.is_planner:
        raise NotAllowed("Only administrators and sales operations can change a planning cycle.")


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


def _manages_unit(user: User, unit: Unit | None, day: dt.date) -> bool:
    """Planners act anywhere; a manager within the subtrees they manage on ``day``."""
    if user.is_planner:
        return True
    if unit is None or user.role != Role.MANAGER:
        return False
    return scope_for(user, day).can_see_unit(unit)


def _require_reviewer(user: User, goal: Goal) -> None:
    """Approving, returning or adjusting: a manager above the goal, never its owner."""
    if user.is_planner:
        return
    day = goal.period_start
    if not _manages_unit(user, reviewing_unit(goal), day):
        raise NotAllowed("Only a manager above this goal, or sales operations, can review it.")
    person = person_for(user)
    if goal.owner_person_id is not None and goal.owner_person_id == getattr(person, "pk", None):
        raise NotAllowed("You cannot review your own goal; your manager does.")
    if goal.owner_unit_id is not None and person is not None:
        own_units = managed_units(person, day).values_list("pk", flat=True)
        if goal.owner_unit_id in set(own_units):
            raise NotAllowed(
                "You cannot review the roll-up of a unit you manage; your manager does."
            )


def _check_version(obj: Goal | PlanningCycle, expected_version: int | None) -> None:
    if expected_version is not None and obj.version != expected_version:
        raise Conflict(
            f"{obj} was changed by someone else (now version {obj.version}, you had "
            f"{expected_version}); reload it and try again."
        )


def _locked_goal(goal: Goal | int) -> Goal:
    """Re-read a goal under a row lock, so the checks below see the committed state."""
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
    return found


def _locked_cycle(cycle: PlanningCycle | int) -> PlanningCycle:
    pk = cycle.pk if isinstance(cycle, PlanningCycle) else cycle
    found = PlanningCycle.objects.select_for_update().filter(pk=pk).first()
    if found is None:
        raise NotFound("That planning cycle does not exist.")
    return found
