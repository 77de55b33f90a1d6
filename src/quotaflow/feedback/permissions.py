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

Performance reviews: sales operations and administrators open and read every review; a
manager opens and reads the reviews of the people in the subtrees they manage today (never
their own); the rep reads their own, once the manager has shared it. Nobody else — not
finance, not a colleague — reads a review.
"""

from __future__ import annotations

from django.db.models import Q

from quotaflow.accounts import permissions as roles
from quotaflow.accounts.models import User
from quotaflow.feedback.models import Review, ReviewStatus
from quotaflow.org.models import Person, Unit
from quotaflow.org.permissions import can_see_person
from quotaflow.org.queries import people_condition, viewer_scope
from quotaflow.plans.models import CycleStatus, Goal, PlanningCycle
from quotaflow.plans.permissions import (
    Actor,
    comments_open,
    manages_unit,
    may_comment,
    reports_on,
    review_refusal,
)
from quotaflow.plans.queries import person_for, tree_goal_of
from quotaflow.plans.visibility import can_see_goal

__all__ = [
    "can_acknowledge_review",
    "can_apply_scorecards",
    "can_define_scorecard",
    "can_check_in",
    "can_edit_review",
    "can_open_review_for",
    "can_see_review",
    "can_self_assess",
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


def _is_own(user: User, person_id: int) -> bool:
    person = person_for(user)
    return person is not None and person.pk == person_id


def reviews_people(user: User, person: Person) -> bool:
    """Stands where a reviewer of ``person`` stands: a planner, or a manager whose
    subtree holds the person today — never the person themselves."""
    if _is_own(user, person.pk):
        return False
    if roles.is_planner(user):
        return True
    if not roles.is_manager(user):
        return False
    return Person.objects.filter(people_condition(viewer_scope(user)), pk=person.pk).exists()


def can_open_review_for(user: User, person: Person) -> bool:
    """Open (assemble) a review of ``person``: :func:`reviews_people`."""
    return reviews_people(user, person)


def is_reviewee(user: User, review: Review) -> bool:
    """The review is of the user's own person record."""
    return _is_own(user, review.person_id)


def can_see_review(user: User, review: Review) -> bool:
    """Read a review: its reviewers always; the rep once it has been shared."""
    if is_reviewee(user, review):
        return review.status != ReviewStatus.DRAFT
    return reviews_people(user, review.person)


def can_edit_review(user: User, review: Review) -> bool:
    """Rate, write, refresh, share and finalise: a reviewer, until it is finalised."""
    return review.status not in FINALISED and reviews_people(user, review.person)


def can_self_assess(user: User, review: Review) -> bool:
    """Write the self-assessment: the rep, while the review is shared with them."""
    return review.status == ReviewStatus.SHARED and is_reviewee(user, review)


def can_acknowledge_review(user: User, review: Review) -> bool:
    """Acknowledge the final review: the rep, once."""
    return review.status == ReviewStatus.FINAL and is_reviewee(user, review)


#: Reviews whose manager's part is closed.
FINALISED = frozenset({ReviewStatus.FINAL, ReviewStatus.ACKNOWLEDGED})


def visible_reviews_condition(user: User) -> Q:
    """A filter on Review for the reviews ``user`` may read (:func:`can_see_review`)."""
    own = person_for(user)
    condition = Q(pk__in=[])
    if own is not None:
        condition |= Q(person=own) & ~Q(status=ReviewStatus.DRAFT)
    if roles.is_planner(user):
        return Q() if own is None else ~Q(person=own) | condition
    if roles.is_manager(user):
        scoped = Q(person__in=Person.objects.filter(people_condition(viewer_scope(user))))
        if own is not None:
            scoped &= ~Q(person=own)
        condition |= scoped
    return condition
