"""The tracking API: ingest with a token, idempotent replays, attainment reads and scoping."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from quotaflow.accounts.actions import create_token
from quotaflow.accounts.models import User
from quotaflow.metrics.models import Metric
from quotaflow.plans.models import Goal
from tests.conftest import PASSWORD, SmallOrg

JANUARY = [
    {
        "start": f"2025-{m:02d}-01",
        "end": f"2025-{m:02d}-{[31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]}",
        "target": 1_000_00,
    }
    for m in range(1, 13)
]


def bearer(user: User, *scopes: str) -> dict[str, str]:
    _, raw = create_token(user, name="CRM sync", scopes=scopes, acting_user=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def sale(
    external_id: str, day: str, amount: str, *credits: tuple[str, str], **extra: Any
) -> dict[str, Any]:
    return {
        "external_id": external_id, "date": day, "amount": amount, "currency": "EUR",
        "credits": [{"person": person, "percent": percent} for person, percent in credits], **extra,
    }  # fmt: skip


@pytest.fixture
def goals(small_org: SmallOrg, revenue: Metric) -> dict[str, Goal]:
    """FY2025 revenue goals: 12,000.00 for the company, phased 1,000.00 a month, and
    6,000.00 for rep_ria under it."""
    company = Goal.objects.create(
        owner_unit=small_org.company, metric=revenue, period_start=dt.date(2025, 1, 1),
        period_end=dt.date(2025, 12, 31), period_label="FY2025", target=12_000_00, phasing=JANUARY, status="published",
    )  # fmt: skip
    ria = Goal.objects.create(
        owner_person=small_org.people["ria"], metric=revenue, period_start=dt.date(2025, 1, 1),
        period_end=dt.date(2025, 12, 31), period_label="FY2025", target=6_000_00, parent=company, status="published",
    )  # fmt: skip
    return {"company": company, "ria": ria}


def post_batch(client: Client, headers: dict[str, str], rows: list[dict[str, Any]]) -> Any:
    return client.post(
        "/api/v1/ingest/transactions",
        {"source": "crm", "transactions": rows},
        content_type="application/json",
        **headers,
    )


def test_a_batch_posted_three_times_counts_once(
    small_org: SmallOrg, goals: dict[str, Goal], client: Client
) -> None:
    headers = bearer(small_org.users["ops_olga"], "ingest", "read")
    rows = [
        sale(f"T{i}", "2025-03-10", "100.50", ("E004", "50"), ("E005", "50")) for i in range(10)
    ]

    answers = [post_batch(client, headers, rows).json() for _ in range(3)]

    assert [answer["created"] for answer in answers] == [10, 0, 0]
    assert [answer["unchanged"] for answer in answers] == [0, 10, 10]
    body = client.get(
        "/api/v1/attainment",
        {"owner": "unit:ACME", "metric": "revenue", "period": "FY2025", "as_of": "2025-03-31"},
        **headers,
    ).json()
    assert body["actual"] == 1_005_00
    assert body["target"] == 12_000_00
    assert body["expected_to_date"] == 3_000_00
    assert body["attainment_pct"] == "8.38"
    assert body["status"] == "off_track"
    why = client.get(body["why"], **headers).json()
    assert why["total"] == 20  # ten transactions, each split between two reps
    assert sum(item["value"] for item in why["items"]) == 1_005_00


def test_goal_attainment_lists_children_and_explains_itself(
    small_org: SmallOrg, goals: dict[str, Goal], client: Client
) -> None:
    headers = bearer(small_org.users["ops_olga"], "ingest", "read")
    post_batch(
        client,
        headers,
        [
            sale("BIG", "2025-02-01", "3000.00", ("E004", "100")),
            sale("SUE", "2025-02-02", "500", ("E006", "100")),
        ],
    )

    body = client.get(
        f"/api/v1/goals/{goals['company'].pk}/attainment?as_of=2025-06-30", **headers
    ).json()
    assert body["actual"] == 3_500_00
    assert body["projection"] == round(3_500_00 * 365 / 181)
    assert [
        (child["owner"], child["actual"], child["attainment_pct"]) for child in body["children"]
    ] == [("person:E004", 3_000_00, "50.00")]

    why = client.get(body["why"], **headers).json()
    assert why["total"] == 2
    assert {item["reference"] for item in why["items"]} == {"crm:BIG", "crm:SUE"}


def test_bad_rows_are_refused_with_a_clear_reason_and_nothing_is_written(
    small_org: SmallOrg, revenue: Metric, client: Client
) -> None:
    headers = bearer(small_org.users["ops_olga"], "ingest", "read")
    answer = post_batch(
        client,
        headers,
        [
            sale("OK", "2025-02-01", "10", ("E004", "100")),
            sale("BAD", "2025-02-01", "10", ("E004", "60")),
        ],
    )

    assert answer.status_code == 400
    assert (
        "Transaction 2 (BAD): credit percentages add up to 60, not 100" in answer.json()["detail"]
    )
    unknown = post_batch(client, headers, [sale("X", "2025-02-01", "10.001", ("E004", "100"))])
    assert "10.001' has more than 2 decimals, the most EUR has" in unknown.json()["detail"]
    body = client.get(
        "/api/v1/attainment",
        {"owner": "unit:ACME", "metric": "revenue", "period": "FY2025"},
        **headers,
    ).json()
    assert body["actual"] == 0


def test_ingest_needs_the_ingest_scope_and_a_planner(
    small_org: SmallOrg, revenue: Metric, client: Client
) -> None:
    rows = [sale("T1", "2025-02-01", "10", ("E004", "100"))]
    assert post_batch(client, bearer(small_org.users["ops_olga"], "read"), rows).status_code == 403
    assert post_batch(client, bearer(small_org.users["rep_ria"], "ingest"), rows).status_code == 403
    assert post_batch(client, {}, rows).status_code == 401


@pytest.mark.parametrize(
    ("username", "owner", "status"),
    [
        ("ops_olga", "unit:ACME", 200),
        ("finance_fay", "unit:SOUTH", 200),
        ("manager_max", "unit:NORTH-A", 200),
        ("manager_max", "person:E004", 200),
        ("manager_max", "unit:SOUTH", 404),
        ("rep_ria", "person:E004", 200),
        ("rep_ria", "person:E005", 404),
        ("rep_ria", "unit:NORTH-A", 404),
        ("outsider_otto", "unit:ACME", 404),
    ],
)
def test_attainment_is_scoped_to_the_callers_part_of_the_tree(
    small_org: SmallOrg,
    goals: dict[str, Goal],
    client: Client,
    username: str,
    owner: str,
    status: int,
) -> None:
    client.login(username=username, password=PASSWORD)
    answer = client.get(
        "/api/v1/attainment", {"owner": owner, "metric": "revenue", "period": "FY2025"}
    )
    assert answer.status_code == status


def test_goal_attainment_of_someone_else_is_not_found(
    small_org: SmallOrg, goals: dict[str, Goal], client: Client
) -> None:
    client.login(username="rep_ria", password=PASSWORD)
    assert client.get(f"/api/v1/goals/{goals['ria'].pk}/attainment").status_code == 200
    assert client.get(f"/api/v1/goals/{goals['company'].pk}/attainment").status_code == 404
    assert client.get(f"/api/v1/goals/{goals['company'].pk}/credits").status_code == 404


def test_activities_and_manual_values_through_the_api(
    small_org: SmallOrg, calls: Metric, client: Client
) -> None:
    headers = bearer(small_org.users["ops_olga"], "ingest", "read")
    activities = [
        {"external_id": f"A{i}", "date": "2025-03-01", "person": "E004", "activity_type": "call"}
        for i in range(4)
    ]
    for _ in range(2):
        answer = client.post(
            "/api/v1/ingest/activities",
            {"activities": activities},
            content_type="application/json",
            **headers,
        )
    assert answer.json() == {
        "created": 0, "updated": 0, "unchanged": 4, "recredited": 0,
        "unplaced_credits": 0, "unplaced_amount_minor": 0,
    }  # fmt: skip
    body = client.get(
        "/api/v1/attainment",
        {"owner": "unit:NORTH", "metric": "calls", "period": "FY2025"},
        **headers,
    ).json()
    assert body["actual"] == 4

    Metric.objects.create(
        code="csat", name="CSAT", unit="score", source="manual", aggregation="average"
    )
    manual = {"metric": "csat", "owner": "person:E004", "date": "2025-03-01", "value": 87}
    stored = client.post(
        "/api/v1/manual-values", manual, content_type="application/json", **headers
    )
    assert stored.status_code == 200
    assert stored.json() == {**manual, "note": ""}
    assert (
        client.post(
            "/api/v1/manual-values",
            {**manual, "metric": "calls"},
            content_type="application/json",
            **headers,
        ).status_code
        == 400
    )


def test_credits_of_an_owner_follow_the_callers_scope(
    small_org: SmallOrg, goals: dict[str, Goal], client: Client
) -> None:
    client.login(username="rep_ria", password=PASSWORD)
    query = {"metric": "revenue", "period": "FY2025"}
    assert client.get("/api/v1/credits", {**query, "owner": "person:E004"}).status_code == 200
    assert client.get("/api/v1/credits", {**query, "owner": "unit:NORTH"}).status_code == 404
    assert (
        client.get(
            "/api/v1/credits", {**query, "owner": "person:E004", "period": "2025"}
        ).status_code
        == 400
    )
