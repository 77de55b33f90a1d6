"""Fixtures for planning tests: a revenue metric and cycles over the small organisation.

The participants' tree of every cycle on ``small_org`` (goal per node):

    Acme                       (ceo_cora manages)
    ├── North                  (manager_max manages)
    │   └── North Team A
    │       ├── Ria Rep        (rep_ria)
    │       └── Rob Rep
    └── South                  (manager_sam manages)
        └── South Team A
            └── Sue Seller
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from quotaflow.accounts.models import Role, User
from quotaflow.metrics.models import Metric, MetricUnit
from quotaflow.plans import actions
from quotaflow.plans.models import Goal, PlanningCycle
from tests.conftest import PASSWORD, SmallOrg

FY_START = dt.date(2027, 1, 1)
FY_END = dt.date(2027, 12, 31)


@pytest.fixture
def revenue(db: None) -> Metric:
    """Revenue in minor currency units."""
    return Metric.objects.create(code="revenue", name="Revenue", unit=MetricUnit.CURRENCY)


@pytest.fixture
def more_reps(small_org: SmallOrg) -> SmallOrg:
    """Give Rob (rep_rob) and Sue (rep_sue) logins too, so everyone can submit."""
    for key, username in (("rob", "rep_rob"), ("sue", "rep_sue")):
        user = User.objects.create_user(username=username, password=PASSWORD, role=Role.REP)
        person = small_org.people[key]
        person.user = user
        person.save(update_fields=["user"])
        small_org.users[username] = user
    return small_org


@pytest.fixture
def make_cycle(small_org: SmallOrg, revenue: Metric) -> Callable[..., PlanningCycle]:
    """Create a FY2027 cycle as ops_olga with the given approach and settings."""

    def make(approach: str = "top_down", **options: Any) -> PlanningCycle:
        options.setdefault("name", f"FY2027 revenue {approach}")
        return actions.create_cycle(
            acting_user=small_org.users["ops_olga"],
            metric=revenue,
            period_start=FY_START,
            period_end=FY_END,
            period_label="FY2027",
            approach=approach,
            **options,
        )

    return make


def goal_of(cycle: PlanningCycle, owner: Any) -> Goal:
    """The cycle's tree goal owned by a unit or a person."""
    field = "owner_unit" if owner.__class__.__name__ == "Unit" else "owner_person"
    return Goal.objects.get(cycle=cycle, metric_id=cycle.metric_id, **{field: owner})


# Bulk review: a bottom-up cycle open until 2099, and three submissions in it.


@pytest.fixture
def cycle(make_cycle: Callable[..., PlanningCycle], more_reps: SmallOrg) -> PlanningCycle:
    """A bottom-up FY2027 cycle open for submissions until 2099 (modules may define their own)."""
    return make_cycle("bottom_up", submissions_due=dt.date(2099, 1, 31))


@pytest.fixture
def submissions(cycle: PlanningCycle, more_reps: SmallOrg) -> dict[str, Goal]:
    """In ``cycle``, Ria, Rob (North) and Sue (South) have each submitted 100,000.00."""
    goals = {}
    for key, username in (("ria", "rep_ria"), ("rob", "rep_rob"), ("sue", "rep_sue")):
        goal = goal_of(cycle, more_reps.people[key])
        actions.submit_goal(goal, acting_user=more_reps.users[username], target=10_000_000)
        goals[key] = Goal.objects.get(pk=goal.pk)
    return goals
