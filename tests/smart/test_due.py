"""The SMART check in sales operations' action centre (``smart.due``), with time frozen on
20 January 2027 in a bottom-up FY2027 plan being prepared on a metric that was retired
(the Measurable letter fails for every goal on it)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from quotaflow.metrics.models import Metric, MetricUnit
from quotaflow.plans import actions
from quotaflow.plans.models import PlanningCycle
from quotaflow.smart.due import failing_counts, items_for
from quotaflow.smart.facts import check_goals
from tests.conftest import SmallOrg
from tests.plans.conftest import FY_END, FY_START, goal_of

pytestmark = pytest.mark.django_db

TODAY = dt.date(2027, 1, 20)


@pytest.fixture
def make_cycle(small_org: SmallOrg) -> Callable[..., PlanningCycle]:
    def make(approach: str, name: str) -> PlanningCycle:
        metric, _ = Metric.objects.get_or_create(
            code="revenue", defaults={"name": "Revenue", "unit": MetricUnit.CURRENCY}
        )
        return actions.create_cycle(
            acting_user=small_org.users["ops_olga"], metric=metric, period_start=FY_START,
            period_end=FY_END, period_label="FY2027", approach=approach, name=name,
        )  # fmt: skip

    return make


def test_sales_ops_see_how_many_goals_of_each_plan_fail_a_letter(
    make_cycle: Callable[..., PlanningCycle], small_org: SmallOrg, frozen: Any
) -> None:
    more_reps = small_org
    cycle = make_cycle("bottom_up", name="FY2027 bookings")
    Metric.objects.filter(pk=cycle.metric_id).update(is_active=False)
    people = [goal_of(cycle, more_reps.people[key]) for key in ("ria", "rob", "sue")]
    failing = [
        checked.goal.pk
        for checked in check_goals(people)
        if any(verdict.status == "fail" for _, _, verdict in checked.report.verdicts())
    ]
    assert len(failing) == 3  # its metric was retired: Measurable fails for everyone

    (item,) = items_for(more_reps.users["ops_olga"], TODAY)
    assert item.kind == "cycle.smart"
    assert item.group == "Plan FY2027 bookings before publishing"  # beside its other blockers
    assert item.title == "3 goals fail a SMART letter"
    assert item.url == f"/smart/cycles/{cycle.pk}/health/"

    Metric.objects.filter(pk=cycle.metric_id).update(is_active=True)
    assert failing_counts([cycle]) == {}
    assert items_for(more_reps.users["ops_olga"], TODAY) == []
    assert items_for(more_reps.users["manager_max"], TODAY) == []
    assert items_for(more_reps.users["rep_ria"], TODAY) == []


def test_plans_no_longer_being_prepared_are_not_checked(
    make_cycle: Callable[..., PlanningCycle], small_org: SmallOrg, frozen: Any
) -> None:
    cycle = make_cycle("bottom_up", name="FY2027 bookings")
    PlanningCycle.objects.filter(pk=cycle.pk).update(status="published")
    assert items_for(small_org.users["ops_olga"], TODAY) == []
