"""Planning journeys in a real Chromium, on the demo company, clicked through as a new user
would: a top-down fiscal-year plan, a bottom-up team plan with a return, and a hybrid
region plan reconciled and published.

The demo company (Northwind Analytics) has a February fiscal year in euros; its logins
are ``ops`` (sales operations), ``region.manager`` (Northern Europe), ``team.manager``
and ``rep`` (both in Stockholm Enterprise), all with the demo password.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from quotaflow.demo import generator as demo
from quotaflow.org.models import Unit
from quotaflow.plans.models import CycleStatus, Goal, GoalStatus, PlanningCycle
from quotaflow.plans.queries import sums_are_exact, tree_goals

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def demo_company(db: None) -> None:
    demo.generate("tiny", seed=3, today=TODAY)


def sign_in(page: Any, live_server: Any, username: str) -> None:
    """Log in through the form with the demo password."""
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", demo.DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)


def create_cycle(page: Any, live_server: Any, **fields: str) -> PlanningCycle:
    """Fill the new-cycle form on the planning page as sales ops."""
    page.goto(f"{live_server.url}/")
    page.click("nav >> text=Planning")
    page.fill("#id_name", fields["name"])
    page.select_option("#id_metric", label="Revenue")
    page.fill("#id_fiscal_period", "FY2028")
    page.select_option("#id_approach", label=fields["approach"])
    if "root" in fields:
        page.select_option("#id_root_unit", label=fields["root"])
    if "due" in fields:
        page.fill("#id_submissions_due", fields["due"])
    page.select_option("#id_method", value=fields.get("method", "equal"))
    if "over" in fields:
        page.fill("#id_rep_over_assignment", fields["over"])
    if "granularity" in fields:
        page.fill("#id_granularity", fields["granularity"])
    if "tolerance" in fields:
        page.fill("#id_gap_tolerance", fields["tolerance"])
    page.click("#new-cycle button[type=submit]")
    page.wait_for_selector("#plan-tree")
    assert "created with its participants" in page.inner_text(".messages")
    return PlanningCycle.objects.get(name=fields["name"])


def cascade_from_page(page: Any, company_target: str) -> None:
    """Cascade a company target (as typed) from the cycle's page, as sales ops."""
    page.fill("#id_company_target", company_target)
    page.click("#cascade-form button[type=submit]")
    page.wait_for_selector(".messages")


def submit_as_rep(page: Any, live_server: Any, goal: Goal, amount_minor: int) -> None:
    """Sign in as the demo rep and submit ``amount_minor`` on their goal, with a rationale."""
    sign_in(page, live_server, "rep")
    page.goto(f"{live_server.url}/plans/goals/{goal.pk}/")
    page.fill("#submit-target", f"{amount_minor // 100}")
    page.fill("#submit-rationale", "Two new logos already signed")
    page.click("#submit-form button[type=submit]")
    page.wait_for_selector(".messages")


def row(page: Any, owner: str) -> Any:
    return page.locator(f"#plan-tree tr[data-owner='{owner}']")


def test_top_down_fiscal_year_from_company_target_to_published_rep_goals(
    demo_company: None, live_server: Any, page: Any
) -> None:
    sign_in(page, live_server, "ops")
    cycle = create_cycle(
        page,
        live_server,
        name="FY2028 revenue",
        approach="Top-down",
        method="historical_share",
        over="10",
        granularity="1000",
    )
    # FY2028 runs February 2027 – January 2028 in the demo's calendar
    assert (cycle.period_start, cycle.period_end) == (dt.date(2027, 2, 1), dt.date(2028, 1, 31))

    page.fill("#id_company_target", "60,000,000")
    page.click("#cascade-form button[type=submit]")
    page.wait_for_selector(".messages")
    assert "every level adds up exactly" in page.inner_text(".messages")
    assert (
        row(page, "Northwind Analytics").locator("[data-col=plan]").inner_text() == "60,000,000.00"
    )
    page.wait_for_selector("[data-chart=cascade-figure] .main-svg")  # the chart is drawn
    assert "Historical share" in row(page, "Northern Europe").inner_text()

    # Sales ops fixes Northern Europe at 16M and locks it; the cascade re-runs around it.
    row(page, "Northern Europe").locator("a", has_text="Northern Europe").click()
    page.fill("#set-target", "16000000")
    page.fill("#set-reason", "New Nordic partner channel")
    page.click("#target-form button[type=submit]")
    page.wait_for_selector(".messages")
    assert page.inner_text("#goal-target") == "16,000,000.00"
    assert "New Nordic partner channel" in page.inner_text("#history")

    # The region manager re-splits the region among their teams (waterfall).
    sign_in(page, live_server, "region.manager")
    page.goto(f"{live_server.url}/plans/{cycle.pk}/")
    row(page, "Northern Europe").locator("text=Re-split").click()
    assert page.inner_text("#resplit-total") == "16,000,000.00"
    inputs = page.locator("#resplit-form input[type=text][name^=child-]")
    first, second = inputs.nth(0), inputs.nth(1)
    moved = Decimal("250000")
    first.fill(str(Decimal(first.input_value()) + moved))
    second.fill(str(Decimal(second.input_value()) - moved))
    page.fill("#resplit-reason", "Stockholm has the bigger pipeline")
    page.click("#resplit-form button[type=submit]")
    page.wait_for_selector("#plan-tree")
    assert "Re-split saved" in page.inner_text(".messages")
    # the region's own number cannot be re-split by its manager: no button on the company
    assert row(page, "Northwind Analytics").locator("text=Re-split").count() == 0

    sign_in(page, live_server, "ops")
    page.goto(f"{live_server.url}/plans/{cycle.pk}/")
    page.click("#publish-form button[type=submit]")
    page.wait_for_selector(".messages")
    assert "Published" in page.inner_text("#cycle-status")
    goals = tree_goals(cycle)
    assert sums_are_exact(goals) == []
    assert all(goal.status == GoalStatus.PUBLISHED for goal in goals)

    sign_in(page, live_server, "rep")
    page.click("nav >> text=Planning")
    page.click("text=My goals")
    card = page.locator(".my-goal").first
    assert "Stockholm Enterprise" in card.inner_text()
    rep_goal = Goal.objects.get(cycle=cycle, owner_person__user__username="rep")
    assert card.locator(".my-target").inner_text() == f"{rep_goal.target / 100:,.2f}"


def test_bottom_up_team_cycle_with_a_return_approvals_and_roll_up(
    demo_company: None, live_server: Any, page: Any
) -> None:
    sign_in(page, live_server, "ops")
    cycle = create_cycle(
        page,
        live_server,
        name="FY2028 Stockholm bottom-up",
        approach="Bottom-up",
        root="Stockholm Enterprise",
        due="2099-01-31",
    )
    team_goal = Goal.objects.get(cycle=cycle, owner_unit__name="Stockholm Enterprise")

    sign_in(page, live_server, "rep")
    page.goto(f"{live_server.url}/plans/my-goals/")
    waiting = page.locator("[data-testid=waiting-goal]", has_text="FY2028 Stockholm bottom-up")
    assert "Submit your number" in waiting.inner_text()
    assert "31 Jan 2099" in waiting.inner_text()  # the plan's deadline
    page.click("text=FY2028 Stockholm bottom-up")
    page.fill("#submit-target", "450,000")
    page.fill("#submit-rationale", "Two renewals and the Gothenburg pipeline")
    page.click("#submit-form button[type=submit]")
    page.wait_for_selector(".messages")
    assert "Target submitted." in page.inner_text(".messages")

    sign_in(page, live_server, "team.manager")
    page.goto(f"{live_server.url}/plans/{cycle.pk}/")
    assert "Submissions: 1 of 4 in" in page.inner_text("#submissions-title")
    rep_goal = Goal.objects.get(cycle=cycle, owner_person__user__username="rep")
    page.click(f"#plan-tree tr[data-goal='{rep_goal.pk}'] a")
    page.fill("#return-comment", "Please include the Nordics renewal")
    page.click("#return-form button[type=submit]")
    page.wait_for_selector(".messages")
    assert page.inner_text("#goal-status") == "Returned"

    sign_in(page, live_server, "rep")
    page.goto(f"{live_server.url}/plans/my-goals/")  # the returned goal waits for her there
    waiting = page.locator("[data-testid=waiting-goal]", has_text="FY2028 Stockholm bottom-up")
    assert "Returned to you" in waiting.inner_text()
    waiting.locator("a", has_text="Resubmit").click()
    page.wait_for_url(f"**/plans/goals/{rep_goal.pk}/")
    assert "Please include the Nordics renewal" in page.inner_text("#comments-title + p, .comment")
    page.fill("#submit-target", "520,000")
    page.click("#submit-form button[type=submit]")
    page.wait_for_selector(".messages")

    sign_in(page, live_server, "team.manager")
    page.goto(f"{live_server.url}/plans/{cycle.pk}/")
    page.locator(f"#plan-tree tr[data-goal='{rep_goal.pk}'] button", has_text="Approve").click()
    page.wait_for_selector(".messages")
    assert "Approved." in page.inner_text(".messages")
    # the other reps have no login: their manager enters their numbers, with a reason
    others = (
        Goal.objects.filter(cycle=cycle, owner_person__isnull=False)
        .exclude(pk=rep_goal.pk)
        .order_by("pk")
    )
    for number, goal in enumerate(others, start=1):
        page.goto(f"{live_server.url}/plans/goals/{goal.pk}/")
        page.fill("#adjust-target", f"{300_000 + number * 10_000}")
        page.fill("#adjust-reason", "Agreed in the one-to-one")
        page.click("#adjust-form button[type=submit]")
        page.wait_for_selector(".messages")
        assert page.inner_text("#goal-status") == "Approved"
    page.goto(f"{live_server.url}/plans/goals/{team_goal.pk}/")
    page.click("#rollup-form button[type=submit]")
    page.wait_for_selector(".messages")
    assert "Roll-up submitted upward." in page.inner_text(".messages")
    assert page.inner_text("#goal-target") == "1,480,000.00"  # 520k + 310k + 320k + 330k

    sign_in(page, live_server, "ops")
    page.goto(f"{live_server.url}/plans/{cycle.pk}/")
    row(page, "Stockholm Enterprise").locator("button", has_text="Approve").click()
    page.wait_for_selector(".messages")
    page.click("#publish-form button[type=submit]")
    page.wait_for_selector(".messages")
    assert "Published" in page.inner_text("#cycle-status")
    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.PUBLISHED
    assert sums_are_exact(tree_goals(cycle)) == []
    assert Goal.objects.get(pk=team_goal.pk).target == 1_480_000_00


def test_hybrid_region_cycle_with_gap_view_reconciliation_and_publication(
    demo_company: None, live_server: Any, page: Any
) -> None:
    sign_in(page, live_server, "ops")
    cycle = create_cycle(
        page,
        live_server,
        name="FY2028 Northern Europe hybrid",
        approach="Hybrid",
        root="Northern Europe",
        tolerance="10",
    )
    cascade_from_page(page, "12,000,000")
    rep_goal = Goal.objects.get(cycle=cycle, owner_person__user__username="rep")
    guidance = rep_goal.guidance or 0
    submit_as_rep(page, live_server, rep_goal, guidance + 200_000_00)

    sign_in(page, live_server, "ops")
    page.goto(f"{live_server.url}/plans/{cycle.pk}/")
    assert (
        row(page, "Northern Europe")
        .locator("[data-col=gap]")
        .inner_text()
        .startswith("+200,000.00")
    )
    assert (
        row(page, "Stockholm Enterprise")
        .locator("[data-col=gap]")
        .inner_text()
        .startswith("+200,000.00")
    )
    page.select_option("#id_method", value="top_down_total_bottom_up_shares")
    page.click("#reconcile-form button[type=submit]")
    page.wait_for_selector(".messages")
    assert "new negotiation round" in page.inner_text(".messages")
    assert page.inner_text("#round") == "1"
    assert row(page, "Northern Europe").locator("[data-col=plan]").inner_text() == "12,000,000.00"
    rep_goal.refresh_from_db()
    assert rep_goal.target > guidance  # the rep's higher bid raised their share of the fixed total
    page.click("#publish-form button[type=submit]")
    page.wait_for_selector(".messages")
    assert "Published" in page.inner_text("#cycle-status")
    assert sums_are_exact(tree_goals(cycle)) == []

    sign_in(page, live_server, "region.manager")
    page.goto(f"{live_server.url}/plans/my-goals/")
    assert "Northern Europe" in page.inner_text(".my-goal")
    assert (
        Unit.objects.get(name="Northern Europe").pk
        == Goal.objects.get(cycle=cycle, parent__isnull=True).owner_unit_id
    )
