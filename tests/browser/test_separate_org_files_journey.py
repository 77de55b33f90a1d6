"""Sales ops loads the organisation as three files on the import page — units, then people,
then placements — previewing each one's changes before writing exactly those, in a real
browser."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from quotaflow.core.models import AuditEvent
from quotaflow.imports.models import ImportRun, ImportStatus
from quotaflow.org.models import Assignment, Person, Unit
from tests.browser.conftest import change_rows
from tests.conftest import SmallOrg

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FILES = {
    "units": "unit_code,unit_name,unit_kind,parent_unit_code\nWEST,West,region,ACME\nNORTH,North,region,SOUTH\n",
    "people": "person_id,person_name,email,title\nE100,Nia New,nia@acme.example,Head of West\n",
    "placements": "person_id,unit_code,role,valid_from\nE100,WEST,manager,2026-04-01\n",
}
# What each preview lists, by the table of its kind of change: [row, subject, old, new].
PREVIEWS = {
    "units": {
        "created": [["2", "unit WEST", "—", "West (region) under ACME"]],
        "moved": [["3", "unit NORTH", "under ACME", "under SOUTH"]],
    },
    "people": {"created": [["2", "person E100", "—", "Nia New"]]},
    "placements": {
        "created": [
            ["2", "placement of E100 in WEST as manager", "—", "from 2026-04-01 to open-ended"]
        ]
    },
}


def _preview_then_write(page: Any, live_server: Any, kind: str, path: Path) -> None:
    page.goto(f"{live_server.url}/imports/")
    page.select_option("select[name=kind]", kind)
    page.set_input_files("input[name=file]", str(path))
    page.get_by_role("button", name="Preview the changes").click()
    page.wait_for_selector("#import-changes")
    assert "nothing was written yet" in page.inner_text(".messages")
    for action, rows in PREVIEWS[kind].items():
        assert change_rows(page, action) == rows, kind
    assert not ImportRun.objects.filter(kind=kind).exclude(status=ImportStatus.PREVIEWED).exists()

    page.get_by_role("button", name="Write these changes").click()
    page.wait_for_selector(".messages")
    assert f"{path.name} imported:" in page.inner_text(".messages")
    assert ImportRun.objects.get(kind=kind, status=ImportStatus.SUCCEEDED)


def test_ops_loads_units_people_and_placements_each_previewed_then_written(
    small_org: SmallOrg,
    page: Any,
    live_server: Any,
    login_as: Callable[[Any, str], None],
    tmp_path: Path,
) -> None:
    login_as(page, "ops_olga")
    page.goto(f"{live_server.url}/imports/")
    for kind in FILES:
        assert page.locator(f"#format-{kind}").count() == 1  # its columns are explained

    _preview_then_write(page, live_server, "units", _file(tmp_path, "units"))
    assert Unit.objects.get(code="NORTH").parent == small_org.south
    assert not Person.objects.filter(external_id="E100").exists()  # not before its own file

    _preview_then_write(page, live_server, "people", _file(tmp_path, "people"))
    assert Person.objects.get(external_id="E100").email == "nia@acme.example"

    _preview_then_write(page, live_server, "placements", _file(tmp_path, "placements"))
    placement = Assignment.objects.get(person__external_id="E100")
    assert (placement.unit.code, placement.role) == ("WEST", "manager")
    for action in (
        "org.unit.created",
        "org.unit.moved",
        "org.person.created",
        "org.assignment.created",
    ):
        assert AuditEvent.objects.filter(action=action).count() == 1, action


def _file(folder: Path, kind: str) -> Path:
    path = folder / f"{kind}.csv"
    path.write_text(FILES[kind], encoding="utf-8")
    return path
