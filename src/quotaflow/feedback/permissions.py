"""Who may read and write check-ins: boolean predicates that the actions, the web pages
and the API all ask.

Anyone who may see a goal (``plans.visibility``) reads its check-ins and their
threads. The goal's owner checks in: the person's own login, or for a unit's goal a
manager of that unit today. The thread takes replies from the owner, the managers above
the goal and planners — those who may comment on the goal (``plans.permissions``) — while
the goal still takes messages (not a closed goal, nor a closed or superseded plan).

Scorecards are read by whoever may see their person, and defined by planners and the
managers above the person's goal in the plan (never by the person), per person or for a
whole level of a subtree they manage.
"""

from __future__ import annotations

from quotaflow.accounts.models import User
from quotaflow.org.models import Person, Unit
from quotaflow.org.permissions import can_see_person
from quotaflow.org.queries import viewer_scope
from quotaflow.plans.models import CycleStatus, Goal, PlanningCycle
from quotaflow.plans.permissions import (
    Actor,
    comments_open,
    manages_unit,
    may_comment,
    reports_on,
    review_refusal,
)
from quotaflow.plans.queries import tree_goal_of
from quotaflow.plans.visibility import can_see_goal

__all__ = [
    "can_apply_scorecards",
    "can_check_in",
    "can_define_scorecard",
    "can_read_check_ins",
    "can_reply",
    "can_see_goal",
    "can_see_scorecard",
    "may_reply",
    "owns_goal",
    "scorecard_refusal",
    "scorecards_open",
]


def can_read_check_ins(user: User, goal: Goal) -> bool:
    """Read a goal's check-ins and replies: whoever may see the goal."""
    return can_see_goal(user, goal)


def owns_goal(user: User | Actor, goal: Goal) -> bool:
    """The goal is the user's to report on: their own, or their unit's (as its manager)
    (``plans.permissions.reports_on``, the one statement of that rule)."""
    return reports_on(user, goal)


def can_check_in(user: User, goal: Goal) -> bool:
    """Check in on a goal: its owner, while the goal takes messages."""
    return comments_open(goal) and owns_goal(user, goal) and can_see_goal(user, goal)


def may_reply(user: User, goal: Goal) -> bool:
    """Whether the user stands where a thread's participants stand: the goal's owner, a
    manager above the goal, or a planner (whatever the goal's state)."""
    return owns_goal(user, goal) or may_comment(user, goal)


def can_reply(user: User, goal: Goal) -> bool:
    """Reply in a check-in's thread: :func:`may_reply`, while the goal takes messages."""
    return comments_open(goal) and may_reply(user, goal) and can_see_goal(user, goal)


def can_see_scorecard(user: User, person: Person) -> bool:
    """Read a person's scorecards: whoever may see the person today — the rep their own,
    a manager the people of their subtree, sales operations, finance and administrators
    everyone (``org.permissions.can_see_person``)."""
    return can_see_person(viewer_scope(user), person)


def scorecards_open(cycle: PlanningCycle) -> bool:
    """A closed or superseded plan is a record: its scorecards no longer change. (A
    published plan runs, and its scorecards with it: weighing goals changes no target.)"""
    return cycle.status not in {CycleStatus.CLOSED, CycleStatus.SUPERSEDED}


def scorecard_refusal(user: User | Actor, cycle: PlanningCycle, person: Person) -> str:
    """Why ``user`` may not define ``person``'s scorecard in ``cycle`` ("" if they may): a
    planner, or a manager above the person's goal in the plan, never the person."""
    goal = tree_goal_of(cycle, person)
    if goal is None:
        return f"{person} has no goal in '{cycle}', so there is nothing to weigh."
    return review_refusal(user, goal)


def can_define_scorecard(user: User | Actor, cycle: PlanningCycle, person: Person) -> bool:
    """Define (or redefine) a person's scorecard: :func:`scorecard_refusal` says nothing
    against it, on a plan that is not a closed or superseded record."""
    return scorecards_open(cycle) and not scorecard_refusal(user, cycle, person)


def can_apply_scorecards(user: User | Actor, cycle: PlanningCycle, unit: Unit) -> bool:
    """Apply one scorecard to every person at a level under ``unit``: a planner, or a
    manager of ``unit``'s subtree (on the plan's first day), on an open plan."""
    return scorecards_open(cycle) and manages_unit(user, unit, cycle.period_start)
