"""A balanced scorecard with one qualitative component, in a real Chromium, clicked
through as new users would: sales ops adds a rubric goal ("account plans for the top 10
accounts") for every rep with the rubric editor and publishes the plan; the manager
defines Ria's scorecard (revenue 70 %, account plans 30 %) and scores the account plans
3/4; Ria sees her overall score, its formula and each component's share."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from quotaflow.metrics.models import Metric, MetricUnit, Source
from quotaflow.performance.actions import ingest_transactions
from quotaflow.plans import actions
from quotaflow.plans.models import Goal, GoalKind
from quotaflow.sales.actions import CreditShare, TransactionRow
from tests.browser.conftest import this_years_cycle
from tests.conftest import SmallOrg

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LEVELS = [
    "No account plans",
    "Plans drafted for a few top accounts",
    "Plans for five of the top ten",
    "Plans for all ten, not yet reviewed",
    "All ten reviewed with the customer",
]


def _sign_in(page: Any, login_as: Any, username: str) -> None:
    page.context.clear_cookies()
    login_as(page, username)


def test_a_scorecard_with_a_rubric_component_gives_the_rep_her_overall_score(
    small_org: SmallOrg, live_server: Any, page: Any, login_as: Any
) -> None:
    olga = small_org.users["ops_olga"]
    cycle = this_years_cycle(small_org, name="This year's revenue", approach="top_down")
    actions.run_cascade(cycle, acting_user=olga, company_target=1_000_000_00)
    Metric.objects.create(
        code="account_plans",
        name="Account plans",
        unit=MetricUnit.SCORE,
        source=Source.MANUAL,
        description="Account plans for the top 10 accounts",
    )
    # Ria has sold 25,000.00 of her 250,000.00: 10 % of revenue.
    ingest_transactions(
        [
            TransactionRow(
                external_id="DEAL-1",
                date=cycle.period_start,
                amount_minor=25_000_00,
                currency="EUR",
                credits=(CreditShare(small_org.people["ria"].pk, Decimal(100)),),
            )
        ],
        acting_user=olga,
        source="crm",
    )

    # Sales ops: the same rubric goal for every rep, with what each score means.
    _sign_in(page, login_as, "ops_olga")
    page.goto(f"{live_server.url}/plans/{cycle.pk}/")
    page.click("text=Add the same goal for a whole level or role")
    form = page.locator("#template-form")
    form.locator("[name=metric]").select_option(label="Account plans")
    form.locator("[name=owners]").select_option(value="role:rep")
    form.locator("[name=kind]").select_option(value="rubric")
    form.locator("[name=description]").fill("Account plans for the top 10 accounts")
    for score, meaning in enumerate(LEVELS):
        form.locator(f"[name=level_{score}]").fill(meaning)
    form.locator("button[type=submit]").click()
    assert "3 goals created." in page.inner_text(".messages")
    page.click("#publish-form button[type=submit]")
    page.wait_for_selector(".messages")
    rubric_goal = Goal.objects.get(
        cycle=cycle, metric__code="account_plans", owner_person=small_org.people["ria"]
    )
    assert rubric_goal.kind == GoalKind.RUBRIC and rubric_goal.rubric[4]["meaning"] == LEVELS[4]
    revenue_goal = Goal.objects.get(
        cycle=cycle, metric=cycle.metric, owner_person=small_org.people["ria"]
    )

    # The manager defines Ria's scorecard: revenue 70 %, account plans 30 %.
    _sign_in(page, login_as, "manager_max")
    page.goto(f"{live_server.url}/scorecards/{cycle.pk}/people/E004/")
    assert page.is_visible("[data-testid=no-scorecard]")
    scorecard_form = page.locator("#scorecard-form")
    scorecard_form.locator("[name=name]").fill("Ria this year")
    scorecard_form.locator("[name=choice_0]").select_option(value=str(revenue_goal.pk))
    scorecard_form.locator("[name=weight_0]").fill("70")
    scorecard_form.locator("[name=choice_1]").select_option(value=str(rubric_goal.pk))
    scorecard_form.locator("[name=weight_1]").fill("20")
    scorecard_form.locator("button[type=submit]").click()
    # Weights that do not add up to 100 are refused, in words, and nothing is saved.
    assert "they must add up to exactly 100%" in page.inner_text(".messages")
    assert page.is_visible("[data-testid=no-scorecard]")
    scorecard_form.locator("[name=choice_0]").select_option(value=str(revenue_goal.pk))
    scorecard_form.locator("[name=weight_0]").fill("70")
    scorecard_form.locator("[name=choice_1]").select_option(value=str(rubric_goal.pk))
    scorecard_form.locator("[name=weight_1]").fill("30")
    scorecard_form.locator("button[type=submit]").click()
    assert "Scorecard saved." in page.inner_text(".messages")
    assert "Account plans not measured yet" in page.inner_text("[data-testid=contributions]")

    # ... and scores the account plans 3/4 against the rubric on the goal's page.
    page.goto(f"{live_server.url}/performance/goals/{rubric_goal.pk}/")
    assert LEVELS[3] in page.inner_text("[data-testid=rubric]")
    page.select_option("#score-form [name=score]", value="3")
    page.fill("#score-form [name=comment]", "All ten plans written; reviews start next month.")
    page.click("#score-form button[type=submit]")
    assert page.inner_text("[data-testid=qualitative-summary]") == "scored 3/4"
    assert page.inner_text("[data-testid=qualitative-progress]") == "75%"

    # Ria opens her scorecard from the plan and sees the overall score and its formula.
    _sign_in(page, login_as, "rep_ria")
    page.goto(f"{live_server.url}/plans/{cycle.pk}/")
    page.click("[data-testid=my-scorecard-link]")
    assert page.inner_text("[data-testid=overall-score]") == "29.50"
    assert page.inner_text("[data-testid=formula]") == (
        "Overall = Σ weight × min(attainment, cap) = 7.00 + 22.50 = 29.50 points"
    )
    contributions = page.inner_text("[data-testid=contributions]")
    assert "Revenue 10% × 70% = 7.00 points" in contributions
    assert "Account plans 75% × 30% = 22.50 points (scored 3/4)" in contributions
    assert page.locator("#scorecard-form").count() == 0  # hers to read, not to define
