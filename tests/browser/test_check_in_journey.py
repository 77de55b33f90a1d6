"""Check-ins in a real Chromium, clicked through as new users would: sales ops sets the
plan's check-in cadence; a rep checks in with low confidence; her manager sees the
notification in the header, opens it and replies; the rep sees the reply."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from quotaflow.core.models import Notification
from quotaflow.plans import actions
from quotaflow.plans.models import Goal, GoalStatus, PlanningCycle
from tests.browser.conftest import this_years_cycle
from tests.conftest import SmallOrg

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _running_plan(org: SmallOrg) -> tuple[PlanningCycle, Goal]:
    """A published revenue plan for the fiscal year running today, and Ria's goal in it."""
    cycle = this_years_cycle(org, name="This year's revenue", approach="top_down")
    actions.run_cascade(cycle, acting_user=org.users["ops_olga"], company_target=1_000_000_00)
    actions.publish_cycle(cycle, acting_user=org.users["ops_olga"])
    goal = Goal.objects.get(cycle=cycle, owner_person=org.people["ria"])
    assert goal.status == GoalStatus.PUBLISHED
    # Everyone has read the news of the publication; what follows is the check-in's.
    Notification.objects.update(read_at=timezone.now())
    return cycle, goal


def _sign_in(page: Any, login_as: Any, username: str) -> None:
    page.context.clear_cookies()
    login_as(page, username)


def test_a_rep_checks_in_low_and_her_manager_replies(
    small_org: SmallOrg, live_server: Any, page: Any, login_as: Any
) -> None:
    cycle, goal = _running_plan(small_org)

    _sign_in(page, login_as, "ops_olga")
    page.goto(f"{live_server.url}/plans/{cycle.pk}/")
    page.select_option("#cadence", label="Every two weeks")
    page.click("#cadence-form button[type=submit]")
    assert page.inner_text("[data-testid=checkin-cadence]") == "Every two weeks"

    _sign_in(page, login_as, "rep_ria")
    page.goto(f"{live_server.url}/performance/goals/{goal.pk}/")
    assert "Owners check in every two weeks" in page.inner_text("#check-ins")
    page.fill("#id_note", "Two big deals slipped to next quarter.")
    page.select_option("#id_confidence", value="2")
    page.fill("#id_blockers", "Legal review at the customer")
    page.click("#check-in-form button[type=submit]")
    page.wait_for_selector("[data-testid=check-in-thread]")
    assert "confidence 2/5" in page.inner_text("[data-testid=check-in-thread]")
    assert page.is_visible("[data-testid=confidence-chart] circle")

    _sign_in(page, login_as, "manager_max")
    assert page.inner_text("[data-testid=unread-count]") == "1"
    page.click("[data-testid=inbox-link]")
    item = page.locator("[data-testid=inbox] li").first
    assert "checked in on" in item.inner_text() and "confidence 2/5" in item.inner_text()
    item.locator("button", has_text="Open").click()
    page.wait_for_url(f"**/performance/goals/{goal.pk}/**")
    assert page.locator("[data-testid=unread-count]").count() == 0  # opening read it
    page.fill(".reply-form textarea", "Let us call their legal team together on Thursday.")
    page.click(".reply-form button[type=submit]")
    page.wait_for_selector("[data-testid=reply]")
    assert page.inner_text("[data-testid=reply]").endswith(
        "Let us call their legal team together on Thursday."
    )

    _sign_in(page, login_as, "rep_ria")
    assert page.inner_text("[data-testid=unread-count]") == "1"
    page.click("[data-testid=inbox-link]")
    assert "replied to the check-in" in page.inner_text("[data-testid=inbox]")
    page.click("[data-testid=read-all]")
    assert page.locator("[data-testid=unread-count]").count() == 0
    page.goto(f"{live_server.url}/performance/goals/{goal.pk}/")
    assert "Let us call their legal team together on Thursday." in page.inner_text(
        "[data-testid=check-in-thread]"
    )


def test_a_rep_chooses_to_get_replies_by_email_too(
    small_org: SmallOrg, live_server: Any, page: Any, login_as: Any
) -> None:
    login_as(page, "rep_ria")
    page.click("[data-testid=inbox-link]")
    assert page.is_visible("[data-testid=inbox-empty]")
    page.click("text=Choose what also comes by e-mail")
    page.check("#id_checkin\\.replied")
    page.click("#preferences-form button[type=submit]")
    assert "Notification settings saved." in page.inner_text(".messages")
    assert page.is_checked("#id_checkin\\.replied")
    assert not page.is_checked("#id_checkin\\.created")
