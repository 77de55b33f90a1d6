"""Fixtures for SMART tests: three years of monthly sales for the small organisation's
reps, and a bottom-up cycle for the quarter after next, whatever today's date.

Quarterly revenue (EUR): Ria Rep about 1.0M, Rob Rep about 0.6M, Sue Seller about 0.8M,
each month drawn with ±15% log-normal noise from a fixed seed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pytest
from django.utils import timezone

from quotaflow.core.fiscal import FiscalCalendar, FiscalPeriod
from quotaflow.metrics.models import Metric, MetricUnit
from quotaflow.plans import actions
from quotaflow.plans.models import Goal, PlanningCycle
from quotaflow.sales.models import Transaction, TransactionCredit
from tests.conftest import SmallOrg

QUARTERLY_EUR = {"ria": 1_000_000, "rob": 600_000, "sue": 800_000}
HISTORY_QUARTERS = 12


@dataclass
class SmartWorld:
    org: SmallOrg
    revenue: Metric
    cycle: PlanningCycle
    history: list[FiscalPeriod]

    def goal_of(self, key: str) -> Goal:
        """The cycle goal of the person ``key`` (``ria``, ``rob``, ``sue``)."""
        return Goal.objects.get(cycle=self.cycle, owner_person=self.org.people[key])


def _months(period: FiscalPeriod) -> list[dt.date]:
    first = period.start
    return [
        dt.date(first.year + (first.month - 1 + i) // 12, (first.month - 1 + i) % 12 + 1, 15)
        for i in range(3)
    ]


@pytest.fixture
def revenue(db: None) -> Metric:
    """Revenue in minor currency units, with its definition."""
    return Metric.objects.create(
        code="revenue", name="Revenue", unit=MetricUnit.CURRENCY,
        description="Booked revenue of won deals, net of credit notes.",
    )  # fmt: skip


@pytest.fixture
def smart_world(small_org: SmallOrg, revenue: Metric) -> SmartWorld:
    """Sales history for the last twelve complete quarters and an open bottom-up cycle."""
    calendar = FiscalCalendar(1)
    current = calendar.period_containing(timezone.localdate(), "quarter")
    history: list[FiscalPeriod] = []
    cursor = current.start - dt.timedelta(days=1)
    while len(history) < HISTORY_QUARTERS:
        history.insert(0, calendar.period_containing(cursor, "quarter"))
        cursor = history[0].start - dt.timedelta(days=1)
    rng = np.random.default_rng(42)
    transactions, owners = [], []
    for key, quarterly in QUARTERLY_EUR.items():
        for period in history:
            for day in _months(period):
                cents = int(quarterly * 100 / 3 * np.exp(rng.normal(0, 0.15)))
                transactions.append(
                    Transaction(
                        source="test",
                        external_id=f"{key}-{day}",
                        date=day,
                        amount_minor=cents,
                        currency="EUR",
                        company_amount_minor=cents,  # the company books in EUR
                    )
                )
                owners.append(small_org.people[key])
    Transaction.objects.bulk_create(transactions)
    TransactionCredit.objects.bulk_create(
        TransactionCredit(transaction=sale, person=person)
        for sale, person in zip(transactions, owners, strict=True)
    )
    next_quarter = calendar.period_containing(current.end + dt.timedelta(days=1), "quarter")
    cycle = actions.create_cycle(
        acting_user=small_org.users["ops_olga"],
        name=f"{next_quarter.label} revenue",
        metric=revenue,
        period_start=next_quarter.start,
        period_end=next_quarter.end,
        period_label=next_quarter.label,
        approach="bottom_up",
        submissions_due=next_quarter.start,
    )
    return SmartWorld(small_org, revenue, cycle, history)
