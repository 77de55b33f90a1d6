"""Files that used to break the importer: each now gets a clear error naming the row (or
is read correctly), answers in words on every path (action, upload page, API, command
line) and writes nothing.

People in the small org: E004 Ria Rep, E005 Rob Rep (see tests/conftest.py).
"""

from __future__ import annotations

import io

import pytest
from django.test import Client
from openpyxl import Workbook

from quotaflow import cli
from quotaflow.imports.models import ImportRun, ImportStatus
from quotaflow.metrics.models import Metric
from quotaflow.org.models import Person
from quotaflow.sales.models import Transaction
from tests.imports.conftest import stored_counts

HEADER = "external_id,date,amount,currency,credited_to\n"
TEN_MB_FIELD = "x" * (10 * 1024 * 1024)
INT64_MAX = 2**63 - 1


def _huge_field_file() -> str:
    return HEADER + "T-1,2026-03-14,10.00,EUR,E004\n" + f"T-2,2026-03-14,10.00,EUR,{TEN_MB_FIELD}\n"


def test_unbalanced_quote_is_an_error_on_its_row_instead_of_swallowing_the_next_row(
    import_as_olga, write_file
):
    before = stored_counts()
    run = import_as_olga(
        "transactions",
        write_file(
            HEADER
            + "T-1,2026-03-14,10.00,EUR,E004\n"
            + 'T-2,"2026-03-14,20.00,EUR,E004\n'
            + "T-3,2026-03-14,30.00,EUR,E005\n"
        ),
    )

    assert run.status == ImportStatus.REJECTED
    assert [(error["row"], error["column"]) for error in run.errors] == [(3, "")]
    assert 'a quote (") opened in it is never closed' in run.errors[0]["reason"]
    assert stored_counts() == before


def test_quote_closed_rows_later_is_refused_on_the_row_that_swallowed_the_next(
    import_as_olga, write_file
):
    run = import_as_olga(
        "transactions",
        write_file(
            HEADER
            + 'T-1,2026-03-14,10.00,EUR,"E004\n'
            + 'T-2,2026-03-14,20.00,EUR,E005"\n'
            + "T-3,2026-03-14,30.00,EUR,E005\n"
        ),
    )

    assert run.status == ImportStatus.REJECTED
    assert (run.errors[0]["row"], run.errors[0]["column"]) == (2, "credited_to")
    assert "line break" in run.errors[0]["reason"]
    assert Transaction.objects.count() == 0


def test_ten_megabyte_field_is_a_row_error_not_a_closed_file_error(import_as_olga, write_file):
    before = stored_counts()
    run = import_as_olga("transactions", write_file(_huge_field_file()))

    assert run.status == ImportStatus.REJECTED
    assert run.errors[0]["row"] == 3
    assert "a cell of more than 131,072 characters" in run.errors[0]["reason"]
    assert stored_counts() == before


def test_ten_megabyte_field_on_the_upload_page_is_a_clear_error_not_a_500(small_org):
    client = Client()
    client.force_login(small_org.users["ops_olga"])
    upload = io.BytesIO(_huge_field_file().encode())
    upload.name = "deals.csv"

    response = client.post("/imports/", {"kind": "transactions", "file": upload}, follow=True)

    assert response.status_code == 200
    assert "a cell of more than 131,072 characters" in response.content.decode()
    assert Transaction.objects.count() == 0


def test_ten_megabyte_field_through_the_api_is_a_422_in_words(small_org):
    client = Client()
    client.force_login(small_org.users["ops_olga"])
    upload = io.BytesIO(_huge_field_file().encode())
    upload.name = "deals.csv"

    response = client.post("/api/v1/imports/transactions", {"file": upload})

    assert response.status_code == 422
    assert "a cell of more than 131,072 characters" in response.json()["errors"][0]["reason"]


def test_ten_megabyte_field_on_the_command_line_exits_1_without_a_traceback(
    small_org, tmp_path, capsys
):
    path = tmp_path / "deals.csv"
    path.write_text(_huge_field_file(), encoding="utf-8")

    code = cli.main(["import", "transactions", str(path)])

    out, err = capsys.readouterr()
    assert code == 1
    assert "Traceback" not in out + err
    assert "row 3: this row has a cell of more than 131,072 characters" in err
    assert Transaction.objects.count() == 0


def test_two_rows_at_the_int64_maximum_are_refused_not_a_server_error(import_as_olga, write_file):
    Metric.objects.create(code="revenue", name="Revenue")  # so that credits and totals are kept
    largest = f"{INT64_MAX // 100}.{INT64_MAX % 100:02d}"  # 92233720368547758.07 EUR
    before = stored_counts()

    run = import_as_olga(
        "transactions",
        write_file(
            HEADER + f"T-1,2026-03-14,{largest},EUR,E004\nT-2,2026-03-14,{largest},EUR,E004\n"
        ),
    )

    assert run.status == ImportStatus.REJECTED
    assert [(error["row"], error["column"]) for error in run.errors] == [
        (2, "amount"),
        (3, "amount"),
    ]
    assert "one row may carry at most 10,000,000,000.00 EUR" in run.errors[0]["reason"]
    assert stored_counts() == before


def test_largest_allowed_amounts_twice_are_stored_and_totalled_exactly(import_as_olga, write_file):
    Metric.objects.create(code="revenue", name="Revenue")
    run = import_as_olga(
        "transactions",
        write_file(
            HEADER
            + "T-1,2026-03-14,10000000000.00,EUR,E004\nT-2,2026-03-14,-10000000000.00,EUR,E004\n"
        ),
    )

    assert run.status == ImportStatus.SUCCEEDED, run.errors
    assert sorted(Transaction.objects.values_list("amount_minor", flat=True)) == [-(10**12), 10**12]


@pytest.mark.parametrize("amount", ["1e30", "1E+30", "1000000000000000000000000000000"])
def test_amount_of_1e30_in_csv_is_refused_in_words(import_as_olga, write_file, amount):
    run = import_as_olga("transactions", write_file(HEADER + f"T-1,2026-03-14,{amount},EUR,E004\n"))

    assert run.status == ImportStatus.REJECTED
    assert (run.errors[0]["row"], run.errors[0]["column"]) == (2, "amount")
    assert Transaction.objects.count() == 0


def test_amount_of_1e30_in_xlsx_is_refused_in_words(import_as_olga, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["external_id", "date", "amount", "currency", "credited_to", "quantity"])
    sheet.append(["X-1", "2026-03-14", 1e30, "EUR", "E004", 1e30])
    path = tmp_path / "deals.xlsx"
    workbook.save(path)

    run = import_as_olga("transactions", path)

    assert run.status == ImportStatus.REJECTED
    assert [error["column"] for error in run.errors] == ["amount", "quantity"]
    assert Transaction.objects.count() == 0


@pytest.mark.parametrize("encoding", ["utf-32", "utf-32-le", "utf-32-be"])
def test_utf32_file_is_read_like_utf8(import_as_olga, write_file, encoding):
    text = HEADER.replace("\n", ",product\n") + "T-1,2026-03-14,10.50,EUR,E004,Crème brûlée\n"
    if encoding != "utf-32":
        text = "\ufeff" + text  # the byte-order mark that says which UTF-32

    run = import_as_olga("transactions", write_file(text, encoding=encoding))

    assert run.status == ImportStatus.SUCCEEDED, run.errors
    assert Transaction.objects.get().product == "Crème brûlée"
    assert Transaction.objects.get().amount_minor == 1050


def test_nul_characters_are_refused_on_their_row_and_the_run_is_stored(import_as_olga, write_file):
    run = import_as_olga("transactions", write_file(HEADER + "T-1,2026-03-14,10.00,EUR,E0\x0004\n"))

    assert run.status == ImportStatus.REJECTED
    assert (run.errors[0]["row"], run.errors[0]["column"]) == (2, "credited_to")
    assert "U+0000" in run.errors[0]["reason"]
    assert ImportRun.objects.get(pk=run.pk).rejected_csv  # stored, on PostgreSQL too


def test_300_character_email_is_refused_on_its_row_not_a_server_error(import_as_olga, write_file):
    email = "a" * 288 + "@example.com"
    before = stored_counts()

    run = import_as_olga(
        "org",
        write_file(
            "unit_code,person_id,person_name,email,valid_from\n"
            f"NORTH-A,E099,Ed Example,{email},2026-01-01\n"
        ),
    )

    assert run.status == ImportStatus.REJECTED
    assert [(error["row"], error["column"]) for error in run.errors] == [(2, "email")]
    assert "longer than 254 characters" in run.errors[0]["reason"]
    assert stored_counts() == before
    assert not Person.objects.filter(external_id="E099").exists()


def test_long_unit_names_are_refused_rather_than_cut_short(import_as_olga, write_file):
    run = import_as_olga(
        "org", write_file(f"unit_code,unit_name,parent_unit_code\nWEST,{'W' * 201},ACME\n")
    )

    assert run.status == ImportStatus.REJECTED
    assert (run.errors[0]["row"], run.errors[0]["column"]) == (2, "unit_name")
