"""Tracking in a real browser: drill down from the company to a rep, and watch a sale
posted through the API appear on an open dashboard without reloading it."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from quotaflow.accounts.actions import create_token
from quotaflow.core.models import Company
from quotaflow.metrics.models import Metric
from quotaflow.plans.models import Goal
from tests.conftest import SmallOrg
from tests.performance.conftest import make_row


def _this_years_goals(org: SmallOrg) -> Metric:
    """Revenue goals for the fiscal year running today: Acme 100,000.00 and Ria 20,000.00."""
    revenue = Metric.objects.create(code="revenue", name="Revenue")
    year = Company.current().fiscal_calendar.period_containing(timezone.localdate(), "year")
    period = {
        "metric": revenue,
        "period_start": year.start,
        "period_end": year.end,
        "period_label": year.label,
        "status": "published",
    }
    company = Goal.objects.create(owner_unit=org.company, target=100_000_00, **period)
    Goal.objects.create(owner_person=org.people["ria"], target=20_000_00, parent=company, **period)
    return revenue


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_ops_drills_down_from_the_company_to_a_rep(
    small_org: SmallOrg, live_server: Any, page: Any, login_as: Any
) -> None:
    from quotaflow.performance.actions import ingest_transactions

    _this_years_goals(small_org)
    today = timezone.localdate()
    ingest_transactions(
        [make_row("D1", today, 5_000_00, {small_org.people["ria"].pk: "100"})],
        acting_user=small_org.users["ops_olga"],
        source="crm",
    )
    login_as(page, "ops_olga")

    page.goto(f"{live_server.url}/performance/")
    assert page.inner_text("h1").startswith("Acme")
    assert page.inner_text("[data-testid=unit-actual]") == "5,000.00 EUR"
    page.wait_for_selector(".chart .main-svg")  # plotly drew the cumulative chart

    page.click("[data-testid=row-NORTH] a")
    page.wait_for_url("**/performance/units/NORTH/")
    page.click("[data-testid=row-NORTH-A] a")
    page.wait_for_url("**/performance/units/NORTH-A/")
    assert "25.0%" in page.inner_text("[data-testid=row-E004]")
    page.click("[data-testid=row-E004] a")
    page.wait_for_url("**/performance/people/E004/")
    assert "5,000.00 EUR" in page.inner_text("main")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_sale_posted_through_the_api_appears_on_an_open_dashboard(
    small_org: SmallOrg, live_server: Any, page: Any, login_as: Any
) -> None:
    _this_years_goals(small_org)
    _, raw = create_token(
        small_org.users["ops_olga"],
        name="CRM sync",
        scopes=["ingest"],
        acting_user=small_org.users["ops_olga"],
    )
    login_as(page, "ops_olga")
    page.goto(f"{live_server.url}/performance/units/ACME/")
    assert page.inner_text("[data-testid=unit-actual]") == "0.00 EUR"
    page.evaluate("window.__notReloaded = true")

    sale = {"external_id": "LIVE-1", "date": timezone.localdate().isoformat(), "amount": "1234.50", "currency": "EUR",
            "credits": [{"person": "E006", "percent": "100"}]}  # fmt: skip
    answer = page.request.post(
        f"{live_server.url}/api/v1/ingest/transactions",
        data={"source": "crm", "transactions": [sale]},
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert answer.status == 200, answer.text()

    page.wait_for_function(
        # A function, not an expression string: the page's Content-Security-Policy forbids
        # the eval() Playwright would need for a string.
        "() => document.querySelector('[data-testid=unit-actual]').innerText === '1,234.50 EUR'",
        timeout=10_000,
    )
    assert page.evaluate("window.__notReloaded") is True
    assert "South" in page.inner_text("[data-testid=row-SOUTH]")
