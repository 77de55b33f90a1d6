"""Who may read and write check-ins: boolean predicates that the actions, the web pages
and the API all ask.

Anyone who may see a goal (``plans.visibility``) reads its check-ins and their
threads. The goal's owner checks in: the person's own login, or for a unit's goal a
manager of that unit today. The thread takes replies from the owner, the managers above
the goal and planners — those who may comment on the goal (``plans.permissions``) — while
the goal still takes messages (not a closed goal, nor a closed or superseded plan).
"""

from __future__ import annotations

from quotaflow.accounts.models import User
from quotaflow.org.queries import scope_day
from quotaflow.plans.models import Goal
from quotaflow.plans.permissions import Actor, comments_open, may_comment, owns
from quotaflow.plans.visibility import can_see_goal

__all__ = [
    "can_check_in",
    "can_read_check_ins",
    "can_reply",
    "can_see_goal",
    "may_reply",
    "owns_goal",
]


def can_read_check_ins(user: User, goal: Goal) -> bool:
    """Read a goal's check-ins and replies: whoever may see the goal."""
    return can_see_goal(user, goal)


def owns_goal(user: User | Actor, goal: Goal) -> bool:
    """The goal is the user's to report on: their own, or their unit's (as its manager)."""
    actor = user if isinstance(user, Actor) else Actor(user)
    if owns(actor, goal):
        return True
    return goal.owner_unit_id is not None and goal.owner_unit_id in actor.managed_unit_ids(
        scope_day()
    )


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
