"""Every read uses the goal in force on the day asked about; superseded goals are history.

The plan: FY2027 revenue (1 Jan – 31 Dec 2027), top-down, 1,200,000 cascaded so that
Ria Rep holds 300,000. Version 2, effective 1 July 2027, relieves Ria to 200,000 for the
year (the change is prorated over the 184 days from 1 July, so her v2 target is
300,000 − 50,411 = 249,589). Version 1 is in force up to 30 June, version 2 from 1 July.

Ria sold 100,000 on 10 March 2027.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quotaflow.metrics.models import Metric
from quotaflow.performance.boards import person_goals, unit_board
from quotaflow.plans import actions
from quotaflow.plans.in_force import in_force_goals
from quotaflow.plans.models import Goal, PlanningCycle
from tests.conftest import SmallOrg
from tests.performance.conftest import Post, make_row

pytestmark = pytest.mark.django_db

FY_START, FY_END = dt.date(2027, 1, 1), dt.date(2027, 12, 31)
CHANGE = dt.date(2027, 7, 1)
API = "/api/v1"


@dataclass
class Versions:
    org: SmallOrg
    v1: PlanningCycle
    v2: PlanningCycle

    def ria(self, cycle: PlanningCycle) -> Goal:
        return Goal.objects.get(cycle=cycle, owner_person=self.org.people["ria"])

    def company(self, cycle: PlanningCycle) -> Goal:
        return Goal.objects.get(cycle=cycle, owner_unit=self.org.company)


@pytest.fixture
def versions(small_org: SmallOrg, revenue: Metric, post: Post) -> Versions:
    olga = small_org.users["ops_olga"]
    plan = actions.create_cycle(
        acting_user=olga, name="FY2027 revenue", metric=revenue, period_start=FY_START,
        period_end=FY_END, period_label="FY2027", approach="top_down",
    )  # fmt: skip
    actions.run_cascade(plan, acting_user=olga, company_target=1_200_000)
    actions.publish_cycle(plan, acting_user=olga)
    ria = Goal.objects.get(cycle=plan, owner_person=small_org.people["ria"])
    assert ria.target == 300_000
    v2 = actions.create_mid_period_version(
        plan, acting_user=olga, effective_from=CHANGE, reason="Parental leave",
        targets={ria.pk: 200_000},
    )  # fmt: skip
    post(make_row("S1", dt.date(2027, 3, 10), 100_000, {small_org.people["ria"].pk: "100"}))
    plan.refresh_from_db()
    return Versions(small_org, plan, v2)


@pytest.fixture
def today(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, dt.date]]:
    """Make "today" a chosen day (1 August 2027 unless a test changes it)."""
    day = {"today": dt.date(2027, 8, 1)}
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day["today"])
    yield day


def _client(org: SmallOrg, username: str) -> Client:
    client = Client()
    client.force_login(org.users[username])
    return client


def _attainment(versions: Versions, as_of: str) -> dict:
    query = f"owner=person:E004&metric=revenue&period=FY2027&as_of={as_of}"
    response = _client(versions.org, "ops_olga").get(f"{API}/attainment?{query}")
    assert response.status_code == 200
    return response.json()


# API attainment ---------------------------------------------------------------------------


def test_attainment_before_the_change_reads_version_1(versions: Versions) -> None:
    body = _attainment(versions, "2027-06-30")

    v1, v2 = versions.ria(versions.v1), versions.ria(versions.v2)
    assert body["goal_id"] == v1.pk and body["target"] == 300_000
    assert body["goal_version"] == 1
    assert body["in_force_from"] == "2027-01-01" and body["in_force_until"] == "2027-06-30"
    assert body["superseded_by"] == v2.pk
    assert "superseded on 01 Jul 2027 by version 2" in body["target_basis"]
    assert body["attainment_pct"] == "33.33"  # 100,000 of 300,000


def test_attainment_on_the_effective_day_reads_version_2(versions: Versions) -> None:
    body = _attainment(versions, "2027-07-01")

    v2 = versions.ria(versions.v2)
    assert body["goal_id"] == v2.pk and body["target"] == 249_589
    assert body["goal_version"] == 2 and body["superseded_by"] is None
    assert body["in_force_from"] == "2027-07-01" and body["in_force_until"] == "2027-12-31"
    assert body["attainment_pct"] == "40.07"  # 100,000 of 249,589


@pytest.mark.parametrize(
    ("as_of", "version"),
    [("2026-12-01", 1), ("2027-01-01", 1), ("2027-03-15", 1), ("2027-10-01", 2), ("2028-02-01", 2)],
)
def test_attainment_before_during_and_after_the_period(
    versions: Versions, as_of: str, version: int
) -> None:
    assert _attainment(versions, as_of)["goal_version"] == version


def test_expected_to_date_before_the_change_is_the_same_in_both_versions(
    versions: Versions,
) -> None:
    """The version only changes the months from its effective date on, so pacing asked
    about a day before it reads the same expected-to-date whichever version is used."""
    before = _attainment(versions, "2027-06-30")
    v2 = versions.ria(versions.v2)
    response = _client(versions.org, "ops_olga").get(
        f"{API}/goals/{v2.pk}/attainment?as_of=2027-06-30"
    )
    assert response.json()["expected_to_date"] == before["expected_to_date"]


def test_goal_attainment_of_a_superseded_goal_says_so(versions: Versions) -> None:
    v1 = versions.company(versions.v1)
    body = _client(versions.org, "ops_olga").get(f"{API}/goals/{v1.pk}/attainment").json()

    assert body["goal_version"] == 1
    assert body["superseded_by"] == versions.company(versions.v2).pk
    assert all(child["goal_version"] == 1 for child in body["children"])


# Web pages --------------------------------------------------------------------------------


@pytest.mark.parametrize(("as_of", "version"), [("2027-06-30", 1), ("2027-07-01", 2)])
def test_person_page_lists_the_goal_in_force_only(
    versions: Versions, as_of: str, version: int
) -> None:
    page = _client(versions.org, "ops_olga").get(f"/performance/people/E004/?as_of={as_of}")

    shown, hidden = versions.ria(versions.v1), versions.ria(versions.v2)
    if version == 2:
        shown, hidden = hidden, shown
    html = page.content.decode()
    assert f"/performance/goals/{shown.pk}/" in html
    assert f"/performance/goals/{hidden.pk}/" not in html


def test_goal_page_of_a_superseded_goal_is_history_with_a_link(versions: Versions) -> None:
    v1, v2 = versions.ria(versions.v1), versions.ria(versions.v2)
    html = (
        _client(versions.org, "ops_olga")
        .get(f"/performance/goals/{v1.pk}/?as_of=2027-08-01")
        .content.decode()
    )

    assert "superseded on 1 Jul 2027" in html
    assert f'href="/performance/goals/{v2.pk}/' in html
    assert 'data-testid="in-force-elsewhere"' in html  # on 1 August version 2 is in force
    inside = (
        _client(versions.org, "ops_olga")
        .get(f"/performance/goals/{v1.pk}/?as_of=2027-05-01")
        .content.decode()
    )
    assert 'data-testid="in-force-elsewhere"' not in inside


def test_plan_goal_page_of_a_superseded_goal_links_the_next_version(versions: Versions) -> None:
    v1, v2 = versions.ria(versions.v1), versions.ria(versions.v2)
    html = _client(versions.org, "ops_olga").get(f"/plans/goals/{v1.pk}/").content.decode()

    assert 'data-testid="superseded"' in html and "superseded on 1 Jul 2027" in html
    assert f'href="/plans/goals/{v2.pk}/"' in html
    newer = _client(versions.org, "ops_olga").get(f"/plans/goals/{v2.pk}/").content.decode()
    assert 'data-testid="superseded"' not in newer


# Boards -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("as_of", "target"), [(dt.date(2027, 6, 30), 1_200_000), (CHANGE, 1_149_589)]
)
def test_boards_read_the_version_in_force_and_count_each_rep_once(
    versions: Versions, as_of: dt.date, target: int
) -> None:
    org = versions.org
    board = unit_board(
        org.company, versions.v1.metric, FY_START, FY_END, as_of, with_leaderboard=True
    )

    assert board.own.goal is not None and board.own.goal.target == target
    assert board.reps_with_goals == 3  # Ria, Rob and Sue, once each
    assert sum(board.bands.values()) == 3
    assert [row.label for row in board.leaderboard].count("Ria Rep") == 1


def test_web_board_shows_the_company_target_in_force(versions: Versions) -> None:
    client = _client(versions.org, "ops_olga")
    url = "/performance/units/ACME/?period=FY2027&metric=revenue&as_of="

    assert "12,000.00" in client.get(url + "2027-06-30").content.decode()  # minor units
    assert "11,495.89" in client.get(url + "2027-07-01").content.decode()


# My goals ---------------------------------------------------------------------------------


def test_api_my_goals_lists_one_goal_per_metric_and_period_with_its_versions(
    versions: Versions, today: dict[str, dt.date]
) -> None:
    mine = _client(versions.org, "rep_ria").get(f"{API}/goals/mine").json()

    assert [goal["id"] for goal in mine] == [versions.ria(versions.v2).pk]
    assert [v["plan_version"] for v in mine[0]["versions"]] == [1, 2]
    assert mine[0]["versions"][0]["in_force_until"] == "2027-06-30"
    today["today"] = dt.date(2027, 2, 1)  # before the change: version 1 is current
    earlier = _client(versions.org, "rep_ria").get(f"{API}/goals/mine").json()
    assert [goal["id"] for goal in earlier] == [versions.ria(versions.v1).pk]


def test_web_my_goals_lists_one_goal_with_a_history_link(
    versions: Versions, today: dict[str, dt.date]
) -> None:
    html = _client(versions.org, "rep_ria").get("/plans/my-goals/").content.decode()

    v1, v2 = versions.ria(versions.v1), versions.ria(versions.v2)
    assert html.count('class="card my-goal"') == 1
    assert f'href="/plans/goals/{v2.pk}/"' in html  # the current goal
    assert f'href="/plans/goals/{v1.pk}/"' in html  # its history
    assert "superseded on 1 Jul 2027 by version 2" in html


def test_manager_my_goals_lists_the_unit_goal_once(
    versions: Versions, today: dict[str, dt.date]
) -> None:
    mine = _client(versions.org, "manager_max").get(f"{API}/goals/mine").json()

    assert [goal["owner"] for goal in mine] == ["North"]
    assert mine[0]["id"] == Goal.objects.get(cycle=versions.v2, owner_unit=versions.org.north).pk


# The invariant ----------------------------------------------------------------------------


# The fixture is only read, so sharing it between examples is sound.
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(day=st.dates(min_value=dt.date(2026, 6, 1), max_value=dt.date(2028, 6, 1)))
def test_at_most_one_goal_in_force_per_owner_metric_and_period(
    versions: Versions, day: dt.date
) -> None:
    rows = list(
        in_force_goals(day).values_list(
            "owner_unit_id", "owner_person_id", "metric_id", "period_start"
        )
    )
    assert len(rows) == len(set(rows)) == 8  # every owner of the plan, once
    expected = versions.v1 if day < CHANGE else versions.v2
    assert set(in_force_goals(day).values_list("cycle_id", flat=True)) == {expected.pk}


def test_person_goals_reads_one_version(versions: Versions) -> None:
    for day, cycle in ((dt.date(2027, 6, 30), versions.v1), (CHANGE, versions.v2)):
        goals = [goal for goal, _ in person_goals(versions.org.people["ria"], day)]
        assert [goal.pk for goal in goals] == [versions.ria(cycle).pk]


def test_alerts_speak_of_the_goal_in_force(versions: Versions) -> None:
    from quotaflow.performance.actions import send_at_risk_alerts
    from quotaflow.performance.models import GoalAlert

    send_at_risk_alerts(as_of=dt.date(2027, 6, 30))  # 100,000 of about 148,767 expected
    first = set(GoalAlert.objects.values_list("goal_id", flat=True))
    send_at_risk_alerts(as_of=dt.date(2027, 9, 1))
    later = set(GoalAlert.objects.values_list("goal_id", flat=True))

    assert versions.ria(versions.v1).pk in first
    assert versions.ria(versions.v2).pk in later - first
    assert set(Goal.objects.filter(pk__in=first | later).values_list("cycle_id", flat=True)) <= {
        versions.v1.pk,
        versions.v2.pk,
    }
