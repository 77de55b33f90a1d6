"""Comments with @mentions in a real Chromium: a manager comments on his rep's submitted
number mentioning sales ops; sales ops sees the unread count in the header, opens the
notification and lands on the comment, the mention highlighted as her name."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from quotaflow.core.models import Notification
from quotaflow.plans import actions
from quotaflow.plans.models import Goal, GoalComment, GoalStatus
from tests.browser.conftest import this_years_cycle
from tests.conftest import SmallOrg

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _submitted_goal(org: SmallOrg) -> Goal:
    """Ria's goal in a bottom-up plan for the year running today, submitted for review."""
    cycle = this_years_cycle(org, name="This year's revenue, bottom-up", approach="bottom_up")
    goal = Goal.objects.get(cycle=cycle, owner_person=org.people["ria"])
    goal = actions.submit_goal(goal, acting_user=org.users["rep_ria"], target=500_000_00)
    assert goal.status == GoalStatus.SUBMITTED
    Notification.objects.update(read_at=timezone.now())  # what follows is the comment's news
    return goal


def _sign_in(page: Any, login_as: Any, username: str) -> None:
    page.context.clear_cookies()
    login_as(page, username)


def test_a_manager_mentions_sales_ops_who_opens_the_comment(
    small_org: SmallOrg, live_server: Any, page: Any, login_as: Any
) -> None:
    olga = small_org.users["ops_olga"]
    olga.first_name, olga.last_name = "Olga", "Ops"
    olga.save()
    goal = _submitted_goal(small_org)

    _sign_in(page, login_as, "manager_max")
    page.goto(f"{live_server.url}/plans/goals/{goal.pk}/")
    page.fill("#comment-text", "@ops_olga can Ria's 500k count the Contoso renewal?")
    page.click("#comment-form button[type=submit]")
    assert "Comment added." in page.inner_text(".messages")
    assert page.inner_text(".comment mark.mention") == "@Olga Ops"
    page.fill("#comment-text", "@manager_sam what do you think?")  # South sees no North goal
    page.click("#comment-form button[type=submit]")
    assert "@manager_sam cannot be mentioned here" in page.inner_text(".messages")
    assert GoalComment.objects.filter(goal=goal).count() == 1

    _sign_in(page, login_as, "ops_olga")
    assert page.inner_text("[data-testid=unread-count]") == "1"
    page.click("[data-testid=inbox-link]")
    item = page.locator("[data-testid=inbox] li").first
    assert "mentioned you on" in item.inner_text()
    item.locator("button", has_text="Open").click()
    comment = GoalComment.objects.get(goal=goal)
    page.wait_for_url(f"**/plans/goals/{goal.pk}/#comment-{comment.pk}")
    assert page.locator("[data-testid=unread-count]").count() == 0  # opening read it
    shown = page.locator(f"#comment-{comment.pk}")
    assert "can Ria's 500k count the Contoso renewal?" in shown.inner_text()
    assert shown.locator("mark.mention").inner_text() == "@Olga Ops"

    _sign_in(page, login_as, "rep_ria")  # the owner hears of the comment on her number
    assert page.inner_text("[data-testid=unread-count]") == "1"
