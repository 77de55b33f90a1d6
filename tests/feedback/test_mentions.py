"""@mentions in goal comments and check-in replies, and who hears of a comment.

Ria Rep's goal (North Team A) is seen by rep_ria, manager_max (North), ceo_cora (Acme),
ops_olga, finance_fay and admin_ada — not by manager_sam (South) nor outsider_otto.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from quotaflow.core.errors import InvalidInput, NotAllowed
from quotaflow.core.models import AuditEvent, Notification
from quotaflow.feedback import actions
from quotaflow.feedback.mentions import mentioned_names
from quotaflow.feedback.models import MENTIONS_MAX, Mention
from quotaflow.metrics.models import Metric, MetricUnit
from quotaflow.plans import actions as plan_actions
from quotaflow.plans.models import Goal, GoalComment, PlanningCycle
from quotaflow.web.templatetags.mentions import highlighted, named
from tests.conftest import SmallOrg
from tests.feedback.conftest import client_for
from tests.plans.conftest import FY_END, FY_START, goal_of

pytestmark = pytest.mark.django_db
A = "/api/v1"


def _written() -> tuple[int, int, int, int]:
    return (
        GoalComment.objects.count(),
        Mention.objects.count(),
        AuditEvent.objects.filter(action="plans.goal.commented").count(),
        Notification.objects.count(),
    )


def _negotiated_cycle(org: SmallOrg, approach: str) -> PlanningCycle:
    """A FY2027 revenue cycle of ``approach`` (bottom-up or hybrid), made by ops_olga."""
    return plan_actions.create_cycle(
        acting_user=org.users["ops_olga"],
        metric=Metric.objects.create(code="rev", name="Revenue", unit=MetricUnit.CURRENCY),
        period_start=FY_START,
        period_end=FY_END,
        period_label="FY2027",
        approach=approach,
        name=f"FY2027 {approach}",
    )


def _inbox() -> list[tuple[str, str]]:
    return sorted(Notification.objects.values_list("user__username", "kind"))


def test_names_are_found_where_a_mention_starts_and_end_before_a_full_stop() -> None:
    text = "@ops_olga and (@rep_ria), mail max@example.com, ask @ops_olga. Thanks @a.b-c."
    assert mentioned_names(text) == ["ops_olga", "rep_ria", "a.b-c"]
    assert mentioned_names("no mention @ here, nor email@x.org") == []


def test_the_highlight_escapes_the_text_and_marks_only_resolved_names() -> None:
    class Olga:
        username = "ops_olga"

        def get_full_name(self) -> str:
            return "Olga <Ops>"

    html = highlighted("<b>@ops_olga</b> & @someone", named([Olga()]))  # type: ignore[list-item]
    assert html == (
        '&lt;b&gt;<mark class="mention" data-username="ops_olga" title="@ops_olga">'
        "@Olga &lt;Ops&gt;</mark>&lt;/b&gt; &amp; @someone"
    )


def test_a_mention_is_stored_and_notified_after_the_commit(
    small_org: SmallOrg, ria_goal: Goal, django_capture_on_commit_callbacks: Any
) -> None:
    max_ = small_org.users["manager_max"]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        comment = actions.post_comment(
            ria_goal, acting_user=max_, body="@ops_olga can you check the split? cc @rep_ria."
        )
        assert Notification.objects.count() == 0  # nothing inside the transaction
    assert len(callbacks) == 1  # the mentioned; nobody else is involved but the author
    for callback in callbacks:
        callback()
    assert [m.user.username for m in comment.mentions.order_by("pk")] == ["ops_olga", "rep_ria"]
    # Ria owns the goal and is mentioned: she hears once, as mentioned.
    assert _inbox() == [("ops_olga", "comment.mentioned"), ("rep_ria", "comment.mentioned")]
    note = Notification.objects.get(user__username="ops_olga")
    assert note.url == f"/plans/goals/{ria_goal.pk}/#comment-{comment.pk}"
    assert note.title.startswith("manager_max mentioned you on")
    assert AuditEvent.objects.filter(action="plans.goal.commented").count() == 1


def test_the_owner_and_the_reviewer_hear_of_a_comment_but_not_its_author(
    small_org: SmallOrg, ria_goal: Goal, django_capture_on_commit_callbacks: Any
) -> None:
    users = small_org.users
    with django_capture_on_commit_callbacks(execute=True):
        actions.post_comment(ria_goal, acting_user=users["rep_ria"], body="Two deals slipped.")
    assert _inbox() == [("manager_max", "goal.commented")]
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        actions.post_comment(ria_goal, acting_user=users["ops_olga"], body="Split is fine.")
    assert _inbox() == [("manager_max", "goal.commented"), ("rep_ria", "goal.commented")]


@pytest.mark.parametrize("name", ["manager_sam", "outsider_otto", "nobody_here"])
def test_mentioning_someone_who_may_not_see_the_goal_writes_nothing(
    small_org: SmallOrg, ria_goal: Goal, django_capture_on_commit_callbacks: Any, name: str
) -> None:
    before = _written()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(InvalidInput, match=f"@{name} cannot be mentioned here") as refused,
    ):
        actions.post_comment(
            ria_goal, acting_user=small_org.users["manager_max"], body=f"@ops_olga and @{name}"
        )
    assert refused.value.field == "body"
    assert "Ria" not in refused.value.message  # the same words whoever the name is
    assert callbacks == []
    assert _written() == before


def test_an_inactive_user_cannot_be_mentioned(small_org: SmallOrg, ria_goal: Goal) -> None:
    olga = small_org.users["ops_olga"]
    olga.is_active = False
    olga.save()
    with pytest.raises(InvalidInput, match="@ops_olga cannot be mentioned"):
        actions.post_comment(ria_goal, acting_user=small_org.users["rep_ria"], body="@ops_olga")
    assert GoalComment.objects.count() == 0


def test_a_comment_mentions_at_most_the_limit(small_org: SmallOrg, ria_goal: Goal) -> None:
    body = " ".join(f"@person{index}" for index in range(MENTIONS_MAX + 1))
    with pytest.raises(InvalidInput, match=f"at most {MENTIONS_MAX} people"):
        actions.post_comment(ria_goal, acting_user=small_org.users["rep_ria"], body=body)
    assert _written() == (0, 0, 0, 0)


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_comment_notifies_nobody(small_org: SmallOrg, ria_goal: Goal) -> None:
    max_ = small_org.users["manager_max"]
    with pytest.raises(RuntimeError), transaction.atomic():
        actions.post_comment(ria_goal, acting_user=max_, body="@ops_olga please look")
        raise RuntimeError("something later in the request failed")
    assert _written() == (0, 0, 0, 0)
    actions.post_comment(ria_goal, acting_user=max_, body="@ops_olga please look")
    assert _inbox() == [("ops_olga", "comment.mentioned"), ("rep_ria", "goal.commented")]


def test_a_reply_in_a_check_in_thread_mentions_too(
    small_org: SmallOrg, ria_goal: Goal, django_capture_on_commit_callbacks: Any
) -> None:
    users = small_org.users
    made = actions.check_in(ria_goal, acting_user=users["rep_ria"], note="Slow", confidence=2)
    with django_capture_on_commit_callbacks(execute=True):
        reply = actions.reply_to_check_in(
            made, acting_user=users["manager_max"], body="@ops_olga can we give relief?"
        )
    assert [m.user.username for m in reply.mentions.all()] == ["ops_olga"]
    assert _inbox() == [("ops_olga", "comment.mentioned"), ("rep_ria", "checkin.replied")]
    with pytest.raises(InvalidInput, match="@manager_sam cannot be mentioned"):
        actions.reply_to_check_in(made, acting_user=users["manager_max"], body="@manager_sam")
    assert made.replies.count() == 1


def test_reps_and_their_manager_negotiate_a_bottom_up_number_in_comments(
    small_org: SmallOrg, django_capture_on_commit_callbacks: Any
) -> None:
    users = small_org.users
    cycle = _negotiated_cycle(small_org, "bottom_up")
    goal = goal_of(cycle, small_org.people["ria"])
    plan_actions.submit_goal(goal, acting_user=users["rep_ria"], target=500_000)
    with django_capture_on_commit_callbacks(execute=True):
        actions.post_comment(goal, acting_user=users["manager_max"], body="600k? @ops_olga")
        actions.post_comment(goal, acting_user=users["rep_ria"], body="550k, the rest is risk")
    assert [c.body for c in goal.comments.all()] == ["600k? @ops_olga", "550k, the rest is risk"]
    assert {c.kind for c in goal.comments.all()} == {"negotiation"}
    assert _inbox() == [
        ("manager_max", "goal.commented"),
        ("ops_olga", "comment.mentioned"),
        ("rep_ria", "goal.commented"),
    ]


_client = client_for


def test_the_api_takes_mentions_and_shows_them(
    small_org: SmallOrg, ria_goal: Goal, django_capture_on_commit_callbacks: Any
) -> None:
    max_ = _client(small_org, "manager_max")
    url = f"{A}/goals/{ria_goal.pk}/comments"
    with django_capture_on_commit_callbacks(execute=True):
        made = max_.post(url, {"body": "@ops_olga see this"}, content_type="application/json")
    assert made.status_code == 201, made.content
    assert made.json()["mentions"] == ["ops_olga"]
    detail = max_.get(f"{A}/goals/{ria_goal.pk}").json()
    assert [c["mentions"] for c in detail["comments"]] == [["ops_olga"]]
    refused = max_.post(url, {"body": "@manager_sam see"}, content_type="application/json")
    assert refused.status_code == 400
    assert "@manager_sam cannot be mentioned" in refused.json()["detail"]
    too_long = max_.post(url, {"body": "x" * 10_001}, content_type="application/json")
    assert too_long.status_code == 422
    assert GoalComment.objects.count() == 1
    assert _inbox() == [("ops_olga", "comment.mentioned"), ("rep_ria", "goal.commented")]


def test_the_goal_page_highlights_the_mentioned_name(
    small_org: SmallOrg, ria_goal: Goal, django_capture_on_commit_callbacks: Any
) -> None:
    olga = small_org.users["ops_olga"]
    olga.first_name, olga.last_name = "Olga", "Ops"
    olga.save()
    max_ = _client(small_org, "manager_max")
    with django_capture_on_commit_callbacks(execute=True):
        max_.post(
            f"/plans/goals/{ria_goal.pk}/step/comment/",
            {"text": "<i>@ops_olga</i> please check", "expected_version": ria_goal.version},
        )
    comment = GoalComment.objects.get()
    page = _client(small_org, "ops_olga").get(f"/plans/goals/{ria_goal.pk}/").content.decode()
    assert f'id="comment-{comment.pk}"' in page
    assert (
        '<mark class="mention" data-username="ops_olga" title="@ops_olga">@Olga Ops</mark>' in page
    )
    assert "&lt;i&gt;" in page and "<i>@" not in page
    refused = max_.post(
        f"/plans/goals/{ria_goal.pk}/step/comment/",
        {"text": "@manager_sam look", "expected_version": ria_goal.version},
        follow=True,
    )
    assert "@manager_sam cannot be mentioned here" in refused.content.decode()
    assert GoalComment.objects.count() == 1


def test_the_gap_view_counts_comments_and_takes_them_from_those_negotiating(
    small_org: SmallOrg, django_capture_on_commit_callbacks: Any
) -> None:
    users = small_org.users
    cycle = _negotiated_cycle(small_org, "hybrid")
    plan_actions.run_cascade(cycle, acting_user=users["ops_olga"], company_target=1_200_000)
    goal = goal_of(cycle, small_org.people["ria"])
    plan_actions.submit_goal(goal, acting_user=users["rep_ria"], target=300_000)
    page_url = f"/plans/{cycle.pk}/"
    form = f'id="comment-on-{goal.pk}"'
    assert form in _client(small_org, "rep_ria").get(page_url).content.decode()
    assert form not in _client(small_org, "finance_fay").get(page_url).content.decode()
    max_ = _client(small_org, "manager_max")
    with django_capture_on_commit_callbacks(execute=True):
        answer = max_.post(
            f"/plans/goals/{goal.pk}/step/comment/",
            {"text": "The gap is 100k: @rep_ria what about Contoso?", "next": "cycle",
             "expected_version": goal.version},
        )  # fmt: skip
    assert answer.status_code == 302 and answer["Location"] == page_url
    row = max_.get(page_url).content.decode().split(f'data-goal="{goal.pk}"')[1].split("</tr>")[0]
    assert ">1 comment</a>" in row
    assert goal.comments.get().negotiation_round == cycle.negotiation_round
    assert _inbox() == [("rep_ria", "comment.mentioned")]


def test_who_may_not_comment_learns_nothing_of_the_names(
    small_org: SmallOrg, ria_goal: Goal
) -> None:
    with pytest.raises(NotAllowed):
        actions.post_comment(
            ria_goal, acting_user=small_org.users["manager_sam"], body="@nobody_here @ops_olga"
        )
    assert _written() == (0, 0, 0, 0)
