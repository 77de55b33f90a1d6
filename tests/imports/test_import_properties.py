"""Properties of reading and writing import files, over arbitrary cell text and amounts.

Whatever a cell holds, an import either stores exactly what the cell says or refuses the
row, naming row and column, and writes nothing; it never fails with an exception. The
rejected-rows file never holds a cell a spreadsheet would run as a formula, and read back
it gives the original cells.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quotaflow.core.spreadsheet import is_formula_like, neutralise_cell, restore_cell
from quotaflow.imports.fields import MAX_AMOUNT_MINOR
from quotaflow.imports.models import ImportStatus
from quotaflow.imports.reading import cell_problem
from quotaflow.sales.models import Transaction
from tests.imports.conftest import stored_counts

HEADER = ["external_id", "date", "amount", "currency", "credited_to", "product"]
PROPERTY_SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
cell_text = st.text(
    alphabet=st.one_of(
        st.sampled_from(list("=+-@'\" ,;\t\r\n\x00\x1b") + ["\u00a0", "é", "€", "１"]),
        st.characters(codec="utf-8"),
    ),
    max_size=40,
)


def _csv(rows: list[list[str]]) -> bytes:
    # The default line end "\r\n" makes the writer quote every cell holding \r or \n;
    # unquoted, a bare \r is a line end to the reader, as it is to spreadsheets.
    buffer = io.StringIO()
    csv.writer(buffer).writerows([HEADER, *rows])
    return buffer.getvalue().encode("utf-8", errors="surrogatepass")


def _import(import_as_olga: Any, tmp_path: Path, content: bytes) -> Any:
    path = tmp_path / "property.csv"
    path.write_bytes(content)
    return import_as_olga("transactions", path)


@PROPERTY_SETTINGS
@given(product=cell_text)
def test_any_product_text_is_stored_as_written_or_refused_on_its_cell(
    import_as_olga: Any, tmp_path: Path, product: str
) -> None:
    with transaction.atomic():
        before = stored_counts()
        run = _import(
            import_as_olga, tmp_path, _csv([["T-1", "2026-03-14", "1.00", "EUR", "E004", product]])
        )
        expected = restore_cell(product.strip())
        refused = cell_problem(product.strip()) is not None or len(expected) > 120
        if refused:
            assert run.status == ImportStatus.REJECTED
            assert [(error["row"], error["column"]) for error in run.errors] == [(2, "product")]
            assert stored_counts() == before
        else:
            assert run.status == ImportStatus.SUCCEEDED, run.errors
            assert Transaction.objects.get().product == expected
        transaction.set_rollback(True)


@PROPERTY_SETTINGS
@given(cells=st.lists(cell_text.filter(lambda text: "\x00" not in text), min_size=6, max_size=6))
def test_rejected_rows_file_holds_no_formula_and_reads_back_as_the_cells(
    import_as_olga: Any, tmp_path: Path, cells: list[str]
) -> None:
    with transaction.atomic():
        cells[1] = "not a date"  # so that the row is always rejected
        run = _import(import_as_olga, tmp_path, _csv([cells]))

        assert run.status == ImportStatus.REJECTED
        rows = list(csv.reader(io.StringIO(run.rejected_csv)))
        written = [cell for row in rows for cell in row]
        assert not [cell for cell in written if is_formula_like(cell)]
        if len(rows) == 2 and len(rows[1]) == len(HEADER) + 1:
            expected = [neutralise_cell(restore_cell(cell.strip())) for cell in cells]
            assert rows[1][: len(HEADER)] == expected
        transaction.set_rollback(True)


@PROPERTY_SETTINGS
@given(
    amount=st.decimals(
        min_value=-2 * MAX_AMOUNT_MINOR, max_value=2 * MAX_AMOUNT_MINOR, places=3, allow_nan=False
    ).map(lambda value: value / 100)
)
def test_any_decimal_amount_is_stored_exactly_or_refused_in_words(
    import_as_olga: Any, tmp_path: Path, amount: Decimal
) -> None:
    with transaction.atomic():
        text = f"{amount:f}"
        run = _import(
            import_as_olga, tmp_path, _csv([["T-1", "2026-03-14", text, "EUR", "E004", ""]])
        )
        minor = amount * 100
        if minor == minor.to_integral_value() and abs(minor) <= MAX_AMOUNT_MINOR:
            assert run.status == ImportStatus.SUCCEEDED, run.errors
            assert Transaction.objects.get().amount_minor == int(minor)
        else:
            assert [(error["row"], error["column"]) for error in run.errors] == [(2, "amount")]
            assert Transaction.objects.count() == 0
        transaction.set_rollback(True)
