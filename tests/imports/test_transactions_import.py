"""Importing transactions: exact amounts, split credit, idempotency, and every way a file
can be wrong — each with the message a sales-ops person sees and proof nothing was written.

People in the small org: E004 Ria Rep, E005 Rob Rep, E006 Sue Seller (see tests/conftest.py).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from quotaflow.core.models import AuditEvent
from quotaflow.imports.models import ImportStatus
from quotaflow.sales.models import Transaction, TransactionCredit
from tests.imports.conftest import FIXTURES, stored_counts

HEADER = "external_id,date,amount,currency,credited_to\n"


def test_good_file_stores_exact_minor_units_split_credit_and_attributes(import_as_olga, small_org):
    run = import_as_olga("transactions", FIXTURES / "transactions_good.csv")

    assert (run.status, run.total_rows, run.created, run.rejected) == (
        ImportStatus.SUCCEEDED,
        4,
        4,
        0,
    )
    assert run.warnings == ["Extra column kept as free attributes: region_code."]
    split = Transaction.objects.get(external_id="INV-1002")
    assert split.amount_minor == 98050  # "980.5" EUR → 98050 cents, exactly
    assert split.quantity == Decimal(2)
    assert split.attributes == {"region_code": "AT"}
    shares = dict(
        TransactionCredit.objects.filter(transaction=split).values_list(
            "person__external_id", "percent"
        )
    )
    assert shares == {"E004": Decimal(60), "E005": Decimal(40)}
    assert Transaction.objects.get(external_id="INV-1003").amount_minor == -20000  # a credit note
    yen = Transaction.objects.get(external_id="INV-1004")
    assert (yen.amount_minor, yen.currency, yen.is_cancelled) == (
        150000,
        "JPY",
        True,
    )  # JPY has no minor unit
    assert Transaction.objects.get(external_id="INV-1001").date == dt.date(2026, 3, 14)


def test_same_file_twice_changes_nothing_the_second_time(import_as_olga):
    first = import_as_olga("transactions", FIXTURES / "transactions_good.csv")
    before = stored_counts()
    second = import_as_olga("transactions", FIXTURES / "transactions_good.csv")

    assert (first.created, first.updated, first.unchanged) == (4, 0, 0)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 4)
    assert stored_counts() == before
    assert (
        sum(Transaction.objects.values_list("amount_minor", flat=True))
        == 125000 + 98050 - 20000 + 150000
    )


def test_changed_row_is_updated_in_place_with_its_credits_replaced(import_as_olga, write_file):
    import_as_olga(
        "transactions",
        write_file(HEADER + "T-1,2026-03-14,100.00,EUR,E004\nT-2,2026-03-14,5.00,EUR,E005\n"),
    )
    run = import_as_olga(
        "transactions",
        write_file(
            HEADER + "T-1,2026-03-14,150.00,EUR,E004:50;E006:50\nT-2,2026-03-14,5.00,EUR,E005\n"
        ),
    )

    assert (run.created, run.updated, run.unchanged) == (0, 1, 1)
    changed = Transaction.objects.get(external_id="T-1")
    assert changed.amount_minor == 15000
    assert sorted(changed.credits.values_list("person__external_id", flat=True)) == ["E004", "E006"]
    assert Transaction.objects.count() == 2


def test_source_column_separates_idempotency_namespaces(import_as_olga, write_file):
    text = "external_id,date,amount,currency,credited_to,source\nX-1,2026-01-05,1.00,EUR,E004,crm\nX-1,2026-01-05,1.00,EUR,E004,erp\n"
    run = import_as_olga("transactions", write_file(text))

    assert run.created == 2
    assert sorted(Transaction.objects.values_list("source", flat=True)) == ["crm", "erp"]


BAD_ROWS = [
    pytest.param(
        'T-1,2026-03-14,"12,5O",EUR,E004',
        "amount",
        "'12,5O' is not a number — use digits with an optional decimal point, e.g. 1250.00",
        id="amount-not-a-number",
    ),
    pytest.param(
        "T-1,2026-03-14,1.25E+3,EUR,E004",
        "amount",
        "'1.25E+3' is not a number — use digits with an optional decimal point, e.g. 1250.00",
        id="scientific-notation",
    ),
    pytest.param(
        'T-1,2026-03-14,"1,250.00",EUR,E004',
        "amount",
        "'1,250.00' is not a number — use digits with an optional decimal point, e.g. 1250.00",
        id="thousands-separator",
    ),
    pytest.param(
        "T-1,2026-03-14,12.345,EUR,E004",
        "amount",
        "The amount '12.345' has more than 2 decimals, the most EUR has.",
        id="too-many-decimals",
    ),
    pytest.param(
        "T-1,2026-03-14,1000.5,JPY,E004",
        "amount",
        "The amount '1000.5' must be a whole number (JPY has no decimals).",
        id="yen-decimals",
    ),
    pytest.param(
        "T-1,2026-03-14,,EUR,E004",
        "amount",
        "the amount is empty — write the amount in the currency's units, e.g. 1250.00",
        id="amount-empty",
    ),
    pytest.param(
        "T-1,14/03/2026,10.00,EUR,E004",
        "date",
        "'14/03/2026' is not a date in the form YYYY-MM-DD — write e.g. 2026-03-14",
        id="date-not-iso",
    ),
    pytest.param(
        "T-1,2026-02-30,10.00,EUR,E004",
        "date",
        "'2026-02-30' is not a real calendar date — write YYYY-MM-DD, e.g. 2026-03-14",
        id="date-impossible",
    ),
    pytest.param(
        "T-1,2026-03-14,10.00,EURO,E004",
        "currency",
        "'EURO' is not a known currency code — use a three-letter ISO 4217 code such as EUR or USD",
        id="currency-unknown",
    ),
    pytest.param(
        "T-1,2026-03-14,10.00,EUR,E099",
        "credited_to",
        "person 'E099' is not in the organisation — check the id, or import the person with an organisation file first",
        id="person-unknown",
    ),
    pytest.param(
        "T-1,2026-03-14,10.00,EUR,E004:70;E005:20",
        "credited_to",
        "the shares in 'E004:70;E005:20' add up to 90%, not 100%",
        id="split-not-100",
    ),
    pytest.param(
        "T-1,2026-03-14,10.00,EUR,E004:50;E004:50",
        "credited_to",
        "E004 appears more than once in 'E004:50;E004:50' — give each person one share",
        id="split-same-person",
    ),
    pytest.param(
        "T-1,2026-03-14,10.00,EUR,E004;E005",
        "credited_to",
        "'E004' in 'E004;E005' needs a person id and a percentage, e.g. E001:60;E002:40",
        id="split-without-percent",
    ),
    pytest.param(
        "T-1,2026-03-14,10.00,EUR,",
        "credited_to",
        "no one is credited — write a person id such as E001, or a split such as E001:60;E002:40",
        id="no-credit",
    ),
    pytest.param(
        ",2026-03-14,10.00,EUR,E004",
        "external_id",
        "the external_id is empty — every transaction needs the id it has in your CRM or ERP",
        id="no-external-id",
    ),
]


@pytest.mark.parametrize(("bad_row", "column", "reason"), BAD_ROWS)
def test_a_bad_row_rejects_the_whole_file_with_a_clear_message(
    import_as_olga, write_file, bad_row, column, reason
):
    before = stored_counts()
    # The good row comes first (row 2) so that only the bad row (row 3) is reported.
    run = import_as_olga(
        "transactions", write_file(HEADER + "T-0,2026-03-14,10.00,EUR,E005\n" + bad_row + "\n")
    )

    assert run.status == ImportStatus.REJECTED
    assert run.errors == [
        {"row": 3, "column": column, "value": run.errors[0]["value"], "reason": reason}
    ]
    assert (run.total_rows, run.rejected, run.created) == (2, 1, 0)
    assert stored_counts() == before


def test_message_reads_with_row_and_column_as_the_user_sees_them(import_as_olga, write_file):
    lines = [f"T-{n},2026-03-14,10.00,EUR,E004" for n in range(12)] + [
        'T-99,2026-03-14,"12,5O",EUR,E004'
    ]
    run = import_as_olga("transactions", write_file(HEADER + "\n".join(lines) + "\n"))

    from quotaflow.imports.checking import RowError

    assert RowError(**run.errors[0]).as_text() == (
        "Row 14, column 'amount': '12,5O' is not a number — use digits with an optional decimal point, e.g. 1250.00"
    )


def test_duplicate_external_ids_name_both_rows(import_as_olga, write_file):
    before = stored_counts()
    text = (
        HEADER
        + "T-1,2026-03-14,1.00,EUR,E004\nT-2,2026-03-14,2.00,EUR,E004\nT-1,2026-03-15,3.00,EUR,E005\n"
    )
    run = import_as_olga("transactions", write_file(text))

    assert run.errors == [
        {
            "row": 4,
            "column": "external_id",
            "value": "T-1",
            "reason": "'T-1' is also on row 2 — each transaction may appear only once per file",
        }
    ]
    assert stored_counts() == before


def test_every_problem_of_a_row_is_reported(import_as_olga, write_file):
    run = import_as_olga("transactions", write_file(HEADER + "T-1,yesterday,ten,XXX,E099\n"))

    assert [error["column"] for error in run.errors] == [
        "date",
        "currency",
        "amount",
        "credited_to",
    ]
    assert run.rejected == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            "",
            "The file is empty: it has no header row and no data. Upload a file whose first row names the columns.",
            id="empty",
        ),
        pytest.param(
            "\n\n",
            "The file is empty: it has no header row and no data. Upload a file whose first row names the columns.",
            id="blank-lines",
        ),
        pytest.param(
            HEADER,
            "The file has a header row but no data rows. Add at least one row under the header.",
            id="header-only",
        ),
        pytest.param(
            "external_id,day,value,currency\nT-1,2026-03-14,10,EUR\n",
            "The file is missing required columns: date, amount, credited_to. Columns found: external_id, day, value, currency. "
            "Every transactions file needs: external_id, date, amount, currency, credited_to.",
            id="missing-columns",
        ),
        pytest.param(
            "external_id,date,date,amount,currency,credited_to\n",
            "The header names these columns more than once: date. Keep one of each.",
            id="repeated-column",
        ),
    ],
)
def test_file_level_problems_reject_the_file_with_one_message(
    import_as_olga, write_file, text, message
):
    before = stored_counts()
    run = import_as_olga("transactions", write_file(text))

    assert run.status == ImportStatus.REJECTED
    assert run.errors == [{"row": None, "column": "", "value": "", "reason": message}]
    assert stored_counts() == before


def test_undecodable_file_gets_one_clear_message(import_as_olga, write_file):
    path = write_file("")
    path.write_bytes(bytes(range(256)) * 40)
    run = import_as_olga("transactions", path)

    assert run.errors[0]["reason"] == (
        "The file could not be read as text. Save it as CSV (UTF-8 is best) or as an Excel workbook (.xlsx) and upload it again."
    )
    assert Transaction.objects.count() == 0


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1"])
def test_common_encodings_are_detected(import_as_olga, write_file, encoding):
    text = HEADER.replace("\n", ",product\n") + "".join(
        f"T-{n},2026-03-14,10.00,EUR,E004,Crème brûlée à la française {n}\n" for n in range(30)
    )
    run = import_as_olga("transactions", write_file(text, encoding=encoding))

    assert run.status == ImportStatus.SUCCEEDED, run.errors
    assert Transaction.objects.get(external_id="T-7").product == "Crème brûlée à la française 7"


def test_column_names_match_ignoring_case_and_spaces_and_semicolons_work(
    import_as_olga, write_file
):
    text = " External_ID ;DATE; Amount ;Currency;Credited_To\nT-1;2026-03-14;10.00;EUR;E004\n"
    run = import_as_olga("transactions", write_file(text))

    assert run.status == ImportStatus.SUCCEEDED, run.errors
    assert Transaction.objects.get().amount_minor == 1000


def test_skip_bad_rows_writes_good_rows_and_keeps_the_bad_ones_downloadable(import_as_olga):
    run = import_as_olga("transactions", FIXTURES / "transactions_bad.csv", skip_bad_rows=True)

    assert (run.status, run.total_rows, run.created, run.rejected) == (
        ImportStatus.PARTIAL,
        5,
        1,
        4,
    )
    assert list(Transaction.objects.values_list("external_id", flat=True)) == ["INV-2001"]
    rejected = list(csv.DictReader(io.StringIO(run.rejected_csv)))
    assert [row["external_id"] for row in rejected] == [
        "INV-2002",
        "INV-2003",
        "INV-2004",
        "INV-2005",
    ]
    assert list(rejected[1]) == [
        "external_id",
        "date",
        "amount",
        "currency",
        "credited_to",
        "product",
        "reason",
    ]
    assert rejected[1]["amount"] == "12,5O"
    assert rejected[1]["reason"] == (
        "Row 4, column 'amount': '12,5O' is not a number — use digits with an optional decimal point, e.g. 1250.00"
    )


def test_without_skip_bad_rows_the_same_file_writes_nothing(import_as_olga):
    run = import_as_olga("transactions", FIXTURES / "transactions_bad.csv")

    assert (run.status, run.created, run.rejected) == (ImportStatus.REJECTED, 0, 4)
    assert Transaction.objects.count() == 0
    assert run.rejected_csv.count("\n") == 5  # header + the four bad rows, for fixing offline


def test_xlsx_file_is_imported_like_csv(import_as_olga, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["External_ID", "date", "amount", "currency", "credited_to", "quantity", "Region"])
    # Excel stores dates as naive date-times; that is what openpyxl hands back.
    sheet.append(["X-1", dt.datetime(2026, 3, 14), 1250.5, "EUR", "E004", 2, "DE"])  # noqa: DTZ001
    sheet.append(["X-2", "2026-03-15", 99, "EUR", "E005:60;E006:40", None, None])
    path = tmp_path / "deals.xlsx"
    workbook.save(path)

    run = import_as_olga("transactions", path)
    again = import_as_olga("transactions", path)

    assert (run.status, run.created) == (ImportStatus.SUCCEEDED, 2), run.errors
    assert again.unchanged == 2
    first = Transaction.objects.get(external_id="X-1")
    assert (first.amount_minor, first.date, first.quantity, first.attributes) == (
        125050,
        dt.date(2026, 3, 14),
        Decimal(2),
        {"region": "DE"},
    )
    assert Transaction.objects.get(external_id="X-2").amount_minor == 9900


def test_xlsx_errors_carry_spreadsheet_row_numbers(import_as_olga, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["external_id", "date", "amount", "currency", "credited_to"])
    sheet.append(["X-1", "2026-03-14", 10, "EUR", "E004"])
    sheet.append(["X-2", "March 3rd", 10, "EUR", "E004"])
    path = tmp_path / "deals.xlsx"
    workbook.save(path)

    run = import_as_olga("transactions", path)

    assert run.errors[0]["row"] == 3 and run.errors[0]["column"] == "date"
    assert Transaction.objects.count() == 0


def test_each_run_is_one_audit_event_with_its_counts(import_as_olga, small_org):
    run = import_as_olga("transactions", FIXTURES / "transactions_good.csv")

    event = AuditEvent.objects.get(action="import.transactions")
    assert event.actor == small_org.users["ops_olga"]
    assert event.object_id == str(run.pk)
    assert event.changes["created"] == 4 and event.changes["rejected"] == 0


def test_imported_transactions_are_credited_like_ingested_ones(
    import_as_olga, write_file, small_org
):
    from quotaflow.metrics.models import Metric
    from quotaflow.performance.models import Credit

    Metric.objects.create(code="revenue", name="Revenue")  # sum of amount over transactions
    import_as_olga(
        "transactions", write_file(HEADER + "T-1,2026-03-14,100.00,EUR,E004:60;E005:40\n")
    )

    credits = dict(Credit.objects.values_list("person__external_id", "value"))
    assert credits == {"E004": 6000, "E005": 4000}
    # Re-importing an identical file leaves the credits alone.
    import_as_olga(
        "transactions", write_file(HEADER + "T-1,2026-03-14,100.00,EUR,E004:60;E005:40\n")
    )
    assert Credit.objects.count() == 2
