"""The longer way of an adjustment request, in a real Chromium: sales ops set the plan to
re-split changes over the siblings, with a 5% threshold; a rep asks for a lower target;
her manager returns it for more information, she answers, he approves and it goes on to
sales ops, who find it under "Awaiting me", read each sibling's before and after,
download the evidence and approve. The team's number does not move."""

from __future__ import annotations

from typing import Any

import pytest

from quotaflow.plans.explanations import amounts_for
from quotaflow.plans.models import AdjustmentRequest, Goal
from tests.browser.test_adjustment_journey import effective_day, ria_in_a_running_plan, sign_in
from tests.conftest import SmallOrg

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_resplit_request_goes_through_the_manager_and_sales_ops(
    small_org: SmallOrg, live_server: Any, page: Any, login_as: Any
) -> None:
    ria = ria_in_a_running_plan(small_org)
    assert ria.cycle is not None and ria.parent is not None
    cycle, team_target = ria.cycle, ria.parent.target
    money = amounts_for(ria.metric)
    day = effective_day(ria, days_ahead=3)

    sign_in(page, login_as, "ops_olga")
    page.goto(f"{live_server.url}/plans/{cycle.pk}/")
    page.select_option("#id_relief_policy", value="siblings_resplit")
    page.fill("#id_ops_threshold_percent", "5")
    page.click("#relief-form button[type=submit]")
    assert "siblings re-split" in page.inner_text("[data-testid=relief-settings]")
    assert "5.00% of the target" in page.inner_text("[data-testid=relief-settings]")

    sign_in(page, login_as, "rep_ria")
    page.goto(f"{live_server.url}/performance/goals/{ria.pk}/")
    page.click("#request-adjustment")
    page.select_option("#id_reason", label="Lost account")
    page.fill("#id_proposed_target", "200k")
    page.fill("#id_effective_from", day.isoformat())
    page.set_input_files(
        "#id_evidence_file",
        files=[{"name": "lost.csv", "mimeType": "text/csv", "buffer": b"account\nGlobex\n"}],
    )
    page.click("#adjustment-form button[type=submit]")
    page.wait_for_selector("[data-testid=impact-others]")
    assert "Rob Rep" in page.inner_text("[data-testid=impact-others]")
    assert "sales operations decide after the manager" in page.inner_text("#content")

    sign_in(page, login_as, "manager_max")
    page.goto(f"{live_server.url}/plans/adjustments/?show=awaiting")
    page.click("[data-testid=adjustment-requests] tbody a")
    page.fill("#return-reason", "Which account, and since when?")
    page.click("#return-form button[type=submit]")
    assert page.inner_text("[data-testid=adjustment-status]") == "Returned for more information"

    sign_in(page, login_as, "rep_ria")
    page.click("[data-testid=inbox-link]")
    assert "returned request" in page.inner_text("[data-testid=inbox]")
    page.goto(f"{live_server.url}/")  # her action centre asks her to answer
    page.click("[data-testid=due-item][data-kind='adjustment.returned'] a")
    page.fill("#resubmit-answer", "Globex moved to a competitor last week.")
    page.click("#resubmit-form button[type=submit]")
    assert page.inner_text("[data-testid=adjustment-status]") == "Waiting for the manager"

    sign_in(page, login_as, "manager_max")
    page.goto(f"{live_server.url}/plans/adjustments/inbox/")
    page.click("[data-testid=adjustment-requests] tbody a")
    page.click("#approve-form button[type=submit]")
    assert page.inner_text("[data-testid=adjustment-status]") == "Waiting for sales operations"

    sign_in(page, login_as, "ops_olga")
    page.goto(f"{live_server.url}/plans/adjustments/")  # opens on what awaits her
    page.click("[data-testid=adjustment-requests] tbody a")
    with page.expect_download() as download:
        page.click("text=lost.csv")
    assert download.value.suggested_filename == "lost.csv"
    page.click("#approve-form button[type=submit]")
    page.wait_for_selector("[data-testid=applied]")
    request = AdjustmentRequest.objects.get()
    rob = next(o for o in request.impact["others"] if o["owner"] == "Rob Rep")
    assert rob["after"] - rob["before"] == -request.impact["prorated"]
    assert money.number(rob["after"]) in page.inner_text("[data-testid=impact-others]")
    team = Goal.objects.get(pk=request.applied_goal_id).parent
    assert team is not None and team.target == team_target
    steps = page.inner_text("[data-testid=decisions]")
    assert "Returned for more information" in steps and "Resubmitted" in steps
