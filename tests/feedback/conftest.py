"""Fixtures for check-ins: a published FY2027 revenue plan over the small organisation,
frozen in time inside its period (``frozen``, from ``tests/conftest.py``).

    Acme (ceo_cora) → North (manager_max) → North Team A → Ria Rep (rep_ria), Rob Rep
                    → South (manager_sam) → South Team A → Sue Seller
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from quotaflow.metrics.models import Metric, MetricUnit
from quotaflow.plans import actions
from quotaflow.plans.models import Goal, GoalStatus, PlanningCycle
from tests.conftest import SmallOrg
from tests.plans.conftest import FY_END, FY_START, goal_of


def revenue_cycle(org: SmallOrg) -> PlanningCycle:
    """ops_olga's top-down FY2027 revenue cycle, not yet cascaded."""
    return actions.create_cycle(
        acting_user=org.users["ops_olga"],
        metric=Metric.objects.create(code="revenue", name="Revenue", unit=MetricUnit.CURRENCY),
        period_start=FY_START,
        period_end=FY_END,
        period_label="FY2027",
        approach="top_down",
        name="FY2027 revenue",
    )


@pytest.fixture
def plan(small_org: SmallOrg, frozen: Any) -> PlanningCycle:
    """The FY2027 revenue plan, published (its goals running), with no cadence yet."""
    cycle = revenue_cycle(small_org)
    PlanningCycle.objects.filter(pk=cycle.pk).update(status="published")
    Goal.objects.filter(cycle=cycle).update(status=GoalStatus.PUBLISHED)
    cycle.refresh_from_db()
    return cycle


@pytest.fixture
def ria_goal(plan: PlanningCycle, small_org: SmallOrg) -> Goal:
    return goal_of(plan, small_org.people["ria"])


def set_cadence(cycle: PlanningCycle, cadence: str, org: SmallOrg) -> None:
    actions.set_checkin_cadence(cycle, acting_user=org.users["ops_olga"], cadence=cadence)


def client_for(org: SmallOrg, username: str) -> Client:
    """A test client signed in as ``username``."""
    client = Client()
    client.force_login(org.users[username])
    return client
