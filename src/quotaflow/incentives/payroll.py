"""The payroll export of a payout run, as CSV or as an Excel workbook.

Both files hold the same rows and columns (:data:`PAYROLL_COLUMNS`, one row per rep, by
name): what payroll pays, the earnings to date and the balance owed, in major units of
the run's currency with that currency's decimals (JPY none, KWD three), and the currency
beside them. In CSV the amounts are plain decimal text ("1500.00"); in the workbook they
are numbers shown with the currency's decimals, and a second sheet, *Run*, names the plan,
the pay period, the run's status and the fingerprint of the inputs it was computed from,
so a file can be matched to the run it came from. Text cells that look like formulas are
written as text (``core.spreadsheet``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell

from quotaflow.core.money import currency_amounts
from quotaflow.core.spreadsheet import neutralise_row
from quotaflow.incentives.models import PayoutRun
from quotaflow.incentives.queries import currency_of

PAYROLL_COLUMNS = [
    "person_external_id",
    "person",
    "plan",
    "period_start",
    "period_end",
    "run_status",
    "payable",
    "currency",
    "earned_to_date",
    "balance_owed",
]
#: The columns holding amounts (major units of the run's currency).
AMOUNT_COLUMNS = ("payable", "earned_to_date", "balance_owed")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAYROLL_SHEET = "Payroll"
RUN_SHEET = "Run"


def payroll_rows(run: PayoutRun, currency: str) -> Iterator[list[Any]]:
    """One row per rep of ``run`` in :data:`PAYROLL_COLUMNS` order, by name; amounts as
    :class:`~decimal.Decimal` major units of ``currency``, dates as ISO text."""
    amounts = currency_amounts(currency)
    statements = (
        run.statements.order_by("person__full_name", "pk")
        .values_list("person__external_id", "person__full_name", "total_minor",
                     "earned_minor", "balance_minor")
    )  # fmt: skip
    for external_id, name, total, earned, balance in statements.iterator(chunk_size=5_000):
        yield [
            external_id,
            name,
            run.plan.name,
            run.period_start.isoformat(),
            run.period_end.isoformat(),
            run.status,
            amounts.to_major(total),
            currency,
            amounts.to_major(earned),
            amounts.to_major(balance),
        ]


def payroll_csv(run: PayoutRun) -> str:
    """The payroll export as CSV text: amounts as plain decimals ("1500.00")."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(PAYROLL_COLUMNS)
    for row in payroll_rows(run, currency_of(run)):
        writer.writerow(
            neutralise_row([f"{value:f}" if isinstance(value, Decimal) else value for value in row])
        )
    return out.getvalue()


def _number_format(decimals: int) -> str:
    return "#,##0" + ("." + "0" * decimals if decimals else "")


def payroll_xlsx(run: PayoutRun) -> bytes:
    """The payroll export as an Excel workbook: the *Payroll* sheet with the CSV's rows
    and columns (amounts as numbers with the currency's decimals), and the *Run* sheet."""
    currency = currency_of(run)
    number_format = _number_format(currency_amounts(currency).decimals)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(PAYROLL_SHEET)
    sheet.freeze_panes = "A2"
    sheet.append(PAYROLL_COLUMNS)
    amount_positions = {PAYROLL_COLUMNS.index(name) for name in AMOUNT_COLUMNS}
    for row in payroll_rows(run, currency):
        cells = neutralise_row(row)
        for position in amount_positions:
            cells[position] = _amount_cell(sheet, row[position], number_format)
        sheet.append(cells)
    about = workbook.create_sheet(RUN_SHEET)
    for label, value in run_header(run, currency):
        about.append(neutralise_row([label, value]))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _amount_cell(sheet: Any, value: Decimal, number_format: str) -> Cell:
    # openpyxl writes a Decimal as the number it is (its stubs list float only).
    cell = WriteOnlyCell(sheet, value=value)  # type: ignore[arg-type]
    cell.number_format = number_format
    return cell


def run_header(run: PayoutRun, currency: str) -> list[tuple[str, str]]:
    """What the workbook's *Run* sheet says about the run, label and value."""
    return [
        ("run", str(run.pk)),
        ("plan", run.plan.name),
        ("period_start", run.period_start.isoformat()),
        ("period_end", run.period_end.isoformat()),
        ("run_status", run.status),
        ("currency", currency),
        ("fingerprint", run.fingerprint),
    ]


def payroll_file_name(run: PayoutRun, extension: str = "csv") -> str:
    return f"payroll-run-{run.pk}-{run.period_start.isoformat()}.{extension}"
