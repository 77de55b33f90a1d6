"""SMART endpoints: verdicts of a saved goal, a live check of an unsaved target, plan
health — and who may see which goal."""

from __future__ import annotations

import pytest
from django.test import Client

from quotaflow.accounts.actions import create_token
from quotaflow.smart import actions
from quotaflow.smart.models import SmartPolicy
from tests.smart.conftest import SmartWorld

pytestmark = pytest.mark.django_db


def _client(world: SmartWorld, username: str) -> Client:
    client = Client()
    client.force_login(world.org.users[username])
    return client


def test_rep_checks_an_unsaved_target_and_nothing_is_written(smart_world: SmartWorld) -> None:
    goal = smart_world.goal_of("ria")
    response = _client(smart_world, "rep_ria").post(
        "/api/v1/smart/check",
        {"goal_id": goal.pk, "target": 200_000_000},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["letters"]["attainable"]["status"] == "fail"
    assert body["letters"]["attainable"]["reason"].startswith("Unrealistic: 2M EUR")
    assert 80_000_000 < body["suggested_target"] < 110_000_000
    assert body["approval_blocked"] is False
    goal.refresh_from_db()
    assert goal.target != 200_000_000


def test_goal_smart_reports_the_saved_target(smart_world: SmartWorld) -> None:
    goal = smart_world.goal_of("ria")
    body = _client(smart_world, "manager_max").get(f"/api/v1/goals/{goal.pk}/smart").json()
    assert body["target"] == goal.target
    assert set(body["letters"]) == {
        "specific",
        "measurable",
        "attainable",
        "relevant",
        "time_bound",
    }


def test_approval_blocked_flag_follows_the_policy(smart_world: SmartWorld) -> None:
    actions.update_policy(
        acting_user=smart_world.org.users["ops_olga"], block_approval_on_fail=True
    )
    goal = smart_world.goal_of("ria")
    body = (
        _client(smart_world, "rep_ria")
        .post(
            "/api/v1/smart/check",
            {"goal_id": goal.pk, "target": 200_000_000},
            content_type="application/json",
        )
        .json()
    )
    assert SmartPolicy.for_cycle(goal.cycle).block_approval_on_fail
    assert body["approval_blocked"] is True


@pytest.mark.parametrize(
    ("username", "status"),
    [("rep_ria", 200), ("manager_max", 200), ("ops_olga", 200), ("admin_ada", 200),
     ("manager_sam", 404), ("outsider_otto", 404)],
)  # fmt: skip
def test_who_may_check_ria_goal(smart_world: SmartWorld, username: str, status: int) -> None:
    goal = smart_world.goal_of("ria")
    assert (
        _client(smart_world, username).get(f"/api/v1/goals/{goal.pk}/smart").status_code == status
    )


def test_anonymous_and_scopeless_tokens_are_refused(smart_world: SmartWorld) -> None:
    goal = smart_world.goal_of("ria")
    assert Client().get(f"/api/v1/goals/{goal.pk}/smart").status_code == 401
    _, secret = create_token(
        smart_world.org.users["ops_olga"],
        acting_user=smart_world.org.users["ops_olga"],
        name="ingest",
        scopes=["ingest"],
    )
    response = Client().get(f"/api/v1/goals/{goal.pk}/smart", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 403


def test_plan_health_for_the_cycle(smart_world: SmartWorld) -> None:
    response = _client(smart_world, "ops_olga").get(
        f"/api/v1/cycles/{smart_world.cycle.pk}/smart-health"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["goals"] == 3  # the three reps' goals
    assert sum(band["goals"] for band in body["distribution"]) == body["predicted"] == 3
    assert body["expected_total"] > 200_000_000
    assert [row["letter"] for row in body["failing"]] == [
        "Specific",
        "Measurable",
        "Attainable",
        "Relevant",
        "Time-bound",
    ]
    rep_view = (
        _client(smart_world, "rep_ria")
        .get(f"/api/v1/cycles/{smart_world.cycle.pk}/smart-health")
        .json()
    )
    assert rep_view["goals"] == 1


def test_planners_set_a_cycle_policy_and_others_only_read_it(smart_world: SmartWorld) -> None:
    url = f"/api/v1/smart/policy?cycle_id={smart_world.cycle.pk}"
    ops = _client(smart_world, "ops_olga")
    response = ops.put(
        url, {"band_low": 30, "block_approval_on_fail": True}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["cycle_id"] == smart_world.cycle.pk and response.json()["band_low"] == 30
    assert ops.get("/api/v1/smart/policy").json()["band_low"] == 20  # the default is untouched
    max_client = _client(smart_world, "manager_max")
    assert max_client.get(url).json()["block_approval_on_fail"] is True
    refused = max_client.put(url, {"band_low": 10}, content_type="application/json")
    assert refused.status_code == 403
    disordered = ops.put(url, {"band_low": 95}, content_type="application/json")
    assert disordered.status_code == 400 and disordered.json()["field"] == "band_low"
    assert _client(smart_world, "outsider_otto").get(url).status_code == 404
