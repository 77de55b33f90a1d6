"""Property: whatever sequence of creates, corrections, re-splits, cancellations and credit
notes arrives, incremental maintenance ends where a rebuild from scratch does."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quotaflow.metrics.models import Metric
from quotaflow.performance.actions import ingest_transactions, rebuild_aggregates
from quotaflow.performance.models import (
    Credit,
    DailyAggregate,
    DistinctKeyDay,
    MonthlyAggregate,
    OverlayRule,
)
from quotaflow.performance.queries import aggregate_snapshot
from quotaflow.sales.models import Transaction
from tests.conftest import SmallOrg
from tests.performance.conftest import assert_months_add_up, make_row, mixed_catalogue_and_a_move

REPS = ("ria", "rob", "sue", "max")
event = st.fixed_dictionaries(
    {
        "id": st.integers(min_value=0, max_value=7),
        "day": st.integers(min_value=0, max_value=360),
        "amount": st.integers(min_value=-50_000, max_value=500_000),
        "reps": st.lists(st.sampled_from(REPS), min_size=1, max_size=3, unique=True),
        "group": st.sampled_from(["Software", "Hardware"]),
        "account": st.sampled_from(["", "Globex", "Initech", "Umbrella"]),
        "cancelled": st.booleans(),
    }
)


def _percentages(count: int) -> list[str]:
    base = [f"{100 / count:.4f}"] * (count - 1)
    return [*base, f"{100 - sum(float(value) for value in base):.4f}"]


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batches=st.lists(st.lists(event, min_size=1, max_size=6), min_size=1, max_size=5))
def test_incremental_equals_rebuild(small_org: SmallOrg, batches: list[list[dict]]) -> None:
    for model in (
        Credit,
        DailyAggregate,
        MonthlyAggregate,
        DistinctKeyDay,
        Transaction,
        OverlayRule,
        Metric,
    ):
        model.objects.all().delete()
    mixed_catalogue_and_a_move(small_org)

    for batch in batches:
        latest = {item["id"]: item for item in batch}  # one row per external id per batch
        rows = [
            make_row(
                f"T{item['id']}", dt.date(2025, 1, 1) + dt.timedelta(days=item["day"]), item["amount"],
                list(zip((small_org.people[key].pk for key in item["reps"]), _percentages(len(item["reps"])), strict=True)),
                product_group=item["group"], account=item["account"], is_cancelled=item["cancelled"],
            )
            for item in latest.values()
        ]  # fmt: skip
        ingest_transactions(rows, acting_user=None, source="crm")
    incremental = aggregate_snapshot()
    assert_months_add_up()

    rebuild_aggregates()

    assert aggregate_snapshot() == incremental
