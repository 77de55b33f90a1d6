"""A rep's earnings in a real Chromium: on a company whose tiered plan runs this quarter,
finance previews the run so far; the rep acknowledges her plan, reads her earnings to date
and the projection on her home, opens the estimator, enters a deal and reads the change in
earnings and the tier it reaches, looks at the payout curve (drawn as SVG under the
Content-Security-Policy, with its table), and opens her statement of the run."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from quotaflow.core.models import Company
from quotaflow.incentives.actions import assign_plan, create_plan, publish_plan
from quotaflow.metrics.models import Metric, MetricUnit
from quotaflow.plans.models import Goal, GoalStatus
from tests.conftest import SmallOrg
from tests.incentives.conftest import PLAN_DOCUMENT, TARGET
from tests.performance.conftest import make_row

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _this_quarters_plan(org: SmallOrg) -> tuple[str, str]:
    """The fixtures' tiered plan (2% to 50%, 5% to 100%, 8% above) for the fiscal quarter
    running today, Ria on it with a 100,000.00 EUR target and a 40,000.00 EUR sale booked
    today; the plan's label and the quarter's first day."""
    from quotaflow.performance.actions import ingest_transactions

    today = timezone.localdate()
    quarter = Company.current().fiscal_calendar.period_containing(today, "quarter")
    revenue = Metric.objects.create(code="revenue", name="Revenue", unit=MetricUnit.CURRENCY)
    ria = org.people["ria"]
    Goal.objects.create(
        owner_person=ria, metric=revenue, period_start=quarter.start, period_end=quarter.end,
        target=TARGET, status=GoalStatus.PUBLISHED,
    )  # fmt: skip
    olga = org.users["ops_olga"]
    plan = create_plan(
        acting_user=olga, name="AE plan", period_start=quarter.start, period_end=quarter.end,
        document=PLAN_DOCUMENT, period_label=quarter.label,
    )  # fmt: skip
    publish_plan(plan, acting_user=olga, expected_version=plan.version)
    plan.refresh_from_db()
    assign_plan(plan, acting_user=olga, person_ids=[ria.pk], expected_version=plan.version)
    ingest_transactions(
        [make_row("D-1", today, 40_000_00, {ria.pk: "100"})], acting_user=olga, source="crm"
    )
    return f"AE plan ({quarter.label})", quarter.start.isoformat()


def _sign_in(page: Any, login_as: Any, username: str) -> None:
    page.context.clear_cookies()
    login_as(page, username)


def test_a_rep_acknowledges_her_plan_estimates_a_deal_and_opens_her_statement(
    small_org: SmallOrg, live_server: Any, page: Any, login_as: Any
) -> None:
    label, start = _this_quarters_plan(small_org)

    _sign_in(page, login_as, "finance_fay")
    page.goto(f"{live_server.url}/payouts/")
    form = page.locator("#preview-form")
    form.get_by_label("Plan").select_option(label=label)
    form.get_by_label("Pay period from").fill(start)
    form.get_by_label("to", exact=True).fill(timezone.localdate().isoformat())
    form.get_by_role("button", name="Compute the preview").click()
    page.wait_for_url(lambda url: "/payouts/runs/" in url)
    assert page.get_by_test_id("run-total").inner_text() == "800.00 EUR"

    _sign_in(page, login_as, "rep_ria")
    home = page.get_by_test_id("home-earnings")
    assert home.get_by_test_id("home-earned").inner_text() == "800.00 EUR"
    assert "Revenue: 40,000.00 EUR credited in" in home.inner_text()

    page.goto(f"{live_server.url}/payouts/")
    page.get_by_test_id("my-plan").get_by_role("button", name="Acknowledge this plan").click()
    assert page.get_by_test_id("acknowledged").inner_text().endswith("(version 1).")
    page.get_by_test_id("earnings-link").click()
    page.wait_for_url(lambda url: "/earnings/" in url)
    assert page.get_by_test_id("earned-to-date").inner_text() == "800.00 EUR"
    assert "Run-rate basis" in page.get_by_test_id("projection-basis").inner_text()
    assert page.get_by_test_id("tier-now").inner_text() == "tier 1 (0% to 50%)"

    estimator = page.get_by_test_id("estimator-form")
    estimator.get_by_label("Deal amount").fill("70k")
    estimator.get_by_role("button", name="Estimate").click()
    result = page.get_by_test_id("estimate")
    assert result.get_by_test_id("estimate-earned").inner_text() == "800.00 EUR → 4,300.00 EUR"
    assert result.get_by_test_id("estimate-change").inner_text() == "+3,500.00 EUR"
    assert result.get_by_test_id("estimate-tier").inner_text() == (
        "Revenue commission: tier 1 (0% to 50%) → tier 3 (100% and above) — a new tier."
    )
    lines = result.get_by_test_id("estimate-lines").locator("tbody tr")
    assert lines.count() == 3
    assert lines.nth(2).locator("td").first.inner_text() == (
        "Revenue commission: tier 3 (100% and above of the 100,000.00 EUR target): "
        "10,000.00 EUR of credited sales at 8% = 800.00 EUR."
    )

    curve = page.get_by_test_id("payout-curve")
    assert curve.locator("svg polyline.curve-line").count() == 1
    assert curve.locator("svg line.mark-tier").count() == 2  # tiers 2 and 3 begin
    assert curve.get_by_test_id("curve-now").count() == 1
    assert "Revenue commission, tier 3 at 100%" in curve.inner_text()
    table = page.get_by_test_id("curve-table")
    table.locator("summary").click()
    row = table.locator("tbody tr").filter(has_text="100%").first
    # 50,000 at 2% + 50,000 at 5% = 3,500.00 at 100% attainment.
    assert row.locator("td").nth(2).inner_text() == "3,500.00 EUR"

    page.goto(f"{live_server.url}/payouts/")
    page.locator("#statements").get_by_role("link", name="Ria Rep").click()
    assert page.get_by_test_id("statement-total").inner_text() == "800.00 EUR"
