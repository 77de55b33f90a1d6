"""Real-browser journeys through the web shell: logging in, drilling down the
organisation by clicking links, changing a password and creating an API token.

With $QUOTAFLOW_SCREENSHOTS set to a folder, screenshots of the home page and the
organisation browser go there, for people reviewing the look of the pages.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from quotaflow.accounts.models import ApiToken
from tests.conftest import PASSWORD, SmallOrg

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = os.environ.get("QUOTAFLOW_SCREENSHOTS", "")


def _screenshot(page: Any, name: str) -> None:
    if not SCREENSHOTS:
        return
    folder = Path(SCREENSHOTS)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def test_planner_drills_down_from_company_to_a_reps_page(
    small_org: SmallOrg, page: Any, live_server: Any, login_as: Callable[[Any, str], None]
) -> None:
    login_as(page, "ops_olga")

    assert page.locator("h1").inner_text() == "Organisation overview"
    _screenshot(page, "home-sales-ops")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Organisation").click()
    page.wait_for_url(f"{live_server.url}/org/")
    _screenshot(page, "org-browser")
    page.get_by_role("link", name="Acme", exact=True).click()
    page.wait_for_url("**/org/units/ACME/")
    page.get_by_role("link", name="North", exact=True).click()
    page.wait_for_url("**/org/units/NORTH/")
    assert "Max Manager" in page.locator("main").inner_text()
    page.get_by_role("link", name="North Team A").click()
    page.wait_for_url("**/org/units/NORTH-A/")
    _screenshot(page, "org-unit-team")
    page.get_by_role("link", name="Ria Rep").click()
    page.wait_for_url("**/org/people/E004/")

    assert page.locator("h1").inner_text().startswith("Ria Rep")
    breadcrumbs = page.get_by_role("navigation", name="Breadcrumbs")
    assert breadcrumbs.get_by_role("link", name="North Team A").is_visible()
    _screenshot(page, "org-person")


def test_live_search_shows_results_while_typing(
    small_org: SmallOrg, page: Any, live_server: Any, login_as: Callable[[Any, str], None]
) -> None:
    login_as(page, "manager_max")
    page.goto(f"{live_server.url}/org/")

    page.get_by_label("Search units and people").press_sequentially("rep", delay=30)

    results = page.locator("#search-results")
    results.get_by_role("link", name="Rob Rep").wait_for()
    assert "Ria Rep" in results.inner_text()
    assert "Sue Seller" not in results.inner_text()
    assert page.url == f"{live_server.url}/org/"  # no full page load happened
    results.get_by_role("link", name="Rob Rep").click()
    page.wait_for_url("**/org/people/E005/")


def test_wrong_password_then_right_one(
    small_org: SmallOrg, page: Any, live_server: Any, login_as: Callable[[Any, str], None]
) -> None:
    page.goto(f"{live_server.url}/org/")
    page.wait_for_url("**/login/?next=/org/")
    page.fill("input[name=username]", "rep_ria")
    page.fill("input[name=password]", "guess")
    page.click("button[type=submit]")

    assert "Wrong username or password." in page.get_by_role("alert").inner_text()

    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/org/")
    _screenshot(page, "org-browser-rep")


def test_password_change_journey(
    small_org: SmallOrg, page: Any, live_server: Any, login_as: Callable[[Any, str], None]
) -> None:
    new_password = "plum-orchard-velvet-91"
    login_as(page, "rep_ria")
    _screenshot(page, "home-rep")

    page.get_by_role("link", name="Change password").click()
    page.get_by_label("Old password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill(new_password)
    page.get_by_label("New password confirmation").fill(new_password)
    page.get_by_role("button", name="Change password").click()

    page.wait_for_url("**/password/done/")
    assert "Your password has been changed." in page.locator("main").inner_text()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/login/")
    login_as(page, "rep_ria", new_password)
    assert page.locator("h1").inner_text() == "Ria Rep"


def test_token_creation_journey(
    small_org: SmallOrg, page: Any, live_server: Any, login_as: Callable[[Any, str], None]
) -> None:
    login_as(page, "manager_max")
    _screenshot(page, "home-manager")
    page.get_by_role("link", name="API tokens").click()
    page.wait_for_url("**/tokens/")

    page.get_by_label("Name").fill("Forecast spreadsheet")
    page.get_by_label(re.compile("Push transactions")).check()
    page.get_by_role("button", name="Create token").click()

    shown = page.locator("#new-token-value").inner_text()
    assert re.fullmatch(r"qf_[a-z0-9]{8}_\S+", shown)
    assert "will not be shown again" in page.locator("main").inner_text()
    _screenshot(page, "tokens-created")
    token = ApiToken.objects.get(name="Forecast spreadsheet")
    assert token.digest != shown and sorted(token.scopes) == ["ingest", "read"]

    page.get_by_role("link", name="API tokens").click()
    assert shown not in page.content()
    page.get_by_role("link", name="Revoke…").click()
    page.get_by_role("button", name="Revoke token").click()
    page.wait_for_url("**/tokens/")
    assert "is revoked" in page.locator("main").inner_text()
    token.refresh_from_db()
    assert token.revoked_at is not None
