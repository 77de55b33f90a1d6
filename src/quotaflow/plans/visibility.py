"""Which plans and goals a viewer may see: the one place the web pages, the API, exports
and notifications ask.

The rule (DESIGN, rule 5): a rep sees their own goals; a manager sees the subtrees they
manage *today*; sales operations, administrators and finance see every plan; a what-if
scenario, or a later version of a plan that is not published yet, is seen only by the
planner who made it (and administrators). Lists, exports, comparisons, histories and
searches filter exactly like the detail pages. The viewer's scope is computed on today's
date (``org.queries.viewer_scope``): asking about the past changes the figures, never who
may read them.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from quotaflow.accounts.models import User
from quotaflow.org.models import Person, Unit
from quotaflow.org.queries import Scope, people_condition, viewer_scope
from quotaflow.plans.in_force import RELEASED
from quotaflow.plans.models import AdjustmentRequest, Goal, PlanningCycle
from quotaflow.plans.permissions import reads_every_plan, sees_every_private_cycle


def _private_cycles() -> Q:
    """Cycles only their owner sees: scenarios, and later versions not yet published."""
    return Q(is_scenario=True) | (Q(based_on__isnull=False) & ~Q(status__in=RELEASED))


def _goal_condition(scope: Scope, prefix: str = "") -> Q:
    """A filter on Goal (or on rows reaching goals through ``prefix``): goals owned by a
    visible unit or person, and the person goals placed under a visible unit's goal."""
    units = Unit.objects.filter(scope.units()).values("pk")
    people = Person.objects.filter(people_condition(scope)).values("pk")
    return (
        Q(**{f"{prefix}owner_unit_id__in": units})
        | Q(**{f"{prefix}owner_person_id__in": people})
        | Q(**{f"{prefix}parent__owner_unit_id__in": units})
    )


def visible_cycles(user: User) -> QuerySet[PlanningCycle]:
    """Cycles, versions and scenarios ``user`` may open: every one for those who read
    every plan; otherwise those holding a goal inside their scope today. Private cycles
    (scenarios, unpublished later versions) only for their owner."""
    cycles = PlanningCycle.objects.select_related("metric", "root_unit", "owner")
    if not sees_every_private_cycle(user):
        cycles = cycles.filter(~_private_cycles() | Q(owner=user))
    if reads_every_plan(user):
        return cycles
    scope = viewer_scope(user)
    if not scope.unit_paths and not scope.person_ids:
        return cycles.none()
    holding = Goal.objects.filter(_goal_condition(scope)).values("cycle_id")
    return cycles.filter(pk__in=holding)


def can_view_cycle(user: User, cycle: PlanningCycle) -> bool:
    """Whether ``user`` may open ``cycle``."""
    return visible_cycles(user).filter(pk=cycle.pk).exists()


def visible_goal_ids(user: User, cycle: PlanningCycle) -> set[int] | None:
    """Goals of ``cycle`` the user may see in detail (``None`` = all of them): a manager
    their subtree today, a rep their own goals. Empty when the cycle is not theirs."""
    if not can_view_cycle(user, cycle):
        return set()
    if reads_every_plan(user):
        return None
    rows = Goal.objects.filter(_goal_condition(viewer_scope(user)), cycle=cycle)
    return set(rows.values_list("pk", flat=True))


def visible_goals(user: User, goals: QuerySet[Goal]) -> QuerySet[Goal]:
    """``goals`` narrowed to those ``user`` may see: goals of the plans they may open,
    and goals outside any plan whose owner lies inside their scope today."""
    open_cycles = visible_cycles(user).values("pk")
    in_plans = Q(cycle__isnull=True) | Q(cycle_id__in=open_cycles)
    if reads_every_plan(user):
        return goals.filter(in_plans)
    return goals.filter(in_plans, _goal_condition(viewer_scope(user)))


def can_see_goal(user: User, goal: Goal) -> bool:
    """Whether ``user`` may see ``goal`` (and its progress, credits and history)."""
    return visible_goals(user, Goal.objects.filter(pk=goal.pk)).exists()


def is_private(cycle: PlanningCycle) -> bool:
    """A scenario, or a later version not yet published: its planner's alone
    (the rule :func:`visible_cycles` filters by, for one cycle in memory)."""
    return cycle.is_scenario or (cycle.based_on_id is not None and cycle.status not in RELEASED)


def may_hear_about(cycle: PlanningCycle, users: Iterable[User]) -> list[User]:
    """The users among ``users`` whom a notification about ``cycle`` may reach: everyone
    for a plan, only its owner and administrators for a private one (a rep is never told
    about a what-if scenario they could not open)."""
    if not is_private(cycle):
        return list(users)
    return [user for user in users if user.pk == cycle.owner_id or sees_every_private_cycle(user)]


def visible_adjustment_requests(user: User) -> QuerySet[AdjustmentRequest]:
    """Adjustment requests ``user`` may read: all of them for those who read every plan;
    otherwise the ones they filed and those on goals inside their scope today (a rep's
    own, a manager's subtree). Never on a scenario (none is ever filed there)."""
    requests = AdjustmentRequest.objects.select_related(
        "goal__cycle", "goal__metric", "goal__owner_unit", "goal__owner_person",
        "goal__parent__owner_unit", "requested_by",
    ).filter(goal__cycle__is_scenario=False)  # fmt: skip
    if reads_every_plan(user):
        return requests
    return requests.filter(_goal_condition(viewer_scope(user), "goal__") | Q(requested_by=user))
