"""``/org``: units, people and assignments.

Reads show only what the caller's place in the tree allows today (:mod:`quotaflow.plans.visibility` and :mod:`quotaflow.org.permissions`;
``as_of`` changes what is shown, never who may see it); anything outside it answers 404, exactly like something that does not exist. Writes are
for administrators and sales operations (tokens need the ``manage`` scope).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.db.models import Q
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from quotaflow.accounts.models import TokenScope
from quotaflow.api.auth import request_user, require_allowed, require_scope
from quotaflow.api.schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
    AsOf,
    Code,
    Input,
    ObjectId,
    Offset,
    OptionalDay,
    QueryText,
    Search,
    SearchText,
    day_or_today,
    patch_changes,
)
from quotaflow.core.errors import InvalidInput, NotFound
from quotaflow.org import actions
from quotaflow.org.loaders import person_for, unit_by_code, unit_for
from quotaflow.org.models import Assignment, AssignmentRole, Person, Unit, UnitKind
from quotaflow.org.permissions import can_change_org
from quotaflow.org.queries import (
    active_on,
    ancestor_units,
    descendant_counts,
    people_condition,
    viewer_scope,
)

router = Router(tags=["organisation"])

Limit = Annotated[int, Query(ge=1, le=5000, description="At most this many rows.")]


# Schemas --------------------------------------------------------------------------------


class UnitRef(Schema):
    """A unit, briefly."""

    code: str
    name: str
    kind: UnitKind


class UnitOut(UnitRef):
    """A unit of the organisation tree."""

    territory: str
    parent: str | None = Field(description="Code of the parent unit; null for the top of the tree.")
    depth: int = Field(description="Number of units above this one (0 for the top).")

    @staticmethod
    def of(unit: Unit, parent_code: str | None) -> UnitOut:
        """The schema for ``unit`` whose parent has ``parent_code``."""
        return UnitOut(
            code=unit.code,
            name=unit.name,
            kind=UnitKind(unit.kind),
            territory=unit.territory,
            parent=parent_code,
            depth=unit.depth,
        )


class PlacementOut(Schema):
    """Someone placed directly in a unit on the requested date."""

    external_id: str
    full_name: str
    role: AssignmentRole
    valid_from: dt.date
    valid_to: dt.date | None


class UnitDetailOut(UnitOut):
    """A unit with its surroundings as of ``as_of``."""

    as_of: dt.date
    ancestors: list[UnitRef] = Field(
        description="Units above this one that you may see, top first."
    )
    children: list[UnitRef]
    people: list[PlacementOut] = Field(
        description="People placed directly in this unit, managers first."
    )
    people_in_subtree: int = Field(
        description="Distinct people in this unit and every unit below it."
    )


class UnitIn(Input):
    """A new unit."""

    code: str = Field(max_length=64, description="Stable identifier used by imports, e.g. NORTH-A.")
    name: str = Field(max_length=200)
    kind: UnitKind = UnitKind.TEAM
    parent: str | None = Field(
        None, max_length=64, description="Code of the parent unit; omit for a new top-level unit."
    )
    territory: str = Field("", max_length=200)


class UnitPatch(Input):
    """Changes to a unit; only the fields sent are changed. Sending ``parent`` moves the
    unit (with everything below it); ``parent: null`` makes it a top-level unit."""

    code: str | None = Field(None, max_length=64)
    name: str | None = Field(None, max_length=200)
    kind: UnitKind | None = None
    territory: str | None = Field(None, max_length=200)
    parent: str | None = Field(None, max_length=64)
    reason: str = Field("", description="Why, for the audit trail.")


class PersonOut(Schema):
    """A person and where they sit on ``as_of``."""

    external_id: str
    full_name: str
    email: str
    title: str
    unit: str | None = Field(
        description="Code of the unit they belong to on the date (as member, else manager)."
    )
    unit_name: str | None
    role: AssignmentRole | None = Field(description="Their role in that unit.")


class AssignmentOut(Schema):
    """One effective-dated placement of a person in a unit (dates inclusive)."""

    id: int
    person: str = Field(description="The person's employee id.")
    unit: str = Field(description="The unit's code.")
    unit_name: str
    role: AssignmentRole
    valid_from: dt.date
    valid_to: dt.date | None = Field(description="Last day; null while open-ended.")

    @staticmethod
    def of(assignment: Assignment) -> AssignmentOut:
        """The schema for ``assignment`` (person and unit loaded)."""
        return AssignmentOut(
            id=assignment.pk,
            person=assignment.person.external_id,
            unit=assignment.unit.code,
            unit_name=assignment.unit.name,
            role=AssignmentRole(assignment.role),
            valid_from=assignment.valid_from,
            valid_to=assignment.valid_to,
        )


class PersonDetailOut(Schema):
    """A person with their whole assignment history."""

    external_id: str
    full_name: str
    email: str
    title: str
    hire_date: dt.date | None
    termination_date: dt.date | None
    has_login: bool
    assignments: list[AssignmentOut] = Field(description="Every assignment, oldest first.")


class PersonIn(Input):
    """A new person (place them with POST /org/assignments)."""

    external_id: str = Field(max_length=64, description="Employee id from HR or the CRM.")
    full_name: str = Field(max_length=200)
    email: str = Field("", max_length=254)
    title: str = Field("", max_length=120)
    hire_date: dt.date | None = None
    termination_date: dt.date | None = None


class PersonPatch(Input):
    """Changes to a person; only the fields sent are changed."""

    full_name: str | None = Field(None, max_length=200)
    email: str | None = Field(None, max_length=254)
    title: str | None = Field(None, max_length=120)
    hire_date: dt.date | None = None
    termination_date: dt.date | None = None
    reason: str = ""


class AssignmentIn(Input):
    """Place a person in a unit from ``valid_from`` to ``valid_to`` (inclusive)."""

    person: str = Field(max_length=64, description="Employee id.")
    unit: str = Field(max_length=64, description="Unit code.")
    role: AssignmentRole = AssignmentRole.MEMBER
    valid_from: dt.date
    valid_to: dt.date | None = None
    reason: str = ""


class AssignmentEndIn(Input):
    """End an assignment on ``valid_to`` (its last day)."""

    valid_to: dt.date
    reason: str = ""


class TransferIn(Input):
    """Move a member to another unit from ``on``; the old membership ends the day before."""

    to_unit: str = Field(max_length=64, description="Code of the unit they join.")
    on: dt.date = Field(description="First day in the new unit.")
    reason: str = ""


# Look-ups -------------------------------------------------------------------------------


def _unit_by_code(code: str, *, field: str | None = None) -> Unit:
    """Unit ``code``; a 404, or a 400 on ``field`` when the unit is named in the body."""
    try:
        return unit_by_code(code)
    except NotFound as error:
        if field is None:
            raise
        raise InvalidInput(error.message, field=field) from None


def _person_by_external_id(external_id: str, *, field: str | None = None) -> Person:
    person = Person.objects.filter(external_id=external_id).first()
    if person is None:
        error = f"There is no person with the employee id {external_id!r}."
        raise InvalidInput(error, field=field) if field else NotFound(error)
    return person


# Units ----------------------------------------------------------------------------------


@router.get("/units", response={200: list[UnitOut], **READ_ERRORS}, summary="List units")
def list_units(
    request: HttpRequest,
    as_of: AsOf = None,
    q: Search = None,
    parent: Annotated[
        QueryText | None, Query(description="Only the children of the unit with this code.")
    ] = None,
    limit: Limit = 1000,
    offset: Offset = 0,
) -> list[UnitOut]:
    """The units you may see, in tree order."""
    require_scope(request, TokenScope.READ)
    scope = viewer_scope(request_user(request))
    units = Unit.objects.filter(scope.units()).select_related("parent").order_by("path")
    if q:
        units = units.filter(Q(code__icontains=q) | Q(name__icontains=q))
    if parent:
        units = units.filter(parent__code=parent)
    return [
        UnitOut.of(unit, unit.parent.code if unit.parent else None)
        for unit in units[offset : offset + limit]
    ]


@router.get("/units/{code}", response={200: UnitDetailOut, **READ_ERRORS}, summary="One unit")
def get_unit(request: HttpRequest, code: Code, as_of: AsOf = None) -> UnitDetailOut:
    """A unit with the units above and below it and the people in it on ``as_of``."""
    require_scope(request, TokenScope.READ)
    day = day_or_today(as_of)
    scope = viewer_scope(request_user(request))
    unit = unit_for(scope, code)
    placements = (
        Assignment.objects.filter(active_on(day), unit=unit)
        .select_related("person")
        .order_by("role", "person__full_name")
    )
    return UnitDetailOut(
        **UnitOut.of(unit, unit.parent.code if unit.parent else None).model_dump(),
        as_of=day,
        ancestors=[
            UnitRef(code=a.code, name=a.name, kind=UnitKind(a.kind))
            for a in ancestor_units(unit)
            if scope.can_see_unit(a)
        ],
        children=[
            UnitRef(code=c.code, name=c.name, kind=UnitKind(c.kind))
            for c in unit.children.order_by("name")
        ],
        people=[
            PlacementOut(
                external_id=p.person.external_id,
                full_name=p.person.full_name,
                role=AssignmentRole(p.role),
                valid_from=p.valid_from,
                valid_to=p.valid_to,
            )
            for p in placements
        ],
        people_in_subtree=descendant_counts(day, root=unit).get(unit.pk, 0),
    )


@router.post("/units", response={201: UnitOut, **WRITE_ERRORS}, summary="Create a unit")
def create_unit(request: HttpRequest, payload: UnitIn) -> Status[UnitOut]:
    """Add a unit under ``parent`` (administrators and sales operations)."""
    user = require_allowed(request, can_change_org, scope=TokenScope.MANAGE)
    parent = _unit_by_code(payload.parent, field="parent") if payload.parent else None
    unit = actions.create_unit(
        code=payload.code,
        name=payload.name,
        kind=payload.kind,
        parent=parent,
        territory=payload.territory,
        acting_user=user,
    )
    return Status(201, UnitOut.of(unit, parent.code if parent else None))


@router.patch(
    "/units/{code}", response={200: UnitOut, **WRITE_ERRORS}, summary="Change or move a unit"
)
def update_unit(request: HttpRequest, code: Code, payload: UnitPatch) -> UnitOut:
    """Rename, re-code, re-kind or move a unit (administrators and sales operations)."""
    user = require_allowed(request, can_change_org, scope=TokenScope.MANAGE)
    unit = _unit_by_code(code)
    changes, reason = patch_changes(payload)
    if "parent" in changes:
        changes["parent"] = (
            _unit_by_code(changes["parent"], field="parent") if changes["parent"] else None
        )
    for name in ("code", "name", "kind"):
        if name in changes and changes[name] is None:
            raise InvalidInput(f"The unit's {name} cannot be empty.", field=name)
    unit = actions.update_unit(unit, acting_user=user, reason=reason, **changes)
    return UnitOut.of(unit, unit.parent.code if unit.parent else None)


# People ---------------------------------------------------------------------------------


@router.get("/people", response={200: list[PersonOut], **READ_ERRORS}, summary="List people")
def list_people(
    request: HttpRequest,
    as_of: AsOf = None,
    q: Annotated[
        SearchText, Query(None, description="Part of the name, e-mail or employee id.")
    ] = None,
    unit: Annotated[
        QueryText | None,
        Query(description="Only people in the subtree of the unit with this code."),
    ] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[PersonOut]:
    """The people you may see, with the unit each belongs to on ``as_of``."""
    require_scope(request, TokenScope.READ)
    day = day_or_today(as_of)
    scope = viewer_scope(request_user(request))
    people = Person.objects.filter(people_condition(scope)).order_by("full_name", "pk")
    if q:
        people = people.filter(
            Q(full_name__icontains=q) | Q(external_id__icontains=q) | Q(email__icontains=q)
        )
    if unit:
        root = unit_for(scope, unit)
        people = people.filter(
            pk__in=Assignment.objects.filter(
                active_on(day), unit__path__startswith=root.path
            ).values("person_id")
        )
    page = list(people[offset : offset + limit])
    placements: dict[int, Assignment] = {}
    rows = (
        Assignment.objects.filter(active_on(day), person__in=page)
        .select_related("unit")
        .order_by("-role", "valid_from")  # members before managers: a person's home unit first
    )
    for row in rows:
        placements.setdefault(row.person_id, row)
    return [
        PersonOut(
            external_id=person.external_id,
            full_name=person.full_name,
            email=person.email,
            title=person.title,
            unit=placements[person.pk].unit.code if person.pk in placements else None,
            unit_name=placements[person.pk].unit.name if person.pk in placements else None,
            role=AssignmentRole(placements[person.pk].role) if person.pk in placements else None,
        )
        for person in page
    ]


def _person_detail(person: Person) -> PersonDetailOut:
    history = person.assignments.select_related("unit", "person").order_by("valid_from", "pk")
    return PersonDetailOut(
        **{name: getattr(person, name) for name in actions.PERSON_FIELDS},
        has_login=person.user_id is not None,
        assignments=[AssignmentOut.of(assignment) for assignment in history],
    )


@router.get(
    "/people/{external_id}", response={200: PersonDetailOut, **READ_ERRORS}, summary="One person"
)
def get_person(request: HttpRequest, external_id: Code, as_of: AsOf = None) -> PersonDetailOut:
    """A person you may see, with every assignment they have held. Who you may see is
    decided by your place in the tree today; ``as_of`` never widens it."""
    require_scope(request, TokenScope.READ)
    return _person_detail(person_for(viewer_scope(request_user(request)), external_id))


@router.post("/people", response={201: PersonDetailOut, **WRITE_ERRORS}, summary="Create a person")
def create_person(request: HttpRequest, payload: PersonIn) -> Status[PersonDetailOut]:
    """Add a person (administrators and sales operations)."""
    user = require_allowed(request, can_change_org, scope=TokenScope.MANAGE)
    person = actions.create_person(**payload.model_dump(), acting_user=user)
    return Status(201, _person_detail(person))


@router.patch(
    "/people/{external_id}",
    response={200: PersonDetailOut, **WRITE_ERRORS},
    summary="Change a person",
)
def update_person(request: HttpRequest, external_id: Code, payload: PersonPatch) -> PersonDetailOut:
    """Change a person's name, e-mail, title or employment dates."""
    user = require_allowed(request, can_change_org, scope=TokenScope.MANAGE)
    person = _person_by_external_id(external_id)
    changes, reason = patch_changes(payload)
    return _person_detail(actions.update_person(person, acting_user=user, reason=reason, **changes))


@router.post(
    "/people/{external_id}/transfer",
    response={201: AssignmentOut, **WRITE_ERRORS},
    summary="Transfer a person",
)
def transfer_person(
    request: HttpRequest, external_id: Code, payload: TransferIn
) -> Status[AssignmentOut]:
    """Move a member to another unit from ``on``; history before that date is kept."""
    user = require_allowed(request, can_change_org, scope=TokenScope.MANAGE)
    person = _person_by_external_id(external_id)
    to_unit = _unit_by_code(payload.to_unit, field="to_unit")
    assignment = actions.transfer_person(
        person, to_unit=to_unit, on=payload.on, acting_user=user, reason=payload.reason
    )
    return Status(201, AssignmentOut.of(assignment))


# Assignments ----------------------------------------------------------------------------


@router.get(
    "/assignments", response={200: list[AssignmentOut], **READ_ERRORS}, summary="List assignments"
)
def list_assignments(
    request: HttpRequest,
    as_of: Annotated[
        OptionalDay,
        Query(
            None, description="Only assignments in force on this day (YYYY-MM-DD); all if omitted."
        ),
    ] = None,
    person: Annotated[
        QueryText | None, Query(description="Only this person's (employee id).")
    ] = None,
    unit: Annotated[
        QueryText | None, Query(description="Only assignments in the subtree of this unit (code).")
    ] = None,
    role: Annotated[AssignmentRole | None, Query(description="Only managers or members.")] = None,
    limit: Limit = 1000,
    offset: Offset = 0,
) -> list[AssignmentOut]:
    """The placements of the people you may see, by person and start date."""
    require_scope(request, TokenScope.READ)
    scope = viewer_scope(request_user(request))
    rows = Assignment.objects.filter(person__in=Person.objects.filter(people_condition(scope)))
    if as_of is not None:
        rows = rows.filter(active_on(as_of))
    if person:
        rows = rows.filter(person__external_id=person)
    if unit:
        rows = rows.filter(unit__path__startswith=unit_for(scope, unit).path)
    if role is not None:
        rows = rows.filter(role=role)
    page = rows.select_related("person", "unit").order_by("person__external_id", "valid_from", "pk")
    return [AssignmentOut.of(assignment) for assignment in page[offset : offset + limit]]


@router.post(
    "/assignments", response={201: AssignmentOut, **WRITE_ERRORS}, summary="Assign a person"
)
def create_assignment(request: HttpRequest, payload: AssignmentIn) -> Status[AssignmentOut]:
    """Place a person in a unit as member or manager for a date range."""
    user = require_allowed(request, can_change_org, scope=TokenScope.MANAGE)
    person = _person_by_external_id(payload.person, field="person")
    unit = _unit_by_code(payload.unit, field="unit")
    assignment = actions.assign_person(
        person,
        unit,
        role=payload.role,
        valid_from=payload.valid_from,
        valid_to=payload.valid_to,
        acting_user=user,
        reason=payload.reason,
    )
    return Status(201, AssignmentOut.of(assignment))


@router.post(
    "/assignments/{assignment_id}/end",
    response={200: AssignmentOut, **WRITE_ERRORS},
    summary="End an assignment",
)
def end_assignment(
    request: HttpRequest, assignment_id: ObjectId, payload: AssignmentEndIn
) -> AssignmentOut:
    """Set the last day of an assignment (it can be shortened, not lengthened)."""
    user = require_allowed(request, can_change_org, scope=TokenScope.MANAGE)
    assignment = Assignment.objects.filter(pk=assignment_id).first()
    if assignment is None:
        raise NotFound(f"There is no assignment {assignment_id}.")
    assignment = actions.end_assignment(
        assignment, valid_to=payload.valid_to, acting_user=user, reason=payload.reason
    )
    return AssignmentOut.of(assignment)
