"""Sales ops previews an organisation file, reads every change it would make, then writes
exactly those, in a real browser."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from quotaflow.core.models import AuditEvent
from quotaflow.imports.models import ImportRun, ImportStatus
from quotaflow.org.models import Assignment, Unit
from tests.browser.conftest import change_rows
from tests.conftest import SmallOrg

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# WEST is new, NORTH moves under SOUTH and is renamed, Ria's placement in NORTH-A ends.
CHANGES = (
    "unit_code,unit_name,unit_kind,parent_unit_code,person_id,role,valid_from,valid_to\n"
    "WEST,West,region,ACME,,,,\n"
    "NORTH,North Region,region,SOUTH,,,,\n"
    "NORTH-A,,,,E004,member,2025-01-01,2026-03-31\n"
)


def test_ops_previews_an_org_file_then_writes_the_changes_shown(
    small_org: SmallOrg,
    page: Any,
    live_server: Any,
    login_as: Callable[[Any, str], None],
    tmp_path: Path,
) -> None:
    path = tmp_path / "reorganisation.csv"
    path.write_text(CHANGES, encoding="utf-8")
    login_as(page, "ops_olga")
    page.goto(f"{live_server.url}/imports/")
    page.select_option("select[name=kind]", "org")
    page.set_input_files("input[name=file]", str(path))
    page.get_by_role("button", name="Preview the changes").click()

    page.wait_for_selector("#import-changes")
    assert "nothing was written yet" in page.inner_text(".messages")
    assert page.get_by_role("heading", name="What importing this file will change").is_visible()
    assert change_rows(page, "created") == [["2", "unit WEST", "—", "West (region) under ACME"]]
    assert change_rows(page, "moved") == [["3", "unit NORTH", "under ACME", "under SOUTH"]]
    assert change_rows(page, "renamed") == [["3", "unit NORTH", "North", "North Region"]]
    assert change_rows(page, "ended") == [
        ["4", "placement of E004 in NORTH-A as member", "ends open-ended", "ends 2026-03-31"]
    ]
    # Nothing is written by the preview.
    assert not Unit.objects.filter(code="WEST").exists()
    assert Unit.objects.get(code="NORTH").parent == small_org.company
    assert not AuditEvent.objects.filter(action__startswith="org.").exists()

    page.get_by_role("button", name="Write these changes").click()
    page.wait_for_selector(".messages")
    assert "reorganisation.csv imported: 1 created, 2 updated" in page.inner_text(".messages")
    written = ImportRun.objects.exclude(status=ImportStatus.PREVIEWED).get()
    assert written.status == ImportStatus.SUCCEEDED
    assert Unit.objects.get(code="NORTH").parent == Unit.objects.get(code="SOUTH")
    assert Assignment.objects.get(person__external_id="E004").valid_to.isoformat() == "2026-03-31"
    assert AuditEvent.objects.filter(action="org.unit.moved").count() == 1
