"""Bulk review in a real browser: a manager opens the review page from the plan, approves
the selected submissions and returns another with a reason."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from quotaflow.accounts.models import Role, User
from quotaflow.metrics.models import Metric
from quotaflow.plans import actions
from quotaflow.plans.models import CommentKind, Goal, GoalComment, GoalStatus, PlanningCycle
from tests.conftest import PASSWORD, SmallOrg

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _submitted_team_plan(org: SmallOrg) -> tuple[PlanningCycle, Goal, Goal]:
    """A bottom-up FY2027 plan in which Ria and Rob (North Team A, under manager_max)
    have submitted 100,000.00 and 120,000.00."""
    rob = User.objects.create_user(username="rep_rob", password=PASSWORD, role=Role.REP)
    org.people["rob"].user = rob
    org.people["rob"].save(update_fields=["user"])
    cycle = actions.create_cycle(
        acting_user=org.users["ops_olga"],
        metric=Metric.objects.create(code="revenue", name="Revenue"),
        period_start=dt.date(2027, 1, 1),
        period_end=dt.date(2027, 12, 31),
        period_label="FY2027",
        approach="bottom_up",
        name="FY2027 team plan",
        submissions_due=dt.date(2099, 1, 31),
    )
    goals = []
    for key, user, target in (("ria", org.users["rep_ria"], 100_000_00), ("rob", rob, 120_000_00)):
        goal = Goal.objects.get(cycle=cycle, owner_person=org.people[key])
        actions.submit_goal(goal, acting_user=user, target=target)
        goals.append(goal)
    return cycle, goals[0], goals[1]


def _status(goal: Goal) -> str:
    return Goal.objects.get(pk=goal.pk).status


def test_a_manager_approves_the_selected_and_returns_one_with_a_reason(
    small_org: SmallOrg, live_server: Any, page: Any, login_as: Any
) -> None:
    cycle, ria, rob = _submitted_team_plan(small_org)
    login_as(page, "manager_max")

    page.goto(f"{live_server.url}/plans/{cycle.pk}/")
    page.click("#review-link")
    page.wait_for_url(f"**/plans/{cycle.pk}/review/")
    rows = page.locator("#review-goals tbody tr")
    assert rows.count() == 2
    assert "100,000.00" in page.inner_text(f"tr[data-goal='{ria.pk}']")

    # Select all, then leave Rob out: the select-all box shows a partial selection.
    page.check("#select-all")
    assert page.is_checked(f"#goal-{ria.pk}") and page.is_checked(f"#goal-{rob.pk}")
    page.uncheck(f"#goal-{rob.pk}")
    assert page.eval_on_selector("#select-all", "box => box.indeterminate") is True
    page.fill("#id_text", "Agreed in the one-to-one")
    page.click("#approve-selected")
    page.wait_for_selector(".messages")
    assert "1 goal approved." in page.inner_text(".messages")
    assert _status(ria) == GoalStatus.APPROVED and _status(rob) == GoalStatus.SUBMITTED
    assert page.locator("#review-goals tbody tr").count() == 1  # only Rob's is left

    # Returning without a reason is refused, with nothing written.
    page.check(f"#goal-{rob.pk}")
    page.click("#return-selected")
    page.wait_for_selector(".messages")
    assert "Say what should change when returning submissions." in page.inner_text(".messages")
    assert _status(rob) == GoalStatus.SUBMITTED

    page.check(f"#goal-{rob.pk}")
    page.fill("#id_text", "Include the Nordics renewal")
    page.click("#return-selected")
    page.wait_for_selector(".messages")
    assert "1 goal returned to their owners." in page.inner_text(".messages")
    assert page.inner_text("#nothing-to-review").startswith("No submitted goal awaits")
    assert _status(rob) == GoalStatus.RETURNED
    comment = GoalComment.objects.get(goal=rob, kind=CommentKind.RETURN)
    assert comment.body == "Include the Nordics renewal"
