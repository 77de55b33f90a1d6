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
