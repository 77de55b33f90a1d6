"""Importing the organisation: units in any order, materialised paths kept right (also when
a whole subtree moves), effective-dated placements, and every refusal with its message.

The small org already holds ACME → NORTH → NORTH-A and ACME → SOUTH → SOUTH-A, with
Ria Rep (E004) a member of NORTH-A from 2025-01-01 (see tests/conftest.py).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from quotaflow.core.errors import InvalidInput
from quotaflow.core.models import AuditEvent
from quotaflow.imports.actions import import_file, write_preview
from quotaflow.imports.models import ImportRun, ImportStatus
from quotaflow.org.actions import move_unit
from quotaflow.org.models import Assignment, AssignmentRole, Person, Unit
from tests.imports.conftest import FIXTURES, stored_counts

HEADER = "unit_code,unit_name,unit_kind,parent_unit_code,territory,person_id,person_name,role,valid_from,valid_to\n"


def _paths() -> dict[str, tuple[str, int]]:
    return {unit.code: (unit.path, unit.depth) for unit in Unit.objects.all()}


def _expected_path(*codes: str) -> str:
    ids = dict(Unit.objects.values_list("code", "pk"))
    return "/" + "".join(f"{ids[code]}/" for code in codes)


def test_units_listed_children_first_get_correct_paths_people_and_placements(import_as_olga):
    run = import_as_olga("org", FIXTURES / "org_good.csv")

    assert (run.status, run.total_rows, run.created, run.rejected) == (
        ImportStatus.SUCCEEDED,
        5,
        5,
        0,
    ), run.errors
    paths = _paths()
    assert paths["GLOBAL"] == (_expected_path("GLOBAL"), 0)
    assert paths["EMEA"] == (_expected_path("GLOBAL", "EMEA"), 1)
    assert paths["EMEA-A"] == (_expected_path("GLOBAL", "EMEA", "EMEA-A"), 2)
    assert paths["EMEA-B"] == (_expected_path("GLOBAL", "EMEA", "EMEA-B"), 2)
    assert Unit.objects.get(code="EMEA-B").territory == "DACH"
    ria = Person.objects.get(external_id="E104")
    assert (ria.full_name, ria.email, ria.title) == (
        "Ria Rep",
        "ria@acme.example",
        "Account Executive",
    )
    placement = Assignment.objects.get(person=ria)
    assert (placement.unit.code, placement.role, placement.valid_from, placement.valid_to) == (
        "EMEA-A", AssignmentRole.MEMBER, dt.date(2026, 1, 1), None,
    )  # fmt: skip
    assert Assignment.objects.get(person__external_id="E102").role == AssignmentRole.MANAGER


def test_same_org_file_twice_leaves_everything_unchanged(import_as_olga):
    import_as_olga("org", FIXTURES / "org_good.csv")
    before, paths = stored_counts(), _paths()
    again = import_as_olga("org", FIXTURES / "org_good.csv")

    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)
    assert stored_counts() == before and _paths() == paths


def test_parent_may_already_exist_in_the_database(import_as_olga, write_file):
    run = import_as_olga("org", write_file(HEADER + "NORTH-B,North Team B,team,NORTH,,,,,,\n"))

    assert run.created == 1, run.errors
    assert _paths()["NORTH-B"] == (_expected_path("ACME", "NORTH", "NORTH-B"), 2)


def test_moving_a_unit_rewrites_its_whole_subtree_in_one_update(
    import_as_olga, write_file, small_org
):
    # NORTH (with NORTH-A below it) moves under SOUTH.
    with CaptureQueriesContext(connection) as queries:
        run = import_as_olga("org", write_file(HEADER + "NORTH,North,region,SOUTH,,,,,,\n"))

    assert (run.updated, run.rejected) == (1, 0), run.errors
    paths = _paths()
    assert paths["NORTH"] == (_expected_path("ACME", "SOUTH", "NORTH"), 2)
    assert paths["NORTH-A"] == (_expected_path("ACME", "SOUTH", "NORTH", "NORTH-A"), 3)
    assert paths["SOUTH-A"] == (_expected_path("ACME", "SOUTH", "SOUTH-A"), 2)
    path_updates = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("UPDATE") and "SUBSTR" in q["sql"].upper()
    ]
    assert len(path_updates) == 1


def test_nested_moves_and_a_new_parent_in_one_file(import_as_olga, write_file):
    # A new region WEST takes over SOUTH, and NORTH-A moves from NORTH to SOUTH-A's level under SOUTH.
    text = (
        HEADER
        + "SOUTH,South,region,WEST,,,,,,\nWEST,West,region,ACME,,,,,,\nNORTH-A,North Team A,team,SOUTH,,,,,,\n"
    )
    run = import_as_olga("org", write_file(text))

    assert run.rejected == 0, run.errors
    paths = _paths()
    assert paths["WEST"] == (_expected_path("ACME", "WEST"), 1)
    assert paths["SOUTH"] == (_expected_path("ACME", "WEST", "SOUTH"), 2)
    assert paths["SOUTH-A"] == (_expected_path("ACME", "WEST", "SOUTH", "SOUTH-A"), 3)
    assert paths["NORTH-A"] == (_expected_path("ACME", "WEST", "SOUTH", "NORTH-A"), 3)
    assert paths["NORTH"] == (_expected_path("ACME", "NORTH"), 1)


def test_cycle_in_the_file_is_rejected_naming_the_units(import_as_olga):
    before = stored_counts()
    run = import_as_olga("org", FIXTURES / "org_cycle.csv")

    assert run.status == ImportStatus.REJECTED
    assert run.errors == [
        {
            "row": 2,
            "column": "parent_unit_code",
            "value": "C",
            "reason": "units A → C → B → A form a cycle — one of them must sit under another unit or at the top",
        }
    ]
    assert stored_counts() == before


def test_cycle_through_stored_units_is_rejected(import_as_olga, write_file):
    before = stored_counts()
    run = import_as_olga("org", write_file(HEADER + "ACME,Acme,company,NORTH-A,,,,,,\n"))

    assert (
        run.errors[0]["reason"]
        == "units ACME → NORTH-A → NORTH → ACME form a cycle — one of them must sit under another unit or at the top"
    )
    assert stored_counts() == before


def test_overlapping_member_placements_name_both(import_as_olga, write_file):
    before = stored_counts()
    text = HEADER + "SOUTH-A,,,,,E004,,member,2026-01-01,\n"
    run = import_as_olga("org", write_file(text))

    assert run.errors == [
        {
            "row": 2,
            "column": "valid_from",
            "value": "2026-01-01",
            "reason": "E004 would be a member of two units at once: this placement in 'SOUTH-A' overlaps the stored "
            "placement in 'NORTH-A' from 2025-01-01 with no end date — end the other placement first (valid_to)",
        }
    ]
    assert stored_counts() == before


def test_overlap_between_two_rows_of_the_file_names_the_other_row(import_as_olga, write_file):
    text = (
        HEADER
        + "X,Team X,team,ACME,,E200,Nia New,member,2026-01-01,2026-12-31\nY,Team Y,team,ACME,,E200,,member,2026-06-01,\n"
    )
    run = import_as_olga("org", write_file(text))

    assert run.errors[0]["row"] == 3
    assert "overlaps row 2 ('X')" in run.errors[0]["reason"]
    assert not Unit.objects.filter(code__in=["X", "Y"]).exists()


def test_moving_a_person_ends_the_old_placement_and_starts_the_new_one(import_as_olga, write_file):
    text = (
        HEADER
        + "NORTH-A,,,,,E004,,member,2025-01-01,2025-12-31\nSOUTH-A,,,,,E004,,member,2026-01-01,\n"
    )
    run = import_as_olga("org", write_file(text))

    assert (run.updated, run.created, run.rejected) == (1, 1, 0), run.errors
    placements = list(
        Assignment.objects.filter(person__external_id="E004").values_list("unit__code", "valid_to")
    )
    assert placements == [("NORTH-A", dt.date(2025, 12, 31)), ("SOUTH-A", None)]


def test_same_placement_twice_names_both_rows(import_as_olga, write_file):
    text = (
        HEADER
        + "SOUTH-A,,,,,E006,,manager,2026-01-01,\nSOUTH-A,,,,,E006,,manager,2026-01-01,2026-06-30\n"
    )
    run = import_as_olga("org", write_file(text))

    assert run.errors[0]["row"] == 3
    assert (
        run.errors[0]["reason"]
        == "E006 is placed in 'SOUTH-A' as manager from 2026-01-01 on row 2 too — list each placement once"
    )


def test_unit_defined_twice_differently_names_the_first_row(import_as_olga, write_file):
    text = HEADER + "X,Team X,team,NORTH,,,,,,\nX,Team X,team,SOUTH,,,,,,\n"
    run = import_as_olga("org", write_file(text))

    assert run.errors == [
        {
            "row": 3,
            "column": "unit_name",
            "value": "Team X",
            "reason": "unit 'X' is already defined differently on row 2 — define each unit once, or identically",
        }
    ]


def test_unknown_parent_and_unknown_unit_and_new_person_without_name(import_as_olga, write_file):
    before = stored_counts()
    text = (
        HEADER
        + "X,Team X,team,NOWHERE,,,,,,\nGHOST,,,,,E004,,manager,2026-01-01,\nSOUTH-A,,,,,E300,,member,2026-01-01,\n"
    )
    run = import_as_olga("org", write_file(text))

    reasons = {(error["row"], error["column"]): error["reason"] for error in run.errors}
    assert reasons == {
        (2, "parent_unit_code"): "parent unit 'NOWHERE' is neither in this file nor in Quotaflow",
        (
            3,
            "unit_code",
        ): "unit 'GHOST' is not in Quotaflow and no row defines it — add a row with its unit_name",
        (4, "person_name"): "E300 is a new person — fill in person_name",
    }
    assert stored_counts() == before


def test_bad_kind_role_and_dates(import_as_olga, write_file):
    text = (
        HEADER
        + "X,Team X,squad,ACME,,,,,,\n"
        + "SOUTH-A,,,,,E006,,boss,2026-01-01,\n"
        + "SOUTH-A,,,,,E005,,member,01.01.2026,\n"
        + "SOUTH-A,,,,,E002,,manager,2026-05-01,2026-04-30\n"
    )
    run = import_as_olga("org", write_file(text))

    reasons = {(error["row"], error["column"]): error["reason"] for error in run.errors}
    assert reasons == {
        (
            2,
            "unit_kind",
        ): "'squad' is not a unit kind — use one of company, region, area, team, other",
        (3, "role"): "'boss' is not a role — use manager or member",
        (
            4,
            "valid_from",
        ): "'01.01.2026' is not a date in the form YYYY-MM-DD — write e.g. 2026-03-14",
        (5, "valid_to"): "the placement ends (2026-04-30) before it starts (2026-05-01)",
    }


def test_unknown_columns_are_ignored_with_a_warning(import_as_olga, write_file):
    run = import_as_olga(
        "org", write_file("unit_code,unit_name,parent_unit_code,cost_centre\nX,Team X,ACME,4711\n")
    )

    assert run.status == ImportStatus.SUCCEEDED
    assert run.warnings == [
        "Column 'cost_centre' is not part of the organisation format and was ignored."
    ]


def test_missing_unit_code_column_lists_what_was_found(import_as_olga, write_file):
    run = import_as_olga("org", write_file("code,name\nX,Team X\n"))

    assert run.errors[0]["reason"] == (
        "The file is missing required column: unit_code. Columns found: code, name. "
        "Every organisation file needs: unit_code."
    )


def test_skip_bad_rows_also_drops_rows_that_relied_on_a_bad_row(import_as_olga, write_file):
    text = (
        HEADER
        + "X,Team X,squad,ACME,,,,,,\n"  # bad kind: X is not defined
        + "X,,,,,E004,,manager,2026-01-01,\n"  # so this placement has no unit
        + "Y,Team Y,team,ACME,,,,,,\n"
    )
    run = import_as_olga("org", write_file(text), skip_bad_rows=True)

    assert (run.status, run.created, run.rejected) == (ImportStatus.PARTIAL, 1, 2)
    assert [(error["row"], error["column"]) for error in run.errors] == [
        (2, "unit_kind"),
        (3, "unit_code"),
    ]
    assert (
        run.errors[1]["reason"]
        == "unit 'X' is defined on row 2, which has errors — fix that row first"
    )
    assert Unit.objects.filter(code="Y").exists() and not Unit.objects.filter(code="X").exists()
    assert "reason" in run.rejected_csv.splitlines()[0]


def test_org_import_is_audited_once(import_as_olga):
    import_as_olga("org", FIXTURES / "org_good.csv")

    assert AuditEvent.objects.filter(action="import.org").count() == 1


# The import says what it will do: nothing moves or starts a tree by omission -----------


def test_org_import_subtree_move_is_audited_like_the_action(import_as_olga, write_file, small_org):
    # NORTH (with NORTH-A below it) moves under SOUTH by import, then back by hand.
    north = Unit.objects.get(code="NORTH")
    old_path = north.path
    import_as_olga("org", write_file(HEADER + "NORTH,North,region,SOUTH,,,,,,\n"))
    imported = AuditEvent.objects.get(action="org.unit.moved")
    moved_path = Unit.objects.get(code="NORTH").path

    assert (imported.object_type, imported.object_id) == ("org.unit", str(north.pk))
    assert imported.actor == small_org.users["ops_olga"]
    assert imported.changes == {"parent": ["ACME", "SOUTH"], "path": [old_path, moved_path]}
    assert imported.reason == "Organisation import of upload.csv"

    move_unit(
        Unit.objects.get(code="NORTH"),
        new_parent=Unit.objects.get(code="ACME"),
        acting_user=small_org.users["ops_olga"],
    )
    by_hand = AuditEvent.objects.filter(action="org.unit.moved").latest("pk")
    assert (by_hand.object_type, by_hand.object_id) == (imported.object_type, imported.object_id)
    assert by_hand.changes == {"parent": ["SOUTH", "ACME"], "path": [moved_path, old_path]}


def test_org_import_audits_each_created_and_renamed_unit(import_as_olga, write_file):
    import_as_olga(
        "org",
        write_file(HEADER + "WEST,West,region,ACME,,,,,,\nNORTH,North Region,region,ACME,,,,,,\n"),
    )

    created = AuditEvent.objects.get(action="org.unit.created")
    assert created.object_repr == "West"
    assert created.changes["parent"] == [None, "ACME"]
    renamed = AuditEvent.objects.get(action="org.unit.updated")
    assert renamed.changes == {"name": ["North", "North Region"]}


def test_org_import_empty_parent_is_an_error_unless_the_row_says_top(import_as_olga, write_file):
    before = stored_counts()
    run = import_as_olga("org", write_file(HEADER + "OTHER,Other Group,company,,,,,,,\n"))

    assert run.status == ImportStatus.REJECTED
    assert run.errors == [
        {
            "row": 2,
            "column": "parent_unit_code",
            "value": "",
            "reason": "unit 'OTHER' has no parent_unit_code — write the code of the unit above it, "
            "or (top) if it is at the top of the tree",
        }
    ]
    assert stored_counts() == before

    run = import_as_olga("org", write_file(HEADER + "OTHER,Other Group,company,(top),,,,,,\n"))
    assert (run.status, run.created) == (ImportStatus.SUCCEEDED, 1), run.errors
    assert _paths()["OTHER"] == (_expected_path("OTHER"), 0)


def test_org_import_relisting_a_unit_without_parent_does_not_move_it_to_the_top(
    import_as_olga, write_file
):
    paths = _paths()
    run = import_as_olga("org", write_file(HEADER + "NORTH,North,region,,,,,,,\n"))

    assert (run.status, run.updated) == (ImportStatus.REJECTED, 0)
    assert run.errors[0]["column"] == "parent_unit_code"
    assert "has no parent_unit_code" in run.errors[0]["reason"]
    assert _paths() == paths
    assert not AuditEvent.objects.filter(action="org.unit.moved").exists()


def test_org_import_unit_name_over_200_characters_is_refused_not_truncated(
    import_as_olga, write_file
):
    run = import_as_olga("org", write_file(HEADER + f"WEST,{'W' * 201},region,ACME,,,,,,\n"))

    assert run.status == ImportStatus.REJECTED
    assert (run.errors[0]["column"], run.errors[0]["reason"]) == (
        "unit_name",
        f"'{'W' * 40}…' is longer than 200 characters",
    )
    assert not Unit.objects.filter(code="WEST").exists()


def test_org_import_refuses_a_malformed_email(import_as_olga, write_file):
    header = "unit_code,person_id,person_name,email,valid_from\n"
    run = import_as_olga("org", write_file(header + "NORTH-A,E900,Nia New,a@,2026-01-01\n"))

    assert run.status == ImportStatus.REJECTED
    assert run.errors == [
        {
            "row": 2,
            "column": "email",
            "value": "a@",
            "reason": "'a@' is not an e-mail address, e.g. ria@acme.example",
        }
    ]
    assert not Person.objects.filter(external_id="E900").exists()


def test_org_import_refuses_a_tree_too_deep_to_store_and_writes_nothing(import_as_olga, write_file):
    # A chain of units, each under the one before, until the paths no longer fit.
    rows = [f"D{n},Level {n},team,{f'D{n - 1}' if n else 'ACME'},,,,,,\n" for n in range(400)]
    before = stored_counts()
    run = import_as_olga("org", write_file(HEADER + "".join(rows)))

    assert run.status == ImportStatus.REJECTED
    [error] = run.errors
    assert error["column"] == "parent_unit_code"
    assert "would be too deep there" in error["reason"]
    assert stored_counts() == before
    assert not AuditEvent.objects.filter(action="org.unit.created").exists()


# Dry run: the changes are shown, then written exactly as shown -------------------------

CHANGING = (
    "unit_code,unit_name,unit_kind,parent_unit_code,person_id,person_name,role,valid_from,valid_to\n"
    "WEST,West,region,ACME,,,,,\n"
    "NORTH,North Region,region,SOUTH,,,,,\n"
    "NORTH-A,,,,E004,,member,2025-01-01,2026-03-31\n"
)


def _dry_run(small_org, path):
    return import_file(
        "org", path, file_name=path.name, acting_user=small_org.users["ops_olga"],
        skip_bad_rows=False, via="cli", dry_run=True,
    )  # fmt: skip


def test_org_import_dry_run_lists_creates_moves_renames_and_ends_and_writes_nothing(
    small_org, write_file
):
    before, paths = stored_counts(), _paths()
    audit_before = AuditEvent.objects.exclude(action__startswith="import.").count()
    run = _dry_run(small_org, write_file(CHANGING))

    assert (run.status, run.created, run.updated, run.unchanged) == (
        ImportStatus.PREVIEWED, 1, 2, 0,
    ), run.errors  # fmt: skip
    assert [(c["action"], c["subject"], c["old"], c["new"], c["row"]) for c in run.changes] == [
        ("created", "unit WEST", "", "West (region) under ACME", 2),
        ("moved", "unit NORTH", "under ACME", "under SOUTH", 3),
        ("renamed", "unit NORTH", "North", "North Region", 3),
        (
            "ended",
            "placement of E004 in NORTH-A as member",
            "ends open-ended",
            "ends 2026-03-31",
            4,
        ),
    ]
    assert stored_counts() == before and _paths() == paths
    assert Assignment.objects.get(person__external_id="E004").valid_to is None
    assert AuditEvent.objects.exclude(action__startswith="import.").count() == audit_before
    assert bytes(ImportRun.objects.get(pk=run.pk).previewed_file) == CHANGING.encode()


def test_org_import_preview_written_does_what_it_showed(small_org, write_file):
    preview = _dry_run(small_org, write_file(CHANGING))
    run = write_preview(preview, acting_user=small_org.users["ops_olga"], via="web")

    assert (run.status, run.created, run.updated) == (ImportStatus.SUCCEEDED, 1, 2), run.errors
    assert run.changes == preview.changes
    assert _paths()["NORTH"] == (_expected_path("ACME", "SOUTH", "NORTH"), 2)
    assert Assignment.objects.get(person__external_id="E004").valid_to == dt.date(2026, 3, 31)
    preview.refresh_from_db()
    assert (preview.written_as, preview.previewed_file) == (run, None)
    with pytest.raises(InvalidInput, match="has been written already"):
        write_preview(preview, acting_user=small_org.users["ops_olga"], via="web")


def test_org_import_preview_is_not_written_once_the_organisation_changed(small_org, write_file):
    preview = _dry_run(small_org, write_file(CHANGING))
    move_unit(
        Unit.objects.get(code="NORTH"),
        new_parent=Unit.objects.get(code="SOUTH"),
        acting_user=small_org.users["ops_olga"],
    )
    before = stored_counts()
    run = write_preview(preview, acting_user=small_org.users["ops_olga"], via="web")

    assert run.status == ImportStatus.REJECTED
    assert "has changed since this file was previewed" in run.errors[0]["reason"]
    assert stored_counts() == before and Unit.objects.get(code="NORTH").name == "North"


def test_org_import_dry_run_is_for_organisation_files_only(small_org, write_file):
    with pytest.raises(InvalidInput, match="A dry run is for organisation files"):
        import_file(
            "transactions", write_file("external_id\n"), file_name="t.csv",
            acting_user=small_org.users["ops_olga"], skip_bad_rows=False, via="cli", dry_run=True,
        )  # fmt: skip
