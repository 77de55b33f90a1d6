"""run_import, the command-line glue: exit codes, summary, errors and the rejected-rows file."""

from __future__ import annotations

import csv
import io
import shutil

from quotaflow.imports.cli import run_import
from quotaflow.imports.models import ImportRun
from quotaflow.sales.models import Transaction
from tests.imports.conftest import FIXTURES


def _run(path, *, skip_bad_rows: bool = False) -> tuple[int, str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    code = run_import(
        "transactions", str(path), skip_bad_rows=skip_bad_rows, stdout=stdout, stderr=stderr
    )
    return code, stdout.getvalue(), stderr.getvalue()


def test_good_file_exits_0_with_a_summary(small_org, tmp_path):
    path = shutil.copy(FIXTURES / "transactions_good.csv", tmp_path / "deals.csv")
    code, out, err = _run(path)

    assert code == 0
    assert "Transactions import of deals.csv: Imported" in out
    assert "4 rows: 4 created, 0 updated, 0 unchanged, 0 rejected" in out
    assert "Note: Extra column kept as free attributes: region_code." in out
    assert not (tmp_path / "deals.rejected.csv").exists()
    run = ImportRun.objects.get()
    assert (run.via, run.started_by) == ("cli", small_org.users["admin_ada"])  # the first superuser


def test_bad_file_exits_1_lists_errors_and_writes_the_rejected_rows_next_to_it(small_org, tmp_path):
    path = shutil.copy(FIXTURES / "transactions_bad.csv", tmp_path / "deals.csv")
    code, out, err = _run(path)

    assert code == 1
    assert Transaction.objects.count() == 0
    assert (
        "row 3, column date: '14/03/2026' is not a date in the form YYYY-MM-DD — write e.g. 2026-03-14"
        in err
    )
    assert "row 4, column amount: '12,5O' is not a number" in err
    rejected = tmp_path / "deals.rejected.csv"
    assert f"Rejected rows with their reasons: {rejected}" in out
    rows = list(csv.DictReader(io.StringIO(rejected.read_text(encoding="utf-8"))))
    assert [row["external_id"] for row in rows] == ["INV-2002", "INV-2003", "INV-2004", "INV-2005"]


def test_skip_bad_rows_exits_0_and_still_writes_the_rejected_rows(small_org, tmp_path):
    path = shutil.copy(FIXTURES / "transactions_bad.csv", tmp_path / "deals.csv")
    code, out, _ = _run(path, skip_bad_rows=True)

    assert code == 0
    assert "5 rows: 1 created, 0 updated, 0 unchanged, 4 rejected" in out
    assert (tmp_path / "deals.rejected.csv").exists()


def test_only_the_first_50_errors_are_printed(small_org, tmp_path):
    path = tmp_path / "many.csv"
    path.write_text(
        "external_id,date,amount,currency,credited_to\n"
        + "".join(f"T-{n},bad,1.00,EUR,E004\n" for n in range(80))
    )
    code, _, err = _run(path)

    assert code == 1
    assert err.count("column date") == 50
    assert "… and more: see the rejected-rows file for every bad row." in err


def test_missing_file_and_file_level_problem(small_org, tmp_path):
    code, _, err = _run(tmp_path / "nope.csv")
    assert (code, err.strip()) == (1, f"No such file: {tmp_path / 'nope.csv'}")

    empty = tmp_path / "empty.csv"
    empty.write_text("")
    code, _, err = _run(empty)
    assert code == 1
    assert "The file is empty" in err


def test_unknown_kind_is_refused_with_a_message(small_org, tmp_path):
    stdout, stderr = io.StringIO(), io.StringIO()
    code = run_import(
        "customers",
        str(FIXTURES / "transactions_good.csv"),
        skip_bad_rows=False,
        stdout=stdout,
        stderr=stderr,
    )

    assert code == 1
    assert (
        "'customers' is not an import kind — use org, units, people, placements, transactions, "
        "activities or rates." in stderr.getvalue()
    )
