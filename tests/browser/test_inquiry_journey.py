"""Inquiries in a real Chromium: the rep asks about a line of her locked January statement,
sales ops find it in the open inquiries and adjust it by +150.00 EUR, the rep reads the
adjustment, and February's run pays it as its own line of her statement."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.browser.test_payout_journey import _preview, _sign_in
from tests.incentives import conftest as incentive_fixtures
from tests.incentives.conftest import JANUARY, Book, Setup
from tests.incentives.test_runs import run_period, settle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
setup = incentive_fixtures.setup
book = incentive_fixtures.book


def test_a_rep_asks_ops_adjust_and_the_next_run_pays_the_adjustment(
    setup: Setup, book: Book, live_server: Any, page: Any, login_as: Any
) -> None:
    book("D-1", dt.date(2027, 1, 10), 40_000_00)
    settle(setup, run_period(setup, JANUARY))

    _sign_in(page, login_as, "rep_ria")
    page.goto(f"{live_server.url}/payouts/")
    page.locator("#statements").get_by_role("link", name="Ria Rep").click()
    page.get_by_test_id("ask-line-1").click()
    assert page.get_by_test_id("line-words").inner_text().startswith("Revenue commission: tier 1")
    page.get_by_label("Your question").fill("My deal D-7 of 7,500.00 EUR is missing.")
    page.get_by_role("button", name="Send the question").click()
    assert page.get_by_test_id("inquiry-status").inner_text() == "Open"
    number = page.url.rstrip("/").rsplit("/", 1)[-1]

    _sign_in(page, login_as, "ops_olga")
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name=f"Inquiry #{number} about line 1").first.click()
    page.goto(f"{live_server.url}/payouts/inquiries/?status=open")
    rows = page.locator("#inquiries tbody tr")
    assert rows.count() == 1
    rows.first.get_by_role("link", name=f"#{number}").click()
    assert "D-7" in page.get_by_test_id("inquiry-question").inner_text()
    form = page.locator("#adjust-form")
    form.get_by_label("Adjustment in EUR").fill("150")
    form.get_by_label("Explanation").fill("D-7 was credited to Rob by mistake.")
    form.get_by_role("button", name="Adjust in the next run").click()
    assert page.get_by_test_id("inquiry-status").inner_text() == "Adjusted"
    assert "+150.00 EUR" in page.get_by_test_id("inquiry-adjustment").inner_text()
    assert "not computed yet" in page.get_by_test_id("inquiry-adjustment").inner_text()

    _sign_in(page, login_as, "finance_fay")
    _preview(page, live_server, "2027-02-01", "2027-02-28")

    _sign_in(page, login_as, "rep_ria")
    page.goto(f"{live_server.url}/payouts/inquiries/{number}/")
    page.get_by_role("button", name="Mark as read").click()
    page.get_by_test_id("applied-statement").click()
    line = page.locator("#statement-lines tr[data-kind=adjustment]")
    assert line.locator("td").first.inner_text() == (
        f"Adjustment agreed on inquiry #{number} about line 1 (Revenue commission) of the "
        "statement for 1 Jan 2027 – 31 Jan 2027: +150.00 EUR — D-7 was credited to Rob by "
        "mistake."
    )
    assert line.locator("td").nth(1).inner_text() == "150.00 EUR"
    assert page.get_by_test_id("statement-total").inner_text() == "150.00 EUR"
