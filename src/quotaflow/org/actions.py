"""The only code that writes the organisation: units, people and their assignments.

Every function is atomic and leaves an audit event with the old and new values. A unit's
``path`` lists the ids from the root down to itself (``/1/4/17/``) and ``depth`` counts its
ancestors; :func:`move_unit` rewrites both for a whole subtree in one UPDATE.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import CharField, F, Max, Value
from django.db.models.functions import Concat, Length, Substr

from quotaflow.accounts.models import User
from quotaflow.core.audit import diff, record, record_many
from quotaflow.core.errors import InvalidInput, NotAllowed
from quotaflow.org.models import (
    ASSIGNABLE_KINDS,
    Assignment,
    AssignmentRole,
    Person,
    Unit,
)
from quotaflow.org.paths import child_path
from quotaflow.org.permissions import CHANGE_REFUSED, can_change_org
from quotaflow.org.queries import active_on, overlapping_assignment
from quotaflow.org.signals import assignments_changed, units_moved

UNIT_FIELDS = ("code", "name", "kind", "territory")
PERSON_FIELDS = ("external_id", "full_name", "email", "title", "hire_date", "termination_date")
ONE_DAY = dt.timedelta(days=1)
PATH_MAX_LENGTH = Unit._meta.get_field("path").max_length or 1000


def require_org_writer(acting_user: User) -> None:
    """Refuse, before anything is read or written, a writer who may not change the
    organisation (``org.permissions.can_change_org``)."""
    if not can_change_org(acting_user):
        raise NotAllowed(CHANGE_REFUSED)


def _snapshot(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in fields}


def _period(start: dt.date, end: dt.date | None) -> str:
    return f"{start.isoformat()} to {end.isoformat() if end else 'open-ended'}"


def _fits(text: str, limit: int, field: str, label: str) -> str:
    """``text`` unchanged if it is at most ``limit`` characters; refused (never cut) if not."""
    if len(text) > limit:
        raise InvalidInput(f"The {label} is too long (at most {limit} characters).", field=field)
    return text


def _required(value: Any, limit: int, field: str, label: str, *, empty: str) -> str:
    """``value`` as trimmed text, refused with ``empty`` when blank and when too long."""
    text = str(value or "").strip()
    if not text:
        raise InvalidInput(empty, field=field)
    return _fits(text, limit, field, label)


def _check_path_length(length: int) -> None:
    if length > PATH_MAX_LENGTH:
        raise InvalidInput(
            "The organisation would be too deep there; put the unit higher up the tree.",
            field="parent",
        )


def _save_and_record(
    obj: Any,
    values: dict[str, Any],
    *,
    action: str,
    changes: dict[str, Any],
    acting_user: User,
    reason: str,
) -> None:
    """Set ``values`` on ``obj``, save just those fields and audit ``changes`` (old → new)."""
    for name, value in values.items():
        setattr(obj, name, value)
    obj.save(update_fields=list(values))
    record(actor=acting_user, action=action, obj=obj, changes=changes, reason=reason)


def _ids(pk: int | None) -> list[int]:
    """``[pk]``, or nothing to exclude when creating."""
    return [] if pk is None else [pk]


def _identifier(
    model: type[Unit] | type[Person],
    field: str,
    value: Any,
    *,
    exclude_pk: int | None,
    label: str,
    empty: str,
    taken: str,
) -> str:
    """``value`` as the identifier imports use for a row of ``model`` (a unit's code, a
    person's employee id): given, short enough, and no other row's. ``taken`` words the
    refusal, with ``{value!r}`` and ``{clash}`` (the row that has it)."""
    text = _required(value, 64, field, label, empty=empty)
    clash = model.objects.filter(**{field: text}).exclude(pk__in=_ids(exclude_pk)).first()
    if clash is not None:
        raise InvalidInput(taken.format(value=text, clash=clash), field=field)
    return text


# Units ----------------------------------------------------------------------------------


def _clean_unit_fields(values: dict[str, Any], *, exclude_pk: int | None = None) -> dict[str, Any]:
    cleaned = dict(values)
    if "code" in cleaned:
        cleaned["code"] = _identifier(
            Unit, "code", cleaned["code"], exclude_pk=exclude_pk, label="unit code",
            empty="Give the unit a code (the identifier imports use).",
            taken="The code {value!r} is already used by unit {clash}.",
        )  # fmt: skip
    if "name" in cleaned:
        cleaned["name"] = _required(
            cleaned["name"], 200, "name", "unit name", empty="Give the unit a name."
        )
    if "kind" in cleaned and cleaned["kind"] not in ASSIGNABLE_KINDS:
        raise InvalidInput(
            f"Unknown unit kind {cleaned['kind']!r}; choose from {', '.join(ASSIGNABLE_KINDS)}.",
            field="kind",
        )
    if "territory" in cleaned:
        cleaned["territory"] = _fits(
            str(cleaned["territory"] or "").strip(), 200, "territory", "territory"
        )
    return cleaned


@transaction.atomic
def create_unit(
    *,
    code: str,
    name: str,
    kind: str,
    parent: Unit | None,
    territory: str = "",
    acting_user: User,
    reason: str = "",
) -> Unit:
    """Add a unit under ``parent`` (None for a root) with its path and depth set."""
    require_org_writer(acting_user)
    values = _clean_unit_fields({"code": code, "name": name, "kind": kind, "territory": territory})
    if parent is not None:
        parent = Unit.objects.select_for_update().get(pk=parent.pk)
    unit = Unit.objects.create(parent=parent, **values)
    unit.path = child_path(parent.path if parent else None, unit.pk)
    _check_path_length(len(unit.path))
    unit.depth = parent.depth + 1 if parent else 0
    unit.save(update_fields=["path", "depth"])
    record(
        actor=acting_user,
        action="org.unit.created",
        obj=unit,
        changes={**diff({}, values), "parent": [None, parent.code if parent else None]},
        reason=reason,
    )
    return unit


@transaction.atomic
def update_unit(unit: Unit, *, acting_user: User, reason: str = "", **changes: Any) -> Unit:
    """Change any of ``code``, ``name``, ``kind``, ``territory`` and ``parent`` (a move).

    Only the fields passed are changed; a ``parent`` different from the current one moves
    the unit with its whole subtree (see :func:`move_unit`).
    """
    require_org_writer(acting_user)
    unknown = sorted(set(changes) - {*UNIT_FIELDS, "parent"})
    if unknown:
        raise InvalidInput(f"A unit has no field {', '.join(unknown)}.", field=unknown[0])
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    new_parent = changes.pop("parent", unit.parent)
    values = _clean_unit_fields(changes, exclude_pk=unit.pk)
    old = _snapshot(unit, UNIT_FIELDS)
    for name, value in values.items():
        setattr(unit, name, value)
    changed = diff(old, _snapshot(unit, UNIT_FIELDS))
    if changed:
        unit.save(update_fields=list(changed))
        record(
            actor=acting_user, action="org.unit.updated", obj=unit, changes=changed, reason=reason
        )
    new_parent_id = new_parent.pk if new_parent is not None else None
    if new_parent_id != unit.parent_id:
        unit = move_unit(unit, new_parent=new_parent, acting_user=acting_user, reason=reason)
    return unit


@transaction.atomic
def move_unit(unit: Unit, *, new_parent: Unit | None, acting_user: User, reason: str = "") -> Unit:
    """Put ``unit`` (and everything below it) under ``new_parent`` (None: make it a root).

    Refuses a move into the unit's own subtree. Every path and depth in the subtree is
    rewritten by a single UPDATE that swaps the old path prefix for the new one.
    """
    require_org_writer(acting_user)
    unit = Unit.objects.select_for_update(of=("self",)).select_related("parent").get(pk=unit.pk)
    old_parent = unit.parent
    if new_parent is not None:
        new_parent = Unit.objects.select_for_update().get(pk=new_parent.pk)
        if new_parent.pk == unit.pk:
            raise InvalidInput(f"{unit} cannot be its own parent.", field="parent")
        if new_parent.path.startswith(unit.path):
            raise InvalidInput(
                f"Cannot move {unit} under {new_parent}: {new_parent} is inside {unit}'s subtree, "
                "so the move would make a cycle.",
                field="parent",
            )
    if (new_parent.pk if new_parent else None) == unit.parent_id:
        return unit
    old_prefix = unit.path
    new_prefix = child_path(new_parent.path if new_parent else None, unit.pk)
    depth_change = (new_parent.depth + 1 if new_parent else 0) - unit.depth
    longest = Unit.objects.filter(path__startswith=old_prefix).aggregate(
        longest=Max(Length("path"))
    )
    _check_path_length((longest["longest"] or 0) - len(old_prefix) + len(new_prefix))
    Unit.objects.filter(path__startswith=old_prefix).update(
        path=Concat(
            Value(new_prefix), Substr("path", len(old_prefix) + 1), output_field=CharField()
        ),
        depth=F("depth") + depth_change,
    )
    Unit.objects.filter(pk=unit.pk).update(parent=new_parent)
    unit.refresh_from_db()
    record(
        actor=acting_user,
        action="org.unit.moved",
        obj=unit,
        changes={
            "parent": [
                old_parent.code if old_parent else None,
                new_parent.code if new_parent else None,
            ],
            "path": [old_prefix, new_prefix],
        },
        reason=reason,
    )
    units_moved.send(sender=Unit, old_paths=[old_prefix])
    return unit


# People ---------------------------------------------------------------------------------


def _clean_person_fields(
    values: dict[str, Any], *, exclude_pk: int | None = None
) -> dict[str, Any]:
    cleaned = dict(values)
    if "external_id" in cleaned:
        cleaned["external_id"] = _identifier(
            Person, "external_id", cleaned["external_id"], exclude_pk=exclude_pk,
            label="employee id", empty="Give the person an employee id.",
            taken="The employee id {value!r} already belongs to {clash}.",
        )  # fmt: skip
    if "full_name" in cleaned:
        cleaned["full_name"] = _required(
            cleaned["full_name"], 200, "full_name", "name", empty="Give the person's full name."
        )
    if "email" in cleaned:
        email = str(cleaned["email"] or "").strip()
        if email:
            try:
                validate_email(email)
            except ValidationError:
                raise InvalidInput(f"{email!r} is not an e-mail address.", field="email") from None
        cleaned["email"] = email
    if "title" in cleaned:
        cleaned["title"] = _fits(str(cleaned["title"] or "").strip(), 120, "title", "title")
    return cleaned


def _check_employment(person: Person) -> None:
    if person.hire_date and person.termination_date and person.termination_date < person.hire_date:
        raise InvalidInput(
            f"The termination date {person.termination_date} is before the hire date {person.hire_date}.",
            field="termination_date",
        )


@transaction.atomic
def create_person(
    *,
    external_id: str,
    full_name: str,
    email: str = "",
    title: str = "",
    hire_date: dt.date | None = None,
    termination_date: dt.date | None = None,
    acting_user: User,
) -> Person:
    """Add a person (not yet placed in any unit; see :func:`assign_person`)."""
    require_org_writer(acting_user)
    values = _clean_person_fields(
        {"external_id": external_id, "full_name": full_name, "email": email, "title": title}
    )
    person = Person(hire_date=hire_date, termination_date=termination_date, **values)
    _check_employment(person)
    person.save()
    record(
        actor=acting_user,
        action="org.person.created",
        obj=person,
        changes=diff({}, _snapshot(person, PERSON_FIELDS)),
    )
    return person


@transaction.atomic
def update_person(person: Person, *, acting_user: User, reason: str = "", **changes: Any) -> Person:
    """Change any of the person's fields in ``PERSON_FIELDS``; only those passed change."""
    require_org_writer(acting_user)
    unknown = sorted(set(changes) - set(PERSON_FIELDS))
    if unknown:
        raise InvalidInput(f"A person has no field {', '.join(unknown)}.", field=unknown[0])
    person = Person.objects.select_for_update().get(pk=person.pk)
    values = _clean_person_fields(changes, exclude_pk=person.pk)
    old = _snapshot(person, PERSON_FIELDS)
    for name, value in values.items():
        setattr(person, name, value)
    _check_employment(person)
    changed = diff(old, _snapshot(person, PERSON_FIELDS))
    if changed:
        person.save(update_fields=list(changed))
        record(
            actor=acting_user,
            action="org.person.updated",
            obj=person,
            changes=changed,
            reason=reason,
        )
    return person


@transaction.atomic
def link_user(person: Person, user: User | None, *, acting_user: User, reason: str = "") -> Person:
    """Give ``person`` the login ``user`` (None removes the link)."""
    require_org_writer(acting_user)
    person = Person.objects.select_for_update(of=("self",)).select_related("user").get(pk=person.pk)
    if user is not None:
        holder = Person.objects.filter(user=user).exclude(pk=person.pk).first()
        if holder is not None:
            raise InvalidInput(
                f"The login {user.username} already belongs to {holder}.", field="user"
            )
    old_username = person.user.username if person.user else None
    new_username = user.username if user else None
    if old_username == new_username:
        return person
    _save_and_record(
        person,
        {"user": user},
        action="org.person.user_linked",
        changes={"user": [old_username, new_username]},
        acting_user=acting_user,
        reason=reason,
    )
    return person


# Assignments ----------------------------------------------------------------------------


def _check_dates(valid_from: dt.date, valid_to: dt.date | None) -> None:
    if valid_to is not None and valid_to < valid_from:
        raise InvalidInput(
            f"The assignment ends ({valid_to}) before it starts ({valid_from}).", field="valid_to"
        )


@transaction.atomic
def assign_person(
    person: Person,
    unit: Unit,
    *,
    role: str,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    acting_user: User,
    reason: str = "",
) -> Assignment:
    """Place ``person`` in ``unit`` as manager or member from ``valid_from`` to ``valid_to``.

    A person is a member of one unit at a time, so an overlapping member assignment is
    refused; so is managing the same unit twice over the same days.
    """
    require_org_writer(acting_user)
    if role not in AssignmentRole.values:
        raise InvalidInput(
            f"Unknown role {role!r}; choose from {', '.join(AssignmentRole.values)}.", field="role"
        )
    _check_dates(valid_from, valid_to)
    person = Person.objects.select_for_update().get(pk=person.pk)
    # Members belong to one unit at a time; a manager may run several units, each once.
    existing = overlapping_assignment(
        person,
        valid_from,
        valid_to,
        role=role,
        unit=unit if role == AssignmentRole.MANAGER else None,
    )
    if existing is not None:
        verb = "a member of" if role == AssignmentRole.MEMBER else "already managing"
        raise InvalidInput(
            f"{person} is {verb} {existing.unit} from {_period(existing.valid_from, existing.valid_to)}, "
            f"which overlaps {_period(valid_from, valid_to)}. End or change that assignment first "
            "(or transfer the person).",
            field="valid_from",
        )
    assignment = Assignment.objects.create(
        person=person, unit=unit, role=role, valid_from=valid_from, valid_to=valid_to
    )
    record(
        actor=acting_user,
        action="org.assignment.created",
        obj=assignment,
        changes={
            "person": [None, person.external_id],
            "unit": [None, unit.code],
            "role": [None, role],
            "valid_from": [None, valid_from],
            "valid_to": [None, valid_to],
        },
        reason=reason,
    )
    assignments_changed.send(sender=Assignment, person_ids=[person.pk], since=valid_from)
    return assignment


@transaction.atomic
def end_assignment(
    assignment: Assignment, *, valid_to: dt.date, acting_user: User, reason: str = ""
) -> Assignment:
    """End ``assignment`` on ``valid_to`` (inclusive); it can be shortened, never lengthened."""
    require_org_writer(acting_user)
    assignment = (
        Assignment.objects.select_for_update()
        .select_related("person", "unit")
        .get(pk=assignment.pk)
    )
    _check_dates(assignment.valid_from, valid_to)
    if assignment.valid_to is not None and valid_to > assignment.valid_to:
        raise InvalidInput(
            f"{assignment} already ends on {assignment.valid_to}; it cannot be extended to {valid_to}. "
            "Create a new assignment instead.",
            field="valid_to",
        )
    if assignment.valid_to == valid_to:
        return assignment
    _save_and_record(
        assignment,
        {"valid_to": valid_to},
        action="org.assignment.ended",
        changes={"valid_to": [assignment.valid_to, valid_to]},
        acting_user=acting_user,
        reason=reason,
    )
    assignments_changed.send(
        sender=Assignment, person_ids=[assignment.person_id], since=valid_to + ONE_DAY
    )
    return assignment


@transaction.atomic
def transfer_person(
    person: Person, *, to_unit: Unit, on: dt.date, acting_user: User, reason: str = ""
) -> Assignment:
    """Move ``person`` as a member to ``to_unit`` from ``on``.

    The member assignment valid on ``on`` ends the day before, and the new one starts on
    ``on`` (keeping the old end date, if there was one). History before ``on`` is untouched,
    so credits and goals before the transfer still roll up to the old unit.
    """
    require_org_writer(acting_user)
    person = Person.objects.select_for_update().get(pk=person.pk)
    current = (
        Assignment.objects.filter(active_on(on), person=person, role=AssignmentRole.MEMBER)
        .select_related("unit")
        .first()
    )
    if current is None:
        raise InvalidInput(
            f"{person} is not a member of any unit on {on}; assign them to {to_unit} instead of transferring.",
            field="on",
        )
    if current.unit_id == to_unit.pk:
        raise InvalidInput(f"{person} is already a member of {to_unit} on {on}.", field="to_unit")
    if current.valid_from >= on:
        raise InvalidInput(
            f"{person} only joined {current.unit} on {current.valid_from}; a transfer must start after that. "
            "Change that assignment instead.",
            field="on",
        )
    later = (
        Assignment.objects.filter(person=person, role=AssignmentRole.MEMBER, valid_from__gt=on)
        .select_related("unit")
        .first()
    )
    if later is not None:
        raise InvalidInput(
            f"{person} already has a later membership of {later.unit} from {later.valid_from}; "
            "remove or change it before transferring.",
            field="on",
        )
    old_end = current.valid_to
    end_assignment(current, valid_to=on - ONE_DAY, acting_user=acting_user, reason=reason)
    new = Assignment.objects.create(
        person=person, unit=to_unit, role=AssignmentRole.MEMBER, valid_from=on, valid_to=old_end
    )
    record(
        actor=acting_user,
        action="org.person.transferred",
        obj=new,
        changes={"unit": [current.unit.code, to_unit.code], "effective_from": [None, on]},
        reason=reason,
    )
    assignments_changed.send(sender=Assignment, person_ids=[person.pk], since=on)
    return new


# Many units at once ---------------------------------------------------------------------


class UnitRefused(InvalidInput):
    """The tree writer refused one of many units; ``code`` names it."""

    def __init__(self, code: str, error: InvalidInput) -> None:
        super().__init__(f"unit '{code}': {error.message}", field=error.field)
        self.code = code


@dataclass(frozen=True)
class UnitDefinition:
    """A unit as a caller wants it to be; ``parent_code`` empty puts it at the top."""

    code: str
    name: str
    kind: str
    parent_code: str
    territory: str


def _final_depths(definitions: dict[str, UnitDefinition], units: dict[str, Unit]) -> dict[str, int]:
    """Each defined unit's depth in the tree as it will be (the caller has refused cycles)."""
    code_of = {unit.pk: code for code, unit in units.items()}
    parent_of = {code: code_of.get(unit.parent_id or 0, "") for code, unit in units.items()}
    parent_of.update({code: wanted.parent_code for code, wanted in definitions.items()})
    depths: dict[str, int] = {}
    for start in definitions:
        trail, code = [], start
        while code and code not in depths:
            trail.append(code)
            code = parent_of.get(code, "")
        depth = depths[code] + 1 if code else 0
        for node in reversed(trail):
            depths[node] = depth
            depth += 1
    return depths


@transaction.atomic
def write_units(
    definitions: list[UnitDefinition], *, acting_user: User, reason: str = ""
) -> dict[str, int]:
    """Create, change and move units so that each reads as ``definitions`` say.

    Each unit goes through :func:`create_unit` or :func:`update_unit` (and so
    :func:`move_unit`): the same checks, path rewrite and audit event per unit as when one
    unit is edited by hand. Units are written shallowest first in the tree as it will be,
    so a parent is in its final place before anything is put under it. Returns the unit
    ids by code.
    """
    require_org_writer(acting_user)
    wanted = {definition.code: definition for definition in definitions}
    units = {unit.code: unit for unit in Unit.objects.all()}
    depths = _final_depths(wanted, units)
    for code in sorted(wanted, key=lambda code: (depths[code], code)):
        try:
            units[code] = _write_unit(wanted[code], units, acting_user=acting_user, reason=reason)
        except InvalidInput as error:
            raise UnitRefused(code, error) from None
    return {code: unit.pk for code, unit in units.items()}


def _write_unit(
    definition: UnitDefinition, units: dict[str, Unit], *, acting_user: User, reason: str
) -> Unit:
    parent = units[definition.parent_code] if definition.parent_code else None
    unit = units.get(definition.code)
    if unit is None:
        return create_unit(
            code=definition.code,
            name=definition.name,
            kind=definition.kind,
            territory=definition.territory,
            parent=parent,
            acting_user=acting_user,
            reason=reason,
        )
    changes: dict[str, Any] = {
        name: getattr(definition, name)
        for name in ("name", "kind", "territory")
        if getattr(unit, name) != getattr(definition, name)
    }
    if unit.parent_id != (parent.pk if parent else None):
        changes["parent"] = parent
    if not changes:
        return unit
    return update_unit(unit, acting_user=acting_user, reason=reason, **changes)


@dataclass(frozen=True)
class PersonDefinition:
    """A person's details as a caller gives them; empty text keeps what is stored."""

    external_id: str
    full_name: str
    email: str
    title: str


@transaction.atomic
def write_people(
    definitions: list[PersonDefinition], *, acting_user: User, reason: str = ""
) -> dict[str, int]:
    """Create the people not yet stored and fill in the details given for the others, in
    a fixed number of queries whatever their number, with one audit event per person
    created or changed (as :func:`create_person` and :func:`update_person` record). The
    caller has checked the values. Returns the ids of every person named, by external id."""
    require_org_writer(acting_user)
    stored = {
        person.external_id: person
        for person in Person.objects.filter(
            external_id__in=[definition.external_id for definition in definitions]
        )
    }
    new = [
        Person(
            external_id=definition.external_id,
            full_name=definition.full_name,
            email=definition.email,
            title=definition.title,
        )
        for definition in definitions
        if definition.external_id not in stored
    ]
    Person.objects.bulk_create(new)
    details = ("full_name", "email", "title")
    changed: list[tuple[Person, dict[str, Any], str]] = []
    for definition in definitions:
        person = stored.get(definition.external_id)
        if person is None:
            continue
        old = _snapshot(person, details)
        for name in details:
            setattr(person, name, getattr(definition, name) or getattr(person, name))
        if changes := diff(old, _snapshot(person, details)):
            changed.append((person, changes, reason))
    Person.objects.bulk_update([person for person, _, _ in changed], list(details))
    record_many(
        actor=acting_user,
        action="org.person.created",
        entries=[(person, diff({}, _snapshot(person, PERSON_FIELDS)), reason) for person in new],
    )
    record_many(actor=acting_user, action="org.person.updated", entries=changed)
    return {external_id: person.pk for external_id, person in stored.items()} | {
        person.external_id: person.pk for person in new
    }


@transaction.atomic
def link_logins(logins: dict[str, str], *, acting_user: User, reason: str = "") -> None:
    """Give each person (by external id) the login named (by username), in a fixed number
    of queries, with one audit event per link as :func:`link_user` records. The caller has
    checked that the people and logins exist and that no login belongs to someone else."""
    require_org_writer(acting_user)
    people = Person.objects.filter(external_id__in=list(logins)).select_related("user")
    users = {user.username: user for user in User.objects.filter(username__in=logins.values())}
    linked: list[tuple[Person, dict[str, Any], str]] = []
    for person in people:
        user = users[logins[person.external_id]]
        if person.user_id != user.pk:
            old = person.user.username if person.user else None
            person.user = user
            linked.append((person, {"user": [old, user.username]}, reason))
    Person.objects.bulk_update([person for person, _, _ in linked], ["user"])
    record_many(actor=acting_user, action="org.person.user_linked", entries=linked)


@dataclass(frozen=True)
class PlacementDefinition:
    """A placement (person, unit, role, first day) and its last day (None: open-ended)."""

    person_id: str
    unit_code: str
    role: str
    valid_from: dt.date
    valid_to: dt.date | None


def _earliest(since: dict[int, dt.date], person_id: int, day: dt.date) -> None:
    if person_id not in since or day < since[person_id]:
        since[person_id] = day


@transaction.atomic
def write_placements(
    definitions: list[PlacementDefinition],
    *,
    unit_ids: dict[str, int],
    person_ids: dict[str, int],
    acting_user: User,
    reason: str = "",
) -> None:
    """Create the placements not yet stored and change the end dates of the others, in a
    fixed number of queries, with one audit event per placement created or ended (as
    :func:`assign_person` and :func:`end_assignment` record); credits follow from the
    first day that changed for each person. The caller has checked overlaps (as
    :func:`assign_person` would)."""
    require_org_writer(acting_user)
    stored = {
        (row.person.external_id, row.unit.code, row.role, row.valid_from): row
        for row in Assignment.objects.filter(
            person_id__in={person_ids[definition.person_id] for definition in definitions}
        ).select_related("person", "unit")
    }
    new: list[Assignment] = []
    changed: list[Assignment] = []
    ended: list[tuple[Assignment, dict[str, Any]]] = []
    since: dict[int, dt.date] = {}
    for definition in definitions:
        key = (definition.person_id, definition.unit_code, definition.role, definition.valid_from)
        assignment = stored.get(key)
        if assignment is None:
            new.append(
                Assignment(
                    person_id=person_ids[definition.person_id],
                    unit_id=unit_ids[definition.unit_code],
                    role=definition.role,
                    valid_from=definition.valid_from,
                    valid_to=definition.valid_to,
                )
            )
            _earliest(since, person_ids[definition.person_id], definition.valid_from)
        elif assignment.valid_to != definition.valid_to:
            ends = [day for day in (assignment.valid_to, definition.valid_to) if day is not None]
            _earliest(since, assignment.person_id, min(ends) + ONE_DAY)
            ended.append((assignment, {"valid_to": [assignment.valid_to, definition.valid_to]}))
            assignment.valid_to = definition.valid_to
            changed.append(assignment)
    Assignment.objects.bulk_create(new)
    Assignment.objects.bulk_update(changed, ["valid_to"])
    _record_placements(new, ended, acting_user=acting_user, reason=reason)
    for day in sorted(set(since.values())):
        people = [person for person, first in since.items() if first == day]
        assignments_changed.send(sender=Assignment, person_ids=people, since=day)


def _record_placements(
    new: list[Assignment],
    ended: list[tuple[Assignment, dict[str, Any]]],
    *,
    acting_user: User,
    reason: str,
) -> None:
    """One audit event per placement created or ended, worded as the one-by-one actions
    word them; the people and units the new ones name are loaded in two queries."""
    people = Person.objects.in_bulk({assignment.person_id for assignment in new})
    units = Unit.objects.in_bulk({assignment.unit_id for assignment in new})
    created = []
    for assignment in new:
        assignment.person, assignment.unit = people[assignment.person_id], units[assignment.unit_id]
        created.append(
            (
                assignment,
                {
                    "person": [None, assignment.person.external_id],
                    "unit": [None, assignment.unit.code],
                    "role": [None, assignment.role],
                    "valid_from": [None, assignment.valid_from],
                    "valid_to": [None, assignment.valid_to],
                },
                reason,
            )
        )
    record_many(actor=acting_user, action="org.assignment.created", entries=created)
    for action, shortened in (("org.assignment.ended", True), ("org.assignment.extended", False)):
        record_many(
            actor=acting_user,
            action=action,
            entries=[
                (assignment, changes, reason)
                for assignment, changes in ended
                if _ends_earlier(*changes["valid_to"]) == shortened
            ],
        )


def _ends_earlier(old: dt.date | None, new: dt.date | None) -> bool:
    """Whether a placement's new last day ``new`` comes before ``old`` (None: open-ended)."""
    return new is not None and (old is None or new < old)
