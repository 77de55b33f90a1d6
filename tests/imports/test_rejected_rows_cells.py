"""The rejected-rows CSV is safe to open in a spreadsheet: formula-like cells are written
as text, and the file can be fixed and imported again with the original values."""

from __future__ import annotations

import csv
import io

from quotaflow.sales.models import Transaction

HEADER = "external_id,date,amount,currency,credited_to,account\n"


def test_rejected_rows_csv_neutralises_equals_plus_and_at_cells(import_as_olga, write_file):
    run = import_as_olga(
        "transactions",
        write_file(
            HEADER
            + 'T-1,2026-03-14,"=HYPERLINK(""http://evil.example"",""x"")",EUR,E004,Globex\n'
            + "T-2,2026-03-14,+cmd|' /C calc'!A0,EUR,E004,Initech\n"
            + "T-3,14/03/2026,10.00,EUR,E004,@SUM(1+1)\n"
            + "T-4,2026-03-14,-5.00,XXX,E004,Hooli\n"
        ),
    )

    rows = list(csv.reader(io.StringIO(run.rejected_csv)))
    cells = [cell for row in rows for cell in row]
    assert not [cell for cell in cells if cell.lstrip()[:1] in {"=", "+", "@"}]
    assert '\'=HYPERLINK("http://evil.example","x")' in cells
    assert "'+cmd|' /C calc'!A0" in cells
    assert "'@SUM(1+1)" in cells
    assert rows[4][2] == "-5.00"  # a plain negative amount stays a number


def test_fixed_rejected_rows_import_again_with_their_original_values(import_as_olga, write_file):
    run = import_as_olga(
        "transactions",
        write_file(HEADER + "T-3,2026-03-14,10.00,EURO,E004,@SUM(1+1)\n"),
    )
    fixed = run.rejected_csv.replace("EURO", "EUR")

    again = import_as_olga("transactions", write_file(fixed, name="fixed.csv"))

    assert again.created == 1
    assert Transaction.objects.get(external_id="T-3").account == "@SUM(1+1)"
