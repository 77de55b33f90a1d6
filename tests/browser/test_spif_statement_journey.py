"""A SPIF and a scorecard in a real Chromium: finance previews January's run of a plan
whose Cloud push SPIF has a budget for two deals while three were sold; the rep reads the
SPIF and the scorecard in her plan's words, then on her statement the SPIF line, the deal
the exhausted budget left unpaid, and the scorecard's measures and formula."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.incentives import conftest as incentive_fixtures
from tests.incentives.conftest import Book, Setup

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
setup = incentive_fixtures.setup
book = incentive_fixtures.book
spif_plan = incentive_fixtures.spif_plan


def test_a_rep_reads_her_spif_its_exhausted_budget_and_her_scorecard(
    spif_plan: Setup, book: Book, live_server: Any, page: Any, login_as: Any
) -> None:
    book("C-1", dt.date(2027, 1, 5), 20_000_00, product_group="Cloud")
    book("C-2", dt.date(2027, 1, 6), 10_000_00, who="rob", product_group="Cloud")
    book("C-3", dt.date(2027, 1, 7), 30_000_00, product_group="Cloud")

    login_as(page, "finance_fay")
    page.goto(f"{live_server.url}/payouts/")
    form = page.locator("#preview-form")
    form.get_by_label("Plan").select_option(label="AE plan (FY2027-Q1)")
    form.get_by_label("Pay period from").fill("2027-01-01")
    form.get_by_label("to", exact=True).fill("2027-01-31")
    form.get_by_role("button", name="Compute the preview").click()
    page.wait_for_url(lambda url: "/payouts/runs/" in url)
    # Ria: tiers 1,000.00 + 0.00 (50,000 of credited sales), SPIF 500.00, scorecard
    # (50% × 0.5 + 2/4 × 0.5 = 50%) 1,000.00; Rob: 200.00 + 500.00 + 350.00 (10% × 0.5 +
    # 1/4 × 0.5 = 17.5% of 2,000.00).
    assert page.get_by_test_id("run-total").inner_text() == "3,550.00 EUR"

    page.context.clear_cookies()
    login_as(page, "rep_ria")
    page.goto(f"{live_server.url}/payouts/")
    plan = page.get_by_test_id("my-plan").inner_text()
    assert "Cloud push SPIF (on revenue, sales dated 1 Jan–31 Jan 2027)" in plan
    assert "Balanced bonus (scorecard): 2,000.00 EUR target incentive" in plan
    page.locator("#statements").get_by_role("link", name="Ria Rep").click()
    spif = page.locator("#statement-lines tr[data-kind=spif] td")
    assert spif.first.inner_text() == (
        "Cloud push SPIF: 2 deals of Cloud sold 1 Jan–31 Jan 2027 at 500.00 EUR each "
        "= 1,000.00 EUR."
    )
    budget = page.locator("#statement-lines tr[data-kind=spif_budget] td")
    assert "budget exhausted" in budget.first.inner_text()
    assert "1 deal unpaid" in budget.first.inner_text()
    assert budget.nth(1).inner_text() == "-500.00 EUR"
    scorecard = page.locator("#statement-lines tr[data-kind=scorecard] td")
    assert scorecard.first.inner_text().startswith(
        "Balanced bonus: revenue 50% × weight 50% = 25 points; deals 50% × weight 50% = "
        "25 points; weighted attainment 50%"
    )
    assert scorecard.nth(1).inner_text() == "1,000.00 EUR"
    assert page.get_by_test_id("statement-total").inner_text() == "2,500.00 EUR"
