"""Units, people and placements as three files of their own: each checked and written
through org's actions like the combined organisation file, each with a dry run that lists
what it will do, all or nothing with every bad row named, and audited per change.

The small org holds ACME → NORTH → NORTH-A and ACME → SOUTH → SOUTH-A; Ria Rep (E004) is
a member of NORTH-A from 2025-01-01, and her login rep_ria is linked to her; the login
outsider_otto belongs to no one (see tests/conftest.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from quotaflow.core.models import AuditEvent
from quotaflow.imports.actions import import_file, write_preview
from quotaflow.imports.models import ImportRun, ImportStatus
from quotaflow.org.models import Assignment, Person, Unit
from tests.imports.conftest import errors_by_cell, stored_counts

UNITS = "unit_code,unit_name,unit_kind,parent_unit_code,territory\n"
PEOPLE = "person_id,person_name,email,title,username\n"
PLACEMENTS = "person_id,unit_code,role,valid_from,valid_to\n"


def _changes(run: ImportRun) -> list[tuple[str, str, str, str, int]]:
    return [(c["action"], c["subject"], c["old"], c["new"], c["row"]) for c in run.changes]


def _parent(code: str) -> str:
    parent = Unit.objects.get(code=code).parent
    return parent.code if parent else ""


def _org_audit() -> int:
    return AuditEvent.objects.filter(action__startswith="org.").count()


@pytest.fixture
def dry_run(small_org: Any) -> Any:
    def run(kind: str, path: Any) -> ImportRun:
        return import_file(
            kind, path, file_name=path.name, acting_user=small_org.users["ops_olga"],
            skip_bad_rows=False, via="cli", dry_run=True,
        )  # fmt: skip

    return run


# Units --------------------------------------------------------------------------------


def test_units_file_creates_moves_and_renames_with_an_audit_event_per_unit(
    import_as_olga, write_file, small_org
):
    text = UNITS + (
        "WEST,West,region,ACME,Rhine\n"  # new
        "WEST-A,West Team A,team,WEST,\n"  # new, under a unit of the same file
        "NORTH,North Region,region,SOUTH,\n"  # renamed and moved, with NORTH-A below it
        "SOUTH-A,South Team A,team,SOUTH,\n"  # as stored: unchanged
    )
    run = import_as_olga("units", write_file(text, "units.csv"))

    assert (run.status, run.created, run.updated, run.unchanged, run.rejected) == (
        ImportStatus.SUCCEEDED, 2, 1, 1, 0,
    ), run.errors  # fmt: skip
    assert (_parent("WEST-A"), _parent("NORTH"), _parent("NORTH-A")) == ("WEST", "SOUTH", "NORTH")
    assert Unit.objects.get(code="WEST").territory == "Rhine"
    assert Unit.objects.get(code="NORTH").name == "North Region"
    north = Unit.objects.get(code="NORTH")
    moved = AuditEvent.objects.get(action="org.unit.moved")
    assert (moved.object_type, moved.object_id, moved.actor) == (
        "org.unit", str(north.pk), small_org.users["ops_olga"],
    )  # fmt: skip
    assert moved.changes["parent"] == ["ACME", "SOUTH"]
    assert moved.reason == "Units import of units.csv"
    assert sorted(
        AuditEvent.objects.filter(action="org.unit.created").values_list("object_repr", flat=True)
    ) == ["West", "West Team A"]
    assert AuditEvent.objects.get(action="org.unit.updated").changes == {
        "name": ["North", "North Region"]
    }
    assert AuditEvent.objects.filter(action="import.units").count() == 1


def test_units_file_moving_two_units_audits_each_move(import_as_olga, write_file):
    text = UNITS + "NORTH-A,North Team A,team,SOUTH,\nSOUTH-A,South Team A,team,NORTH,\n"
    run = import_as_olga("units", write_file(text))

    assert run.updated == 2, run.errors
    moved = AuditEvent.objects.filter(action="org.unit.moved")
    assert sorted(event.object_repr for event in moved) == ["North Team A", "South Team A"]
    assert (_parent("NORTH-A"), _parent("SOUTH-A")) == ("SOUTH", "NORTH")


def test_units_file_names_every_bad_row_and_writes_nothing(import_as_olga, write_file):
    before, audit = stored_counts(), _org_audit()
    text = UNITS + (
        "OTHER,Other Group,company,,\n"  # 2: empty parent, not marked as a root
        "NORTH,North,region,,\n"  # 3: a stored unit re-listed without its parent
        f"WEST,{'W' * 201},region,ACME,\n"  # 4: a name too long to store
        "EAST,,region,ACME,\n"  # 5: no name
        "X,Team X,team,NOWHERE,\n"  # 6: a parent that exists nowhere
        "Y,Team Y,squad,ACME,\n"  # 7: not a unit kind
        ",Nameless,team,ACME,\n"  # 8: no code
        "GOOD,Good Team,team,ACME,\n"  # 9: fine, but not written either
    )
    run = import_as_olga("units", write_file(text))

    assert (run.status, run.rejected, run.created) == (ImportStatus.REJECTED, 7, 0)
    no_parent = (
        "has no parent_unit_code — write the code of the unit above it, "
        "or (top) if it is at the top of the tree"
    )
    assert errors_by_cell(run) == {
        (2, "parent_unit_code"): f"unit 'OTHER' {no_parent}",
        (3, "parent_unit_code"): f"unit 'NORTH' {no_parent}",
        (4, "unit_name"): f"'{'W' * 40}…' is longer than 200 characters",
        (5, "unit_name"): "unit 'EAST' has no unit_name — every row of a units file defines a "
        "unit, name included",
        (6, "parent_unit_code"): "parent unit 'NOWHERE' is neither in this file nor in Quotaflow",
        (
            7,
            "unit_kind",
        ): "'squad' is not a unit kind — use one of company, region, area, team, other",
        (
            8,
            "unit_code",
        ): "the unit_code is empty — every row names the unit it is about, e.g. EMEA-DACH",
    }
    assert stored_counts() == before and _org_audit() == audit
    assert _parent("NORTH") == "ACME"


def test_units_file_root_marked_top_starts_a_tree(import_as_olga, write_file):
    run = import_as_olga("units", write_file(UNITS + "OTHER,Other Group,company,(top),\n"))

    assert (run.status, run.created) == (ImportStatus.SUCCEEDED, 1), run.errors
    assert Unit.objects.get(code="OTHER").parent is None


def test_units_file_needs_its_columns_and_warns_about_others(import_as_olga, write_file):
    missing = import_as_olga("units", write_file("unit_code,unit_name\nX,Team X\n"))
    assert missing.errors[0]["reason"] == (
        "The file is missing required column: parent_unit_code. Columns found: unit_code, "
        "unit_name. Every units file needs: unit_code, unit_name, parent_unit_code."
    )

    run = import_as_olga(
        "units", write_file("unit_code,unit_name,parent_unit_code,person_id\nX,Team X,ACME,E004\n")
    )
    assert (run.status, run.created) == (ImportStatus.SUCCEEDED, 1), run.errors
    assert run.warnings == ["Column 'person_id' is not part of a units file and was ignored."]
    assert not Assignment.objects.filter(unit__code="X").exists()


def test_units_dry_run_lists_the_changes_writes_nothing_then_writes_them(
    dry_run, write_file, small_org
):
    before, audit = stored_counts(), _org_audit()
    path = write_file(UNITS + "WEST,West,region,ACME,\nNORTH,North Region,region,SOUTH,\n")
    preview = dry_run("units", path)

    assert preview.status == ImportStatus.PREVIEWED, preview.errors
    assert _changes(preview) == [
        ("created", "unit WEST", "", "West (region) under ACME", 2),
        ("moved", "unit NORTH", "under ACME", "under SOUTH", 3),
        ("renamed", "unit NORTH", "North", "North Region", 3),
    ]
    assert stored_counts() == before and _org_audit() == audit

    run = write_preview(preview, acting_user=small_org.users["ops_olga"], via="cli")
    assert (run.kind, run.status, run.created, run.updated) == (
        "units", ImportStatus.SUCCEEDED, 1, 1,
    )  # fmt: skip
    assert _parent("NORTH") == "SOUTH"
    assert AuditEvent.objects.filter(action="org.unit.moved").count() == 1


# People -------------------------------------------------------------------------------


def test_people_file_creates_changes_and_links_logins_audited_per_person(
    import_as_olga, write_file, small_org
):
    text = PEOPLE + (
        "E100,Nia New,nia@acme.example,Account Executive,outsider_otto\n"  # new, with a login
        "E004,,ria.rep@acme.example,,\n"  # a new e-mail; empty cells keep what is stored
        "E005,Rob Rep,,,\n"  # as stored
    )
    run = import_as_olga("people", write_file(text, "people.csv"))

    assert (run.status, run.created, run.updated, run.unchanged) == (
        ImportStatus.SUCCEEDED, 1, 1, 1,
    ), run.errors  # fmt: skip
    nia = Person.objects.get(external_id="E100")
    assert (nia.full_name, nia.email, nia.title, nia.user) == (
        "Nia New", "nia@acme.example", "Account Executive", small_org.users["outsider_otto"],
    )  # fmt: skip
    ria = Person.objects.get(external_id="E004")
    assert (ria.full_name, ria.email) == ("Ria Rep", "ria.rep@acme.example")
    created = AuditEvent.objects.get(action="org.person.created")
    assert (created.object_id, created.changes["full_name"]) == (str(nia.pk), [None, "Nia New"])
    updated = AuditEvent.objects.get(action="org.person.updated")
    assert (updated.object_id, updated.changes) == (
        str(ria.pk), {"email": ["", "ria.rep@acme.example"]},
    )  # fmt: skip
    linked = AuditEvent.objects.get(action="org.person.user_linked")
    assert (linked.object_id, linked.changes) == (str(nia.pk), {"user": [None, "outsider_otto"]})
    assert {event.reason for event in (created, updated, linked)} == {"People import of people.csv"}
    assert not Assignment.objects.filter(person=nia).exists()


def test_people_file_names_every_bad_row_and_writes_nothing(import_as_olga, write_file):
    before, audit = stored_counts(), _org_audit()
    text = PEOPLE + (
        "E100,Nia New,a@,,\n"  # 2: not an e-mail address
        "E101,,,,\n"  # 3: a new person without a name
        f"E102,{'N' * 201},,,\n"  # 4: a name too long to store
        "E103,Nils New,,,nobody\n"  # 5: no such login
        "E104,Nora New,,,rep_ria\n"  # 6: the login is Ria's
        ",Nameless,,,\n"  # 7: no id
        "E105,Noa New,noa@acme,,\n"  # 8: no domain
        "E106,Ned New,,,outsider_otto\n"  # 9: fine on its own …
        "E107,Nell New,,,outsider_otto\n"  # 10: … but the same login twice
    )
    run = import_as_olga("people", write_file(text))

    assert (run.status, run.rejected) == (ImportStatus.REJECTED, 8)
    assert errors_by_cell(run) == {
        (2, "email"): "'a@' is not an e-mail address, e.g. ria@acme.example",
        (3, "person_name"): "E101 is a new person — fill in person_name",
        (4, "person_name"): f"'{'N' * 40}…' is longer than 200 characters",
        (5, "username"): "there is no login 'nobody' — create it first (quotaflow users create, "
        "or the users import), or leave username empty",
        (6, "username"): "the login 'rep_ria' belongs to E004 — each login belongs to one person",
        (
            7,
            "person_id",
        ): "the person_id is empty — every row of a people file is one person, e.g. E004",
        (8, "email"): "'noa@acme' is not an e-mail address, e.g. ria@acme.example",
        (10, "username"): "the login 'outsider_otto' is given to E106 on row 9 too — each login "
        "belongs to one person",
    }
    assert stored_counts() == before and _org_audit() == audit


def test_people_dry_run_lists_creates_and_changes_and_writes_nothing(dry_run, write_file):
    before, audit = stored_counts(), _org_audit()
    text = PEOPLE + "E100,Nia New,,,outsider_otto\nE005,Rob Rep,rob@acme.example,,\n"
    run = dry_run("people", write_file(text))

    assert (run.status, run.created, run.updated) == (ImportStatus.PREVIEWED, 1, 1), run.errors
    assert _changes(run) == [
        ("created", "person E100", "", "Nia New (login outsider_otto)", 2),
        ("changed", "person E005 email", "(empty)", "rob@acme.example", 3),
    ]
    assert stored_counts() == before and _org_audit() == audit
    assert Person.objects.get(external_id="E005").email == ""


def test_people_file_gives_a_stored_person_a_login(import_as_olga, write_file):
    run = import_as_olga("people", write_file(PEOPLE + "E005,,,,outsider_otto\n"))

    assert (run.status, run.updated) == (ImportStatus.SUCCEEDED, 1), run.errors
    assert [c["subject"] for c in run.changes] == ["person E005 login"]
    assert Person.objects.get(external_id="E005").user.username == "outsider_otto"


# Placements ---------------------------------------------------------------------------


def test_placements_file_moves_a_person_audited_per_placement(
    import_as_olga, write_file, small_org
):
    text = PLACEMENTS + (
        "E004,NORTH-A,member,2025-01-01,2026-03-31\n"  # Ria's stored placement ends
        "E004,SOUTH-A,member,2026-04-01,\n"  # and she starts in SOUTH-A the next day
        "E003,SOUTH-A,manager,2026-04-01,\n"  # Sam also manages the team
    )
    run = import_as_olga("placements", write_file(text, "placements.csv"))

    assert (run.status, run.created, run.updated) == (ImportStatus.SUCCEEDED, 2, 1), run.errors
    assert list(
        Assignment.objects.filter(person__external_id="E004")
        .order_by("valid_from")
        .values_list("unit__code", "valid_to")
    ) == [("NORTH-A", dt.date(2026, 3, 31)), ("SOUTH-A", None)]
    ended = AuditEvent.objects.get(action="org.assignment.ended")
    assert ended.changes == {"valid_to": [None, "2026-03-31"]}
    created = AuditEvent.objects.filter(action="org.assignment.created").order_by("object_repr")
    assert [event.changes["unit"] for event in created] == [[None, "SOUTH-A"], [None, "SOUTH-A"]]
    assert [event.changes["person"] for event in created] == [[None, "E004"], [None, "E003"]]
    assert {event.reason for event in [ended, *created]} == {"Placements import of placements.csv"}


def test_placements_file_names_every_bad_row_and_writes_nothing(import_as_olga, write_file):
    before, audit = stored_counts(), _org_audit()
    text = PLACEMENTS + (
        "E004,SOUTH-A,member,2026-01-01,\n"  # 2: overlaps Ria's stored NORTH-A placement
        "E300,SOUTH-A,member,2026-01-01,\n"  # 3: no such person
        "E002,GHOST,manager,2026-01-01,\n"  # 4: no such unit
        "E006,SOUTH-A,boss,2026-01-01,\n"  # 5: not a role
        "E002,SOUTH-A,manager,2026-05-01,2026-04-30\n"  # 6: ends before it starts
        "E003,SOUTH-A,manager,,\n"  # 7: no first day
        "E100,NORTH-A,member,2026-01-01,2026-06-30\n"  # 8: a new person …
        ",NORTH-A,member,2026-01-01,\n"  # 9: no person
    )
    run = import_as_olga("placements", write_file(text))

    assert (run.status, run.rejected) == (ImportStatus.REJECTED, 8)
    assert errors_by_cell(run) == {
        (2, "valid_from"): "E004 would be a member of two units at once: this placement in "
        "'SOUTH-A' overlaps the stored placement in 'NORTH-A' from 2025-01-01 with no end date "
        "— end the other placement first (valid_to)",
        (3, "person_id"): "person 'E300' is not in Quotaflow — check the id, or import the "
        "person with a people file first",
        (4, "unit_code"): "unit 'GHOST' is not in Quotaflow — check the code, or import the "
        "unit with a units file first",
        (5, "role"): "'boss' is not a role — use manager or member",
        (6, "valid_to"): "the placement ends (2026-04-30) before it starts (2026-05-01)",
        (7, "valid_from"): "the date is empty — write dates as YYYY-MM-DD, e.g. 2026-03-14",
        (8, "person_id"): "person 'E100' is not in Quotaflow — check the id, or import the "
        "person with a people file first",
        (9, "person_id"): "the person_id is empty — write the employee id of the person placed, "
        "e.g. E004",
    }
    assert stored_counts() == before and _org_audit() == audit


def test_placements_overlapping_within_the_file_name_the_other_row(import_as_olga, write_file):
    text = PLACEMENTS + (
        "E004,NORTH-A,member,2025-01-01,2025-12-31\n"
        "E004,SOUTH-A,member,2025-06-01,\n"  # starts before the row above ends
    )
    run = import_as_olga("placements", write_file(text))

    assert run.status == ImportStatus.REJECTED
    assert "overlaps row 2 ('NORTH-A')" in errors_by_cell(run)[(3, "valid_from")]
    assert Assignment.objects.get(person__external_id="E004").valid_to is None


def test_placements_file_changes_no_person_details(import_as_olga, write_file):
    text = "person_id,unit_code,valid_from,email\nE005,SOUTH-A,2027-01-01,rob@elsewhere.example\n"
    run = import_as_olga("placements", write_file(text))

    assert run.status == ImportStatus.REJECTED  # Rob is still a member of NORTH-A
    text = (
        "person_id,unit_code,role,valid_from,email\nE005,SOUTH-A,manager,2027-01-01,rob@x.example\n"
    )
    run = import_as_olga("placements", write_file(text))
    assert (run.status, run.created) == (ImportStatus.SUCCEEDED, 1), run.errors
    assert run.warnings == ["Column 'email' is not part of a placements file and was ignored."]
    assert Person.objects.get(external_id="E005").email == ""
    assert not AuditEvent.objects.filter(action__startswith="org.person.").exists()


def test_placements_dry_run_lists_creates_and_ends_and_writes_nothing(dry_run, write_file):
    before, audit = stored_counts(), _org_audit()
    text = (
        PLACEMENTS + "E004,NORTH-A,member,2025-01-01,2026-03-31\nE004,SOUTH-A,member,2026-04-01,\n"
    )
    run = dry_run("placements", write_file(text))

    assert run.status == ImportStatus.PREVIEWED, run.errors
    assert _changes(run) == [
        (
            "ended",
            "placement of E004 in NORTH-A as member",
            "ends open-ended",
            "ends 2026-03-31",
            2,
        ),
        (
            "created",
            "placement of E004 in SOUTH-A as member",
            "",
            "from 2026-04-01 to open-ended",
            3,
        ),
    ]
    assert stored_counts() == before and _org_audit() == audit
    assert Assignment.objects.get(person__external_id="E004").valid_to is None


# The three files in turn build what the combined file builds -------------------------


def test_three_files_in_turn_build_the_same_organisation_as_the_combined_file(
    import_as_olga, write_file
):
    combined = (
        "unit_code,unit_name,unit_kind,parent_unit_code,person_id,person_name,email,role,valid_from\n"
        "WEST,West,region,ACME,E100,Nia New,nia@acme.example,manager,2026-01-01\n"
        "WEST-A,West Team A,team,WEST,E101,Nils New,,member,2026-01-01\n"
    )
    import_as_olga("org", write_file(combined))
    built = _organisation()
    Assignment.objects.filter(person__external_id__in=["E100", "E101"]).delete()
    Person.objects.filter(external_id__in=["E100", "E101"]).delete()
    Unit.objects.filter(code="WEST-A").delete()
    Unit.objects.filter(code="WEST").delete()

    for kind, text in (
        ("units", UNITS + "WEST,West,region,ACME,\nWEST-A,West Team A,team,WEST,\n"),
        ("people", PEOPLE + "E100,Nia New,nia@acme.example,,\nE101,Nils New,,,\n"),
        (
            "placements",
            PLACEMENTS + "E100,WEST,manager,2026-01-01,\nE101,WEST-A,member,2026-01-01,\n",
        ),
    ):
        run = import_as_olga(kind, write_file(text, f"{kind}.csv"))
        assert run.status == ImportStatus.SUCCEEDED, run.errors

    assert _organisation() == built


def _organisation() -> dict[str, Any]:
    return {
        "units": sorted(Unit.objects.values_list("code", "name", "kind", "parent__code", "depth")),
        "people": sorted(Person.objects.values_list("external_id", "full_name", "email")),
        "placements": sorted(
            Assignment.objects.values_list(
                "person__external_id", "unit__code", "role", "valid_from", "valid_to"
            )
        ),
    }
