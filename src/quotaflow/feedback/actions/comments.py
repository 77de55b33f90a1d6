"""Commenting on a goal with ``@mentions``: the comment (``plans.actions.comment_on_goal``)
and who hears of it."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from quotaflow.accounts.models import User
from quotaflow.core import limits
from quotaflow.core.errors import InvalidInput
from quotaflow.feedback.mentions import notify_message, resolve_mentions
from quotaflow.feedback.models import Mention
from quotaflow.feedback.queries import goal_managers
from quotaflow.plans.actions import comment_on_goal
from quotaflow.plans.models import Goal, GoalComment
from quotaflow.plans.queries import goal_owner_users


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
        comment = comment_on_goal(goal, acting_user=acting_user, body=body)
        # After the comment's own checks (who may comment, whether the goal takes
        # comments); a refused mention rolls the comment back with it.
        mentioned = resolve_mentions(body, goal)
        Mention.objects.bulk_create(Mention(comment=comment, user=user) for user in mentioned)
        _notify(comment, goal, acting_user, mentioned)
    return comment


def _notify(comment: GoalComment, goal: Goal, author: User, mentioned: Iterable[User]) -> None:
    today = timezone.localdate()
    named = {user.pk: user for user in mentioned if user.pk != author.pk}
    involved = {
        user.pk: user
        for user in [*goal_owner_users([goal], today).get(goal.pk, []), *goal_managers(goal, today)]
        if user.pk != author.pk and user.pk not in named
    }
    who = author.get_full_name() or author.username
    notify_message(
        named.values(),
        involved.values(),
        text=comment.body,
        url=f"/plans/goals/{goal.pk}/#comment-{comment.pk}",
        mentioned_title=f"{who} mentioned you on {goal}",
        kind="goal.commented",
        title=f"{who} commented on {goal}",
    )
