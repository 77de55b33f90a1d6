"""Fixtures for tracking tests: metrics on top of the small organisation, and a helper
that posts transactions through the real ingest action."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from quotaflow.metrics.models import Aggregation, Metric, Source
from quotaflow.org.models import Assignment, AssignmentRole
from quotaflow.performance.actions import IngestResult, ingest_transactions
from quotaflow.performance.models import DailyAggregate, MonthlyAggregate, OverlayRule
from quotaflow.plans.models import Goal
from quotaflow.sales.actions import CreditShare, TransactionRow
from tests.conftest import SmallOrg


@pytest.fixture
def revenue(db: None) -> Metric:
    """All booked revenue, in minor units."""
    return Metric.objects.create(code="revenue", name="Revenue")


@pytest.fixture
def software(db: None) -> Metric:
    """Revenue from the Software product group only."""
    return Metric.objects.create(
        code="software", name="Software revenue", filters={"product_group": ["Software"]}
    )


@pytest.fixture
def new_logos(db: None) -> Metric:
    """Distinct accounts sold to: not additive across days or people."""
    return Metric.objects.create(
        code="logos",
        name="New logos",
        unit="count",
        aggregation=Aggregation.DISTINCT_COUNT,
        value_field="account",
    )


@pytest.fixture
def calls(db: None) -> Metric:
    """Number of calls made (an activity metric)."""
    return Metric.objects.create(
        code="calls",
        name="Calls",
        unit="count",
        source=Source.ACTIVITIES,
        aggregation=Aggregation.SUM,
        value_field="quantity",
        activity_type="call",
    )


def mixed_catalogue_and_a_move(small_org: SmallOrg) -> None:
    """Revenue, Software revenue (filtered), a deal count and a distinct count of accounts;
    Sue overlays Software at 30 %; Ria moves from the north team to the south team on
    1 July 2025 — every crediting rule in one setting, for property tests."""
    Metric.objects.create(code="revenue", name="Revenue")
    Metric.objects.create(code="software", name="Software", filters={"product_group": ["Software"]})
    Metric.objects.create(code="deals", name="Deals", unit="count", aggregation=Aggregation.COUNT)
    Metric.objects.create(
        code="logos",
        name="Logos",
        unit="count",
        aggregation=Aggregation.DISTINCT_COUNT,
        value_field="account",
    )
    OverlayRule.objects.create(
        person=small_org.people["sue"],
        product_group="Software",
        percent=30,
        valid_from=dt.date(2025, 1, 1),
    )
    ria = small_org.people["ria"]
    Assignment.objects.filter(person=ria, unit=small_org.north_team).update(
        valid_to=dt.date(2025, 6, 30)
    )
    Assignment.objects.get_or_create(
        person=ria,
        unit=small_org.south_team,
        role=AssignmentRole.MEMBER,
        valid_from=dt.date(2025, 7, 1),
    )


Post = Callable[..., IngestResult]


def assert_months_add_up() -> None:
    """Every monthly cell is the sum of the daily cells of its month, and there is one
    for every month with a non-empty daily cell."""
    summed: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0])
    for metric_id, owner_type, owner_id, day, value, count in DailyAggregate.objects.values_list(
        "metric_id", "owner_type", "owner_id", "day", "value", "count"
    ):
        cell = summed[(metric_id, owner_type, owner_id, day.replace(day=1))]
        cell[0] += value
        cell[1] += count
    expected = {key: tuple(cell) for key, cell in summed.items() if cell != [0, 0]}
    stored = {
        (metric_id, owner_type, owner_id, month): (value, count)
        for metric_id, owner_type, owner_id, month, value, count in MonthlyAggregate.objects.exclude(
            value=0, count=0
        ).values_list("metric_id", "owner_type", "owner_id", "month", "value", "count")
    }
    assert stored == expected


def make_row(
    external_id: str,
    day: dt.date,
    amount: int,
    credits: dict[int, str] | list[tuple[int, str]],
    **extra: Any,
) -> TransactionRow:
    """A transaction row; ``credits`` maps person ids to percentages."""
    pairs = credits.items() if isinstance(credits, dict) else credits
    shares = tuple(CreditShare(person_id, Decimal(percent)) for person_id, percent in pairs)
    return TransactionRow(
        external_id=external_id,
        date=day,
        amount_minor=amount,
        currency="EUR",
        credits=shares,
        **extra,
    )


@pytest.fixture
def post(small_org: SmallOrg) -> Post:
    """Ingest rows as ops_olga through the CRM source."""

    def post_rows(*rows: TransactionRow, source: str = "crm") -> IngestResult:
        return ingest_transactions(
            list(rows), acting_user=small_org.users["ops_olga"], source=source
        )

    return post_rows


Q1 = {
    "period_start": dt.date(2025, 1, 1),
    "period_end": dt.date(2025, 3, 31),
    "period_label": "FY2025-Q1",
}


@pytest.fixture
def q1_goals(small_org: SmallOrg, revenue: Metric, post: Post) -> dict[str, Goal]:
    """Q1 goals: Ria 1,000.00 (she sells 1,200.00), Sue 1,000.00 (she sells 300.00), and
    North 2,000.00 (1,200.00 sold under it)."""
    goals = {
        "ria": Goal.objects.create(
            owner_person=small_org.people["ria"],
            metric=revenue,
            target=1_000_00,
            status="published",
            **Q1,
        ),
        "sue": Goal.objects.create(
            owner_person=small_org.people["sue"],
            metric=revenue,
            target=1_000_00,
            status="published",
            **Q1,
        ),
        "north": Goal.objects.create(
            owner_unit=small_org.north, metric=revenue, target=2_000_00, status="published", **Q1
        ),
    }
    post(
        make_row("R1", dt.date(2025, 1, 15), 1_200_00, {small_org.people["ria"].pk: "100"}),
        make_row("S1", dt.date(2025, 1, 20), 300_00, {small_org.people["sue"].pk: "100"}),
    )
    return goals
