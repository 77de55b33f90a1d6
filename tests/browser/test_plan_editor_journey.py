"""Sales ops define a plan in a real Chromium: a tiered revenue commission (marginal
tiers, added row by row) with an accelerator above 100% and a SPIF on Cloud sales, read
in words before anything is saved; a typing mistake is refused next to its field with
everything kept; the plan is created, published and assigned to the North team's reps by
role; a rep then finds it on her payouts page and acknowledges it."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from quotaflow.incentives.models import IncentivePlan
from quotaflow.metrics.models import Metric
from tests.conftest import SmallOrg

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page: Any, login_as: Any, username: str) -> None:
    page.context.clear_cookies()
    login_as(page, username)


def _fill_tiers(commission: Any, tiers: list[tuple[str, str]]) -> None:
    """Fill the tiers table, asking for each row after the first with "Add a row"."""
    for number, (start, rate) in enumerate(tiers, start=1):
        if number > 1:
            commission.get_by_role("button", name="Add a row").first.click()
        commission.get_by_label(f"Tiers row {number}: From attainment").fill(start)
        commission.get_by_label(f"Tiers row {number}: Rate").fill(rate)


def test_ops_defines_a_tiered_plan_with_an_accelerator_and_a_spif_and_a_rep_acknowledges_it(
    small_org: SmallOrg, live_server: Any, page: Any, login_as: Any
) -> None:
    Metric.objects.create(code="revenue", name="Revenue")
    payouts = f"{live_server.url}{reverse('payouts')}"

    _sign_in(page, login_as, "ops_olga")
    page.goto(payouts)
    page.get_by_role("link", name="Incentive plans").click()
    page.get_by_role("link", name="New plan").click()
    page.get_by_label("Plan name").fill("AE plan Q2")
    page.get_by_label("Fiscal period").fill("FY2027-Q2")
    assert page.get_by_test_id("plan-currency").inner_text() == "EUR"

    commission = page.get_by_test_id("commission-0")
    commission.get_by_label("Name", exact=True).fill("Revenue commission")
    commission.get_by_label("Pays on the metric").select_option("revenue")
    # Only one blank tier row waits until another is asked for (script enhancement).
    assert commission.get_by_label("Tiers row 2: From attainment").is_hidden()
    commission.get_by_role("button", name="Add a row").first.click()
    commission.get_by_label("Tiers row 2: From attainment").fill("25")
    commission.get_by_role("button", name="Remove").nth(1).click()  # a row added by mistake
    assert commission.get_by_label("Tiers row 2: From attainment").is_hidden()
    _fill_tiers(commission, [("0", "2"), ("50", "5"), ("100", "8")])
    commission.get_by_label("Tiers pay").select_option("marginal")
    commission.get_by_label("Accelerator above attainment").fill("100")
    commission.get_by_label("multiplies the rate by").first.fill("1.5")
    commission.get_by_label("Pays at most").fill("25,000")

    page.get_by_text("Add a SPIF").click()
    spif = page.get_by_test_id("spif-0")
    spif.get_by_label("Name", exact=True).fill("Cloud push")
    spif.get_by_label("Pays on the metric").select_option("revenue")
    spif.get_by_label("Sales dated from").fill("2027-05-01")
    spif.get_by_label("to (inclusive)").fill("2027-05-31")
    spif.get_by_label("Rate", exact=False).first.fill("3")
    spif.get_by_label("Budget").fill("10,000")
    spif.get_by_label("Only sales whose").select_option("product_group")
    spif.get_by_label("is one of").fill("Cloud")
    page.get_by_label("Recoverable").check()
    page.get_by_label("Draw per run").fill("1,000.005")  # one decimal too many for EUR

    page.get_by_role("button", name="Preview in words").click()
    assert "nothing was saved" in page.get_by_test_id("editor-errors").inner_text()
    assert "more than 2 decimals" in page.get_by_test_id("error-draw_amount").inner_text()
    assert page.get_by_label("Draw per run").input_value() == "1,000.005"
    assert (
        page.get_by_test_id("commission-0").get_by_label("Tiers row 3: Rate").input_value() == "8"
    )
    page.get_by_label("Draw per run").fill("1,000")

    page.get_by_role("button", name="Preview in words").click()
    preview = page.get_by_test_id("plan-preview").inner_text()
    assert (
        "Tiers by attainment: 0% to 50% of target: 2%; 50% to 100% of target: 5%; "
        "100% and above of target: 8% × accelerator 1.5 = 12%."
    ) in preview
    assert "It pays at most 25,000.00 EUR in the plan period." in preview
    assert (
        "Cloud push SPIF (on revenue, sales dated 1 May–31 May 2027): it pays 3% of the credited "
        "amount of each sale whose product group is Cloud, from a budget of 10,000.00 EUR shared "
        "by all reps and all runs of the plan."
    ) in preview
    assert "Draw: each run pays at least 1,000.00 EUR (recoverable" in preview
    summary = page.get_by_test_id("validation-summary").inner_text()
    assert "The definition is valid: 2 components" in summary
    assert not IncentivePlan.objects.exists()

    page.get_by_role("button", name="Create the plan as a draft").click()
    page.wait_for_url(lambda url: "/payouts/plans/" in url and url.endswith("/"))
    assert page.get_by_test_id("latest-status").inner_text() == "Draft"
    assert "12%" in page.get_by_test_id("plan-words").inner_text()
    page.get_by_role("button", name="Publish version 1").click()
    assert page.get_by_test_id("latest-status").inner_text() == "Published"

    role_form = page.locator("#assign-role-form")
    role_form.get_by_label("Everyone in").select_option(label="North Team A")
    role_form.get_by_label("who sit there").select_option(label="as members (reps)")
    role_form.get_by_role("button", name="Assign by role").click()
    people = page.locator("#assignees tbody tr")
    assert [people.nth(i).locator("td").first.inner_text() for i in range(people.count())] == [
        "Ria Rep",
        "Rob Rep",
    ]
    page.get_by_role("link", name="Incentive plans").click()
    assert "v1 published" in page.locator("#plans").inner_text()

    _sign_in(page, login_as, "rep_ria")
    page.goto(payouts)
    mine = page.get_by_test_id("my-plan")
    assert "Your plan: AE plan Q2 (FY2027-Q2), version 1" in mine.inner_text()
    assert "8% × accelerator 1.5 = 12%" in mine.inner_text()
    mine.get_by_role("button", name="Acknowledge this plan").click()
    assert page.get_by_test_id("acknowledged").inner_text().endswith("(version 1).")


def test_the_editor_works_without_script_for_the_rows_it_shows(
    small_org: SmallOrg, live_server: Any, browser: Any, login_as: Any
) -> None:
    Metric.objects.create(code="revenue", name="Revenue")
    new_plan = f"{live_server.url}{reverse('plan-editor-new')}"
    context = browser.new_context(java_script_enabled=False)
    context.set_default_timeout(10_000)
    page = context.new_page()
    login_as(page, "ops_olga")
    page.goto(new_plan)
    page.get_by_label("Plan name").fill("Flat plan")
    page.get_by_label("Fiscal period").fill("FY2027-Q3")
    commission = page.get_by_test_id("commission-0")
    commission.get_by_label("Name", exact=True).fill("Revenue commission")
    commission.get_by_label("Pays on the metric").select_option("revenue")
    # Every row is there to fill, and no "Add a row" button is offered.
    assert commission.get_by_label("Tiers row 3: Rate").is_visible()
    assert commission.get_by_role("button", name="Add a row").first.is_hidden()
    assert commission.get_by_role("button", name="Remove").first.is_hidden()
    _fill_tiers_without_script(commission, [("0", "4"), ("100", "6"), ("150", "9")])
    page.get_by_role("button", name="Create the plan as a draft").click()
    page.wait_for_url(lambda url: url.endswith("/") and "/payouts/plans/" in url)
    assert "150% and above of target: 9%" in page.get_by_test_id("plan-words").inner_text()
    context.close()


def _fill_tiers_without_script(commission: Any, tiers: list[tuple[str, str]]) -> None:
    for number, (start, rate) in enumerate(tiers, start=1):
        commission.get_by_label(f"Tiers row {number}: From attainment").fill(start)
        commission.get_by_label(f"Tiers row {number}: Rate").fill(rate)
