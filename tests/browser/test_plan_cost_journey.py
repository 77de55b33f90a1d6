"""Plan cost in a real Chromium: finance opens the plan's cost from the payouts page, reads
the basis of the figures, compares the published design with the draft, and applies a
+10% shift."""

from __future__ import annotations

import urllib.request
from typing import Any

import pytest

from tests.incentives.cost_world import CostWorld, build_cost_world
from tests.smart.conftest import SmartWorld, revenue, smart_world  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(smart_world: SmartWorld) -> CostWorld:  # noqa: F811 - the imported fixture
    return build_cost_world(smart_world)


def _money(text: str) -> float:
    return float(text.replace("EUR", "").replace(",", "").strip())


def test_finance_compares_two_designs_and_applies_a_shift(
    world: CostWorld, live_server: Any, page: Any, login_as: Any
) -> None:
    # The server's first request loads every view (seconds on a busy machine): make it
    # here, so that the browser's page loads are timed on a warm server.
    with urllib.request.urlopen(f"{live_server.url}/login/", timeout=120) as warm:  # noqa: S310
        assert warm.status == 200
    login_as(page, "finance_fay")
    page.goto(f"{live_server.url}/payouts/")
    page.get_by_test_id("plan-cost-link").click()
    page.locator("#cost-plans").get_by_role("link", name="AE plan").click()
    assert page.get_by_test_id("sample-count").inner_text() == "2000"
    assert page.get_by_test_id("reps-costed").inner_text() == "2"
    assert page.get_by_test_id("without-goal").inner_text() == "1"
    assert "Sue Seller" in page.get_by_test_id("cost-basis").inner_text()
    base = page.locator("#cost-base tr[data-figure=expected] td")
    assert base.count() == 1 and base.first.inner_text().endswith("EUR")
    published_cost = _money(base.first.inner_text())

    form = page.locator("#cost-form")
    form.get_by_label("Compare with").select_option(label="AE plan v2 (draft)")
    form.get_by_label("What-if shift (% on everyone's result)").fill("10")
    form.get_by_role("button", name="Compute the cost").click()
    base = page.locator("#cost-base tr[data-figure=expected] td")
    assert base.count() == 3  # published, draft, and the difference
    assert _money(base.nth(0).inner_text()) == published_cost
    draft_cost = _money(base.nth(1).inner_text())
    assert draft_cost > published_cost
    assert base.nth(2).inner_text().startswith("+")
    assert page.get_by_role("heading", name="Everyone +10%").is_visible()
    shifted = page.locator("#cost-shifted tr[data-figure=expected] td")
    assert _money(shifted.nth(0).inner_text()) > published_cost
    assert _money(shifted.nth(1).inner_text()) > draft_cost
    effects = page.get_by_test_id("shift-effects").inner_text()
    assert "AE plan v1 (published): the shift changes the expected cost by +" in effects
    assert page.locator("#cost-reps tbody tr").count() == 2
