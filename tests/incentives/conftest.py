"""Fixtures for the incentives app: a revenue metric, Q1 2027 targets for the North team's
reps, a published tiered plan they are on, and a helper that books sales through the real
ingest action (so credits are made as in production)."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from quotaflow.incentives.actions import assign_plan, create_plan, publish_plan, revise_plan
from quotaflow.incentives.models import IncentivePlan
from quotaflow.metrics.models import Aggregation, Metric, MetricUnit
from quotaflow.plans.models import Goal, GoalStatus
from quotaflow.sales.actions import TransactionRow
from tests.conftest import SmallOrg
from tests.performance.conftest import make_row

Q1 = (dt.date(2027, 1, 1), dt.date(2027, 3, 31))
JANUARY = (dt.date(2027, 1, 1), dt.date(2027, 1, 31))
FEBRUARY = (dt.date(2027, 2, 1), dt.date(2027, 2, 28))
MARCH = (dt.date(2027, 3, 1), dt.date(2027, 3, 31))
TARGET = 100_000_00
PLAN_DOCUMENT: dict[str, Any] = {
    "components": [
        {
            "kind": "commission",
            "name": "Revenue commission",
            "metric": "revenue",
            "tiers": [
                {"from": "0", "rate": "0.02"},
                {"from": "0.5", "rate": "0.05"},
                {"from": "1", "rate": "0.08"},
            ],
        }
    ],
    "clawback_window_days": 90,
}


@dataclass
class Setup:
    org: SmallOrg
    revenue: Metric
    plan: IncentivePlan

    def user(self, name: str) -> Any:
        return self.org.users[name]

    def person(self, key: str) -> Any:
        return self.org.people[key]


@pytest.fixture
def setup(small_org: SmallOrg) -> Setup:
    """Ria and Rob (North Team A) on a published marginal-tier plan for Q1 2027, each with
    a 100,000.00 EUR target."""
    revenue = Metric.objects.create(code="revenue", name="Revenue")
    for key in ("ria", "rob"):
        Goal.objects.create(
            owner_person=small_org.people[key],
            metric=revenue,
            period_start=Q1[0],
            period_end=Q1[1],
            target=TARGET,
            status=GoalStatus.PUBLISHED,
        )
    olga = small_org.users["ops_olga"]
    plan = create_plan(
        acting_user=olga,
        name="AE plan",
        period_start=Q1[0],
        period_end=Q1[1],
        document=PLAN_DOCUMENT,
        period_label="FY2027-Q1",
    )
    publish_plan(plan, acting_user=olga, expected_version=plan.version)
    plan.refresh_from_db()
    assign_plan(
        plan,
        acting_user=olga,
        person_ids=[small_org.people["ria"].pk, small_org.people["rob"].pk],
        expected_version=plan.version,
    )
    plan.refresh_from_db()
    return Setup(small_org, revenue, plan)


Book = Callable[..., Any]


@pytest.fixture
def book(setup: Setup) -> Book:
    """Book sales credited to one rep: ``book("D-1", day, cents, "ria", **fields)``."""
    from quotaflow.performance.actions import ingest_transactions

    def booking(external_id: str, day: dt.date, amount: int, who: str = "ria", **extra: Any) -> Any:
        row: TransactionRow = make_row(
            external_id, day, amount, {setup.person(who).pk: "100"}, **extra
        )
        return ingest_transactions([row], acting_user=setup.user("ops_olga"), source="crm")

    return booking


SPIF = {
    "kind": "spif",
    "name": "Cloud push",
    "metric": "revenue",
    "from": "2027-01-01",
    "to": "2027-01-31",
    "applies_to": {"attribute": "product_group", "values": ["Cloud"]},
    "per_deal_minor": 500_00,
    "budget_minor": 1_000_00,
}
SCORECARD = {
    "kind": "scorecard",
    "name": "Balanced bonus",
    "target_incentive_minor": 2_000_00,
    "measures": [
        {"metric": "revenue", "weight": "0.5", "cap": "1.5"},
        {"metric": "deals", "weight": "0.5"},
    ],
}


@pytest.fixture
def spif_plan(setup: Setup) -> Setup:
    """The AE plan revised to version 2 with the Cloud push SPIF and a scorecard on
    revenue and the number of deals (target 4 each for Ria and Rob)."""
    deals = Metric.objects.create(
        code="deals", name="Deals", unit=MetricUnit.COUNT, aggregation=Aggregation.COUNT
    )
    for key in ("ria", "rob"):
        Goal.objects.create(
            owner_person=setup.person(key),
            metric=deals,
            period_start=Q1[0],
            period_end=Q1[1],
            target=4,
            status=GoalStatus.PUBLISHED,
        )
    olga = setup.user("ops_olga")
    document = copy.deepcopy(PLAN_DOCUMENT)
    document["components"] += [SPIF, SCORECARD]
    revise_plan(
        setup.plan, acting_user=olga, document=document, expected_version=setup.plan.version
    )
    setup.plan.refresh_from_db()
    publish_plan(setup.plan, acting_user=olga, expected_version=setup.plan.version)
    setup.plan.refresh_from_db()
    return setup
