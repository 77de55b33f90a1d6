"""The action centre on every role's home, and the full list at ``/due/``, with time
frozen on Wednesday 20 January 2027: a published FY2027 revenue plan with weekly
check-ins (the window 8–14 January ended without any) and a bottom-up FY2027 plan on
new logos being prepared, submissions due 15 February."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from quotaflow.feedback import actions as feedback_actions
from quotaflow.metrics.models import Metric, MetricUnit
from quotaflow.plans import actions
from quotaflow.plans.models import Goal, GoalStatus, PlanningCycle
from tests.conftest import SmallOrg
from tests.feedback.conftest import set_cadence
from tests.plans.conftest import FY_END, FY_START, goal_of

pytestmark = pytest.mark.django_db


def _cycle(org: SmallOrg, code: str, approach: str, **options: Any) -> PlanningCycle:
    return actions.create_cycle(
        acting_user=org.users["ops_olga"],
        metric=Metric.objects.create(code=code, name=code.title(), unit=MetricUnit.CURRENCY),
        period_start=FY_START, period_end=FY_END, period_label="FY2027",
        approach=approach, name=f"FY2027 {code}", **options,
    )  # fmt: skip


@pytest.fixture
def running(small_org: SmallOrg, frozen: Any) -> PlanningCycle:
    cycle = _cycle(small_org, "revenue", "top_down")
    actions.run_cascade(cycle, acting_user=small_org.users["ops_olga"], company_target=1_000_000_00)
    actions.publish_cycle(cycle, acting_user=small_org.users["ops_olga"])
    set_cadence(cycle, "weekly", small_org)
    return cycle


@pytest.fixture
def preparing(small_org: SmallOrg, frozen: Any) -> PlanningCycle:
    return _cycle(small_org, "logos", "bottom_up", submissions_due=dt.date(2027, 2, 15))


def _page(client: Client, url: str = "/") -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_a_reps_home_shows_her_goals_progress_and_what_is_due_from_her(
    small_org: SmallOrg,
    running: PlanningCycle,
    preparing: PlanningCycle,
    client_for: Callable[[str | None], Client],
) -> None:
    goal = goal_of(running, small_org.people["ria"])
    draft = goal_of(preparing, small_org.people["ria"])
    page = _page(client_for("rep_ria"))

    assert "How you are doing" in page
    assert f'data-testid="goal-{goal.pk}"' in page  # attainment, pacing, projection, status
    assert f'href="/performance/goals/{goal.pk}/#check-ins"' in page
    assert "Check in on Revenue (FY2027): the check-in due 14 Jan is missing" in page
    assert f'href="/plans/goals/{draft.pk}/"' in page
    assert "Submit your target for FY2027 logos" in page and "due 15 Feb 2027" in page
    assert '<span class="badge" data-testid="due-total">2</span>' in page
    for other in ("Rob Rep", "Sue Seller", "Who has not checked in"):
        assert other not in page


def test_a_managers_home_shows_the_team_who_has_not_checked_in_and_approvals(
    small_org: SmallOrg,
    running: PlanningCycle,
    preparing: PlanningCycle,
    client_for: Callable[[str | None], Client],
) -> None:
    rep = small_org.users["rep_ria"]
    feedback_actions.check_in(goal_of(running, small_org.people["ria"]), acting_user=rep,
                              note="Fine.", confidence=4)  # fmt: skip
    submitted = goal_of(preparing, small_org.people["ria"])
    actions.submit_goal(submitted, acting_user=rep, target=12_00)
    page = _page(client_for("manager_max"))

    team = page.split("Your team's goals")[1].split("Units you manage")[0]
    assert team.index("Ria Rep") < team.index("Rob Rep") < team.index("Units beneath you")
    assert team.index("Units beneath you") < team.index("North Team A")
    assert "Who has not checked in" in page
    assert "<strong>Rob Rep</strong> · No check-in on Revenue (FY2027)" in page
    assert "<strong>Ria Rep</strong> · No check-in" not in page  # she checked in
    assert "Waiting for your approval" in page
    assert f'href="/plans/goals/{submitted.pk}/"' in page
    assert "approve or return the submitted 12.00 EUR" in page
    assert "Sue Seller" not in page


def test_sales_ops_home_lists_the_plans_being_prepared_and_their_blockers(
    small_org: SmallOrg,
    running: PlanningCycle,
    preparing: PlanningCycle,
    client_for: Callable[[str | None], Client],
) -> None:
    page = _page(client_for("ops_olga"))

    assert "Plans being prepared" in page
    assert f'data-testid="preparing-{preparing.pk}"' in page
    assert f'data-testid="preparing-{running.pk}"' not in page  # published: nothing blocks it
    assert "Plan FY2027 logos before publishing" in page
    assert "3 people have not submitted a target" in page
    assert f'href="/plans/{preparing.pk}/"' in page
    assert f'href="/smart/cycles/{preparing.pk}/health/"' in page


def test_the_full_list_shows_every_item_and_the_home_only_the_first_few(
    small_org: SmallOrg, running: PlanningCycle, client_for: Callable[[str | None], Client]
) -> None:
    # Seven more published goals for Ria, each owing its check-in.
    for index in range(7):
        metric = Metric.objects.create(code=f"m{index}", name=f"Metric {index}")
        Goal.objects.create(
            cycle=running, owner_person=small_org.people["ria"], metric=metric, target=10,
            period_start=FY_START, period_end=FY_END, period_label="FY2027",
            status=GoalStatus.PUBLISHED,
        )  # fmt: skip
    client = client_for("rep_ria")
    home = _page(client)
    assert home.count('data-testid="due-item"') == 5
    assert 'href="/due/#check-ins-due-from-you" data-testid="due-more">and 3 more</a>' in home
    everything = _page(client, "/due/")
    assert everything.count('data-testid="due-item"') == 8
    assert 'id="check-ins-due-from-you"' in everything


def test_nothing_due_says_so(
    small_org: SmallOrg, frozen: Any, client_for: Callable[[str | None], Client]
) -> None:
    for username in ("rep_ria", "manager_max", "ops_olga", "finance_fay", "outsider_otto"):
        page = _page(client_for(username))
        assert 'data-testid="nothing-due"' in page, username
    assert 'data-testid="nothing-due"' in _page(client_for("rep_ria"), "/due/")
    assert client_for(None).get("/due/").status_code == 302
