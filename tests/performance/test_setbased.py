"""The set-based ingest (PostgreSQL) against the row-by-row one: for any sequence of
batches — new rows, corrections, re-splits, cancellations, credit notes, replays — both
store the same transactions, shares, credits and aggregates, and report the same counts.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quotaflow.core.errors import InvalidInput
from quotaflow.metrics.models import Metric
from quotaflow.performance import actions, setbased
from quotaflow.performance.actions import ingest_transactions
from quotaflow.performance.models import (
    Credit,
    DailyAggregate,
    DistinctKeyDay,
    MonthlyAggregate,
    OverlayRule,
)
from quotaflow.performance.queries import aggregate_snapshot
from quotaflow.sales.models import Transaction, TransactionCredit
from tests.conftest import SmallOrg
from tests.performance.conftest import assert_months_add_up, make_row, mixed_catalogue_and_a_move

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the set-based ingest runs on PostgreSQL only"
)

REPS = ("ria", "rob", "sue", "max")
event = st.fixed_dictionaries(
    {
        "id": st.integers(min_value=0, max_value=9),
        "day": st.integers(min_value=0, max_value=360),
        "amount": st.integers(min_value=-50_000, max_value=500_001),
        "quantity": st.sampled_from(["1", "2.5", "3.4999", "-1.5", "0"]),
        "reps": st.lists(st.sampled_from(REPS), min_size=1, max_size=3, unique=True),
        "weights": st.lists(st.integers(min_value=1, max_value=7), min_size=3, max_size=3),
        "group": st.sampled_from(["Software", "Hardware", ""]),
        "deal": st.sampled_from(["new", "renewal"]),
        "account": st.sampled_from(["", "Globex", "Initech", "Umbrella"]),
        "cancelled": st.booleans(),
        "source": st.sampled_from(["", "", "erp"]),
        "attributes": st.sampled_from([{}, {}, {"channel": "partner", "seats": 12}]),
    }
)


def _percentages(weights: list[int]) -> list[str]:
    """Percentages in proportion to ``weights`` with four decimals, summing to 100."""
    total = sum(weights)
    parts = [f"{100 * weight / total:.4f}" for weight in weights[:-1]]
    return [*parts, f"{100 - sum(float(part) for part in parts):.4f}"]


def _catalogue(small_org: SmallOrg) -> None:
    """The mixed catalogue, plus an average over quantities, a filter on two columns and a
    full overlay valid for part of the year."""
    mixed_catalogue_and_a_move(small_org)
    Metric.objects.create(
        code="new_erp",
        name="New business from the ERP",
        filters={"deal_type": ["new"], "source": ["erp"]},
    )
    Metric.objects.create(
        code="units", name="Units", unit="count", value_field="quantity", aggregation="average"
    )
    OverlayRule.objects.create(
        person=small_org.people["max"],
        product_group="Hardware",
        percent=100,
        valid_from=dt.date(2025, 3, 1),
        valid_to=dt.date(2025, 9, 30),
    )


def _rows(small_org: SmallOrg, batch: list[dict[str, Any]]) -> list[Any]:
    latest = {(item["source"], item["id"]): item for item in batch}
    return [
        make_row(
            f"T{item['id']}", dt.date(2025, 1, 1) + dt.timedelta(days=item["day"]), item["amount"],
            list(zip((small_org.people[key].pk for key in item["reps"]),
                     _percentages(item["weights"][: len(item["reps"])]), strict=True)),
            quantity=Decimal(item["quantity"]), product_group=item["group"], deal_type=item["deal"],
            account=item["account"], is_cancelled=item["cancelled"], source=item["source"],
            attributes=item["attributes"],
        )
        for item in latest.values()
    ]  # fmt: skip


def _stored() -> dict[str, Any]:
    """Everything the ingest wrote, without database ids (the two paths number rows
    differently)."""
    credits = Counter(
        Credit.objects.values_list(
            "transaction__source", "transaction__external_id", "person_id", "metric_id",
            "kind", "day", "value", "distinct_key", "unit_id", "unit_path",
        )
    )  # fmt: skip
    transactions = sorted(
        Transaction.objects.values_list(
            "source", "external_id", "date", "amount_minor", "quantity", "product_group",
            "deal_type", "account", "is_cancelled", "attributes",
        )
    )  # fmt: skip
    shares = sorted(
        TransactionCredit.objects.values_list(
            "transaction__source", "transaction__external_id", "person_id", "percent"
        )
    )
    assert_months_add_up()
    return {
        "credits": credits,
        "transactions": transactions,
        "shares": shares,
        "cells": aggregate_snapshot(),
    }


def _run(small_org: SmallOrg, batches: list[list[dict[str, Any]]]) -> tuple[Any, ...]:
    for model in (Credit, DailyAggregate, MonthlyAggregate, DistinctKeyDay, Transaction):
        model.objects.all().delete()
    results = [
        ingest_transactions(_rows(small_org, batch), acting_user=None, source="crm")
        for batch in batches
    ]
    return results, _stored()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batches=st.lists(st.lists(event, min_size=1, max_size=8), min_size=1, max_size=5))
def test_set_based_equals_row_by_row(
    small_org: SmallOrg, batches: list[list[dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    for model in (OverlayRule, Metric):
        model.objects.all().delete()
    _catalogue(small_org)
    assert setbased.available()
    replayed = [*batches, batches[-1]]  # the last batch twice: the replay changes nothing

    with monkeypatch.context() as patch:
        patch.setattr(actions, "SET_BASED_MIN_ROWS", 0)  # small batches too
        patch.setattr(actions, "SET_BASED_CHUNK", 3)  # loads of several chunks
        set_based = _run(small_org, replayed)
    with monkeypatch.context() as patch:
        patch.setattr(setbased, "available", lambda: False)
        row_by_row = _run(small_org, replayed)

    assert set_based == row_by_row
    assert set_based[0][-1].created == set_based[0][-1].updated == 0


def test_metric_outside_the_catalogue_falls_back_to_row_by_row(
    small_org: SmallOrg, monkeypatch: pytest.MonkeyPatch
) -> None:
    Metric.objects.create(code="revenue", name="Revenue")
    assert setbased.available()
    # Only a raw edit can give a metric a filter the catalogue would refuse.
    Metric.objects.create(code="odd", name="Odd", filters={"amount_minor": [100]})
    assert not setbased.available()
    monkeypatch.setattr(actions, "SET_BASED_MIN_ROWS", 0)
    result = ingest_transactions(
        [make_row("A", dt.date(2025, 2, 1), 100, {small_org.people["ria"].pk: "100"})],
        acting_user=None,
        source="crm",
    )
    assert (result.created, result.recredited) == (1, 1)
    assert Credit.objects.filter(metric__code="odd").count() == 1


def test_repeated_external_id_is_refused_and_nothing_written(
    small_org: SmallOrg, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(actions, "SET_BASED_MIN_ROWS", 0)
    Metric.objects.create(code="revenue", name="Revenue")
    ria = small_org.people["ria"].pk
    rows = [
        make_row("A", dt.date(2025, 2, 1), 100, {ria: "100"}),
        make_row("A", dt.date(2025, 2, 2), 200, {ria: "100"}),
    ]
    with pytest.raises(InvalidInput, match="External id A appears more than once"):
        ingest_transactions(rows, acting_user=None, source="crm")
    assert not Transaction.objects.exists()
    assert not DailyAggregate.objects.exists()


def test_a_small_batch_takes_the_row_by_row_path(
    small_org: SmallOrg, monkeypatch: pytest.MonkeyPatch
) -> None:
    Metric.objects.create(code="revenue", name="Revenue")

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the set-based path was taken")

    monkeypatch.setattr(setbased.Load, "add", refuse)
    result = ingest_transactions(
        [make_row("A", dt.date(2025, 2, 1), 100, {small_org.people["ria"].pk: "100"})],
        acting_user=None,
        source="crm",
    )
    assert result.created == 1
