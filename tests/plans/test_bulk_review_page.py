"""The bulk review page (``/plans/<id>/review/``): the submitted goals a manager or plan
owner may review, approved or returned many at once, all or nothing, every refusal named."""

from __future__ import annotations

import pytest
from django.test import Client

from quotaflow.core.models import AuditEvent
from quotaflow.plans.actions.bulk import MAX_BULK_GOALS
from quotaflow.plans.models import CommentKind, Goal, GoalComment, GoalStatus, PlanningCycle
from tests.conftest import PASSWORD, SmallOrg

pytestmark = pytest.mark.django_db


def _as(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def _body(decision: str, *goals: Goal, text: str = "", stale: bool = False) -> dict:
    shift = 1 if stale else 0
    chosen = [f"{goal.pk}:{goal.version - shift}" for goal in goals]
    return {"decision": decision, "text": text, "goal": chosen}


def _states(*goals: Goal) -> list[tuple[str, int]]:
    return [
        tuple(Goal.objects.filter(pk=goal.pk).values_list("status", "version")[0]) for goal in goals
    ]


def test_a_manager_sees_only_the_submissions_they_may_review(
    cycle: PlanningCycle, submissions: dict[str, Goal]
) -> None:
    page = _as("manager_max").get(f"/plans/{cycle.pk}/review/")
    assert page.status_code == 200
    assert [goal.owner_name for goal in page.context["goals"]] == ["Ria Rep", "Rob Rep"]
    html = page.content.decode()
    assert "Sue Seller" not in html and 'id="select-all"' in html
    assert "csrfmiddlewaretoken" in html
    # The plan owner sees all three; a rep has nothing to review.
    assert len(_as("ops_olga").get(f"/plans/{cycle.pk}/review/").context["goals"]) == 3
    rep = _as("rep_ria").get(f"/plans/{cycle.pk}/review/")
    assert rep.context["goals"] == [] and "No submitted goal awaits your review" in (
        rep.content.decode()
    )
    # The plan's page links to it, with the count.
    plan = _as("manager_max").get(f"/plans/{cycle.pk}/").content.decode()
    assert f'href="/plans/{cycle.pk}/review/"' in plan and "Review 2 submitted goals" in plan
    assert 'id="review-link"' not in _as("rep_ria").get(f"/plans/{cycle.pk}/").content.decode()


def test_approve_selected_approves_exactly_those(
    cycle: PlanningCycle, submissions: dict[str, Goal], more_reps: SmallOrg
) -> None:
    ria, rob = submissions["ria"], submissions["rob"]
    client = _as("manager_max")

    answer = client.post(f"/plans/{cycle.pk}/review/", _body("approve", ria, text="Agreed"))

    assert answer.status_code == 302 and answer["Location"] == f"/plans/{cycle.pk}/review/"
    assert _states(ria, rob) == [
        (GoalStatus.APPROVED, ria.version + 1),
        (GoalStatus.SUBMITTED, rob.version),
    ]
    event = AuditEvent.objects.get(action="plans.goal.approved")
    assert (event.actor, event.reason) == (more_reps.users["manager_max"], "Agreed")
    after = client.get(f"/plans/{cycle.pk}/review/")
    assert [goal.pk for goal in after.context["goals"]] == [rob.pk]
    assert "1 goal approved." in [str(m) for m in after.context["messages"]]


def test_return_selected_needs_a_reason_and_keeps_it(
    cycle: PlanningCycle, submissions: dict[str, Goal]
) -> None:
    ria, rob = submissions["ria"], submissions["rob"]
    client = _as("manager_max")

    refused = client.post(f"/plans/{cycle.pk}/review/", _body("return", ria, rob, text="  "))
    assert refused.status_code == 200
    assert "Say what should change when returning submissions." in refused.content.decode()
    assert _states(ria, rob) == [
        (GoalStatus.SUBMITTED, ria.version),
        (GoalStatus.SUBMITTED, rob.version),
    ]

    client.post(f"/plans/{cycle.pk}/review/", _body("return", ria, rob, text="Add renewals"))
    assert [status for status, _ in _states(ria, rob)] == [GoalStatus.RETURNED] * 2
    comments = GoalComment.objects.filter(goal__in=[ria.pk, rob.pk], kind=CommentKind.RETURN)
    assert sorted(comments.values_list("body", flat=True)) == ["Add renewals"] * 2


def test_a_refusal_writes_nothing_and_names_every_refused_goal(
    cycle: PlanningCycle, submissions: dict[str, Goal]
) -> None:
    ria, rob, sue = submissions["ria"], submissions["rob"], submissions["sue"]
    before = (_states(ria, rob, sue), AuditEvent.objects.count())
    body = _body("approve", ria, sue)
    body["goal"] += _body("approve", rob, stale=True)["goal"]  # someone changed Rob's since

    page = _as("manager_max").post(f"/plans/{cycle.pk}/review/", body)

    assert page.status_code == 200
    assert (_states(ria, rob, sue), AuditEvent.objects.count()) == before
    refusals = {refusal.goal_id: refusal.reason for refusal in page.context["refusals"]}
    assert set(refusals) == {rob.pk, sue.pk}  # Sue is outside Max's part of the tree
    assert "changed by someone else" in refusals[rob.pk]
    html = page.content.decode()
    assert 'id="refusals"' in html and "Nothing was written: 2 of the chosen goals" in html
    assert "Rob Rep" in html and "Sue Seller" not in html  # nothing said about Sue's goal


@pytest.mark.parametrize(
    "body",
    [
        {"decision": "approve"},  # nothing chosen
        {"decision": "approve", "goal": ["abc"]},
        {"decision": "approve", "goal": ["1"]},  # no version
        {"decision": "approve", "goal": ["1:99999999999999999999999"]},
        {"decision": "approve", "goal": ["-1:1"]},
        {"decision": "shrug", "goal": ["1:1"]},
        {"decision": "return", "goal": ["1:1"], "text": "x" * 10_001},
    ],
)
def test_bad_posts_are_refused_with_nothing_written(
    cycle: PlanningCycle, submissions: dict[str, Goal], body: dict
) -> None:
    before = (_states(*submissions.values()), AuditEvent.objects.count())
    answer = _as("manager_max").post(f"/plans/{cycle.pk}/review/", body)
    assert answer.status_code == 200
    assert (_states(*submissions.values()), AuditEvent.objects.count()) == before


def test_too_many_goals_are_refused(cycle: PlanningCycle, submissions: dict[str, Goal]) -> None:
    body = {"decision": "approve", "goal": [f"{n}:1" for n in range(1, MAX_BULK_GOALS + 10)]}
    answer = _as("ops_olga").post(f"/plans/{cycle.pk}/review/", body)
    assert f"At most {MAX_BULK_GOALS} goals can be approved at once" in answer.content.decode()
    assert [status for status, _ in _states(*submissions.values())] == [GoalStatus.SUBMITTED] * 3


def test_the_page_needs_a_login_and_a_visible_cycle(
    cycle: PlanningCycle, submissions: dict[str, Goal]
) -> None:
    assert Client().get(f"/plans/{cycle.pk}/review/").status_code == 302
    assert _as("outsider_otto").get(f"/plans/{cycle.pk}/review/").status_code == 404
    ria = submissions["ria"]
    stranger = _as("outsider_otto").post(f"/plans/{cycle.pk}/review/", _body("approve", ria))
    assert stranger.status_code == 404
    assert _states(ria) == [(GoalStatus.SUBMITTED, ria.version)]
