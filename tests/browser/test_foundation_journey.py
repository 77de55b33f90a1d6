"""Sales ops' first steps in a real browser: log in, find their way down the
organisation, then try an organisation file with a mistake and read what to fix."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from quotaflow.imports.models import ImportRun
from quotaflow.org.models import Unit
from tests.conftest import SmallOrg
from tests.imports.conftest import FIXTURES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_drill_down_the_organisation_then_an_import_with_errors(
    small_org: SmallOrg, page: Any, live_server: Any, login_as: Callable[[Any, str], None]
) -> None:
    login_as(page, "ops_olga")
    menu = page.get_by_role("navigation", name="Main")

    menu.get_by_role("link", name="Organisation").click()
    page.get_by_role("link", name="Acme", exact=True).click()
    page.get_by_role("link", name="South", exact=True).click()
    page.wait_for_url("**/org/units/SOUTH/")
    assert "Sam Southern" in page.locator("main").inner_text()
    page.get_by_role("link", name="South Team A").click()
    page.wait_for_url("**/org/units/SOUTH-A/")
    assert "Sue Seller" in page.locator("main").inner_text()

    units_before = Unit.objects.count()
    menu.get_by_role("link", name="Imports").click()
    page.select_option("select[name=kind]", "org")
    page.set_input_files("input[name=file]", str(FIXTURES / "org_cycle.csv"))
    page.click("form[enctype='multipart/form-data'] button[type=submit]")

    page.wait_for_selector("#import-errors")
    assert "nothing was changed" in page.inner_text(".messages")
    cells = page.locator("#import-errors tbody tr").first.locator("td")
    assert [cells.nth(i).inner_text() for i in range(3)] == ["2", "parent_unit_code", "C"]
    assert "units A → C → B → A form a cycle" in cells.nth(3).inner_text()
    assert Unit.objects.count() == units_before
    assert ImportRun.objects.get().status == "rejected"
