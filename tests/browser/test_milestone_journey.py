"""Checklist goals and the team's scorecards in a real Chromium: a manager writes Rob's
checklist in the goal's editor; Ria ticks a milestone with evidence and her manager
confirms it; the manager gives every rep of his teams the same scorecard from the team
page and sees each member's overall score."""

from __future__ import annotations

from typing import Any

import pytest

from quotaflow.plans import actions
from quotaflow.plans.models import Goal, GoalKind
from quotaflow.plans.qualitative import MilestoneSpec
from tests.browser.conftest import this_years_cycle
from tests.conftest import SmallOrg
from tests.qualitative import qualitative_goals

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page: Any, login_as: Any, username: str) -> None:
    page.context.clear_cookies()
    login_as(page, username)


def test_milestones_are_ticked_confirmed_and_weighed_in_the_team_scorecards(
    small_org: SmallOrg, live_server: Any, page: Any, login_as: Any
) -> None:
    olga = small_org.users["ops_olga"]
    cycle = this_years_cycle(small_org, name="This year's revenue", approach="top_down")
    actions.run_cascade(cycle, acting_user=olga, company_target=1_000_000_00)
    onboarding = qualitative_goals(
        cycle,
        olga,
        code="onboarding",
        kind=GoalKind.MILESTONE,
        milestones=[MilestoneSpec("Shadow three calls"), MilestoneSpec("Certify on the product")],
    )
    rob_goal = Goal.objects.get(
        cycle=cycle, metric=onboarding, owner_person=small_org.people["rob"]
    )
    ria_goal = Goal.objects.get(
        cycle=cycle, metric=onboarding, owner_person=small_org.people["ria"]
    )

    # The manager rewrites Rob's checklist in the editor on the goal's planning page.
    _sign_in(page, login_as, "manager_max")
    page.goto(f"{live_server.url}/plans/goals/{rob_goal.pk}/")
    editor = page.locator("#measure-form")
    editor.locator("[name=milestones]").fill(
        f"Shadow three calls\nRun a demo alone | {cycle.period_end.isoformat()} | 2"
    )
    editor.locator("button[type=submit]").click()
    assert "Saved how the goal is measured." in page.inner_text(".messages")
    assert [m.title for m in rob_goal.milestones.order_by("position")] == [
        "Shadow three calls",
        "Run a demo alone",
    ]
    actions.publish_cycle(cycle, acting_user=olga)

    # Ria ticks her first milestone with evidence.
    _sign_in(page, login_as, "rep_ria")
    page.goto(f"{live_server.url}/performance/goals/{ria_goal.pk}/")
    assert page.inner_text("[data-testid=qualitative-summary]") == "0 of 2 milestones done"
    first = page.locator("[data-testid=milestones] li").first
    first.locator("[name=evidence]").fill("Shadowed Max on three discovery calls")
    first.locator("button", has_text="Tick done").click()
    assert page.inner_text("[data-testid=qualitative-summary]") == "1 of 2 milestones done"
    assert page.inner_text("[data-testid=qualitative-progress]") == "50%"
    assert "Shadowed Max on three discovery calls" in page.inner_text("[data-testid=milestones]")

    # Her manager confirms it, then gives every rep of his teams the same scorecard.
    _sign_in(page, login_as, "manager_max")
    page.goto(f"{live_server.url}/performance/goals/{ria_goal.pk}/")
    page.locator("[data-testid=milestones] li").first.locator("button", has_text="Confirm").click()
    assert "confirmed by" in page.inner_text("[data-testid=milestones]")
    page.goto(f"{live_server.url}/scorecards/{cycle.pk}/units/NORTH/")
    assert page.is_visible("[data-testid=no-scorecards]")
    form = page.locator("#apply-form")
    form.locator("[name=unit_kind]").select_option(value="team")
    form.locator("[name=name]").fill("North reps")
    form.locator("[name=choice_0]").select_option(value="revenue")
    form.locator("[name=weight_0]").fill("80")
    form.locator("[name=cap_0]").fill("150")
    form.locator("[name=choice_1]").select_option(value="onboarding")
    form.locator("[name=weight_1]").fill("20")
    form.locator("button[type=submit]").click()
    assert "2 scorecards written." in page.inner_text(".messages")
    rows = page.locator("[data-testid=team-scorecards] tbody tr")
    assert rows.count() == 2
    ria_row = rows.filter(has_text="Ria Rep")
    assert "Onboarding 50% × 20% = 10.00 points" in ria_row.inner_text()
    assert "10.00" in ria_row.locator("td.num").inner_text()
    rob_row = rows.filter(has_text="Rob Rep")
    assert "Onboarding 0% × 20% = 0.00 points" in rob_row.inner_text()
