"""The actual "as of" a day counts the sales up to that day only (GLOSSARY: actual /
expected to date / pacing): the same in the attainment API, the goal's API, boards, a
person's page and the goal page, with sales before and after the day asked about."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client

from quotaflow.metrics.models import Metric
from quotaflow.plans.models import Goal
from tests.conftest import PASSWORD, SmallOrg
from tests.performance.conftest import Post, make_row

pytestmark = pytest.mark.django_db
API = "/api/v1"
AS_OF = dt.date(2025, 6, 30)


@pytest.fixture
def ria_goal(small_org: SmallOrg, revenue: Metric, post: Post) -> Goal:
    """Ria's FY2025 revenue goal of 12,000.00 (1,000.00 a month, unphased), under North's,
    and three of her sales: 1,500.00 in March, 500.00 on 30 June (the day asked about) and
    4,000.00 in September, after it."""
    year = {
        "metric": revenue,
        "period_start": dt.date(2025, 1, 1),
        "period_end": dt.date(2025, 12, 31),
        "period_label": "FY2025",
        "status": "published",
    }
    north = Goal.objects.create(owner_unit=small_org.north, target=24_000_00, **year)
    ria = small_org.people["ria"].pk
    post(
        make_row("MAR", dt.date(2025, 3, 1), 1_500_00, {ria: "100"}),
        make_row("JUN", AS_OF, 500_00, {ria: "100"}),
        make_row("SEP", dt.date(2025, 9, 15), 4_000_00, {ria: "100"}),
    )
    return Goal.objects.create(
        owner_person=small_org.people["ria"], target=12_000_00, parent=north, **year
    )


def _as(client: Client, username: str) -> Client:
    client.login(username=username, password=PASSWORD)
    return client


def _get(client: Client, url: str) -> dict:
    response = client.get(API + url)
    assert response.status_code == 200, response.content
    return json.loads(response.content)


def test_the_attainment_api_counts_sales_up_to_as_of(ria_goal: Goal, client: Client) -> None:
    body = _get(
        _as(client, "manager_max"),
        "/attainment?owner=person:E004&metric=revenue&period=FY2025&as_of=2025-06-30",
    )
    # 1,500.00 + 500.00 by 30 June; September's 4,000.00 has not happened yet.
    assert body["actual"] == 2_000_00
    assert body["expected_to_date"] == 5_950_68  # 12,000.00 · 181/365 days
    assert float(body["pacing_pct"]) == pytest.approx(33.6, abs=0.05)  # 2,000.00 / 5,950.68
    assert float(body["attainment_pct"]) == pytest.approx(16.7, abs=0.05)  # 2,000.00 / 12,000.00
    # Once the period has ended, every sale of it counts.
    after = _get(
        client, "/attainment?owner=person:E004&metric=revenue&period=FY2025&as_of=2026-01-15"
    )
    assert after["actual"] == 6_000_00
    # The day before the first sale nothing counts yet; before the period, nothing at all.
    assert (
        _get(client, "/attainment?owner=person:E004&metric=revenue&period=FY2025&as_of=2025-02-28")[
            "actual"
        ]
        == 0
    )
    assert (
        _get(client, "/attainment?owner=unit:NORTH&metric=revenue&period=FY2025&as_of=2024-12-31")[
            "actual"
        ]
        == 0
    )


def test_the_goal_api_and_its_credits_count_the_same_sales(ria_goal: Goal, client: Client) -> None:
    _as(client, "manager_max")
    north = _get(client, f"/goals/{ria_goal.parent_id}/attainment?as_of=2025-06-30")
    assert north["actual"] == 2_000_00  # rolled up to North by 30 June
    assert [child["actual"] for child in north["children"]] == [2_000_00]  # Ria's goal
    goal = _get(client, f"/goals/{ria_goal.pk}/attainment?as_of=2025-06-30")
    assert goal["actual"] == 2_000_00
    credits = _get(client, f"/goals/{ria_goal.pk}/credits?as_of=2025-06-30")
    assert (credits["total"], [line["reference"] for line in credits["items"]]) == (
        2,
        ["crm:JUN", "crm:MAR"],
    )
    owner = _get(client, "/credits?owner=person:E004&metric=revenue&period=FY2025&as_of=2025-06-30")
    assert owner["total"] == 2
    assert _get(client, f"/goals/{ria_goal.pk}/credits?as_of=2025-12-31")["total"] == 3


def test_boards_and_pages_count_sales_up_to_as_of(
    small_org: SmallOrg, ria_goal: Goal, client: Client
) -> None:
    _as(client, "manager_max")
    board = client.get("/performance/units/NORTH-A/?as_of=2025-06-30").context["board"]
    ria_row = next(row for row in board.children if row.label == "Ria Rep")
    assert ria_row.actual == 2_000_00 and ria_row.progress.actual == 2_000_00
    assert board.own.actual == 2_000_00  # the team's own total too
    north = client.get("/performance/units/NORTH/?as_of=2025-06-30").context["board"]
    assert north.own.actual == 2_000_00 and north.own.progress.actual == 2_000_00
    person = client.get("/performance/people/E004/?as_of=2025-06-30")
    assert [progress.actual for _, progress, *_ in person.context["rows"]] == [2_000_00]

    page = client.get(f"/performance/goals/{ria_goal.pk}/?as_of=2025-06-30")
    assert page.context["progress"].actual == 2_000_00
    assert page.context["credit_total"] == 2
    html = page.content.decode()
    assert "crm:JUN" in html and "crm:SEP" not in html
    year_end = client.get(f"/performance/goals/{ria_goal.pk}/?as_of=2025-12-31")
    assert year_end.context["progress"].actual == 6_000_00
    assert year_end.context["credit_total"] == 3
