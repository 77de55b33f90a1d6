"""Several integrations posting overlapping batches at the same moment, on PostgreSQL,
through the real API: every request is answered 200, and every sale and activity is
counted once.

Small batches take the row-by-row write path, large ones (``SET_BASED_MIN_ROWS`` or
more) the set-based one; both are raced here. Each thread has its own client and its
own database connection, and all threads start together at a barrier.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from quotaflow.metrics.models import Aggregation, Metric, Source
from quotaflow.performance.actions import SET_BASED_MIN_ROWS, rebuild_aggregates
from quotaflow.performance.queries import actuals, aggregate_snapshot
from quotaflow.sales.models import Activity, Transaction
from tests.conftest import SmallOrg
from tests.performance.test_api import bearer

THREADS = 4
POSTS_PER_THREAD = 2
YEAR = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))


def _sale(index: int) -> dict[str, Any]:
    """Sale ``index``: 1.00 EUR split between Ria and Sue, on a day of the first quarter."""
    day = dt.date(2025, 1, 1) + dt.timedelta(days=index % 90)
    return {
        "external_id": f"T{index}", "date": day.isoformat(), "amount": "1.00", "currency": "EUR",
        "credits": [{"person": "E004", "percent": "50"}, {"person": "E006", "percent": "50"}],
    }  # fmt: skip


def _call(index: int) -> dict[str, Any]:
    day = dt.date(2025, 1, 1) + dt.timedelta(days=index % 90)
    return {
        "external_id": f"C{index}", "date": day.isoformat(), "person": "E005",
        "activity_type": "call", "quantity": 1,
    }  # fmt: skip


def _overlapping(count: int, thread: int, post: int) -> list[int]:
    """Indexes of one batch: each batch shares most of its rows with the batches of the
    other threads (a window sliding by a tenth of ``count``), in a thread-specific order
    so that the writers do not meet the shared rows in the same sequence."""
    first = (thread * POSTS_PER_THREAD + post) * max(count // 10, 1)
    indexes = list(range(first, first + count))
    return indexes if thread % 2 == 0 else indexes[::-1]


def _race(headers: dict[str, str], requests: list[list[tuple[str, dict[str, Any]]]]) -> list[Any]:
    """Run each thread's list of (path, body) posts, all threads released together;
    returns every (status, body) answered."""
    connection.close()  # each thread opens its own connection
    answers: list[Any] = []
    errors: list[BaseException] = []
    start = threading.Barrier(len(requests))

    def run(posts: list[tuple[str, dict[str, Any]]]) -> None:
        client = Client()
        try:
            start.wait()
            for path, body in posts:
                response = client.post(path, body, content_type="application/json", **headers)
                answers.append((response.status_code, response.json()))
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(posts,)) for posts in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert errors == []
    return answers


@pytest.fixture
def calls(db: None) -> Metric:
    return Metric.objects.create(
        code="calls", name="Calls", unit="count", source=Source.ACTIVITIES,
        aggregation=Aggregation.SUM, value_field="quantity", activity_type="call",
    )  # fmt: skip


def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so there is no race to test")


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_ingest_of_overlapping_small_batches_answers_200_and_counts_once(
    small_org: SmallOrg, revenue: Metric, calls: Metric
) -> None:
    _postgres_only()
    headers = bearer(small_org.users["ops_olga"], "ingest")
    size = 40
    requests = [
        [
            *(
                ("/api/v1/ingest/transactions",
                 {"source": "crm", "transactions": [_sale(i) for i in _overlapping(size, t, p)]})
                for p in range(POSTS_PER_THREAD)
            ),
            *(
                ("/api/v1/ingest/activities",
                 {"source": "crm", "activities": [_call(i) for i in _overlapping(size, t, p)]})
                for p in range(POSTS_PER_THREAD)
            ),
        ]
        for t in range(THREADS)
    ]  # fmt: skip

    answers = _race(headers, requests)

    assert [status for status, _ in answers] == [200] * (2 * THREADS * POSTS_PER_THREAD)
    distinct = len({i for t in range(THREADS) for p in range(2) for i in _overlapping(size, t, p)})
    assert Transaction.objects.filter(source="crm").count() == distinct
    assert Activity.objects.filter(source="crm").count() == distinct
    assert sum(body["created"] for _, body in answers) == 2 * distinct
    company = ("unit", small_org.company.pk)
    assert actuals(revenue, [company], *YEAR)[company] == distinct * 1_00
    assert actuals(calls, [company], *YEAR)[company] == distinct
    incremental = aggregate_snapshot()
    rebuild_aggregates()
    assert aggregate_snapshot() == incremental


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_ingest_of_overlapping_set_based_batches_answers_200_and_counts_once(
    small_org: SmallOrg, revenue: Metric
) -> None:
    _postgres_only()
    headers = bearer(small_org.users["ops_olga"], "ingest")
    size = SET_BASED_MIN_ROWS  # the smallest batch that takes the set-based path
    requests = [
        [
            ("/api/v1/ingest/transactions",
             {"source": "crm", "transactions": [_sale(i) for i in _overlapping(size, t, 0)]})
        ]
        for t in range(THREADS)
    ]  # fmt: skip

    answers = _race(headers, requests)

    assert [status for status, _ in answers] == [200] * THREADS
    distinct = len({i for t in range(THREADS) for i in _overlapping(size, t, 0)})
    assert Transaction.objects.filter(source="crm").count() == distinct
    assert sum(body["created"] for _, body in answers) == distinct
    company = ("unit", small_org.company.pk)
    assert actuals(revenue, [company], *YEAR)[company] == distinct * 1_00
    incremental = aggregate_snapshot()
    rebuild_aggregates()
    assert aggregate_snapshot() == incremental


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_identical_ingest_posts_all_answer_200(
    small_org: SmallOrg, revenue: Metric
) -> None:
    _postgres_only()
    headers = bearer(small_org.users["ops_olga"], "ingest")
    body = {"source": "crm", "transactions": [_sale(i) for i in range(25)]}
    answers = _race(headers, [[("/api/v1/ingest/transactions", body)] for _ in range(3)])

    assert [status for status, _ in answers] == [200, 200, 200]
    assert sorted(answer["created"] for _, answer in answers) == [0, 0, 25]
    company = ("unit", small_org.company.pk)
    assert actuals(revenue, [company], *YEAR)[company] == 25 * 1_00
