"""Payout runs in a real Chromium: finance previews January's run of a tiered plan, reads
the totals, approves, locks and exports it for payroll (CSV and Excel); the rep reads her plan in words and
acknowledges it, opens her statement and reads each line in words; a sale cancelled in February is clawed back in February's run."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.incentives import conftest as incentive_fixtures
from tests.incentives.conftest import Book, Setup

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# The incentives fixtures: the tiered Q1 plan with Ria and Rob on it, and booking sales.
setup = incentive_fixtures.setup
book = incentive_fixtures.book


def _sign_in(page: Any, login_as: Any, username: str) -> None:
    page.context.clear_cookies()
    login_as(page, username)


def _preview(page: Any, live_server: Any, start: str, end: str) -> None:
    page.goto(f"{live_server.url}/payouts/")
    form = page.locator("#preview-form")
    form.get_by_label("Plan").select_option(label="AE plan (FY2027-Q1)")
    form.get_by_label("Pay period from").fill(start)
    form.get_by_label("to", exact=True).fill(end)
    form.get_by_role("button", name="Compute the preview").click()
    page.wait_for_url(lambda url: "/payouts/runs/" in url)


def test_finance_runs_payouts_and_a_rep_reads_her_statement_and_its_clawback(
    setup: Setup,
    book: Book,
    live_server: Any,
    page: Any,
    login_as: Any,
    tmp_path: Path,
) -> None:
    book("D-1", dt.date(2027, 1, 10), 40_000_00)
    book("D-2", dt.date(2027, 1, 20), 70_000_00)

    _sign_in(page, login_as, "finance_fay")
    _preview(page, live_server, "2027-01-01", "2027-01-31")
    assert page.get_by_test_id("run-status").inner_text() == "Preview"
    assert page.get_by_test_id("run-total").inner_text() == "4,300.00 EUR"
    page.get_by_role("button", name="Approve").click()
    assert page.get_by_test_id("run-status").inner_text() == "Approved"
    page.get_by_role("button", name="Lock").click()
    assert page.get_by_test_id("run-status").inner_text() == "Locked"
    with page.expect_download() as download:
        page.get_by_test_id("payroll-export").click()
    saved = tmp_path / "payroll.csv"
    download.value.save_as(saved)
    rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8"))))
    assert [(row["person"], row["payable"], row["run_status"]) for row in rows] == [
        ("Ria Rep", "4300.00", "locked"),
        ("Rob Rep", "0.00", "locked"),
    ]
    with page.expect_download() as download:
        page.get_by_test_id("payroll-export-xlsx").click()
    workbook_path = tmp_path / "payroll.xlsx"
    download.value.save_as(workbook_path)
    workbook = load_workbook(workbook_path)
    sheet = list(workbook["Payroll"].iter_rows(values_only=True))
    assert [(row[1], row[6], row[7], row[5]) for row in sheet[1:]] == [
        ("Ria Rep", 4300, "EUR", "locked"),
        ("Rob Rep", 0, "EUR", "locked"),
    ]
    about = dict(workbook["Run"].iter_rows(values_only=True))
    assert about["fingerprint"] == page.get_by_test_id("fingerprint").inner_text()

    _sign_in(page, login_as, "rep_ria")
    page.goto(f"{live_server.url}/payouts/")
    plan = page.get_by_test_id("my-plan")
    assert "Tiers by attainment: 0% to 50% of target: 2%" in plan.inner_text()
    plan.get_by_role("button", name="Acknowledge this plan").click()
    assert page.get_by_test_id("acknowledged").inner_text().endswith("(version 1).")
    assert page.locator("#statements tbody tr").count() == 1
    page.locator("#statements").get_by_role("link", name="Ria Rep").click()
    lines = page.locator("#statement-lines tbody tr")
    assert lines.nth(2).locator("td").first.inner_text() == (
        "Revenue commission: tier 3 (100% and above of the 100,000.00 EUR target): "
        "10,000.00 EUR of credited sales at 8% = 800.00 EUR."
    )
    assert page.get_by_test_id("statement-total").inner_text() == "4,300.00 EUR"

    book("D-2", dt.date(2027, 1, 20), 70_000_00, is_cancelled=True)
    book("D-3", dt.date(2027, 2, 3), 80_000_00)
    _sign_in(page, login_as, "finance_fay")
    _preview(page, live_server, "2027-02-01", "2027-02-28")
    assert page.get_by_test_id("run-total").inner_text() == "800.00 EUR"

    _sign_in(page, login_as, "rep_ria")
    page.goto(f"{live_server.url}/payouts/")
    page.locator("#statements tbody tr").first.get_by_role("link", name="Ria Rep").click()
    clawback = page.locator("#statement-lines tr[data-kind=clawback]")
    assert "crm:D-2 was reversed on" in clawback.locator("td").first.inner_text()
    assert clawback.locator("td").nth(1).inner_text() == "-5,600.00 EUR"
