"""Who may take which step on a planning cycle or a goal: boolean predicates, one per step.

These are the one statement of each rule. The actions' guards (``plans.actions.guards``)
raise when a predicate says no, with the reason it gives; the web shows a step's button and
the API offers it only when the same predicate says yes — so a page never offers a button
that its action refuses. A manager's rights follow the tree on the goal's period start (the
day the plan speaks of), as the actions have always checked them.

Loops over many goals pass an :class:`Actor` instead of a user, so that the person, the
scope and the managed units are read once, not once per goal.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property

from django.utils import timezone

from quotaflow.accounts import permissions as roles
from quotaflow.accounts.models import User
from quotaflow.org.models import Unit
from quotaflow.org.queries import Scope, managed_units, scope_day, scope_for
from quotaflow.plans.models import (
    ADJUSTMENT_OPEN,
    AdjustmentRequest,
    AdjustmentStatus,
    Approach,
    CycleStatus,
    Goal,
    GoalKind,
    GoalStatus,
    PlanningCycle,
)
from quotaflow.plans.queries import person_for, reviewing_unit

#: A goal's owner may (re)submit it from these states.
SUBMITTABLE = frozenset(
    {GoalStatus.DRAFT, GoalStatus.RETURNED, GoalStatus.SUBMITTED, GoalStatus.PROPOSED}
)
#: A reviewer may set a goal's number (and approve it) in these states.
ADJUSTABLE = frozenset(
    {GoalStatus.DRAFT, GoalStatus.RETURNED, GoalStatus.SUBMITTED, GoalStatus.APPROVED}
)
#: A unit's roll-up may be submitted upward from these states.
ROLLUP_OPEN = frozenset({GoalStatus.DRAFT, GoalStatus.RETURNED, GoalStatus.SUBMITTED})
#: Cycles whose goals take submissions and reviews.
NEGOTIATED = (Approach.BOTTOM_UP, Approach.HYBRID)

NOT_ABOVE = "Only a manager above this goal, or sales operations, can review it."
OWN_GOAL = "You cannot review your own goal; your manager does."
OWN_UNIT = "You cannot review the roll-up of a unit you manage; your manager does."


class Actor:
    """A user's place in the tree, read once and asked about many goals."""

    def __init__(self, user: User) -> None:
        self.user = user
        self._scopes: dict[dt.date, Scope] = {}
        self._managed: dict[dt.date, frozenset[int]] = {}

    @cached_property
    def person_id(self) -> int | None:
        person = person_for(self.user)
        return person.pk if person is not None else None

    def scope(self, day: dt.date) -> Scope:
        if day not in self._scopes:
            self._scopes[day] = scope_for(self.user, day)
        return self._scopes[day]

    def managed_unit_ids(self, day: dt.date) -> frozenset[int]:
        if day not in self._managed:
            person = person_for(self.user) if self.person_id is not None else None
            ids = managed_units(person, day).values_list("pk", flat=True) if person else []
            self._managed[day] = frozenset(ids)
        return self._managed[day]


def _actor(user: User | Actor) -> Actor:
    return user if isinstance(user, Actor) else Actor(user)


def can_plan(user: User | Actor) -> bool:
    """Administrators and sales operations own every planning cycle."""
    return roles.is_planner(_actor(user).user)


def reads_every_plan(user: User) -> bool:
    """Administrators, sales operations and finance read every plan (scenarios and
    unpublished versions aside: :func:`sees_every_private_cycle`)."""
    return roles.sees_whole_organisation(user)


def sees_every_private_cycle(user: User) -> bool:
    """Administrators open every scenario and unpublished version; others only their own."""
    return roles.is_admin(user)


def manages_unit(user: User | Actor, unit: Unit | None, day: dt.date) -> bool:
    """Planners act anywhere; a manager within the subtrees they manage on ``day``."""
    actor = _actor(user)
    if can_plan(actor):
        return True
    if unit is None or not roles.is_manager(actor.user):
        return False
    return actor.scope(day).can_see_unit(unit)


def owns(user: User | Actor, goal: Goal) -> bool:
    """Whether ``goal`` is the user's own (a person's goal linked to this login)."""
    actor = _actor(user)
    return goal.owner_person_id is not None and goal.owner_person_id == actor.person_id


def review_refusal(user: User | Actor, goal: Goal) -> str:
    """Why the user may not review ``goal`` (approve, return or adjust it), or ``""`` if they
    may: a manager above the goal, never its owner nor the manager of the unit it rolls up."""
    actor = _actor(user)
    if can_plan(actor):
        return ""
    day = goal.period_start
    if not manages_unit(actor, reviewing_unit(goal), day):
        return NOT_ABOVE
    if owns(actor, goal):
        return OWN_GOAL
    if goal.owner_unit_id is not None and goal.owner_unit_id in actor.managed_unit_ids(day):
        return OWN_UNIT
    return ""


def can_review(user: User | Actor, goal: Goal) -> bool:
    """Whether the user stands where a reviewer of ``goal`` stands (whatever its state)."""
    return not review_refusal(user, goal)


def is_open(cycle: PlanningCycle | None) -> bool:
    """A cycle that still changes (not published, superseded or closed)."""
    return cycle is not None and not cycle.is_frozen


def submissions_open(cycle: PlanningCycle, today: dt.date | None = None) -> bool:
    """A bottom-up or hybrid cycle that still changes and whose deadline has not passed."""
    today = today or timezone.localdate()
    return (
        is_open(cycle)
        and cycle.approach in NEGOTIATED
        and not (cycle.submissions_due and today > cycle.submissions_due)
    )


def can_decide(user: User | Actor, goal: Goal) -> bool:
    """Approve or return: a reviewer, on a submitted goal of a cycle that still changes."""
    return is_open(goal.cycle) and goal.status == GoalStatus.SUBMITTED and can_review(user, goal)


def can_adjust(user: User | Actor, goal: Goal) -> bool:
    """Set a submission's number and approve it: a reviewer, in a negotiated open cycle."""
    cycle = goal.cycle
    return (
        is_open(cycle)
        and cycle is not None
        and cycle.approach in NEGOTIATED
        and goal.status in ADJUSTABLE
        and can_review(user, goal)
    )


def can_submit(user: User | Actor, goal: Goal) -> bool:
    """Submit a number: the goal's owner, while submissions are open."""
    cycle = goal.cycle
    return (
        cycle is not None
        and owns(user, goal)
        and submissions_open(cycle)
        and goal.status in SUBMITTABLE
    )


def can_submit_rollup(user: User | Actor, goal: Goal) -> bool:
    """Send a unit's total upward: its manager (or sales ops), in a negotiated open cycle.
    (Whether every number beneath is approved yet is for the action to say.)"""
    cycle = goal.cycle
    return (
        cycle is not None
        and goal.owner_unit is not None
        and is_open(cycle)
        and cycle.approach in NEGOTIATED
        and goal.status in ROLLUP_OPEN
        and manages_unit(user, goal.owner_unit, cycle.period_start)
    )


def comments_open(goal: Goal) -> bool:
    """Closed and superseded plans, and closed goals, are records: nothing is added."""
    cycle = goal.cycle
    if cycle is not None and cycle.status in {CycleStatus.CLOSED, CycleStatus.SUPERSEDED}:
        return False
    return goal.status != GoalStatus.CLOSED


def may_comment(user: User | Actor, goal: Goal) -> bool:
    """The goal's owner, or a manager of its unit (a person's: the unit above them)."""
    unit = goal.owner_unit or (goal.parent.owner_unit if goal.parent else None)
    return owns(user, goal) or manages_unit(user, unit, goal.period_start)


def can_comment(user: User | Actor, goal: Goal) -> bool:
    """Comment on a goal: :func:`may_comment`, while the goal takes comments."""
    return comments_open(goal) and may_comment(user, goal)


def can_change_targets(user: User | Actor, cycle: PlanningCycle) -> bool:
    """Set, lock and re-run numbers by hand: a planner, on a cycle with a cascade that still
    changes."""
    return can_plan(user) and is_open(cycle) and cycle.approach != Approach.BOTTOM_UP


def can_resplit(user: User | Actor, goal: Goal) -> bool:
    """Re-split a goal among its children: its unit's manager (or a planner), in a top-down
    cycle that still changes."""
    cycle = goal.cycle
    return (
        cycle is not None
        and is_open(cycle)
        and cycle.approach == Approach.TOP_DOWN
        and manages_unit(user, goal.owner_unit, cycle.period_start)
    )


def can_set_checkin_cadence(user: User | Actor, cycle: PlanningCycle) -> bool:
    """Set how often owners check in: a planner, on a cycle that is not a closed or
    superseded record (a published plan runs, and its check-ins with it)."""
    return can_plan(user) and cycle.status not in {CycleStatus.CLOSED, CycleStatus.SUPERSEDED}


def reports_on(user: User | Actor, goal: Goal) -> bool:
    """The goal is the user's to report on: their own, or their unit's (as its manager
    today). Check-ins and milestone ticks follow this rule."""
    actor = _actor(user)
    if owns(actor, goal):
        return True
    return goal.owner_unit_id is not None and goal.owner_unit_id in actor.managed_unit_ids(
        scope_day()
    )


def can_define_measure(user: User | Actor, goal: Goal) -> bool:
    """Choose how a goal is measured (numeric, a milestone checklist, a 0–4 rubric) and
    write its checklist or rubric: a planner or a reviewer of the goal (a manager above
    it, never its owner), while its plan still changes (a published plan's goals are
    changed by a new version)."""
    return is_open(goal.cycle) and can_review(user, goal)


def can_tick_milestone(user: User | Actor, goal: Goal) -> bool:
    """Tick (or untick) a milestone with evidence: the goal's owner, on a milestone goal
    that still takes messages."""
    return goal.kind == GoalKind.MILESTONE and comments_open(goal) and reports_on(user, goal)


def can_confirm_milestone(user: User | Actor, goal: Goal) -> bool:
    """Confirm a ticked milestone, or untick it: a reviewer of the goal (a manager above
    it or a planner, never its owner), while the goal takes messages."""
    return goal.kind == GoalKind.MILESTONE and comments_open(goal) and can_review(user, goal)


def can_score_rubric(user: User | Actor, goal: Goal) -> bool:
    """Score a rubric goal 0–4 with a comment: a reviewer of the goal (a manager above it
    or a planner, never its owner), while the goal takes messages."""
    return goal.kind == GoalKind.RUBRIC and comments_open(goal) and can_review(user, goal)


def reviewable_goals(
    user: User | Actor, cycle: PlanningCycle, within: set[int] | None = None
) -> list[Goal]:
    """The cycle's submitted goals ``user`` may approve or return now (:func:`can_decide`),
    among the goal ids ``within`` (None: all), in tree order; one query."""
    actor = _actor(user)
    goals = (
        Goal.objects.filter(cycle=cycle, status=GoalStatus.SUBMITTED)
        .select_related(
            "cycle", "metric", "parent", "parent__owner_unit", "owner_unit", "owner_person__user"
        )
        .order_by("owner_unit__path", "owner_person__full_name", "pk")
    )
    return [
        goal for goal in goals if (within is None or goal.pk in within) and can_decide(actor, goal)
    ]


# Mid-period adjustment requests ----------------------------------------------------------
#
# A manager's rights here follow the tree *today* (``org.queries.scope_day``), not the
# goal's period start: a request is decided while the plan runs, by whoever manages the
# goal's team now.


def adjustment_refusal(goal: Goal, today: dt.date | None = None) -> str:
    """Why no adjustment may be requested on ``goal`` whoever asks, or ``""``: only a goal
    without goals beneath it, in the published version of a plan (never a scenario, a
    draft or a superseded version), whose period has not ended."""
    today = today or scope_day()
    cycle = goal.cycle
    if cycle is None or cycle.is_scenario or cycle.status != CycleStatus.PUBLISHED:
        return "Adjustments are requested on the published plan's goals only."
    if today > cycle.period_end:
        return f"'{cycle}' ended on {cycle.period_end:%d %b %Y}; its numbers are final."
    if goal.children.exists():
        return f"{goal.owner_name} has goals beneath it; request the change on those."
    return ""


def manages_goal_today(user: User | Actor, goal: Goal) -> bool:
    """A manager above ``goal`` today (its parent's unit or higher), or a planner; never
    the manager of a unit's own goal, which is theirs to ask about, not to decide."""
    actor = _actor(user)
    if can_plan(actor):
        return True
    today = scope_day()
    if goal.owner_unit_id is not None and goal.owner_unit_id in actor.managed_unit_ids(today):
        return False
    return not owns(actor, goal) and manages_unit(actor, reviewing_unit(goal), today)


def can_request_adjustment(user: User | Actor, goal: Goal) -> bool:
    """File a request on ``goal``: its owner, or a manager above it on their behalf (or a
    planner), on a goal that takes requests (:func:`adjustment_refusal`)."""
    return (owns(user, goal) or manages_goal_today(user, goal)) and not adjustment_refusal(goal)


def can_see_adjustment(user: User | Actor, request: AdjustmentRequest) -> bool:
    """Read a request (and its evidence): who filed it, the goal's owner, the managers
    above the goal today, and those who read every plan."""
    actor = _actor(user)
    if reads_every_plan(actor.user) or request.requested_by_id == actor.user.pk:
        return True
    goal = request.goal
    return owns(actor, goal) or manages_unit(
        actor, goal.owner_unit or reviewing_unit(goal), scope_day()
    )


def adjustment_decision_refusal(user: User | Actor, request: AdjustmentRequest) -> str:
    """Why the user may not approve, reject or return ``request`` now, or ``""``: a
    pending request, decided by a manager above the goal at the manager's step and by
    sales operations at theirs; never by its requester or the goal's owner."""
    actor = _actor(user)
    if not request.is_pending:
        return (
            f"This request is {request.get_status_display().lower()}; there is nothing to decide."
        )
    if request.requested_by_id == actor.user.pk or owns(actor, request.goal):
        return "You cannot decide a request you filed or one on your own goal."
    if request.status == AdjustmentStatus.PENDING_SALES_OPS:
        return "" if can_plan(actor) else "This step is sales operations' to decide."
    return "" if manages_goal_today(actor, request.goal) else NOT_ABOVE


def can_decide_adjustment(user: User | Actor, request: AdjustmentRequest) -> bool:
    """Approve, reject or return ``request`` now (:func:`adjustment_decision_refusal`)."""
    return not adjustment_decision_refusal(user, request)


def can_withdraw_adjustment(user: User | Actor, request: AdjustmentRequest) -> bool:
    """Withdraw a request: who filed it, while it is pending or returned to them."""
    return request.status in ADJUSTMENT_OPEN and request.requested_by_id == _actor(user).user.pk


def can_resubmit_adjustment(user: User | Actor, request: AdjustmentRequest) -> bool:
    """Answer a request returned for more information and send it back: who filed it."""
    return (
        request.status == AdjustmentStatus.RETURNED
        and request.requested_by_id == _actor(user).user.pk
    )


def can_set_relief_settings(user: User | Actor, cycle: PlanningCycle) -> bool:
    """Set how a cycle treats adjustment requests: like its check-in cadence, a planner,
    on a cycle that is not a closed or superseded record (requests come while it runs)."""
    return can_set_checkin_cadence(user, cycle)
