"""What "My goals" lists for a signed-in person: the goals in force today that they own
(personally, or as a unit's manager today), each with its other versions as history, and
the goals of plans still being negotiated that wait for them to act."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from quotaflow.accounts.models import User
from quotaflow.org.queries import managed_units
from quotaflow.plans import permissions
from quotaflow.plans.in_force import VersionHistory, in_force_goals, version_histories
from quotaflow.plans.models import CycleStatus, Goal, GoalStatus
from quotaflow.plans.queries import person_for

#: The owner's move: a draft to submit, a returned number to submit again.
AWAITING_OWNER = {GoalStatus.DRAFT: "submit", GoalStatus.RETURNED: "resubmit"}


@dataclass(frozen=True)
class MyGoal:
    """A goal in force and every version of it (``None`` for a goal outside any plan)."""

    goal: Goal
    history: VersionHistory | None


def my_goals(user: User, day: dt.date | None = None) -> list[MyGoal]:
    """The user's goals in force on ``day`` (today): one per plan, metric and period, newest
    period first; a superseded version appears only in its goal's history."""
    person = person_for(user)
    if person is None:
        return []
    day = day or timezone.localdate()
    unit_ids = list(managed_units(person, timezone.localdate()).values_list("pk", flat=True))
    goals = list(
        in_force_goals(day)
        .filter(Q(owner_person=person) | Q(owner_unit_id__in=unit_ids))
        .filter(status__in=[GoalStatus.PUBLISHED, GoalStatus.CLOSED])
        .select_related(
            "cycle", "metric", "parent", "parent__owner_unit", "owner_unit", "owner_person"
        )
        .order_by("-period_start", "metric__name", "pk")
    )
    histories = version_histories(goals)
    return [MyGoal(goal, histories.get(goal.pk)) for goal in goals]


@dataclass(frozen=True)
class WaitingGoal:
    """A goal waiting for its owner: what to do (``submit`` or ``resubmit``), by when, and
    whether it can still be done (``False`` once the deadline has passed)."""

    goal: Goal
    action: str
    deadline: dt.date | None
    can_act: bool


def waiting_for(user: User) -> list[WaitingGoal]:
    """The user's own goals in plans still being negotiated that wait for their number:
    drafts to submit and numbers returned to them. Never a what-if scenario, never
    somebody else's goal; soonest deadline first."""
    person = person_for(user)
    if person is None:
        return []
    goals = (
        Goal.objects.filter(
            owner_person=person,
            status__in=list(AWAITING_OWNER),
            cycle__is_scenario=False,
            cycle__status__in=[CycleStatus.DRAFT, CycleStatus.OPEN],
            cycle__approach__in=list(permissions.NEGOTIATED),
        )
        .select_related("cycle", "metric", "owner_person", "owner_unit", "parent")
        .order_by("cycle__submissions_due", "cycle__name", "pk")
    )
    actor = permissions.Actor(user)
    return [
        WaitingGoal(
            goal,
            AWAITING_OWNER[GoalStatus(goal.status)],
            goal.cycle.submissions_due if goal.cycle else None,
            permissions.can_submit(actor, goal),
        )
        for goal in goals
    ]
