"""A freshly built demo is ready to use: its sales are credited and rolled up, and the
current fiscal year has a published revenue plan down to every rep, adding up exactly."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Sum

from quotaflow.core.models import Company
from quotaflow.demo.actions import build_demo
from quotaflow.metrics.models import Metric
from quotaflow.org.models import Unit
from quotaflow.performance.queries import actuals
from quotaflow.plans.models import Goal, GoalStatus, PlanningCycle
from quotaflow.plans.queries import sums_are_exact
from quotaflow.sales.models import Transaction

TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def built(db: None) -> None:
    build_demo(size="tiny", seed=3, today=TODAY)


def test_every_sale_is_credited_and_rolled_up_to_the_company(built: None) -> None:
    revenue = Metric.objects.get(code="revenue")
    company = Unit.objects.get(parent__isnull=True)
    year = Company.current().fiscal_calendar.year(2026)
    booked = Transaction.objects.filter(
        date__range=(year.start, year.end), is_cancelled=False
    ).aggregate(total=Sum("amount_minor"))["total"]

    key = ("unit", company.pk)
    assert booked > 0
    assert actuals(revenue, [key], year.start, year.end)[key] == booked


def test_the_current_year_has_a_published_plan_that_adds_up(built: None) -> None:
    calendar = Company.current().fiscal_calendar
    cycle = PlanningCycle.objects.get(period_label=calendar.year(2027).label)
    goals = list(Goal.objects.filter(cycle=cycle))

    assert {goal.status for goal in goals} == {GoalStatus.PUBLISHED}
    assert sums_are_exact(goals) == []
    rep_goals = [goal for goal in goals if goal.owner_person_id is not None]
    assert len(rep_goals) >= 40
    assert all(goal.target > 0 for goal in rep_goals)
    # Quotas are whole thousands, but for at most one rep per team, who absorbs the odd
    # remainder of the team's over-assigned total so that the team still adds up.
    teams = {goal.parent_id for goal in rep_goals}
    odd = [goal for goal in rep_goals if goal.target % 1_000_00]
    assert len(odd) <= len(teams)
    company_goal = next(g for g in goals if g.owner_unit_id and g.parent_id is None)
    assert company_goal.target % 1_000_00 == 0
    assert "historical_share" in str(rep_goals[0].derivation)
