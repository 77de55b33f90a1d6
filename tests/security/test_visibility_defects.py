"""Worked examples of the visibility rule, one per way it used to be broken.

* Plan-wide leak: exports, comparisons and submission lists showed every owner's numbers
  to anyone who could open the plan, while the plan page itself was filtered.
* Past access: the viewer's scope was computed on ``as_of``, so a manager who led a
  unit years ago read today's numbers by asking about a date of the past.
* Boards: with a what-if scenario of the period's plan, a unit board read the goals of
  both and answered 500.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from quotaflow.org.models import Assignment, AssignmentRole
from quotaflow.performance.boards import unit_board
from tests.security.conftest import (
    EVERY_OWNER,
    FY_END,
    FY_START,
    PAST,
    PLAN_OWNERS,
    SOUTH_OWNERS,
    Company,
)

pytestmark = pytest.mark.django_db

API = "/api/v1"
VIEWERS = ["rep_ria", "rep_rob", "manager_max", "manager_sam", "ops_olga", "finance_fay"]


def _client(company: Company, username: str) -> Client:
    client = Client()
    client.force_login(company.users[username])
    return client


def _token_client(company: Company, scope: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {company.tokens[f'token_{scope}']}"})


def csv_owners(content: bytes) -> set[str]:
    """The ``owner`` column of a plan export in CSV."""
    return {row["owner"] for row in csv.DictReader(io.StringIO(content.decode()))}


def xlsx_owners(content: bytes) -> set[str]:
    """The ``owner`` column of a plan export in XLSX."""
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    rows: list[tuple[Any, ...]] = list(sheet.iter_rows(values_only=True))
    column = rows[0].index("owner")
    return {str(row[column]) for row in rows[1:]}


# Plan-wide leak --------------------------------------------------------------------------


@pytest.mark.parametrize("username", VIEWERS)
def test_plan_wide_leak_api_export_csv_holds_only_the_viewers_rows(
    company: Company, username: str
) -> None:
    response = _client(company, username).get(f"{API}/cycles/{company.plan.pk}/export?format=csv")

    assert response.status_code == 200
    assert csv_owners(response.content) == PLAN_OWNERS[username]


@pytest.mark.parametrize("username", VIEWERS)
def test_plan_wide_leak_api_export_xlsx_holds_only_the_viewers_rows(
    company: Company, username: str
) -> None:
    response = _client(company, username).get(f"{API}/cycles/{company.plan.pk}/export?format=xlsx")

    assert response.status_code == 200
    assert xlsx_owners(response.content) == PLAN_OWNERS[username]


def test_plan_wide_leak_a_rep_token_exports_only_her_own_goal(company: Company) -> None:
    from quotaflow.accounts.actions import create_token

    ria = company.users["rep_ria"]
    _, secret = create_token(ria, name="Ria's sheet", scopes=["read"], acting_user=ria)
    client = Client(headers={"Authorization": f"Bearer {secret}"})

    for file_format, owners in (("csv", csv_owners), ("xlsx", xlsx_owners)):
        response = client.get(f"{API}/cycles/{company.plan.pk}/export?format={file_format}")
        assert response.status_code == 200
        assert owners(response.content) == {"Ria Rep"}


@pytest.mark.parametrize("username", VIEWERS)
def test_plan_wide_leak_api_compare_lists_only_the_viewers_owners(
    company: Company, username: str
) -> None:
    plan = company.plan.pk
    response = _client(company, username).get(f"{API}/cycles/{plan}/compare/{plan}")

    assert response.status_code == 200
    assert {row["owner"] for row in response.json()} == PLAN_OWNERS[username]


@pytest.mark.parametrize("username", VIEWERS)
def test_plan_wide_leak_api_submissions_list_only_the_viewers_people(
    company: Company, username: str
) -> None:
    response = _client(company, username).get(f"{API}/cycles/{company.plan.pk}/submissions")

    assert response.status_code == 200
    people = {"Ria Rep", "Rob Rep", "Sue Seller"}
    assert {row["owner"] for row in response.json()} == PLAN_OWNERS[username] & people


@pytest.mark.parametrize("username", VIEWERS)
def test_plan_wide_leak_web_exports_hold_only_the_viewers_rows(
    company: Company, username: str
) -> None:
    client = _client(company, username)

    as_csv = client.get(f"/plans/{company.plan.pk}/export.csv")
    as_xlsx = client.get(f"/plans/{company.plan.pk}/export.xlsx")

    assert as_csv.status_code == as_xlsx.status_code == 200
    assert csv_owners(as_csv.content) == PLAN_OWNERS[username]
    assert xlsx_owners(as_xlsx.content) == PLAN_OWNERS[username]


@pytest.mark.parametrize("username", VIEWERS)
def test_plan_wide_leak_web_compare_names_only_the_viewers_owners(
    company: Company, username: str
) -> None:
    plan = company.plan.pk
    page = _client(company, username).get(f"/plans/{plan}/compare/?other={plan}")

    assert page.status_code == 200
    table = page.content.decode().split('id="content"')[1]
    for owner in EVERY_OWNER - {"Acme"}:  # "Acme" is also the company's name in the page
        assert (owner in table) is (owner in PLAN_OWNERS[username]), owner


def test_plan_wide_leak_managers_see_only_their_subtree_on_the_plan_page_too(
    company: Company,
) -> None:
    response = _client(company, "manager_sam").get(f"{API}/cycles/{company.plan.pk}")

    assert {goal["owner"] for goal in response.json()["goals"]} == SOUTH_OWNERS


def test_plan_wide_leak_a_scenario_is_seen_only_by_its_owner(company: Company) -> None:
    scenario = company.scenario.pk
    for username, expected in (
        ("ops_olga", 200),  # she made it
        ("admin_ada", 200),
        ("finance_fay", 404),
        ("manager_max", 404),
        ("rep_ria", 404),
    ):
        client = _client(company, username)
        assert client.get(f"{API}/cycles/{scenario}").status_code == expected, username
        assert client.get(f"{API}/cycles/{scenario}/export").status_code == expected, username
        assert client.get(f"/plans/{scenario}/").status_code == expected, username
        listed = {row["id"] for row in client.get(f"{API}/cycles").json()}
        assert (scenario in listed) is (expected == 200), username


# Past access -----------------------------------------------------------------------------


def test_past_access_past_manager_cannot_read_unit_attainment_as_of_the_past(
    company: Company,
) -> None:
    client = _client(company, "past_pat")
    query = f"owner=unit:NORTH&metric=revenue&period=FY2027&as_of={PAST}"

    assert client.get(f"{API}/attainment?{query}").status_code == 404
    assert client.get(f"{API}/attainment?{query.replace('NORTH', 'NORTH-A')}").status_code == 404


def test_past_access_past_manager_cannot_read_goal_attainment_as_of_the_past(
    company: Company,
) -> None:
    client = _client(company, "past_pat")
    for owner in ("North", "Ria Rep"):
        goal = company.goal(owner)
        response = client.get(f"{API}/goals/{goal.pk}/attainment?as_of={PAST}")
        assert response.status_code == 404, owner


def test_past_access_past_manager_cannot_open_the_unit_as_of_the_past(company: Company) -> None:
    client = _client(company, "past_pat")

    assert client.get(f"{API}/org/units/NORTH?as_of={PAST}").status_code == 404
    assert client.get(f"{API}/org/people/E004?as_of={PAST}").status_code == 404
    assert client.get(f"/org/units/NORTH/?as_of={PAST}").status_code == 404
    listed = client.get(f"{API}/org/units?as_of={PAST}").json()
    assert listed == []


def test_past_access_past_manager_cannot_open_the_board_as_of_the_past(company: Company) -> None:
    client = _client(company, "past_pat")

    for code in ("NORTH", "NORTH-A"):
        response = client.get(f"/performance/units/{code}/?as_of={PAST}&period=FY2027")
        assert response.status_code == 404, code
    goal = company.goal("Ria Rep")
    assert client.get(f"/performance/goals/{goal.pk}/?as_of={PAST}").status_code == 404
    assert client.get(f"/performance/people/E004/?as_of={PAST}").status_code == 404


def test_past_access_the_cycle_list_follows_todays_assignments(company: Company) -> None:
    client = _client(company, "past_pat")

    assert client.get(f"{API}/cycles").json() == []
    assert client.get(f"{API}/cycles/{company.plan.pk}").status_code == 404
    assert company.plan.name not in client.get("/plans/").content.decode()


def test_past_access_a_current_manager_still_reads_the_past_of_todays_subtree(
    company: Company,
) -> None:
    client = _client(company, "manager_max")
    query = f"owner=unit:NORTH&metric=revenue&period=FY2027&as_of={PAST}"

    assert client.get(f"{API}/attainment?{query}").status_code == 200
    assert client.get(f"/performance/units/NORTH/?as_of={PAST}").status_code == 200


def _rob_moves_south(company: Company) -> None:
    """Rob leaves North Team A for South Team A on 1 June 2026 (a date of the past)."""
    rob = company.org.people["rob"]
    Assignment.objects.filter(person=rob).update(valid_to=dt.date(2026, 5, 31))
    Assignment.objects.create(
        person=rob,
        unit=company.org.south_team,
        role=AssignmentRole.MEMBER,
        valid_from=dt.date(2026, 6, 1),
    )


def test_past_access_a_board_of_the_past_shows_only_todays_people(company: Company) -> None:
    _rob_moves_south(company)
    url = "/performance/units/NORTH-A/?as_of=2026-03-01&period=FY2027&metric=revenue"

    max_page = _client(company, "manager_max").get(url).content.decode()
    ops_page = _client(company, "ops_olga").get(url).content.decode()

    assert "Ria Rep" in max_page and "Rob Rep" not in max_page  # Rob is Sam's now
    assert "Ria Rep" in ops_page and "Rob Rep" in ops_page  # he was in the team that day


def test_past_access_someone_who_left_is_not_read_through_a_past_date(company: Company) -> None:
    _rob_moves_south(company)
    max_ = _client(company, "manager_max")
    query = "owner=person:E005&metric=revenue&period=FY2027&as_of=2026-03-01"

    assert max_.get(f"{API}/attainment?{query}").status_code == 404
    assert max_.get(f"{API}/org/people/E005?as_of=2026-03-01").status_code == 404
    sam = _client(company, "manager_sam")
    assert sam.get(f"{API}/attainment?{query}").status_code == 200


# Boards ----------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["ACME", "NORTH", "NORTH-A", "SOUTH"])
def test_boards_break_a_scenario_of_the_period_leaves_the_board_working(
    company: Company, code: str
) -> None:
    response = _client(company, "ops_olga").get(
        f"/performance/units/{code}/?period=FY2027&metric=revenue"
    )

    assert response.status_code == 200


def test_boards_break_the_board_reads_only_the_published_plan(company: Company) -> None:
    olga = company.users["ops_olga"]
    from quotaflow.plans import actions

    actions.run_cascade(company.scenario, acting_user=olga, company_target=2_000_000_00)
    board = unit_board(
        company.org.company, company.revenue, FY_START, FY_END, FY_START, with_leaderboard=True
    )

    assert board.own.goal is not None
    assert board.own.goal.pk == company.goal("Acme").pk
    assert board.own.goal.target == 1_000_000_00
    assert [row.goal.pk for row in board.children if row.goal] == [
        company.goal("North").pk,
        company.goal("South").pk,
    ]
    assert board.reps_with_goals == 3


def test_boards_break_attainment_reads_the_published_goal_not_the_scenarios(
    company: Company,
) -> None:
    query = "owner=unit:ACME&metric=revenue&period=FY2027"
    body = _client(company, "ops_olga").get(f"{API}/attainment?{query}").json()

    assert body["goal_id"] == company.goal("Acme").pk


def test_boards_break_a_person_page_lists_only_goals_in_force(company: Company) -> None:
    page = _client(company, "ops_olga").get("/performance/people/E004/?as_of=2027-03-01")

    assert page.status_code == 200
    assert f"/performance/goals/{company.goal('Ria Rep').pk}/" in page.content.decode()
    scenario_goal = company.goal("Ria Rep", company.scenario)
    assert f"/performance/goals/{scenario_goal.pk}/" not in page.content.decode()
