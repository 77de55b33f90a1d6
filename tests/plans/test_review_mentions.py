"""@mentions in the comments that reviewing steps write — approve, return, adjust and
approve, and the bulk approve and return — are resolved the one way a plain comment's are
(``feedback.mentions.mention_in_comments``, on ``plans.signals.comments_written``): stored
with the comment, told to the person mentioned, and refused whole (nothing written) when
the name is nobody's or cannot see the goal.

A bottom-up FY2027 plan: Ria and Rob (North Team A) and Sue (South Team A) have submitted.
Ria's and Rob's goals are seen by manager_max and ops_olga, not by manager_sam (South).
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pytest_django import DjangoCaptureOnCommitCallbacks

from quotaflow.core.errors import InvalidInput
from quotaflow.core.models import Notification
from quotaflow.feedback.mentions import resolve_mentions_on
from quotaflow.feedback.models import Mention
from quotaflow.plans import actions
from quotaflow.plans.models import Goal, GoalComment, GoalStatus
from tests.conftest import SmallOrg

pytestmark = pytest.mark.django_db


def _mentioned(goal: Goal) -> list[tuple[str, str]]:
    return list(
        Mention.objects.filter(comment__goal=goal).values_list("comment__kind", "user__username")
    )


def _told(username: str) -> list[tuple[str, str, str]]:
    return list(
        Notification.objects.filter(user__username=username, kind="comment.mentioned").values_list(
            "kind", "title", "url"
        )
    )


def test_approving_with_a_comment_mentions_sales_ops(
    submissions: dict[str, Goal],
    more_reps: SmallOrg,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    ria = submissions["ria"]
    with django_capture_on_commit_callbacks(execute=True):
        actions.approve_goal(
            ria, acting_user=more_reps.users["manager_max"], comment="Fine by me, @ops_olga."
        )
    assert _mentioned(ria) == [("comment", "ops_olga")]
    comment = GoalComment.objects.get(goal=ria)
    assert _told("ops_olga") == [
        (
            "comment.mentioned",
            f"manager_max mentioned you on {ria}",
            f"/plans/goals/{ria.pk}/#comment-{comment.pk}",
        )
    ]


def test_returning_and_adjusting_resolve_mentions_too(
    submissions: dict[str, Goal],
    more_reps: SmallOrg,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    max_ = more_reps.users["manager_max"]
    with django_capture_on_commit_callbacks(execute=True):
        actions.return_goal(submissions["ria"], acting_user=max_, comment="@rep_ria aim higher.")
        actions.adjust_submission(
            submissions["rob"], acting_user=max_, target=12_000_00, reason="Agreed with @rep_rob."
        )
    assert _mentioned(submissions["ria"]) == [("return", "rep_ria")]
    assert _mentioned(submissions["rob"]) == [("adjustment", "rep_rob")]
    assert len(_told("rep_rob")) == 1


def test_a_mention_of_someone_who_cannot_see_the_goal_refuses_the_step_whole(
    submissions: dict[str, Goal], more_reps: SmallOrg
) -> None:
    ria = submissions["ria"]
    with pytest.raises(InvalidInput) as refused:
        actions.return_goal(
            ria, acting_user=more_reps.users["manager_max"], comment="Ask @manager_sam."
        )
    assert refused.value.field == "comment"
    assert "@manager_sam cannot be mentioned here" in refused.value.message
    ria.refresh_from_db()
    assert ria.status == GoalStatus.SUBMITTED  # nothing written: not returned, no comment
    assert not GoalComment.objects.filter(goal=ria).exists()
    with pytest.raises(InvalidInput) as refused:
        actions.adjust_submission(
            ria, acting_user=more_reps.users["manager_max"], target=1, reason="@nobody_here"
        )
    assert refused.value.field == "reason"
    assert Goal.objects.get(pk=ria.pk).status == GoalStatus.SUBMITTED


def test_a_bulk_review_mentions_once_per_comment_and_tells_each_person_once(
    submissions: dict[str, Goal],
    more_reps: SmallOrg,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    north = [submissions["ria"], submissions["rob"]]
    versions = {goal.pk: goal.version for goal in north}
    with django_capture_on_commit_callbacks(execute=True):
        actions.approve_goals(
            north[0].cycle,  # type: ignore[arg-type]
            acting_user=more_reps.users["manager_max"],
            versions=versions,
            comment="Both approved, @ops_olga.",
        )
    assert [_mentioned(goal) for goal in north] == [[("comment", "ops_olga")]] * 2
    ((_, title, url),) = _told("ops_olga")
    assert title == "manager_max mentioned you on 2 goals of FY2027 revenue bottom_up"
    assert url == f"/plans/{north[0].cycle_id}/"


def test_a_bulk_return_refuses_a_mention_outside_any_goal_and_writes_nothing(
    submissions: dict[str, Goal], more_reps: SmallOrg
) -> None:
    # Sam sees Sue's goal but not Ria's: mentioning him on both is refused.
    goals = [submissions["ria"], submissions["sue"]]
    with pytest.raises(InvalidInput) as refused:
        actions.return_goals(
            goals[0].cycle,  # type: ignore[arg-type]
            acting_user=more_reps.users["ops_olga"],
            versions={goal.pk: goal.version for goal in goals},
            reason="Talk to @manager_sam.",
        )
    assert refused.value.field == "reason"
    assert set(
        Goal.objects.filter(pk__in=[g.pk for g in goals]).values_list("status", flat=True)
    ) == {GoalStatus.SUBMITTED}
    assert not GoalComment.objects.exists() and not Mention.objects.exists()


def test_resolving_a_bulk_comments_mentions_costs_one_query_per_name(
    submissions: dict[str, Goal], more_reps: SmallOrg
) -> None:
    cycle = submissions["ria"].cycle
    every_goal = list(Goal.objects.filter(cycle=cycle))
    assert len(every_goal) > 3

    def queries(goals: list[Goal], text: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            resolve_mentions_on(text, goals)
        return len(captured)

    one_goal = queries(every_goal[:1], "@ops_olga")
    assert queries(every_goal, "@ops_olga") == one_goal  # whatever the number of goals
    assert queries(every_goal, "@ops_olga and @admin_ada") == one_goal + 1  # one per name
    assert queries(every_goal, "no names") == 0
