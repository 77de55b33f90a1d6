"""Read-side queries over the organisation: subtrees, ancestors, the org as of a date,
and what a user may see. Every function is a fixed number of queries, whatever the size
of the tree (the materialised ``Unit.path`` makes a subtree one indexed prefix scan)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from quotaflow.accounts import permissions
from quotaflow.accounts.models import User
from quotaflow.org.models import Assignment, AssignmentRole, Person, Unit
from quotaflow.org.paths import path_ids


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


def overlapping_assignment(
    person: Person, start: dt.date, end: dt.date | None, *, role: str, unit: Unit | None = None
) -> Assignment | None:
    """The earliest assignment of ``person`` with ``role`` (in ``unit``, if given) that
    shares at least one day with [start, end] (``end`` None: open-ended)."""
    rows = Assignment.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=start), person=person, role=role
    )
    if end is not None:
        rows = rows.filter(valid_from__lte=end)
    if unit is not None:
        rows = rows.filter(unit=unit)
    return rows.select_related("unit").order_by("valid_from").first()


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
        """Whether ``unit`` lies in one of the visible subtrees."""
        return self.everything or any(unit.path.startswith(path) for path in self.unit_paths)

    def people(self, day: dt.date) -> Q:
        """A filter on Person: people placed in a visible unit on ``day``, plus own records."""
        if self.everything:
            return Q()
        condition = Q(pk__in=list(self.person_ids))
        for path in self.unit_paths:
            condition |= Q(
                pk__in=Assignment.objects.filter(
                    active_on(day), unit__path__startswith=path
                ).values("person_id")
            )
        return condition


def scope_for(user: User, day: dt.date) -> Scope:
    """The part of the organisation ``user`` may see on ``day``.

    Admins, sales ops and finance see everything; a manager sees the subtrees of the
    units they manage on that date; a rep (or anyone else) sees only their own record.
    """
    if permissions.sees_whole_organisation(user):
        return Scope(everything=True)
    person = Person.objects.filter(user=user).first()
    if person is None:
        return Scope(everything=False)
    paths = (
        tuple(managed_units(person, day).values_list("path", flat=True))
        if permissions.is_manager(user)
        else ()
    )
    return Scope(everything=False, unit_paths=paths, person_ids=frozenset({person.pk}))


def scope_day() -> dt.date:
    """The date every viewer's scope is computed on: today, in the installation's time zone.

    A request about the past (``as_of``) changes the figures it is answered with, never who
    may read them: a manager who led a unit in 2020 and leads another today sees today's
    unit, also for 2020."""
    return timezone.localdate()


def viewer_scope(user: User) -> Scope:
    """The part of the organisation ``user`` may see: their place in the tree today."""
    return scope_for(user, scope_day())


def people_condition(scope: Scope) -> Q:
    """A filter on Person for the people ``scope`` includes: placed in a visible unit
    today, or the viewer's own record."""
    return scope.people(scope_day())


def visible_person_ids(scope: Scope, person_ids: Iterable[int]) -> set[int]:
    """The ids among ``person_ids`` whose records the viewer may open (at most 1 query)."""
    ids = set(person_ids)
    if scope.everything or not ids:
        return ids
    return set(
        Person.objects.filter(people_condition(scope), pk__in=ids).values_list("pk", flat=True)
    )


@dataclass(frozen=True)
class UnitRow:
    """One unit as plain values (no model instance)."""

    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None
    path: str
    depth: int


@dataclass(frozen=True)
class PlacementRow:
    """One assignment valid on the snapshot's date, with the person's name and id."""

    id: int
    person_id: int
    external_id: str
    full_name: str
    unit_id: int
    role: str
    valid_from: dt.date
    valid_to: dt.date | None


@dataclass(frozen=True)
class OrgSnapshot:
    """The organisation on ``day``: every unit (in path order) and every active assignment."""

    day: dt.date
    units: list[UnitRow]
    placements: list[PlacementRow]

    def children(self) -> dict[int | None, list[UnitRow]]:
        """Units grouped by parent id (roots under None), each list in path order."""
        grouped: dict[int | None, list[UnitRow]] = {}
        for unit in self.units:
            grouped.setdefault(unit.parent_id, []).append(unit)
        return grouped

    def placements_by_unit(self) -> dict[int, list[PlacementRow]]:
        """Active assignments grouped by unit id, managers first, then by name."""
        grouped: dict[int, list[PlacementRow]] = {}
        for placement in sorted(
            self.placements, key=lambda row: (row.role != AssignmentRole.MANAGER, row.full_name)
        ):
            grouped.setdefault(placement.unit_id, []).append(placement)
        return grouped


def org_as_of(day: dt.date, *, root: Unit | None = None) -> OrgSnapshot:
    """Flat lists of the units (under ``root``, if given) and the assignments active on
    ``day`` (two queries, whatever the size of the organisation)."""
    units = Unit.objects.all() if root is None else subtree_units(root)
    unit_rows = [
        UnitRow(*values)
        for values in units.order_by("path").values_list(
            "id", "code", "name", "kind", "parent_id", "path", "depth"
        )
    ]
    assignments = Assignment.objects.filter(active_on(day))
    if root is not None:
        assignments = assignments.filter(unit__path__startswith=root.path)
    placement_rows = [
        PlacementRow(*values)
        for values in assignments.order_by("unit_id", "person__full_name").values_list(
            "id",
            "person_id",
            "person__external_id",
            "person__full_name",
            "unit_id",
            "role",
            "valid_from",
            "valid_to",
        )
    ]
    return OrgSnapshot(day=day, units=unit_rows, placements=placement_rows)


def descendant_counts(
    day: dt.date, *, root: Unit | None = None, role: str | None = None
) -> dict[int, int]:
    """Distinct people placed (optionally with ``role``) in each unit's subtree on ``day``,
    keyed by unit id; units without anybody are left out.

    Two aggregate queries, whatever the number of people: distinct people per unit, then
    the few people placed in more than one unit (a player-coach managing a region and
    selling in one of its teams), so that they count once in every subtree that holds them.
    """
    rows = Assignment.objects.filter(active_on(day))
    if root is not None:
        rows = rows.filter(unit__path__startswith=root.path)
    if role is not None:
        rows = rows.filter(role=role)
    counts: dict[int, int] = {}
    per_unit = rows.values("unit__path").annotate(people=Count("person_id", distinct=True))
    for row in per_unit.values_list("unit__path", "people"):
        for unit_id in path_ids(row[0]):
            counts[unit_id] = counts.get(unit_id, 0) + row[1]
    placed_twice = (
        rows.values("person_id").annotate(units=Count("unit_id", distinct=True)).filter(units__gt=1)
    )
    units_of_person: dict[int, set[str]] = {}
    for person_id, path in rows.filter(person_id__in=placed_twice.values("person_id")).values_list(
        "person_id", "unit__path"
    ):
        units_of_person.setdefault(person_id, set()).add(path)
    for paths in units_of_person.values():
        # The sum above counted this person once per unit they sit in below each ancestor.
        seen: dict[int, int] = {}
        for path in paths:
            for unit_id in path_ids(path):
                seen[unit_id] = seen.get(unit_id, 0) + 1
        for unit_id, times in seen.items():
            counts[unit_id] -= times - 1
    if root is not None:
        # Ancestors of the root also appear in the paths; they are outside the question.
        outside = set(root.ancestor_ids())
        counts = {unit_id: count for unit_id, count in counts.items() if unit_id not in outside}
    return counts


def stored_units() -> dict[str, Any]:
    """Every unit as plain values, by code (one query; imports compare files with it)."""
    fields = ("pk", "code", "name", "kind", "parent_id", "territory", "path", "depth")
    return {row["code"]: row for row in Unit.objects.values(*fields)}


def stored_people(external_ids: list[str]) -> dict[str, Any]:
    """The people with these external ids as plain values, by external id (one query)."""
    rows = Person.objects.filter(external_id__in=external_ids).values(
        "pk", "external_id", "full_name", "email", "title", "user__username"
    )
    return {row["external_id"]: row for row in rows}


def stored_logins(usernames: list[str]) -> dict[str, Any]:
    """The logins with these usernames as plain values (their pk and the external id of the
    person they belong to, if any), by username (one query)."""
    rows = User.objects.filter(username__in=usernames).values(
        "pk", "username", "person__external_id"
    )
    return {row["username"]: row for row in rows}


def stored_assignments(external_ids: list[str]) -> list[Any]:
    """Every assignment of the people with these external ids, as plain values (one query)."""
    return list(
        Assignment.objects.filter(person__external_id__in=external_ids).values(
            "pk",
            "person_id",
            "person__external_id",
            "unit__code",
            "unit__name",
            "role",
            "valid_from",
            "valid_to",
        )  # fmt: skip
    )
