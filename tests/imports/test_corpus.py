"""The bad-input corpus (tests/imports/corpus/cases.py), every file imported as ops_olga.

For every case: the run is stored; no rejected-rows cell could start a spreadsheet
formula; every error has a reason. An accepted file stores exactly the rows the case
says (so every encoding and delimiter means the same as plain UTF-8). A rejected file
names exactly the rows the case lists, with the expected columns and words, and changes
nothing at all.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from quotaflow.core.spreadsheet import is_formula_like
from quotaflow.imports import reading
from quotaflow.imports.models import ImportRun, ImportStatus
from quotaflow.org.models import Assignment, Person, Unit
from quotaflow.sales.models import Activity, Transaction
from tests.imports.conftest import stored_counts
from tests.imports.corpus.cases import Case, all_cases

CASES = all_cases()


def stored_meaning(kind: str) -> set[tuple[object, ...]]:
    """What is stored, in the terms the corpus states its expectations in."""
    if kind == "transactions":
        return {
            (external_id, day.isoformat(), amount, currency, product)
            for external_id, day, amount, currency, product in Transaction.objects.values_list(
                "external_id", "date", "amount_minor", "currency", "product"
            )
        }
    if kind == "activities":
        return {
            (external_id, day.isoformat(), person, kind_, quantity, account)
            for external_id, day, person, kind_, quantity, account in Activity.objects.values_list(
                "external_id", "date", "person__external_id", "activity_type", "quantity", "account"
            )
        }
    units = {
        ("unit", code, name, parent or "")
        for code, name, parent in Unit.objects.values_list("code", "name", "parent__code")
    }
    people = {
        ("person", *row) for row in Person.objects.values_list("external_id", "full_name", "email")
    }
    placements = {
        ("placement", person, unit, role, start.isoformat(), end.isoformat() if end else None)
        for person, unit, role, start, end in Assignment.objects.values_list(
            "person__external_id", "unit__code", "role", "valid_from", "valid_to"
        )
    }
    return units | people | placements


def _import(
    run_import: Callable[..., ImportRun], kind: str, content: bytes, path: Path
) -> ImportRun:
    path.write_bytes(content)
    return run_import(kind, path)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_corpus_file(
    case: Case, import_as_olga: Callable[..., ImportRun], tmp_path: Path, monkeypatch: Any
) -> None:
    for name, value in case.limits:
        monkeypatch.setattr(reading, name, value)
    baseline = stored_meaning(case.kind)
    for number, (kind, content) in enumerate(case.before):
        earlier = _import(import_as_olga, kind, content, tmp_path / f"before-{number}.csv")
        assert earlier.status == ImportStatus.SUCCEEDED, earlier.errors
    before_counts, before_meaning = stored_counts(), stored_meaning(case.kind)

    run = _import(import_as_olga, case.kind, case.content, tmp_path / f"{case.name}{case.suffix}")

    assert ImportRun.objects.filter(pk=run.pk, status=run.status).exists()
    assert all(error["reason"] for error in run.errors)
    rejected_cells = [cell for row in csv.reader(io.StringIO(run.rejected_csv)) for cell in row]
    assert not [cell for cell in rejected_cells if is_formula_like(cell)]
    if case.accepted:
        assert run.status == ImportStatus.SUCCEEDED, run.errors
        assert stored_meaning(case.kind) - baseline == case.stored
        assert len(run.warnings) == case.warnings, run.warnings
        return
    assert run.status == ImportStatus.REJECTED
    reported = {(error["row"], error["column"]): error["reason"] for error in run.errors}
    assert {row for row, _ in reported} == {expected.row for expected in case.errors}, run.errors
    for expected in case.errors:
        assert (expected.row, expected.column) in reported, run.errors
        assert expected.fragment in reported[expected.row, expected.column], run.errors
    for fragment in case.rejected_contains:
        assert fragment in rejected_cells
    assert stored_counts() == before_counts
    assert stored_meaning(case.kind) == before_meaning
