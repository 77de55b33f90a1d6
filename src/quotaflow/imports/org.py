"""Importing the organisation: units, people and their effective-dated placements.

File format (also shown on the upload page, see :data:`quotaflow.imports.formats.ORG`):
one row per unit, or per person's placement in a unit, with the columns

    unit_code, unit_name, unit_kind, parent_unit_code, territory,
    person_id, person_name, email, title, role, valid_from, valid_to

Only ``unit_code`` is required in every row. A row that fills in ``unit_name`` (or any
other unit column) *defines* the unit; its ``parent_unit_code`` is authoritative and must
be filled in: the parent's code, or ``(top)`` for the top of the tree. An empty parent is
refused, so a forgotten cell never starts a second tree or moves a unit to the top. Rows that only place people may leave the unit columns empty
apart from ``unit_code``. A person is identified by ``person_id``; ``person_name`` is
needed the first time they appear. A placement is (person, unit, role, valid_from);
importing it again with a different ``valid_to`` ends or extends it, and importing the
same rows again changes nothing.

Refused, naming the rows: an empty parent, a malformed e-mail, a unit defined twice in different ways, a parent that exists
neither in the file nor in Quotaflow, units whose parents form a cycle, a person with two
different names, the same placement twice, and a member placement overlapping another
member placement of the same person (in the file or already stored).

The same rows may come as three files of their own, each checked and written by the same
code (:data:`quotaflow.imports.formats.ORG_KINDS`): a *units* file (every row defines a
unit), a *people* file (every row is a person, and may link their login) and a
*placements* file (every row places a stored person in a stored unit).

The whole file is read into memory: organisation files have thousands of rows, not
millions, and the checks (cycles, overlaps) need all of it at once.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from quotaflow.imports.checking import VALUE_SHOWN, RowError, check_columns
from quotaflow.imports.fields import CellError, parse_date
from quotaflow.imports.formats import FORMATS, ROOT_PARENT
from quotaflow.imports.reading import RawRow
from quotaflow.org.actions import (
    PersonDefinition,
    PlacementDefinition,
    UnitDefinition,
    link_logins,
    write_people,
    write_placements,
    write_units,
)
from quotaflow.org.models import ASSIGNABLE_KINDS, AssignmentRole, UnitKind
from quotaflow.org.queries import (
    stored_assignments,
    stored_logins,
    stored_people,
    stored_units,
)

_UNIT_COLUMNS = ("unit_name", "unit_kind", "parent_unit_code", "territory")
_PERSON_COLUMNS = ("person_name", "email", "title", "role", "valid_from", "valid_to")

# Longest text each column can store; longer values are refused rather than cut short.
_MAX_LENGTH = {
    "unit_code": 64, "unit_name": 200, "territory": 200, "person_id": 64,
    "person_name": 200, "email": 254, "title": 120, "username": 150,
}  # fmt: skip

ORG, UNITS, PEOPLE, PLACEMENTS = "org", "units", "people", "placements"

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"
_RANK = {UNCHANGED: 0, UPDATED: 1, CREATED: 2}


@dataclass(frozen=True)
class UnitSpec:
    """A unit as a row of the file defines it."""

    code: str
    name: str
    kind: str
    parent_code: str  # "" for the top of the tree
    territory: str
    row: int

    def same_definition(self, other: UnitSpec) -> bool:
        return (self.name, self.kind, self.parent_code, self.territory) == (
            other.name, other.kind, other.parent_code, other.territory,
        )  # fmt: skip


@dataclass(frozen=True)
class PersonSpec:
    """A person's details as the file gives them (empty text means "not given")."""

    external_id: str
    full_name: str
    email: str
    title: str
    row: int
    username: str = ""


@dataclass(frozen=True)
class PlacementSpec:
    """A person's placement in a unit, as one row of the file."""

    person_id: str
    unit_code: str
    role: str
    valid_from: dt.date
    valid_to: dt.date | None
    row: int

    @property
    def key(self) -> tuple[str, str, str, dt.date]:
        return (self.person_id, self.unit_code, self.role, self.valid_from)


@dataclass
class OrgPlan:
    """Everything the file asks for, checked against itself and the stored organisation."""

    kind: str = ORG  # org, units, people or placements: which rows the file holds
    units: dict[str, UnitSpec] = field(default_factory=dict)
    people: dict[str, PersonSpec] = field(default_factory=dict)
    placements: dict[tuple[str, str, str, dt.date], PlacementSpec] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    # Units whose defining row was refused, with that row: rows relying on them are told why.
    broken_units: dict[str, int] = field(default_factory=dict)

    def fail(self, raw_or_row: RawRow | int, column: str, value: str, reason: str) -> None:
        row = raw_or_row if isinstance(raw_or_row, int) else raw_or_row.number
        self.errors.append(RowError(row, column, value, reason))


@dataclass(frozen=True)
class StoredOrg:
    """The stored organisation as plain values, loaded in three queries."""

    units: dict[str, Any]
    people: dict[str, Any]
    assignments: list[Any]
    logins: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, person_ids: list[str], usernames: list[str]) -> StoredOrg:
        return cls(
            stored_units(),
            stored_people(person_ids),
            stored_assignments(person_ids),
            stored_logins(usernames),
        )


def warnings_for_columns(columns: list[str], kind: str = ORG) -> list[str]:
    """Check the header; warn about columns the kind's format ignores."""
    fmt = FORMATS[kind]
    unknown = check_columns(fmt, columns)
    if not unknown:
        return []
    what = "the organisation format" if kind == ORG else f"a {fmt.title.lower()} file"
    return [f"Column{'s' if len(unknown) > 1 else ''} {', '.join(repr(c) for c in unknown)} "
            f"{'are' if len(unknown) > 1 else 'is'} not part of {what} and {'were' if len(unknown) > 1 else 'was'} ignored."]  # fmt: skip


def _readable(raw: RawRow, plan: OrgPlan) -> bool:
    """Report the cells the reader refused, those too long to store and cells under no
    column name; False if the row cannot be read further."""
    if raw.problems or _too_long(raw, plan):
        for column, reason in raw.problems:
            plan.fail(raw, column, raw.values.get(column, "")[:VALUE_SHOWN], reason)
        return False
    if raw.values.get(""):
        plan.fail(
            raw,
            "",
            raw.values[""],
            "the row has cells under no column name — add a header for them or remove them",
        )
    return True


def _unit_code(raw: RawRow, plan: OrgPlan, *, defines: bool) -> str | None:
    """The row's unit code, or None (and the row's errors) when the row cannot be read; a
    row that ``defines`` its unit marks it broken, so rows relying on it are told why."""
    code = raw.values.get("unit_code", "")
    if not _readable(raw, plan):
        if code and defines:
            plan.broken_units.setdefault(code, raw.number)
        return None
    if not code:
        plan.fail(
            raw,
            "unit_code",
            "",
            "the unit_code is empty — every row names the unit it is about, e.g. EMEA-DACH",
        )
        return None
    return code


def _read_row(raw: RawRow, plan: OrgPlan) -> None:
    """Add one row's unit definition and placement to ``plan``, or its errors."""
    values = raw.values
    code = _unit_code(raw, plan, defines=True)
    if code is None:
        return
    defines_unit = any(values.get(name) for name in _UNIT_COLUMNS)
    places_person = any(values.get(name) for name in ("person_id", *_PERSON_COLUMNS))
    if not defines_unit and not places_person:
        plan.fail(
            raw,
            "unit_name",
            "",
            f"the row neither defines unit '{code}' (fill in unit_name) nor places a person in it (fill in person_id)",
        )
    if defines_unit:
        _read_unit(raw, code, plan)
    if places_person:
        _read_placement(raw, code, plan)


def _read_unit_row(raw: RawRow, plan: OrgPlan) -> None:
    """A row of a units file: it defines its unit, name and parent included."""
    code = _unit_code(raw, plan, defines=True)
    if code is None:
        return
    if not raw.values.get("unit_name"):
        plan.fail(
            raw,
            "unit_name",
            "",
            f"unit '{code}' has no unit_name — every row of a units file defines a unit, name included",
        )
        plan.broken_units.setdefault(code, raw.number)
        return
    _read_unit(raw, code, plan)


def _read_person_row(raw: RawRow, plan: OrgPlan) -> None:
    """A row of a people file: one person's details (and login)."""
    if not _readable(raw, plan):
        return
    person_id = raw.values.get("person_id", "")
    if not person_id:
        plan.fail(
            raw,
            "person_id",
            "",
            "the person_id is empty — every row of a people file is one person, e.g. E004",
        )
        return
    _read_person(raw, person_id, plan)


def _read_placement_row(raw: RawRow, plan: OrgPlan) -> None:
    """A row of a placements file: a stored person placed in a stored unit."""
    code = _unit_code(raw, plan, defines=False)
    if code is not None:
        _read_placement(raw, code, plan)


_READERS: dict[str, Callable[[RawRow, OrgPlan], None]] = {
    ORG: _read_row,
    UNITS: _read_unit_row,
    PEOPLE: _read_person_row,
    PLACEMENTS: _read_placement_row,
}


def _too_long(raw: RawRow, plan: OrgPlan) -> bool:
    """Refuse every cell longer than its column can store; True if there was one."""
    found = False
    for column, limit in _MAX_LENGTH.items():
        value = raw.values.get(column, "")
        if len(value) > limit:
            plan.fail(
                raw,
                column,
                value[:VALUE_SHOWN],
                f"'{value[:40]}…' is longer than {limit} characters",
            )
            found = True
    return found


def _read_unit(raw: RawRow, code: str, plan: OrgPlan) -> None:
    errors_before = len(plan.errors)
    _define_unit(raw, code, plan)
    if len(plan.errors) > errors_before:
        plan.broken_units.setdefault(code, raw.number)


def _define_unit(raw: RawRow, code: str, plan: OrgPlan) -> None:
    values = raw.values
    name = values.get("unit_name", "")
    if not name:
        missing = (
            f"unit '{code}' has a kind, parent or territory but no unit_name — fill in its name"
        )
        plan.fail(raw, "unit_name", "", missing)
        return
    kind = values.get("unit_kind", "").lower() or UnitKind.TEAM
    if kind not in ASSIGNABLE_KINDS:
        plan.fail(
            raw,
            "unit_kind",
            values["unit_kind"],
            f"'{values['unit_kind']}' is not a unit kind — use one of {', '.join(ASSIGNABLE_KINDS)}",
        )
        return
    parent_code = values.get("parent_unit_code", "")
    if not parent_code:
        plan.fail(raw, "parent_unit_code", "", _no_parent_reason(code))
        return
    if parent_code == ROOT_PARENT:
        parent_code = ""
    if parent_code == code:
        plan.fail(raw, "parent_unit_code", parent_code, f"unit '{code}' cannot be its own parent")
        return
    spec = UnitSpec(code, name, kind, parent_code, values.get("territory", ""), raw.number)
    earlier = plan.units.setdefault(code, spec)
    if earlier is not spec and not earlier.same_definition(spec):
        plan.fail(
            raw,
            "unit_name",
            name,
            f"unit '{code}' is already defined differently on row {earlier.row} — define each unit once, or identically",
        )


def _no_parent_reason(code: str) -> str:
    return (
        f"unit '{code}' has no parent_unit_code — write the code of the unit above it, "
        f"or {ROOT_PARENT} if it is at the top of the tree"
    )


def _read_placement(raw: RawRow, code: str, plan: OrgPlan) -> None:
    values = raw.values
    person_id = values.get("person_id", "")
    if not person_id:
        plan.fail(
            raw,
            "person_id",
            "",
            "the person_id is empty — write the employee id of the person placed, e.g. E004"
            if plan.kind == PLACEMENTS
            else "the person_id is empty but the row has person details — fill in the employee id",
        )
        return
    errors_before = len(plan.errors)
    role = values.get("role", "").lower() or AssignmentRole.MEMBER
    if role not in AssignmentRole.values:
        plan.fail(
            raw, "role", values["role"], f"'{values['role']}' is not a role — use manager or member"
        )
    valid_from = valid_to = None
    try:
        valid_from = parse_date(values.get("valid_from", ""))
    except CellError as error:
        plan.fail(raw, "valid_from", values.get("valid_from", ""), error.reason)
    if values.get("valid_to"):
        try:
            valid_to = parse_date(values["valid_to"])
        except CellError as error:
            plan.fail(raw, "valid_to", values["valid_to"], error.reason)
    if valid_from and valid_to and valid_to < valid_from:
        plan.fail(
            raw,
            "valid_to",
            values["valid_to"],
            f"the placement ends ({valid_to}) before it starts ({valid_from})",
        )
    if plan.kind == PLACEMENTS:
        # A placements file names stored people only; it changes none of their details.
        plan.people.setdefault(person_id, PersonSpec(person_id, "", "", "", raw.number))
    else:
        _read_person(raw, person_id, plan)
    if len(plan.errors) > errors_before or valid_from is None:
        return
    placement = PlacementSpec(person_id, code, role, valid_from, valid_to, raw.number)
    earlier = plan.placements.setdefault(placement.key, placement)
    if earlier is not placement:
        plan.fail(
            raw, "person_id", person_id,
            f"{person_id} is placed in '{code}' as {role} from {valid_from} on row {earlier.row} too — list each placement once",
        )  # fmt: skip


_PERSON_DETAILS = (
    ("person_name", "full_name"), ("email", "email"), ("title", "title"), ("username", "username"),
)  # fmt: skip


def _read_person(raw: RawRow, person_id: str, plan: OrgPlan) -> None:
    values = raw.values
    email = values.get("email", "")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            plan.fail(
                raw, "email", email, f"'{email}' is not an e-mail address, e.g. ria@acme.example"
            )
            return
    spec = PersonSpec(
        person_id,
        values.get("person_name", ""),
        email,
        values.get("title", ""),
        raw.number,
        # Logins are linked by a people file only; elsewhere the column is not read.
        values.get("username", "") if plan.kind == PEOPLE else "",
    )
    earlier = plan.people.get(person_id)
    if earlier is None:
        plan.people[person_id] = spec
        return
    for column, name in _PERSON_DETAILS:
        mine, theirs = getattr(spec, name), getattr(earlier, name)
        if mine and theirs and mine != theirs:
            plan.fail(
                raw,
                column,
                mine,
                f"{person_id} has {column} '{theirs}' on row {earlier.row} — give each person one {column}",
            )
        elif mine and not theirs:
            plan.people[person_id] = earlier = replace(earlier, **{name: mine})


def _check_references(rows: list[RawRow], plan: OrgPlan, stored: StoredOrg) -> None:
    """Units and people named in the file exist in it or in Quotaflow."""
    known_units = set(plan.units) | set(stored.units)
    for raw in rows if plan.kind != PEOPLE else []:
        code = raw.values.get("unit_code", "")
        if not code or code in known_units or plan.broken_units.get(code) == raw.number:
            continue
        if code in plan.broken_units:
            reason = f"unit '{code}' is defined on row {plan.broken_units[code]}, which has errors — fix that row first"
        elif plan.kind == PLACEMENTS:
            reason = f"unit '{code}' is not in Quotaflow — check the code, or import the unit with a units file first"
        else:
            reason = f"unit '{code}' is not in Quotaflow and no row defines it — add a row with its unit_name"
        plan.fail(raw, "unit_code", code, reason)
    if plan.kind == PLACEMENTS:
        _check_people_stored(plan, stored)
        return
    for unit in plan.units.values():
        if unit.parent_code and unit.parent_code not in known_units:
            broken_row = plan.broken_units.get(unit.parent_code)
            plan.fail(
                unit.row,
                "parent_unit_code",
                unit.parent_code,
                f"parent unit '{unit.parent_code}' is defined on row {broken_row}, which has errors — fix that row first"
                if broken_row
                else f"parent unit '{unit.parent_code}' is neither in this file nor in Quotaflow",
            )
    for person in plan.people.values():
        if not person.full_name and person.external_id not in stored.people:
            plan.fail(
                person.row,
                "person_name",
                "",
                f"{person.external_id} is a new person — fill in person_name",
            )


def _check_people_stored(plan: OrgPlan, stored: StoredOrg) -> None:
    """A placements file places people Quotaflow already has, on every row naming one."""
    for spec in sorted(plan.placements.values(), key=lambda placement: placement.row):
        if spec.person_id not in stored.people:
            plan.fail(
                spec.row,
                "person_id",
                spec.person_id,
                f"person '{spec.person_id}' is not in Quotaflow — check the id, or import the "
                "person with a people file first",
            )


def _check_logins(plan: OrgPlan, stored: StoredOrg) -> None:
    """Each login named exists and belongs to no one else, in Quotaflow or in the file."""
    claimed: dict[str, PersonSpec] = {}
    for spec in sorted(plan.people.values(), key=lambda person: person.row):
        if not spec.username:
            continue
        login = stored.logins.get(spec.username)
        first = claimed.setdefault(spec.username, spec)
        if login is None:
            reason = (
                f"there is no login '{spec.username}' — create it first (quotaflow users "
                "create, or the users import), or leave username empty"
            )
        elif login["person__external_id"] not in (None, spec.external_id):
            reason = (
                f"the login '{spec.username}' belongs to {login['person__external_id']} — "
                "each login belongs to one person"
            )
        elif first is not spec:
            reason = (
                f"the login '{spec.username}' is given to {first.external_id} on row "
                f"{first.row} too — each login belongs to one person"
            )
        else:
            continue
        plan.fail(spec.row, "username", spec.username, reason)


def _check_cycles(plan: OrgPlan, stored: StoredOrg) -> None:
    """Refuse parents that would make the tree loop, naming the units in the loop."""
    code_of = {row["pk"]: code for code, row in stored.units.items()}
    parent_of = {code: code_of.get(row["parent_id"], "") for code, row in stored.units.items()}
    parent_of.update({code: spec.parent_code for code, spec in plan.units.items()})
    reported: set[str] = set()
    for start in plan.units:
        trail: list[str] = []
        code = start
        while code and code not in trail and code not in reported:
            trail.append(code)
            code = parent_of.get(code, "")
        if code and code in trail:
            loop = trail[trail.index(code) :]
            reported.update(loop)
            first = min((plan.units[c] for c in loop if c in plan.units), key=lambda spec: spec.row)
            plan.fail(
                first.row, "parent_unit_code", first.parent_code,
                f"units {' → '.join([*loop, loop[0]])} form a cycle — one of them must sit under another unit or at the top",
            )  # fmt: skip
        reported.update(trail)


def _overlaps(
    first_from: dt.date, first_to: dt.date | None, second_from: dt.date, second_to: dt.date | None
) -> bool:
    return (first_to is None or second_from <= first_to) and (
        second_to is None or first_from <= second_to
    )


def _check_overlaps(plan: OrgPlan, stored: StoredOrg) -> None:
    """A person is a member of at most one unit on any day (file and stored placements)."""
    members: dict[str, list[tuple[dt.date, dt.date | None, str]]] = defaultdict(list)
    for row in stored.assignments:
        key = (row["person__external_id"], row["unit__code"], row["role"], row["valid_from"])
        if row["role"] == AssignmentRole.MEMBER and key not in plan.placements:
            end = row["valid_to"].isoformat() if row["valid_to"] else "with no end date"
            label = f"the stored placement in '{row['unit__code']}' from {row['valid_from']} {'to ' + end if row['valid_to'] else end}"
            members[row["person__external_id"]].append((row["valid_from"], row["valid_to"], label))
    for spec in sorted(plan.placements.values(), key=lambda placement: placement.row):
        if spec.role != AssignmentRole.MEMBER:
            continue
        for valid_from, valid_to, label in members[spec.person_id]:
            if _overlaps(valid_from, valid_to, spec.valid_from, spec.valid_to):
                plan.fail(
                    spec.row, "valid_from", spec.valid_from.isoformat(),
                    f"{spec.person_id} would be a member of two units at once: this placement in '{spec.unit_code}' "
                    f"overlaps {label} — end the other placement first (valid_to)",
                )  # fmt: skip
                break
        members[spec.person_id].append(
            (spec.valid_from, spec.valid_to, f"row {spec.row} ('{spec.unit_code}')")
        )


def check_org(rows: list[RawRow], kind: str = ORG) -> tuple[OrgPlan, StoredOrg]:
    """Read and check every row of a ``kind`` file (org, units, people or placements)
    against the file itself and the stored organisation."""
    plan = OrgPlan(kind=kind)
    read = _READERS[kind]
    for raw in rows:
        read(raw, plan)
    usernames = sorted({spec.username for spec in plan.people.values() if spec.username})
    stored = StoredOrg.load(sorted(plan.people), usernames)
    _check_references(rows, plan, stored)
    _check_logins(plan, stored)
    _check_cycles(plan, stored)
    _check_overlaps(plan, stored)
    return plan, stored


# --- what a checked file will change ---------------------------------------------------

MOVED, RENAMED, CHANGED, ENDED = "moved", "renamed", "changed", "ended"


@dataclass(frozen=True)
class Change:
    """One change a checked file makes, in the words a preview shows."""

    action: str  # created, moved, renamed, changed or ended
    subject: str
    old: str
    new: str
    row: int

    def as_text(self) -> str:
        if not self.old:
            return f"{self.action} {self.subject}: {self.new}"
        return f"{self.action} {self.subject}: {self.old} → {self.new}"


def _place(parent_code: str) -> str:
    return f"under {parent_code}" if parent_code else "at the top of the tree"


def unit_changes(plan: OrgPlan, stored: StoredOrg) -> list[Change]:
    """Units the file creates, moves, renames or otherwise changes, in file order."""
    code_of = {row["pk"]: code for code, row in stored.units.items()}
    changes: list[Change] = []
    for spec in sorted(plan.units.values(), key=lambda unit: unit.row):
        subject = f"unit {spec.code}"
        existing = stored.units.get(spec.code)
        if existing is None:
            described = f"{spec.name} ({spec.kind}) {_place(spec.parent_code)}"
            changes.append(Change(CREATED, subject, "", described, spec.row))
            continue
        old_parent = code_of.get(existing["parent_id"], "")
        if old_parent != spec.parent_code:
            changes.append(
                Change(MOVED, subject, _place(old_parent), _place(spec.parent_code), spec.row)
            )
        if existing["name"] != spec.name:
            changes.append(Change(RENAMED, subject, existing["name"], spec.name, spec.row))
        for name, value in (("kind", spec.kind), ("territory", spec.territory)):
            if existing[name] != value:
                old, new = existing[name] or "(empty)", value or "(empty)"
                changes.append(Change(CHANGED, f"{subject} {name}", old, new, spec.row))
    return changes


def _person_changes(plan: OrgPlan, stored: StoredOrg) -> list[Change]:
    changes: list[Change] = []
    for spec in sorted(plan.people.values(), key=lambda person: person.row):
        subject = f"person {spec.external_id}"
        existing = stored.people.get(spec.external_id)
        if existing is None:
            login = f" (login {spec.username})" if spec.username else ""
            changes.append(Change(CREATED, subject, "", f"{spec.full_name}{login}", spec.row))
            continue
        for name, value in (
            ("full_name", spec.full_name), ("email", spec.email), ("title", spec.title),
        ):  # fmt: skip
            if value and existing[name] != value:
                old = existing[name] or "(empty)"
                changes.append(Change(CHANGED, f"{subject} {name}", old, value, spec.row))
        if spec.username and existing["user__username"] != spec.username:
            old = existing["user__username"] or "(none)"
            changes.append(Change(CHANGED, f"{subject} login", old, spec.username, spec.row))
    return changes


def _until(day: dt.date | None) -> str:
    return day.isoformat() if day else "open-ended"


def _placement_changes(plan: OrgPlan, stored: StoredOrg) -> list[Change]:
    existing = {
        (row["person__external_id"], row["unit__code"], row["role"], row["valid_from"]): row
        for row in stored.assignments
    }
    changes: list[Change] = []
    for key, spec in sorted(plan.placements.items(), key=lambda item: item[1].row):
        subject = f"placement of {spec.person_id} in {spec.unit_code} as {spec.role}"
        row = existing.get(key)
        if row is None:
            period = f"from {spec.valid_from.isoformat()} to {_until(spec.valid_to)}"
            changes.append(Change(CREATED, subject, "", period, spec.row))
        elif row["valid_to"] != spec.valid_to:
            old, new = _until(row["valid_to"]), _until(spec.valid_to)
            changes.append(Change(ENDED, subject, f"ends {old}", f"ends {new}", spec.row))
    return changes


def plan_changes(plan: OrgPlan, stored: StoredOrg) -> list[Change]:
    """Everything a checked file will change, units first; nothing is written."""
    return [
        *unit_changes(plan, stored),
        *_person_changes(plan, stored),
        *_placement_changes(plan, stored),
    ]


# --- writing -------------------------------------------------------------------------


@dataclass
class _Outcomes:
    """What happened to each row: the strongest of created > updated > unchanged."""

    by_row: dict[int, str] = field(default_factory=dict)

    def mark(self, row: int, outcome: str) -> None:
        if _RANK[outcome] > _RANK[self.by_row.get(row, UNCHANGED)]:
            self.by_row[row] = outcome


def write_org(
    rows: list[RawRow], plan: OrgPlan, stored: StoredOrg, *, acting_user: Any, reason: str
) -> dict[int, str]:
    """Write a checked plan through the organisation's actions; return each row's outcome
    (created, updated or unchanged), read from the changes the plan makes.

    Runs inside the caller's transaction. Units go one by one through the tree writer
    (one audit event per unit, as when edited by hand; each move re-roots its whole
    subtree in one UPDATE and credits follow it); people and placements in bulk.
    """
    outcomes = _Outcomes({raw.number: UNCHANGED for raw in rows})
    for change in plan_changes(plan, stored):
        outcomes.mark(change.row, CREATED if change.action == CREATED else UPDATED)
    unit_ids = write_units(
        [
            UnitDefinition(spec.code, spec.name, spec.kind, spec.parent_code, spec.territory)
            for spec in plan.units.values()
        ],
        acting_user=acting_user,
        reason=reason,
    )
    person_ids = write_people(
        [
            PersonDefinition(spec.external_id, spec.full_name, spec.email, spec.title)
            for spec in plan.people.values()
        ],
        acting_user=acting_user,
        reason=reason,
    )
    link_logins(
        {spec.external_id: spec.username for spec in plan.people.values() if spec.username},
        acting_user=acting_user,
        reason=reason,
    )
    write_placements(
        [
            PlacementDefinition(
                spec.person_id, spec.unit_code, spec.role, spec.valid_from, spec.valid_to
            )
            for spec in plan.placements.values()
        ],
        unit_ids=unit_ids,
        person_ids=person_ids,
        acting_user=acting_user,
        reason=reason,
    )
    return outcomes.by_row
