"""SMART pages: who may open them, the live check, submitting through the check, the
manager's review with bias flags and both roll-ups, and plan health."""

from __future__ import annotations

import pytest
from django.test import Client

from quotaflow.accounts.models import Role, User
from quotaflow.core.money import AmountError, metric_amounts
from quotaflow.plans import actions as plan_actions
from quotaflow.plans.models import GoalStatus
from quotaflow.smart import actions
from tests.conftest import PASSWORD
from tests.smart.conftest import SmartWorld

pytestmark = pytest.mark.django_db


def _client(world: SmartWorld, username: str) -> Client:
    client = Client()
    client.force_login(world.org.users[username])
    return client


@pytest.mark.parametrize(
    ("username", "status"),
    [("rep_ria", 200), ("manager_max", 200), ("ops_olga", 200), ("finance_fay", 200),
     ("manager_sam", 404), ("outsider_otto", 404)],
)  # fmt: skip
def test_who_may_open_ria_goal_page(smart_world: SmartWorld, username: str, status: int) -> None:
    goal = smart_world.goal_of("ria")
    assert _client(smart_world, username).get(f"/smart/goals/{goal.pk}/").status_code == status


def test_anonymous_visitors_are_sent_to_log_in(smart_world: SmartWorld) -> None:
    goal = smart_world.goal_of("ria")
    for url in (
        f"/smart/goals/{goal.pk}/",
        "/smart/",
        f"/smart/cycles/{smart_world.cycle.pk}/review/",
    ):
        response = Client().get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_live_check_shows_badges_and_writes_nothing(smart_world: SmartWorld) -> None:
    goal = smart_world.goal_of("ria")
    response = _client(smart_world, "rep_ria").post(
        f"/smart/goals/{goal.pk}/check/", {"target": "2M"}
    )
    html = response.content.decode()
    assert 'data-letter="attainable" data-status="fail"' in html
    assert "Unrealistic: 2M EUR has less than a 1% chance" in html
    assert "Use 1.03M EUR" in html
    bad = _client(smart_world, "rep_ria").post(f"/smart/goals/{goal.pk}/check/", {"target": "lots"})
    assert (
        "&#x27;lots&#x27; is not an amount: write a number such as 950000" in bad.content.decode()
    )
    goal.refresh_from_db()
    assert goal.submitted_target is None


def test_rep_submits_through_the_page(smart_world: SmartWorld) -> None:
    goal = smart_world.goal_of("ria")
    client = _client(smart_world, "rep_ria")
    response = client.post(
        f"/smart/goals/{goal.pk}/",
        {"target": "1.5M", "rationale": "one big renewal", "expected_version": goal.version},
    )
    assert response.status_code == 302
    goal.refresh_from_db()
    assert goal.submitted_target == 150_000_000 and goal.status == GoalStatus.SUBMITTED
    page = client.get(f"/smart/goals/{goal.pk}/").content.decode()
    assert "Target submitted." in page
    assert 'data-letter="attainable" data-status="fail"' in page


def test_only_the_owner_may_submit(smart_world: SmartWorld) -> None:
    goal = smart_world.goal_of("ria")
    response = _client(smart_world, "manager_max").post(
        f"/smart/goals/{goal.pk}/", {"target": "1M"}
    )
    assert response.status_code == 404
    assert (
        'id="submit-form"'
        not in _client(smart_world, "manager_max").get(f"/smart/goals/{goal.pk}/").content.decode()
    )


def _rob_logs_in(world: SmartWorld) -> User:
    rob = User.objects.create_user(username="rep_rob", password=PASSWORD, role=Role.REP)
    person = world.org.people["rob"]
    person.user = rob
    person.save(update_fields=["user"])
    return rob


def test_review_flags_sandbagging_and_shows_both_rollups(smart_world: SmartWorld) -> None:
    rob = _rob_logs_in(smart_world)
    users = smart_world.org.users
    plan_actions.submit_goal(
        smart_world.goal_of("rob"), acting_user=rob, target=30_000_000
    )  # 0.3M; he does 0.6M
    plan_actions.submit_goal(
        smart_world.goal_of("ria"), acting_user=users["rep_ria"], target=100_000_000
    )
    html = (
        _client(smart_world, "manager_max")
        .get(f"/smart/cycles/{smart_world.cycle.pk}/review/")
        .content.decode()
    )
    assert 'data-bias="sandbagging"' in html and "Likely sandbagging" in html
    assert 'id="raw-rollup"' in html and "1.3M EUR" in html
    assert 'id="corrected-rollup"' in html
    assert "Sue Seller" not in html  # South is not Max's


def test_approval_from_the_review_respects_the_policy(smart_world: SmartWorld) -> None:
    users = smart_world.org.users
    plan_actions.submit_goal(
        smart_world.goal_of("ria"), acting_user=users["rep_ria"], target=300_000_000
    )
    actions.update_policy(acting_user=users["ops_olga"], block_approval_on_fail=True)
    client = _client(smart_world, "manager_max")
    response = client.post(f"/smart/goals/{smart_world.goal_of('ria').pk}/approve/", follow=True)
    assert "cannot be approved while it fails the SMART check" in response.content.decode()
    assert smart_world.goal_of("ria").status == GoalStatus.SUBMITTED


def test_plan_health_page(smart_world: SmartWorld) -> None:
    html = (
        _client(smart_world, "ops_olga")
        .get(f"/smart/cycles/{smart_world.cycle.pk}/health/")
        .content.decode()
    )
    assert 'id="share-at-quota"' in html and 'id="expected-total"' in html
    assert "Goals failing a letter" in html
    assert (
        _client(smart_world, "outsider_otto")
        .get(f"/smart/cycles/{smart_world.cycle.pk}/health/")
        .status_code
        == 404
    )


def test_index_lists_open_goals_and_cycles(smart_world: SmartWorld) -> None:
    html = _client(smart_world, "rep_ria").get("/smart/").content.decode()
    assert f"/smart/goals/{smart_world.goal_of('ria').pk}/" in html


@pytest.mark.parametrize(
    ("text", "unit", "expected"),
    [("1,500,000", "currency", 150_000_000), ("1.5M", "currency", 150_000_000), ("950k", "currency", 95_000_000),
     ("12", "count", 12), ("87.5", "percent", 8_750)],
)  # fmt: skip
def test_targets_are_read_as_people_write_them(text: str, unit: str, expected: int) -> None:
    assert metric_amounts(unit, "EUR").parse(text) == expected


def test_bad_targets_are_refused_with_a_reason() -> None:
    with pytest.raises(AmountError):
        metric_amounts("currency", "EUR").parse("-5")
    with pytest.raises(AmountError, match="whole number"):
        metric_amounts("count", "EUR").parse("1.5")
    assert metric_amounts("currency", "EUR").plain(103_000_000) == "1030000"


def test_the_badges_tag_shows_a_goal_verdicts_on_any_page(smart_world: SmartWorld) -> None:
    from django.template import Context, Template

    goal = smart_world.goal_of("ria")
    html = Template("{% load smart %}{% smart_badges goal target %}").render(
        Context({"goal": goal, "target": 200_000_000})
    )
    assert 'data-letter="attainable" data-status="fail"' in html
    assert "Use 1.03M EUR" in html
