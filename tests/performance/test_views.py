"""Tracking pages: drill-down, permissions, the live poll and the goal page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from quotaflow.metrics.models import Metric
from quotaflow.performance.models import PerformanceSettings
from quotaflow.performance.queries import change_version
from quotaflow.plans.models import Goal
from tests.conftest import PASSWORD, SmallOrg
from tests.performance.conftest import Post, make_row

AS_OF = "as_of=2025-06-30"


@pytest.fixture
def tracked(small_org: SmallOrg, revenue: Metric, post: Post) -> dict[str, Goal]:
    """FY2025 revenue goals for Acme (10,000.00), North (6,000.00) and rep_ria
    (3,000.00), and two sales: 1,500.00 by Ria and 700.00 by Sue."""
    year = {
        "metric": revenue,
        "period_start": dt.date(2025, 1, 1),
        "period_end": dt.date(2025, 12, 31),
        "period_label": "FY2025",
    }
    company = Goal.objects.create(
        owner_unit=small_org.company, target=10_000_00, status="published", **year
    )
    north = Goal.objects.create(
        owner_unit=small_org.north, target=6_000_00, parent=company, status="published", **year
    )
    ria = Goal.objects.create(
        owner_person=small_org.people["ria"],
        target=3_000_00,
        parent=north,
        status="published",
        **year,
    )
    post(
        make_row(
            "R1",
            dt.date(2025, 3, 1),
            1_500_00,
            {small_org.people["ria"].pk: "100"},
            account="Globex",
        ),
        make_row(
            "S1",
            dt.date(2025, 4, 1),
            700_00,
            {small_org.people["sue"].pk: "100"},
            account="Initech",
        ),
    )
    return {"company": company, "north": north, "ria": ria}


def login(client: Client, username: str) -> Client:
    client.login(username=username, password=PASSWORD)
    return client


def test_planners_drill_down_from_the_company_to_a_rep(
    small_org: SmallOrg, tracked: dict[str, Goal], client: Client
) -> None:
    login(client, "ops_olga")
    start = client.get("/performance/")
    assert start.status_code == 302 and start["Location"] == "/performance/units/ACME/"

    company = client.get(f"/performance/units/ACME/?{AS_OF}").content.decode()
    assert "2,200.00 EUR" in company  # the company's actual
    assert 'href="/performance/units/NORTH/?as_of=2025-06-30"' in company
    north = client.get(f"/performance/units/NORTH/?{AS_OF}").content.decode()
    assert "1,500.00 EUR" in north and "25.0%" in north  # 1,500 of 6,000
    team = client.get(f"/performance/units/NORTH-A/?{AS_OF}").content.decode()
    assert 'href="/performance/people/E004/?as_of=2025-06-30"' in team
    assert "50.0%" in team  # Ria: 1,500 of 3,000
    ria = client.get(f"/performance/people/E004/?{AS_OF}").content.decode()
    assert "1,500.00 EUR" in ria and "3,000.00 EUR" in ria


def test_a_unit_board_shows_distribution_at_quota_and_at_risk(
    small_org: SmallOrg, tracked: dict[str, Goal], client: Client
) -> None:
    page = login(client, "ops_olga").get(f"/performance/units/ACME/?{AS_OF}")
    board = page.context["board"]

    assert board.reps_with_goals == 1 and board.bands["50–80%"] == 1
    assert board.at_quota_pct == 0
    assert {row.label for row in board.at_risk} == {"Acme", "North"}  # both pace well below plan
    assert [row.label for row in board.leaderboard] == ["Ria Rep"]


def test_goal_page_lists_the_credits_behind_the_number(
    small_org: SmallOrg, tracked: dict[str, Goal], client: Client
) -> None:
    page = login(client, "manager_max").get(f"/performance/goals/{tracked['north'].pk}/?{AS_OF}")

    assert page.status_code == 200
    assert page.context["credit_total"] == 1
    assert "crm:R1" in page.content.decode()
    assert page.context["progress"].actual == 1_500_00


@pytest.mark.parametrize(
    ("username", "url", "status"),
    [
        ("manager_max", "/performance/units/NORTH/", 200),
        ("manager_max", "/performance/units/SOUTH/", 404),
        ("manager_max", "/performance/units/ACME/", 404),
        ("manager_max", "/performance/people/E004/", 200),
        ("rep_ria", "/performance/people/E004/", 200),
        ("rep_ria", "/performance/people/E005/", 404),
        ("rep_ria", "/performance/units/NORTH-A/", 404),
        ("finance_fay", "/performance/units/SOUTH/", 200),
        ("outsider_otto", "/performance/units/ACME/", 404),
        ("outsider_otto", "/performance/", 200),
    ],
)
def test_pages_follow_the_users_place_in_the_tree(
    small_org: SmallOrg,
    tracked: dict[str, Goal],
    client: Client,
    username: str,
    url: str,
    status: int,
) -> None:
    assert login(client, username).get(url).status_code == status


def test_goal_pages_are_scoped_too(
    small_org: SmallOrg, tracked: dict[str, Goal], client: Client
) -> None:
    login(client, "rep_ria")
    assert client.get(f"/performance/goals/{tracked['ria'].pk}/").status_code == 200
    assert client.get(f"/performance/goals/{tracked['company'].pk}/").status_code == 404
    assert client.get("/performance/").url == "/performance/people/E004/"


def test_anonymous_visitors_are_sent_to_login(client: Client) -> None:
    assert client.get("/performance/units/ACME/")["Location"].startswith("/login/")


def test_the_live_poll_is_empty_until_new_data_arrives(
    small_org: SmallOrg, tracked: dict[str, Goal], revenue: Metric, post: Post, client: Client
) -> None:
    login(client, "ops_olga")
    version = change_version([revenue.pk])
    poll = f"/performance/units/ACME/?{AS_OF}&live=1&v={version}"
    assert client.get(poll).status_code == 204

    post(make_row("R2", dt.date(2025, 5, 1), 300_00, {small_org.people["rob"].pk: "100"}))

    fresh = client.get(poll)
    assert fresh.status_code == 200
    assert "2,500.00 EUR" in fresh.content.decode()
    assert f"v={version}" not in fresh.content.decode()


def test_plotly_is_served_from_the_installed_package(client: Client) -> None:
    answer = client.get("/performance/plotly.js")
    assert answer.status_code == 200
    assert b"plotly" in answer.content[:2000].lower()


@pytest.mark.parametrize(
    ("visibility", "username", "shown"),
    [
        ("everyone", "manager_max", True),
        ("managers", "manager_max", True),
        ("planners", "manager_max", False),
        ("planners", "ops_olga", True),
    ],
)
def test_leaderboard_visibility_is_configurable(
    small_org: SmallOrg,
    tracked: dict[str, Goal],
    client: Client,
    visibility: str,
    username: str,
    shown: bool,
) -> None:
    settings = PerformanceSettings.current()
    settings.leaderboard_visibility = visibility
    settings.save()

    page = login(client, username).get(f"/performance/units/NORTH/?{AS_OF}")

    assert bool(page.context["board"].leaderboard) is shown
    assert ('id="leaderboard"' in page.content.decode()) is shown


def test_the_board_from_arrays_equals_the_board_goal_by_goal(
    small_org: SmallOrg,
    tracked: dict[str, Goal],
    revenue: Metric,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from quotaflow.performance import boards

    year = {"metric": revenue, "period_label": "FY2025", "status": "published"}
    year |= {"period_start": dt.date(2025, 1, 1), "period_end": dt.date(2025, 12, 31)}
    halves = [
        {"start": "2025-01-01", "end": "2025-06-30", "target": 100_00},
        {"start": "2025-07-01", "end": "2025-12-31", "target": 500_00},
    ]
    Goal.objects.create(owner_person=small_org.people["sue"], target=600_00, phasing=halves, **year)
    Goal.objects.create(owner_person=small_org.people["rob"], target=1_000_00, **year)
    Goal.objects.create(owner_person=small_org.people["max"], target=0, **year)
    as_of = dt.date(2025, 6, 30)

    def board() -> boards.UnitBoard:
        return boards.unit_board(
            small_org.company, revenue, dt.date(2025, 1, 1), dt.date(2025, 12, 31), as_of,
            with_leaderboard=True,
        )  # fmt: skip

    from_arrays = board()
    with monkeypatch.context() as patch:
        patch.setattr(boards, "ratios_many", lambda *args, **kwargs: None)
        goal_by_goal = board()

    assert from_arrays.reps_with_goals == goal_by_goal.reps_with_goals == 4
    assert from_arrays.bands == goal_by_goal.bands
    assert from_arrays.reps_at_quota == goal_by_goal.reps_at_quota == 1  # Sue: 700 of 600
    assert from_arrays.leaderboard == goal_by_goal.leaderboard
    assert from_arrays.at_risk == goal_by_goal.at_risk
    assert from_arrays.at_risk_total == goal_by_goal.at_risk_total
    assert [row.label for row in from_arrays.leaderboard][:2] == ["Sue Seller", "Ria Rep"]
