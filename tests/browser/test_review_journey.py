"""A quarterly review in a real Chromium, clicked through as new users would: the manager
opens Ria's review for this quarter (assembled from her goal and sales), rates it and
shares it; Ria is told, writes her self-assessment; the manager finalises; Ria
acknowledges and downloads the PDF, which names her and holds her figures; the history
page shows the quarter's rating."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from pypdf import PdfReader

from quotaflow.core.models import Company, Notification
from quotaflow.performance.actions import ingest_transactions
from quotaflow.plans import actions
from quotaflow.plans.models import Goal
from quotaflow.sales.actions import CreditShare, TransactionRow
from tests.browser.conftest import this_years_cycle
from tests.conftest import SmallOrg

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _quarter_with_a_sale(org: SmallOrg) -> tuple[str, Goal]:
    """This year's published plan, Ria's goal in it and a 12,500.00 sale of hers dated on
    the first day of this quarter; the quarter's label."""
    olga = org.users["ops_olga"]
    cycle = this_years_cycle(org, name="This year's revenue", approach="top_down")
    actions.run_cascade(cycle, acting_user=olga, company_target=1_000_000_00)
    actions.publish_cycle(cycle, acting_user=olga)
    quarter = Company.current().fiscal_calendar.period_containing(timezone.localdate(), "quarter")
    ingest_transactions(
        [
            TransactionRow(
                external_id="Q-1",
                date=quarter.start,
                amount_minor=12_500_00,
                currency="EUR",
                credits=(CreditShare(org.people["ria"].pk, Decimal(100)),),
                account="Alpha",
            )
        ],
        acting_user=olga,
        source="crm",
    )
    Notification.objects.update(read_at=timezone.now())
    return quarter.label, Goal.objects.get(cycle=cycle, owner_person=org.people["ria"])


def _sign_in(page: Any, login_as: Any, username: str) -> None:
    page.context.clear_cookies()
    login_as(page, username)


def test_a_quarterly_review_is_assembled_rated_acknowledged_and_filed_as_pdf(
    small_org: SmallOrg, live_server: Any, page: Any, login_as: Any, tmp_path: Path
) -> None:
    quarter, goal = _quarter_with_a_sale(small_org)
    ria = small_org.people["ria"]

    _sign_in(page, login_as, "manager_max")
    page.click("nav >> text=Reviews")
    page.goto(f"{live_server.url}/reviews/people/{ria.external_id}/")
    assert page.input_value("#id_period") == quarter  # this quarter by default
    page.click("#open-review-button")
    page.wait_for_selector("#review-goals")
    assert "assembled from the data" in page.inner_text(".messages")
    assert page.get_attribute("#review-status", "data-status") == "draft"
    row = page.locator(f"#review-goals tr[data-goal='{goal.pk}']")
    assert "12,500.00 EUR" in row.inner_text()
    assert "12,500.00 EUR" in page.inner_text("#review-drivers tr[data-driver=average_deal_size]")
    assert "not in the data" in page.inner_text("#review-drivers tr[data-driver=win_rate]")
    page.select_option(f"#id_rating_{goal.pk}", value="2")
    page.select_option("#id_overall_rating", value="4")
    page.fill("#id_strengths", "Opened the Alpha account")
    page.fill("#id_improvements", "Pipeline coverage")
    page.fill("#id_agreed_actions", "Two new logos next quarter")
    page.click("#save-review")
    assert "Ratings and notes saved." in page.inner_text(".messages")
    assert "2 — Partly met expectations" in page.inner_text(
        f"#review-goals tr[data-goal='{goal.pk}']"
    )
    page.click("#share-review")
    assert page.get_attribute("#review-status", "data-status") == "shared"

    _sign_in(page, login_as, "rep_ria")
    assert page.inner_text("[data-testid=unread-count]") == "1"
    page.click("[data-testid=inbox-link]")
    page.locator("[data-testid=inbox] li").first.locator("button", has_text="Open").click()
    page.wait_for_selector("#self-assessment-form")
    assert "Opened the Alpha account" in page.inner_text("#manager-part")
    page.fill("#id_self_assessment", "A slow start; Alpha came through.")
    page.click("#submit-self-assessment")
    assert page.get_attribute("#review-status", "data-status") == "self_assessed"

    _sign_in(page, login_as, "manager_max")
    page.click("[data-testid=inbox-link]")
    page.locator("[data-testid=inbox] li").first.locator("button", has_text="Open").click()
    page.wait_for_selector("#finalise-review")
    assert "A slow start; Alpha came through." in page.inner_text("#self-assessment")
    page.click("#finalise-review")
    assert page.get_attribute("#review-status", "data-status") == "final"

    _sign_in(page, login_as, "rep_ria")  # her home's action centre asks for it
    page.click(f"[data-kind='review.acknowledge'] >> text=Read and acknowledge your {quarter}")
    page.click("#acknowledge-review")
    assert page.get_attribute("#review-status", "data-status") == "acknowledged"
    assert "Acknowledged by Ria Rep on" in page.inner_text("#acknowledgement")
    with page.expect_download() as download:
        page.click("#download-pdf")
    saved = tmp_path / "review.pdf"
    download.value.save_as(saved)
    document = saved.read_bytes()
    assert document.startswith(b"%PDF-")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(document)).pages)
    for expected in (
        "Ria Rep",
        quarter,
        "12,500.00 EUR",
        "4 - Exceeded expectations",
        "Acknowledged by the rep",
    ):
        assert expected in text, expected

    page.click(f"nav[aria-label=Breadcrumbs] >> text={ria.full_name}")
    history = page.inner_text(f"#review-history tr[data-period='{quarter}']")
    assert "4 — Exceeded expectations" in history and "Acknowledged" in history
