"""Importing the organisation: units in any order, materialised paths kept right (also when
a whole subtree moves), effective-dated placements, and every refusal with its message.

The small org already holds ACME → NORTH → NORTH-A and ACME → SOUTH → SOUTH-A, with
Ria Rep (E004) a member of NORTH-A from 2025-01-01 (see tests/conftest.py).
"""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from quotaflow.core.models import AuditEvent
from quotaflow.imports.models import ImportStatus
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
