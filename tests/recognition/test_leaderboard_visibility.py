"""The leaderboard under each visibility setting, on the page and in the API: a rep sees
every team's ranks (everyone), their own team's (own team) or none (off for reps), while
managers and sales operations keep what their place in the tree shows."""

from __future__ import annotations

import pytest
from django.test import Client

from quotaflow.performance.actions import update_tracking_settings
from quotaflow.performance.models import PerformanceSettings
from tests.conftest import SmallOrg
from tests.recognition.conftest import Sell

pytestmark = pytest.mark.django_db

PAGE = "/recognition/leaderboard/"
API = "/api/v1/leaderboard"


def _set(small_org: SmallOrg, visibility: str) -> None:
    update_tracking_settings(
        acting_user=small_org.users["ops_olga"],
        expected_version=PerformanceSettings.current().version,
        leaderboard_visibility=visibility,
    )


def _as(small_org: SmallOrg, username: str) -> Client:
    client = Client()
    client.force_login(small_org.users[username])
    return client


@pytest.fixture
def ranked(small_org: SmallOrg, annual_goals: dict, sell: Sell, rob: object) -> SmallOrg:
    sell("R1", "ria", 60_000_00)
    sell("B1", "rob", 40_000_00)
    sell("S1", "sue", 90_000_00)
    return small_org


def _api(client: Client, unit: str) -> tuple[int, list[str]]:
    response = client.get(
        API, {"unit": unit, "metric": "revenue", "period": "FY2027", "as_of": "2027-12-31"}
    )
    return response.status_code, [row["name"] for row in response.json().get("rows", [])]


def _page(client: Client, unit: str = "") -> tuple[int, str]:
    response = client.get(
        PAGE, {"unit": unit, "period": "FY2027"} if unit else {"period": "FY2027"}
    )
    return response.status_code, response.content.decode()


def test_everyone_shows_every_rep_every_teams_ranks(ranked: SmallOrg) -> None:
    _set(ranked, "everyone")
    ria = _as(ranked, "rep_ria")
    assert _api(ria, "ACME") == (200, ["Sue Seller", "Ria Rep", "Rob Rep"])
    assert _api(ria, "SOUTH-A") == (200, ["Sue Seller"])
    status, body = _page(ria, "ACME")
    assert status == 200 and "Sue Seller" in body and "Rob Rep" in body


def test_own_team_shows_a_rep_only_their_team(ranked: SmallOrg) -> None:
    _set(ranked, "team")
    ria = _as(ranked, "rep_ria")
    assert _api(ria, "NORTH-A") == (200, ["Ria Rep", "Rob Rep"])
    assert _api(ria, "ACME")[0] == 404
    assert _api(ria, "SOUTH-A")[0] == 404
    status, body = _page(ria)  # her own team by default
    assert status == 200 and "Rob Rep" in body and "Sue Seller" not in body
    assert _page(ria, "ACME")[0] == 404
    # Managers keep their part of the tree, sales ops everything.
    assert _api(_as(ranked, "manager_max"), "NORTH") == (200, ["Ria Rep", "Rob Rep"])
    assert _api(_as(ranked, "manager_max"), "SOUTH")[0] == 404
    assert _api(_as(ranked, "ops_olga"), "ACME")[0] == 200


def test_off_hides_the_leaderboard_from_reps_but_not_managers_or_sales_ops(
    ranked: SmallOrg,
) -> None:
    _set(ranked, "managers")
    ria = _as(ranked, "rep_ria")
    assert _api(ria, "NORTH-A")[0] == 404
    status, body = _page(ria)
    assert status == 200 and 'id="leaderboard-hidden"' in body and "Rob Rep" not in body
    assert _page(ria, "NORTH-A")[0] == 404
    assert _api(_as(ranked, "manager_max"), "NORTH-A") == (200, ["Ria Rep", "Rob Rep"])
    assert _api(_as(ranked, "manager_max"), "ACME")[0] == 404
    assert _api(_as(ranked, "finance_fay"), "ACME")[0] == 200
    status, body = _page(_as(ranked, "ops_olga"), "ACME")
    assert status == 200 and "Sue Seller" in body
    # The unit board shows its leaderboard to the manager, as before.
    board = _as(ranked, "manager_max").get(
        "/performance/units/NORTH/", {"period": "FY2027", "as_of": "2027-12-31"}
    )
    assert 'id="leaderboard"' in board.content.decode()


def test_sales_ops_only(ranked: SmallOrg) -> None:
    _set(ranked, "planners")
    assert _api(_as(ranked, "manager_max"), "NORTH")[0] == 404
    assert _api(_as(ranked, "rep_ria"), "NORTH-A")[0] == 404
    assert _api(_as(ranked, "ops_olga"), "NORTH")[0] == 200
