"""The same sales sent through the ingest API under the default source "api" after a
file import (source "import") would count twice: the answer warns per row, and a batch
may ask to be refused instead."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from quotaflow.metrics.models import Metric
from quotaflow.performance.actions import ingest_transactions
from quotaflow.sales.models import Transaction
from tests.conftest import SmallOrg
from tests.performance.conftest import make_row

pytestmark = pytest.mark.django_db


def _batch(source: str | None = None, **extra: object) -> dict[str, object]:
    body: dict[str, object] = {
        "transactions": [
            {"external_id": ext, "date": "2025-03-10", "amount": "100.00", "currency": "EUR",
             "credits": [{"person": "E004", "percent": "100"}]}
            for ext in ("INV-1", "INV-2")
        ],
        **extra,
    }  # fmt: skip
    if source is not None:
        body["source"] = source
    return body


@pytest.fixture
def imported(small_org: SmallOrg) -> Client:
    """INV-1 stored by a file import (source "import"); ops_olga's API client."""
    Metric.objects.create(code="revenue", name="Revenue")
    ria = small_org.people["ria"].pk
    ingest_transactions(
        [make_row("INV-1", dt.date(2025, 3, 10), 10_000, {ria: "100"})],
        acting_user=small_org.users["ops_olga"],
        source="import",
    )
    client = Client()
    client.force_login(small_org.users["ops_olga"])
    return client


def _post(client: Client, body: dict[str, object]):  # noqa: ANN202 - a test client response
    return client.post("/api/v1/ingest/transactions", body, content_type="application/json")


def test_a_row_already_stored_under_another_source_is_warned_about(imported: Client) -> None:
    response = _post(imported, _batch())

    assert response.status_code == 200
    body = response.json()
    assert body["created"] == 2
    assert body["warnings"] == [
        {
            "external_id": "INV-1",
            "other_sources": ["import"],
            "message": "external id INV-1 already exists under source import; stored again "
            "under 'api', so it counts twice unless one is removed",
        }
    ]


def test_the_same_source_is_an_idempotent_retry_without_a_warning(imported: Client) -> None:
    response = _post(imported, _batch("import"))

    assert response.status_code == 200
    assert response.json()["warnings"] == []
    assert Transaction.objects.filter(external_id="INV-1").count() == 1


def test_a_batch_may_ask_to_be_refused_and_then_writes_nothing(imported: Client) -> None:
    before = Transaction.objects.count()

    response = _post(imported, _batch(refuse_other_sources=True))

    assert response.status_code == 400
    assert response.json()["field"] == "source"
    assert "INV-1 (under import)" in response.json()["detail"]
    assert Transaction.objects.count() == before
    assert _post(imported, _batch("import", refuse_other_sources=True)).status_code == 200
