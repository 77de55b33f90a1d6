"""Monthly cells: actuals over any period — whole months, ragged edges, a few days — equal
the sum of the daily cells, and the months inside a period are found exactly."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quotaflow.metrics.models import Metric
from quotaflow.performance.actions import ingest_transactions
from quotaflow.performance.models import DailyAggregate
from quotaflow.performance.queries import actuals, whole_months
from tests.conftest import SmallOrg
from tests.performance.conftest import assert_months_add_up, make_row

FIRST = dt.date(2025, 1, 1)
days = st.integers(min_value=0, max_value=500).map(lambda offset: FIRST + dt.timedelta(offset))


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (dt.date(2025, 2, 1), dt.date(2026, 1, 31), (dt.date(2025, 2, 1), dt.date(2026, 1, 1))),
        (dt.date(2025, 1, 15), dt.date(2025, 3, 31), (dt.date(2025, 2, 1), dt.date(2025, 3, 1))),
        (dt.date(2025, 1, 1), dt.date(2025, 3, 30), (dt.date(2025, 1, 1), dt.date(2025, 2, 1))),
        (dt.date(2024, 2, 1), dt.date(2024, 2, 29), (dt.date(2024, 2, 1), dt.date(2024, 2, 1))),
        (dt.date(2025, 1, 15), dt.date(2025, 2, 20), None),
        (dt.date(2025, 1, 2), dt.date(2025, 1, 31), None),
        (dt.date(2025, 12, 2), dt.date(2026, 1, 31), (dt.date(2026, 1, 1), dt.date(2026, 1, 1))),
    ],
)
def test_whole_months_inside_a_period(
    start: dt.date, end: dt.date, months: tuple[dt.date, dt.date] | None
) -> None:
    assert whole_months(start, end) == months


@given(start=days, end=days)
def test_whole_months_are_exactly_the_months_inside(start: dt.date, end: dt.date) -> None:
    found = whole_months(start, end)
    inside = set()
    day = start
    while day <= end:
        month_end = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(1)
        if day.day == 1 and month_end <= end:
            inside.add(day)
        day += dt.timedelta(days=1)
    if not inside:
        assert found is None
    else:
        assert found == (min(inside), max(inside))


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    sales=st.lists(
        st.tuples(days, st.integers(min_value=-20_000, max_value=90_000)), min_size=1, max_size=25
    ),
    periods=st.lists(st.tuples(days, days), min_size=1, max_size=6),
)
def test_actuals_over_any_period_equal_the_daily_cells(
    small_org: SmallOrg,
    sales: list[tuple[dt.date, int]],
    periods: list[tuple[dt.date, dt.date]],
) -> None:
    Metric.objects.all().delete()  # cascades to every aggregate cell
    revenue = Metric.objects.create(code="revenue", name="Revenue")
    ria = small_org.people["ria"]
    rows = [
        make_row(f"M{index}", day, amount, {ria.pk: "100"})
        for index, (day, amount) in enumerate(sales)
    ]
    ingest_transactions(rows, acting_user=None, source="crm")
    assert_months_add_up()
    owners = [("person", ria.pk), ("unit", small_org.north.pk), ("unit", small_org.company.pk)]
    for first, second in periods:
        start, end = min(first, second), max(first, second)
        found = actuals(revenue, owners, start, end)
        for owner_type, owner_id in owners:
            daily = DailyAggregate.objects.filter(
                metric=revenue, owner_type=owner_type, owner_id=owner_id, day__range=(start, end)
            ).aggregate(total=Sum("value"))["total"]
            assert found[(owner_type, owner_id)] == (daily or 0)
