"""Two large ingests at once on PostgreSQL: each spans several chunks and both touch the
same aggregate cells; neither deadlocks, nothing is lost, and a rebuild agrees."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection

from quotaflow.metrics.models import Metric
from quotaflow.performance.actions import ingest_transactions, rebuild_aggregates
from quotaflow.performance.queries import actuals, aggregate_snapshot
from tests.conftest import SmallOrg
from tests.performance.conftest import make_row

ROWS = 12_000  # three chunks of the sales upsert each


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_multi_chunk_ingests_complete_and_add_up(
    small_org: SmallOrg, revenue: Metric, software: Metric
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so there is no race to test")
    people = small_org.people
    batches = [
        [
            make_row(
                f"{prefix}{index}", dt.date(2025, 1, 1) + dt.timedelta(days=index % 90), 1_00,
                {people[first].pk: "50", people[second].pk: "50"},
                product_group="Software" if index % 2 else "Hardware",
            )
            for index in range(ROWS)
        ]
        for prefix, first, second in (("A", "ria", "sue"), ("B", "sue", "rob"))
    ]  # fmt: skip
    connection.close()  # each thread opens its own connection
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def ingest(rows: list) -> None:
        try:
            start.wait()
            ingest_transactions(rows, acting_user=None, source="crm")
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=ingest, args=(rows,)) for rows in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)

    assert errors == []
    company = ("unit", small_org.company.pk)
    year = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert actuals(revenue, [company], *year)[company] == 2 * ROWS * 1_00
    assert actuals(software, [company], *year)[company] == ROWS * 1_00
    incremental = aggregate_snapshot()
    rebuild_aggregates()
    assert aggregate_snapshot() == incremental
