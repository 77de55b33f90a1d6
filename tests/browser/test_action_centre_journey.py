"""The action centre on each role's home, in a real Chromium, clicked through as a new
user would: every item links to the page where it is done, and a check-in that was due
disappears once the rep has checked in.

A published revenue plan for the fiscal year running today (weekly check-ins) and a
bottom-up new-logos plan being prepared, on the small organisation:

    Acme (ceo_cora) → North (manager_max) → North Team A → Ria Rep (rep_ria), Rob Rep
                    → South (manager_sam) → South Team A → Sue Seller
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from quotaflow.core.models import Company
from quotaflow.metrics.models import Metric, MetricUnit
from quotaflow.plans import actions
from quotaflow.plans.models import Goal, PlanningCycle
from tests.browser.conftest import this_years_cycle
from tests.conftest import SmallOrg
from tests.plans.conftest import goal_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

Login = Callable[[Any, str], None]
Plans = tuple[PlanningCycle, PlanningCycle]


@pytest.fixture
def plans(small_org: SmallOrg) -> tuple[PlanningCycle, PlanningCycle]:
    """The running plan (weekly check-ins) and the plan being prepared."""
    org = small_org
    running = this_years_cycle(org, name="This year's revenue", approach="top_down")
    ops = org.users["ops_olga"]
    actions.run_cascade(running, acting_user=ops, company_target=1_000_000_00)
    actions.publish_cycle(running, acting_user=ops)
    actions.set_checkin_cadence(running, acting_user=ops, cadence="weekly")
    year = Company.current().fiscal_calendar.period_containing(timezone.localdate(), "year")
    preparing = actions.create_cycle(
        acting_user=ops, name="New logos", approach="bottom_up",
        metric=Metric.objects.create(code="logos", name="New logos", unit=MetricUnit.COUNT),
        period_start=year.start, period_end=year.end, period_label=year.label,
    )  # fmt: skip
    return running, preparing


def _sign_in(page: Any, login_as: Login, username: str) -> None:
    page.context.clear_cookies()
    login_as(page, username)


def _item(page: Any, kind: str, text: str = "") -> Any:
    items = page.locator(f"[data-testid=action-centre] [data-testid=due-item][data-kind='{kind}']")
    return items.filter(has_text=text) if text else items


def test_a_rep_follows_her_items_and_a_check_in_clears_its_item(
    small_org: SmallOrg, plans: Plans, live_server: Any, page: Any, login_as: Login
) -> None:
    goal, draft = (goal_of(plan, small_org.people["ria"]) for plan in plans)

    _sign_in(page, login_as, "rep_ria")
    centre = page.locator("[data-testid=action-centre]")
    assert "Check-ins due from you" in centre.inner_text()
    assert (
        "Rob Rep" not in page.inner_text("main")
        and "Who has not checked in" not in centre.inner_text()
    )
    # Her goal's progress is on the home too.
    assert page.locator(f"[data-testid=goal-{goal.pk}]").is_visible()

    _item(page, "plan.submit").locator("a").click()
    page.wait_for_url(f"**/plans/goals/{draft.pk}/")
    assert "Ria Rep · New logos" in page.inner_text("h1")

    page.goto(f"{live_server.url}/")
    check_in = page.locator(
        "[data-testid=action-centre] [data-testid=due-item][data-kind^='checkin.']"
    )
    assert check_in.count() == 1
    check_in.locator("a").click()
    page.wait_for_url(f"**/performance/goals/{goal.pk}/#check-ins")
    page.fill("#id_note", "Three demos this week.")
    page.select_option("#id_confidence", value="4")
    page.click("#check-in-form button[type=submit]")
    page.wait_for_selector("[data-testid=check-in-thread]")

    page.goto(f"{live_server.url}/")
    assert check_in.count() == 0  # the check-in that was due is gone
    assert _item(page, "plan.submit").count() == 1  # the target still waits


def test_a_manager_opens_who_has_not_checked_in_and_the_approval_waiting(
    small_org: SmallOrg, plans: Plans, live_server: Any, page: Any, login_as: Login
) -> None:
    rob = goal_of(plans[0], small_org.people["rob"])
    submitted = goal_of(plans[1], small_org.people["ria"])
    actions.submit_goal(submitted, acting_user=small_org.users["rep_ria"], target=12)

    _sign_in(page, login_as, "manager_max")
    assert page.locator("#team-people").is_visible()
    team = page.locator("section[aria-labelledby=team-people]").inner_text()
    assert "Ria Rep" in team and "Rob Rep" in team and "Sue Seller" not in team

    _item(page, "checkin.team_overdue", "Rob Rep").locator("a").click()
    page.wait_for_url(f"**/performance/goals/{rob.pk}/#check-ins")
    assert "Rob Rep" in page.inner_text("h1")

    page.goto(f"{live_server.url}/")
    _item(page, "plan.approve", "Ria Rep").locator("a").click()
    page.wait_for_url(f"**/plans/goals/{submitted.pk}/")
    assert "Ria Rep · New logos" in page.inner_text("h1")


def test_sales_ops_open_a_plans_blockers(
    plans: Plans, live_server: Any, page: Any, login_as: Login
) -> None:
    running, preparing = plans
    Metric.objects.filter(pk=preparing.metric_id).update(is_active=False)  # SMART fails

    _sign_in(page, login_as, "ops_olga")
    group = page.locator("[data-testid=due-group]").filter(
        has_text="Plan New logos before publishing"
    )
    assert "3 people have not submitted a target" in group.inner_text()
    table = page.locator("[data-testid=preparing-cycles]")
    assert table.locator(f"[data-testid=preparing-{preparing.pk}]").is_visible()
    assert table.locator(f"[data-testid=preparing-{running.pk}]").count() == 0

    group.locator("[data-testid=due-item][data-kind='cycle.unsubmitted'] a").click()
    page.wait_for_url(f"**/plans/{preparing.pk}/")
    assert page.inner_text("h1") == "New logos"

    page.goto(f"{live_server.url}/")
    _item(page, "cycle.smart").locator("a").click()
    page.wait_for_url(f"**/smart/cycles/{preparing.pk}/health/")
    assert "Plan health · New logos" in page.inner_text("h1")

    page.goto(f"{live_server.url}/")
    page.click("[data-testid=due-all]")
    page.wait_for_url("**/due/")
    assert page.locator("[data-testid=due-item]").count() >= 2
    assert Goal.objects.filter(cycle=preparing).exists()
