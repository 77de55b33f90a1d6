"""Read-side helpers for the web pages: home-page statistics, headcounts, reporting lines
and what the organisation browser shows.

Each function runs a fixed number of queries whatever the size of the organisation: rows
are loaded flat once and combined in memory (the materialised ``Unit.path`` gives every
unit's ancestors without another query).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, Max, Min, Q, QuerySet, Sum

from quotaflow.core.fiscal import FiscalPeriod
from quotaflow.imports.models import ImportRun
from quotaflow.metrics.models import Metric
from quotaflow.org.models import Assignment, AssignmentRole, Person, Unit
from quotaflow.org.paths import path_ids
from quotaflow.org.queries import (
    Scope,
    active_on,
    ancestor_units,
    descendant_counts,
    managed_units,
    people_condition,
)
from quotaflow.org.queries import visible_person_ids as visible_person_ids_of
from quotaflow.sales.models import Transaction

# Above this many units, one prefix scan over their common ancestor is cheaper than
# OR-ing one prefix condition per unit.
_MAX_PATH_CONDITIONS = 20


@dataclass(frozen=True)
class OrgStats:
    """Company-wide counts for the planners' and finance home pages."""

    units: int
    people: int
    people_placed: int
    active_assignments: int
    managers: int
    metrics: int
    transactions: int
    first_transaction: dt.date | None
    last_transaction: dt.date | None


def org_stats(day: dt.date) -> OrgStats:
    """Counts of units, people, assignments on ``day``, metrics and transactions (5 queries)."""
    assignments = Assignment.objects.filter(active_on(day)).aggregate(
        total=Count("pk"),
        people=Count("person", distinct=True),
        managers=Count("person", distinct=True, filter=Q(role=AssignmentRole.MANAGER)),
    )
    transactions = Transaction.objects.aggregate(
        total=Count("pk"), first=Min("date"), last=Max("date")
    )
    return OrgStats(
        units=Unit.objects.count(),
        people=Person.objects.count(),
        people_placed=assignments["people"],
        active_assignments=assignments["total"],
        managers=assignments["managers"],
        metrics=Metric.objects.filter(is_active=True).count(),
        transactions=transactions["total"],
        first_transaction=transactions["first"],
        last_transaction=transactions["last"],
    )


def recent_imports(limit: int = 5) -> list[ImportRun]:
    """The latest imports, newest first, with who started them."""
    return list(
        ImportRun.objects.select_related("started_by").order_by("-started_at", "-pk")[:limit]
    )


@dataclass(frozen=True)
class BookedInCurrency:
    """Net booked sales in one currency over a period, in minor units of that currency
    (``amount_minor``) and of the company currency (``company_amount_minor``, the sum of
    the converted amounts the sales store); ``unconverted`` sales have no rate yet and
    are in no company total."""

    currency: str
    amount_minor: int
    company_amount_minor: int
    transactions: int
    unconverted: int


@dataclass(frozen=True)
class Booked:
    """Net booked sales over a period: the company-currency total and its currencies."""

    company_amount_minor: int
    transactions: int
    currencies: list[BookedInCurrency]

    @property
    def unconverted(self) -> int:
        """Sales left out of the total because no exchange rate converts them yet."""
        return sum(row.unconverted for row in self.currencies)


def booked_in_period(period: FiscalPeriod) -> Booked:
    """Net amount of non-cancelled transactions dated within ``period`` in the company
    currency, from the converted amounts every sale keeps, with each currency's own net
    amount as detail (1 query)."""
    rows = (
        Transaction.objects.filter(date__range=(period.start, period.end), is_cancelled=False)
        .values("currency")
        .annotate(
            total=Sum("amount_minor"),
            company=Sum("company_amount_minor"),
            count=Count("pk"),
            unconverted=Count("pk", filter=Q(company_amount_minor__isnull=True)),
        )
        .order_by("currency")
    )
    currencies = [
        BookedInCurrency(
            currency=row["currency"],
            amount_minor=row["total"] or 0,
            company_amount_minor=row["company"] or 0,
            transactions=row["count"],
            unconverted=row["unconverted"],
        )
        for row in rows
    ]
    return Booked(
        company_amount_minor=sum(row.company_amount_minor for row in currencies),
        transactions=sum(row.transactions for row in currencies),
        currencies=currencies,
    )


def _covering_condition(paths: Sequence[str], field: str) -> Q:
    """A filter matching every unit under any of ``paths`` (possibly a little more)."""
    if len(paths) > _MAX_PATH_CONDITIONS:
        common = os.path.commonprefix(list(paths))
        return Q(**{f"{field}__startswith": common[: common.rfind("/") + 1]})
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(**{f"{field}__startswith": path})
    return condition


def _common_ancestor(units: Sequence[Unit]) -> Unit | None:
    """The deepest unit whose subtree holds all of ``units`` (None: only the whole tree)."""
    common = os.path.commonprefix([unit.path for unit in units])
    ids = path_ids(common[: common.rfind("/") + 1])
    if not ids:
        return None
    by_id = {unit.pk: unit for unit in units}
    return by_id.get(ids[-1]) or Unit.objects.get(pk=ids[-1])


def subtree_headcounts(
    units: Sequence[Unit], day: dt.date, *, within: Unit | None = None
) -> dict[int, int]:
    """Distinct people assigned anywhere in each unit's subtree on ``day``, keyed by unit id.

    Counted in the database by :func:`quotaflow.org.queries.descendant_counts` over
    ``within`` (pass the parent when you have it) or else the units' closest common
    ancestor (at most 3 queries, whatever the number of people).
    """
    if not units:
        return {}
    counts = descendant_counts(day, root=within or _common_ancestor(units))
    return {unit.pk: counts.get(unit.pk, 0) for unit in units}


def top_units(units: Sequence[Unit]) -> list[Unit]:
    """``units`` without those that lie inside another one of them, ordered by name."""
    paths = [unit.path for unit in units]
    return sorted(
        (
            unit
            for unit in units
            if not any(unit.path != p and unit.path.startswith(p) for p in paths)
        ),
        key=lambda unit: (unit.name.casefold(), unit.pk),
    )


@dataclass(frozen=True)
class Placement:
    """One assignment on a date, flattened for display."""

    person: Person
    unit: Unit
    role: str
    valid_from: dt.date
    valid_to: dt.date | None


def _nearest_managers(
    path: str, *, start_above_own_unit: bool, managers_by_unit: dict[int, set[int]], exclude: int
) -> set[int]:
    """Ids of the managers of the closest unit on ``path`` (walking up) that has one."""
    ids = path_ids(path)
    if start_above_own_unit:
        ids = ids[:-1]
    for unit_id in reversed(ids):
        found = managers_by_unit.get(unit_id, set()) - {exclude}
        if found:
            return found
    return set()


def direct_reports(person: Person, day: dt.date) -> list[Placement]:
    """People whose nearest manager on ``day`` is ``person``, by name (4 queries).

    A member reports to the manager of their unit, or, when it has none, of the closest
    unit above it that has one; a manager reports to the nearest manager above their unit.
    Only the subtree's managers and the members who report to ``person`` are loaded, so a
    chief executive's page does not read every assignment in the company.
    """
    paths = list(managed_units(person, day).values_list("path", flat=True))
    if not paths:
        return []
    manager_rows = list(
        Assignment.objects.filter(
            active_on(day), _covering_condition(paths, "unit__path"), role=AssignmentRole.MANAGER
        ).select_related("person", "unit")
    )
    managers_by_unit: dict[int, set[int]] = {}
    for row in manager_rows:
        managers_by_unit.setdefault(row.unit_id, set()).add(row.person_id)

    def reports_to_person(path: str, *, above: bool, own_id: int) -> bool:
        nearest = _nearest_managers(
            path, start_above_own_unit=above, managers_by_unit=managers_by_unit, exclude=own_id
        )
        return person.pk in nearest

    reports: dict[int, Placement] = {}
    for row in manager_rows:
        if row.person_id != person.pk and reports_to_person(
            row.unit.path, above=True, own_id=row.person_id
        ):
            reports.setdefault(
                row.person_id,
                Placement(row.person, row.unit, row.role, row.valid_from, row.valid_to),
            )
    units_reporting_here = [
        unit_id
        for unit_id, path in Unit.objects.filter(_covering_condition(paths, "path")).values_list(
            "pk", "path"
        )
        if reports_to_person(path, above=False, own_id=0)
    ]
    members = (
        Assignment.objects.filter(
            active_on(day), unit_id__in=units_reporting_here, role=AssignmentRole.MEMBER
        )
        .exclude(person=person)
        .select_related("person", "unit")
    )
    for row in members:
        reports.setdefault(
            row.person_id, Placement(row.person, row.unit, row.role, row.valid_from, row.valid_to)
        )
    return sorted(
        reports.values(), key=lambda placement: (placement.person.full_name, placement.person.pk)
    )


def current_placements(person: Person, day: dt.date) -> list[Placement]:
    """Where ``person`` is assigned on ``day``, members first (1 query)."""
    rows = (
        Assignment.objects.filter(active_on(day), person=person)
        .select_related("unit")
        .order_by("-role", "unit__name", "pk")
    )
    return [Placement(person, row.unit, row.role, row.valid_from, row.valid_to) for row in rows]


def line_managers(placement: Placement, day: dt.date) -> list[Person]:
    """The people ``placement.person`` reports to on ``day`` (2 queries): the managers of the
    closest unit at or above their unit that has a manager other than themselves."""
    ids = path_ids(placement.unit.path)
    rows = (
        Assignment.objects.filter(active_on(day), unit_id__in=ids, role=AssignmentRole.MANAGER)
        .exclude(person=placement.person)
        .select_related("person")
        .order_by("person__full_name")
    )
    by_unit: dict[int, list[Person]] = {}
    for row in rows:
        by_unit.setdefault(row.unit_id, []).append(row.person)
    if placement.role == AssignmentRole.MANAGER:
        ids = ids[:-1]
    for unit_id in reversed(ids):
        if unit_id in by_unit:
            return by_unit[unit_id]
    return []


def assignment_history(person: Person) -> list[Assignment]:
    """Every assignment ``person`` ever held, newest first (1 query)."""
    return list(
        Assignment.objects.filter(person=person)
        .select_related("unit")
        .order_by("-valid_from", "-pk")
    )


def home_units_of(people: Sequence[Person], day: dt.date) -> dict[int, Unit]:
    """Each person's unit on ``day`` (as member, else the first they manage), by person id."""
    rows = (
        Assignment.objects.filter(active_on(day), person__in=list(people))
        .select_related("unit")
        .order_by("person_id", "-role", "valid_from")
    )
    result: dict[int, Unit] = {}
    for row in rows:
        result.setdefault(row.person_id, row.unit)
    return result


@dataclass(frozen=True)
class Crumb:
    """An ancestor in the breadcrumbs; ``visible`` says whether the viewer may open it."""

    unit: Unit
    visible: bool


def breadcrumbs(unit: Unit, scope: Scope) -> list[Crumb]:
    """The units above ``unit``, root first, marked with whether the viewer may open them."""
    return [Crumb(ancestor, scope.can_see_unit(ancestor)) for ancestor in ancestor_units(unit)]


@dataclass(frozen=True)
class ChildUnit:
    """A child unit in the browser: its subtree headcount and its managers on the date."""

    unit: Unit
    headcount: int
    managers: list[Person]


def child_units(unit: Unit, day: dt.date) -> list[ChildUnit]:
    """``unit``'s children ordered by name, with subtree headcount and managers (3 queries)."""
    children = list(Unit.objects.filter(parent=unit).order_by("name", "pk"))
    if not children:
        return []
    counts = subtree_headcounts(children, day, within=unit)
    managers = unit_managers(children, day)
    return [ChildUnit(child, counts[child.pk], managers.get(child.pk, [])) for child in children]


def unit_managers(units: Sequence[Unit], day: dt.date) -> dict[int, list[Person]]:
    """Managers of each unit on ``day``, ordered by name, keyed by unit id (1 query)."""
    result: dict[int, list[Person]] = {}
    rows = (
        Assignment.objects.filter(active_on(day), unit__in=list(units), role=AssignmentRole.MANAGER)
        .select_related("person")
        .order_by("person__full_name", "pk")
    )
    for row in rows:
        result.setdefault(row.unit_id, []).append(row.person)
    return result


def unit_members(unit: Unit, day: dt.date) -> QuerySet[Assignment]:
    """Member assignments of ``unit`` on ``day``, ordered by name (lazy, for pagination)."""
    return (
        Assignment.objects.filter(active_on(day), unit=unit, role=AssignmentRole.MEMBER)
        .select_related("person")
        .order_by("person__full_name", "pk")
    )


def search_units(scope: Scope, text: str, limit: int = 20) -> list[Unit]:
    """Visible units whose name or code contains ``text``, by name."""
    return list(
        Unit.objects.filter(scope.units())
        .filter(Q(name__icontains=text) | Q(code__icontains=text))
        .order_by("name", "pk")[:limit]
    )


def search_people(scope: Scope, text: str, limit: int = 20) -> list[Person]:
    """Visible people (placed in the viewer's subtrees today) whose name or external id
    contains ``text``, by name."""
    return list(
        Person.objects.filter(people_condition(scope))
        .filter(Q(full_name__icontains=text) | Q(external_id__icontains=text))
        .order_by("full_name", "pk")[:limit]
    )


def visible_person_ids(scope: Scope, people: Sequence[Person]) -> set[int]:
    """The ids among ``people`` whose pages the viewer may open (at most 1 query)."""
    return visible_person_ids_of(scope, [person.pk for person in people])


@dataclass(frozen=True)
class HistoryRow:
    """An assignment on a person's history, with its state on the chosen date
    (``current``, ``ended`` or ``future``) and whether the viewer may open its unit."""

    unit: Unit
    unit_visible: bool
    role: str
    role_label: str
    valid_from: dt.date
    valid_to: dt.date | None
    state: str


def _state_on(assignment: Assignment, day: dt.date) -> str:
    if assignment.valid_from > day:
        return "future"
    if assignment.valid_to is not None and assignment.valid_to < day:
        return "ended"
    return "current"


def history_rows(person: Person, day: dt.date, scope: Scope) -> list[HistoryRow]:
    """``person``'s whole assignment history, newest first, seen from ``day`` (1 query)."""
    return [
        HistoryRow(
            unit=assignment.unit,
            unit_visible=scope.can_see_unit(assignment.unit),
            role=assignment.role,
            role_label=assignment.get_role_display(),
            valid_from=assignment.valid_from,
            valid_to=assignment.valid_to,
            state=_state_on(assignment, day),
        )
        for assignment in assignment_history(person)
    ]


@dataclass(frozen=True)
class TreeRow:
    """A unit in an indented tree table: ``level`` 0 for a top unit, 1 for its children …"""

    unit: Unit
    level: int
    headcount: int
    managers: list[Person]


def unit_tree(tops: Sequence[Unit], day: dt.date, *, levels: int = 2) -> list[TreeRow]:
    """The units of ``tops``' subtrees down to ``levels`` below each top, in tree order
    (siblings by name), with subtree headcount and managers on ``day`` (3 queries)."""
    if not tops:
        return []
    condition = Q(pk__in=[])
    for top in tops:
        condition |= Q(path__startswith=top.path, depth__lte=top.depth + levels)
    units = list(Unit.objects.filter(condition))
    by_id = {unit.pk: unit for unit in units}

    def tree_key(unit: Unit) -> list[tuple[str, int]]:
        return [(by_id[pk].name.casefold(), pk) for pk in path_ids(unit.path) if pk in by_id]

    units.sort(key=tree_key)
    counts = subtree_headcounts(units, day)
    managers = unit_managers(units, day)
    return [
        TreeRow(unit, len(tree_key(unit)) - 1, counts[unit.pk], managers.get(unit.pk, []))
        for unit in units
    ]
