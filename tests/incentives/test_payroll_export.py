"""The payroll export as an Excel workbook holds exactly the CSV's rows and columns, with
amounts as numbers in the currency's decimals, and a sheet naming the run it came from."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.test import Client
from openpyxl import load_workbook

from quotaflow.core.money import currency_amounts
from quotaflow.incentives.actions import approve_run, lock_run, preview_run
from quotaflow.incentives.payroll import AMOUNT_COLUMNS, PAYROLL_COLUMNS, _number_format
from tests.incentives.conftest import JANUARY, Book, Setup

pytestmark = pytest.mark.django_db
API = "/api/v1/incentives"
FORMULA_NAME = '=HYPERLINK("http://evil.example","Pay me")'


def _download(setup: Setup, who: str, run_id: int, extension: str) -> bytes:
    client = Client()
    client.force_login(setup.user(who))
    answer = client.get(f"{API}/runs/{run_id}/payroll.{extension}")
    assert answer.status_code == 200, answer.content
    return answer.content


def test_the_workbook_holds_the_csv_rows_with_amounts_as_numbers_and_the_run_sheet(
    setup: Setup, book: Book
) -> None:
    book("D-1", dt.date(2027, 1, 10), 60_000_00)
    book("D-2", dt.date(2027, 1, 12), 10_000_03, who="rob")
    rob = setup.person("rob")
    rob.full_name = FORMULA_NAME
    rob.save(update_fields=["full_name"])
    fay = setup.user("finance_fay")
    run = preview_run(setup.plan, acting_user=fay, period_start=JANUARY[0], period_end=JANUARY[1])
    run = approve_run(run, acting_user=fay, expected_version=run.version)
    run = lock_run(run, acting_user=fay, expected_version=run.version)

    rows = list(csv.reader(io.StringIO(_download(setup, "finance_fay", run.pk, "csv").decode())))
    workbook = load_workbook(io.BytesIO(_download(setup, "ops_olga", run.pk, "xlsx")))
    assert workbook.sheetnames == ["Payroll", "Run"]
    payroll = [list(row) for row in workbook["Payroll"].iter_rows()]

    assert [cell.value for cell in payroll[0]] == rows[0] == PAYROLL_COLUMNS
    assert len(payroll) == len(rows) == 3
    amounts = {PAYROLL_COLUMNS.index(name) for name in AMOUNT_COLUMNS}
    for cells, values in zip(payroll[1:], rows[1:], strict=True):
        for position, (cell, value) in enumerate(zip(cells, values, strict=True)):
            if position in amounts:
                assert cell.data_type == "n" and cell.number_format == "#,##0.00"
                assert Decimal(str(cell.value)).quantize(Decimal("0.01")) == Decimal(value)
            else:
                assert cell.data_type == "s" and cell.value == value
    by_name = {row[1]: row for row in rows[1:]}
    assert by_name["Ria Rep"][6:8] == ["1500.00", "EUR"]
    # Rob sold 10,000.03: 2% of it is 200.0006, rounded once to 200.00.
    assert by_name["'" + FORMULA_NAME][6] == "200.00"
    assert by_name["'" + FORMULA_NAME][5] == "locked"

    about = {label: value for label, value in workbook["Run"].iter_rows(values_only=True)}
    assert about == {
        "run": str(run.pk),
        "plan": "AE plan",
        "period_start": "2027-01-01",
        "period_end": "2027-01-31",
        "run_status": "locked",
        "currency": "EUR",
        "fingerprint": run.fingerprint,
    }


def test_amounts_show_each_currencys_decimals() -> None:
    assert [_number_format(currency_amounts(code).decimals) for code in ("JPY", "EUR", "KWD")] == [
        "#,##0",
        "#,##0.00",
        "#,##0.000",
    ]


def test_a_rep_cannot_download_the_workbook(setup: Setup, book: Book) -> None:
    book("D-1", dt.date(2027, 1, 10), 60_000_00)
    run = preview_run(
        setup.plan,
        acting_user=setup.user("finance_fay"),
        period_start=JANUARY[0],
        period_end=JANUARY[1],
    )
    client = Client()
    client.force_login(setup.user("rep_ria"))
    assert client.get(f"{API}/runs/{run.pk}/payroll.xlsx").status_code == 403
