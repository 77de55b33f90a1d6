"""What a viewer may see: the one place the web pages and the API ask.

The rule (DESIGN, rule 5): a rep sees their own goals; a manager sees the subtrees they
manage *today*; sales operations, administrators and finance see everything; a what-if
scenario, or a later version of a plan that is not published yet, is seen only by the
planner who made it (and administrators). Lists, exports, comparisons, histories and
searches filter exactly like the detail pages.

The viewer's scope is always computed on today's date. A request about the past
(``as_of``) changes the figures it is answered with, never who may read them: a manager
who led a unit in 2020 and leads another today sees today's unit, also for 2020.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.utils import timezone

from quotaflow.accounts.models import Role, User
from quotaflow.org.models import Person, Unit
from quotaflow.org.queries import Scope, scope_for
from quotaflow.plans.models import CycleStatus, Goal, PlanningCycle

# A later version of a plan is in force once it is published; before that it is its
# planner's work in progress, like a scenario.
_RELEASED = [CycleStatus.PUBLISHED, CycleStatus.SUPERSEDED, CycleStatus.CLOSED]


def scope_day() -> dt.date:
    """The date every scope is computed on: today, in the installation's time zone."""
    return timezone.localdate()


def viewer_scope(user: User) -> Scope:
    """The part of the organisation ``user`` may see: their place in the tree today."""
    return scope_for(user, scope_day())


# The organisation -----------------------------------------------------------------------


def people_condition(scope: Scope) -> Q:
    """A filter on Person for the people ``scope`` includes: placed in a visible unit
    today, or the viewer's own record."""
    return scope.people(scope_day())


def can_see_unit(scope: Scope, unit: Unit) -> bool:
    """Whether ``unit`` lies inside the viewer's subtrees."""
    return scope.can_see_unit(unit)


def can_see_person(scope: Scope, person: Person) -> bool:
    """Whether ``person`` is the viewer or placed inside the viewer's subtrees today."""
    if scope.everything or person.pk in scope.person_ids:
        return True
    return Person.objects.filter(people_condition(scope), pk=person.pk).exists()


def visible_person_ids(scope: Scope, person_ids: Iterable[int]) -> set[int]:
    """The ids among ``person_ids`` whose records the viewer may open (at most 1 query)."""
    ids = set(person_ids)
    if scope.everything or not ids:
        return ids
    return set(
        Person.objects.filter(people_condition(scope), pk__in=ids).values_list("pk", flat=True)
    )


def can_see_owner(scope: Scope, owner: Unit | Person) -> bool:
    """Whether the unit or person ``owner`` is inside the viewer's scope."""
    if isinstance(owner, Unit):
        return can_see_unit(scope, owner)
    return can_see_person(scope, owner)


# Plans and goals ------------------------------------------------------------------------


def reads_every_plan(user: User) -> bool:
    """Administrators, sales operations and finance read every plan."""
    return user.is_planner or user.role == Role.FINANCE


def _private_cycles() -> Q:
    """Cycles only their owner sees: scenarios, and later versions not yet published."""
    return Q(is_scenario=True) | (Q(based_on__isnull=False) & ~Q(status__in=_RELEASED))


def _sees_every_private_cycle(user: User) -> bool:
    """Administrators open every scenario and unpublished version; others only their own."""
    return user.is_superuser or user.role == Role.ADMIN


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
    if not _sees_every_private_cycle(user):
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
