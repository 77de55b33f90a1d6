"""Read-side queries over the organisation: subtrees, ancestors, the org as of a date,
and what a user may see. Every function is a fixed number of queries, whatever the size
of the tree (the materialised ``Unit.path`` makes a subtree one indexed prefix scan)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from quotaflow.accounts.models import Role, User
from quotaflow.org.models import Assignment, AssignmentRole, Person, Unit


def active_on(day: dt.date, prefix: str = "") -> Q:
    """Assignments (or rows reached through ``prefix``) valid on ``day``."""
    return Q(**{f"{prefix}valid_from__lte": day}) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": day})
    )


def subtree_units(unit: Unit, *, include_self: bool = True) -> QuerySet[Unit]:
    """``unit`` and every unit below it, at any depth."""
    units = Unit.objects.filter(path__startswith=unit.path)
    return units if include_self else units.exclude(pk=unit.pk)


def ancestor_units(unit: Unit) -> list[Unit]:
    """The units above ``unit``, root first."""
    ids = unit.ancestor_ids()
    by_id = Unit.objects.in_bulk(ids)
    return [by_id[pk] for pk in ids if pk in by_id]


def assignments_on(day: dt.date) -> QuerySet[Assignment]:
    """Every assignment valid on ``day``: the organisation as of that date."""
    return Assignment.objects.filter(active_on(day)).select_related("person", "unit")


def people_in_subtree(unit: Unit, day: dt.date, *, role: str | None = None) -> QuerySet[Person]:
    """People assigned (optionally with ``role``) anywhere in ``unit``'s subtree on ``day``."""
    condition = active_on(day, "assignments__") & Q(assignments__unit__path__startswith=unit.path)
    if role is not None:
        condition &= Q(assignments__role=role)
    return Person.objects.filter(condition).distinct()


def managed_units(person: Person, day: dt.date) -> QuerySet[Unit]:
    """Units that ``person`` manages on ``day``."""
    return Unit.objects.filter(
        active_on(day, "assignments__"),
        assignments__person=person,
        assignments__role=AssignmentRole.MANAGER,
    ).distinct()


def home_unit(person: Person, day: dt.date) -> Unit | None:
    """The unit ``person`` belongs to on ``day`` (as member, else the first they manage)."""
    assignment = (
        Assignment.objects.filter(active_on(day), person=person)
        .order_by("-role", "valid_from")  # "member" sorts after "manager": members first
        .select_related("unit")
        .first()
    )
    return assignment.unit if assignment else None


def managers_of(units: Iterable[Unit], day: dt.date) -> dict[int, list[Person]]:
    """Managers on ``day`` of each given unit, keyed by unit id (one query)."""
    result: dict[int, list[Person]] = {}
    rows = assignments_on(day).filter(unit__in=list(units), role=AssignmentRole.MANAGER)
    for assignment in rows:
        result.setdefault(assignment.unit_id, []).append(assignment.person)
    return result


@dataclass(frozen=True)
class Scope:
    """What a user may see on a date: everything, or the subtrees under ``unit_paths``
    plus the people in ``person_ids`` (a rep's own record)."""

    everything: bool
    unit_paths: tuple[str, ...] = ()
    person_ids: frozenset[int] = field(default_factory=frozenset)

    def units(self) -> Q:
        """A filter on Unit for the visible units."""
        if self.everything:
            return Q()
        condition = Q(pk__in=[])
        for path in self.unit_paths:
            condition |= Q(path__startswith=path)
        return condition

    def can_see_unit(self, unit: Unit) -> bool:
        return self.everything or any(unit.path.startswith(path) for path in self.unit_paths)

    def people(self, day: dt.date) -> Q:
        """A filter on Person: people placed in a visible unit on ``day``, plus own records."""
        if self.everything:
            return Q()
        condition = Q(pk__in=list(self.person_ids))
        for path in self.unit_paths:
            condition |= Q(pk__in=Assignment.objects.filter(active_on(day), unit__path__startswith=path).values("person_id"))
        return condition


def scope_for(user: User, day: dt.date) -> Scope:
    """The part of the organisation ``user`` may see on ``day``.

    Admins, sales ops and finance see everything; a manager sees the subtrees of the
    units they manage on that date; a rep (or anyone else) sees only their own record.
    """
    if user.is_superuser or user.role in {Role.ADMIN, Role.SALES_OPS, Role.FINANCE}:
        return Scope(everything=True)
    person = Person.objects.filter(user=user).first()
    if person is None:
        return Scope(everything=False)
    paths = tuple(managed_units(person, day).values_list("path", flat=True)) if user.role == Role.MANAGER else ()
    return Scope(everything=False, unit_paths=paths, person_ids=frozenset({person.pk}))
