"""Commenting on a goal with ``@mentions``: the comment (``plans.actions.comment_on_goal``)
and who hears of it."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from quotaflow.accounts.models import User
from quotaflow.core import limits
from quotaflow.core.errors import InvalidInput
from quotaflow.feedback.mentions import notify_others
from quotaflow.plans.actions import comment_on_goal
from quotaflow.plans.models import Goal, GoalComment
from quotaflow.plans.queries import goal_managers, goal_owner_users


def post_comment(goal: Goal, *, acting_user: User, body: str) -> GoalComment:
    """Comment on ``goal`` (its owner, the managers above it, sales operations — while it
    takes comments), mentioning people with ``@username``. Each mention must name someone
    who may see the goal, or nothing is written. After the commit the mentioned hear of it
    (``comment.mentioned``), and the goal's owner(s) and reviewer(s) — the nearest managers
    above it — of a new comment (``goal.commented``); the author hears of nothing."""
    problem = limits.text_problem(body, max_length=limits.COMMENT_MAX_LENGTH, multiline=True)
    if problem is not None:
        raise InvalidInput(f"The comment {problem}.", field="body")
    with transaction.atomic():
        # The comment's own checks (who may comment, whether the goal takes comments) come
        # first; its mentions are resolved as it is written (``mention_in_comments``), and
        # a refused mention rolls the comment back with it.
        comment = comment_on_goal(goal, acting_user=acting_user, body=body)
        _notify(comment, goal, acting_user)
    return comment


def _notify(comment: GoalComment, goal: Goal, author: User) -> None:
    """Tell the goal's owner(s) and reviewer(s) of the comment — not its author, nor those
    it mentions (who heard of it as a mention)."""
    today = timezone.localdate()
    named = set(comment.mentions.values_list("user_id", flat=True))
    involved = {
        user.pk: user
        for user in [*goal_owner_users([goal], today).get(goal.pk, []), *goal_managers(goal, today)]
        if user.pk != author.pk and user.pk not in named
    }
    who = author.get_full_name() or author.username
    notify_others(
        involved.values(),
        text=comment.body,
        url=f"/plans/goals/{goal.pk}/#comment-{comment.pk}",
        kind="goal.commented",
        title=f"{who} commented on {goal}",
    )
