"""Quota relief in a real Chromium, clicked through as new users would: a rep asks for
relief on her published goal with a letter attached; her manager finds it in his inbox of
adjustments (and in his home's action centre), reads the before and after and approves; both then see the new
effective-dated target and its proration on the request and on the goal pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from quotaflow.core.models import Notification
from quotaflow.plans import actions
from quotaflow.plans.explanations import amounts_for
from quotaflow.plans.models import AdjustmentRequest, AdjustmentStatus, Goal
from tests.browser.conftest import this_years_cycle
from tests.conftest import SmallOrg

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Any, login_as: Any, username: str) -> None:
    page.context.clear_cookies()
    login_as(page, username)


def effective_day(goal: Goal, days_ahead: int = 7) -> dt.date:
    """Some days from today, inside the running period (and after its first day)."""
    day = timezone.localdate() + dt.timedelta(days=days_ahead)
    return max(min(day, goal.period_end), goal.period_start + dt.timedelta(days=1))


def ria_in_a_running_plan(org: SmallOrg) -> Goal:
    """Ria's goal in a published top-down revenue plan for this fiscal year (1,000,000.00
    cascaded equally), with everyone's news of the publication already read."""
    olga = org.users["ops_olga"]
    cycle = this_years_cycle(org, name="This year's revenue", approach="top_down")
    actions.run_cascade(cycle, acting_user=olga, company_target=1_000_000_00)
    actions.publish_cycle(cycle, acting_user=olga)
    Notification.objects.update(read_at=timezone.now())
    return Goal.objects.select_related("cycle", "metric", "parent").get(
        cycle=cycle, owner_person=org.people["ria"]
    )


def test_a_rep_requests_relief_and_her_manager_approves_it(
    small_org: SmallOrg, live_server: Any, page: Any, login_as: Any
) -> None:
    goal = ria_in_a_running_plan(small_org)
    money = amounts_for(goal.metric)
    day = effective_day(goal)

    sign_in(page, login_as, "rep_ria")
    page.goto(f"{live_server.url}/plans/goals/{goal.pk}/")
    page.click("#request-adjustment")
    page.select_option("#id_reason", label="Leave")
    page.fill("#id_relief_amount", "10,000")
    page.fill("#id_effective_from", day.isoformat())
    page.fill("#id_evidence", "Parental leave; HR letter attached.")
    page.set_input_files(
        "#id_evidence_file",
        files=[{"name": "hr-letter.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n"}],
    )
    page.click("#adjustment-form button[type=submit]")
    page.wait_for_selector("[data-testid=adjustment-status]")
    assert page.inner_text("[data-testid=adjustment-status]") == "Waiting for the manager"
    request = AdjustmentRequest.objects.get()
    assert page.inner_text("[data-testid=impact-old]") == money.format(goal.target)
    assert page.inner_text("[data-testid=impact-full]") == money.format(goal.target - 10_000_00)
    assert "hr-letter.pdf" in page.inner_text("#content")

    sign_in(page, login_as, "manager_max")
    assert page.inner_text("[data-testid=unread-count]") == "1"
    # His home's action centre lists it; the inbox of adjustments holds it too.
    page.goto(f"{live_server.url}/")
    due = page.locator("[data-testid=due-item][data-kind='adjustment.decide']")
    assert f"Request #{request.pk}" in due.inner_text() and "Ria Rep" in due.inner_text()
    page.goto(f"{live_server.url}/plans/adjustments/inbox/")
    page.click(f"[data-request='{request.pk}'] a")
    page.wait_for_selector("#impact")
    prorated = page.inner_text("[data-testid=impact-prorated]")
    assert "× " in prorated and "days" in prorated
    page.fill("#approve-note", "Agreed: covered by the team.")
    page.click("#approve-form button[type=submit]")
    page.wait_for_selector("[data-testid=applied]")
    assert page.inner_text("[data-testid=adjustment-status]") == "Approved and applied"

    request.refresh_from_db()
    assert request.status == AdjustmentStatus.APPROVED
    new_target = request.impact["new_target"]
    assert request.impact["prorated"] < 0
    assert page.inner_text("[data-testid=impact-new]") == money.format(new_target)
    page.click("[data-testid=applied] a")
    assert page.inner_text("#goal-target") == money.number(new_target)
    change = page.inner_text("[data-testid=adjustment-change]")
    assert f"because of request #{request.pk}" in change
    assert f"{day.day} {day:%b %Y}" in change and money.format(new_target) in change

    sign_in(page, login_as, "rep_ria")
    assert page.inner_text("[data-testid=unread-count]") == "1"
    page.click("[data-testid=inbox-link]")
    assert f"Request #{request.pk} approved" in page.inner_text("[data-testid=inbox]")
    page.goto(f"{live_server.url}/plans/adjustments/?show=mine")
    page.click(f"[data-request='{request.pk}'] a")
    assert page.inner_text("[data-testid=impact-new]") == money.format(new_target)
    assert page.inner_text("[data-testid=impact-prorated]").startswith(
        money.number(request.impact["prorated"], signed=True)
    )
    page.goto(f"{live_server.url}/performance/goals/{request.applied_goal_id}/")
    assert f"because of request #{request.pk}" in page.inner_text("[data-testid=adjustment-change]")
