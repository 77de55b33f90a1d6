"""``@username`` in a goal's comment or a check-in's reply: finding the names (one
pattern, :data:`MENTION`, which the thread's highlighting in ``web`` also reads) and
resolving them to people who may see the goal. Every
comment written on a goal, by any step of the plans app, comes through
:func:`mention_in_comments` (connected to ``plans.signals.comments_written``).

A mention is refused (and the message with it) when the name is nobody's, or the person
may not see the goal: the same words in both cases, so a comment never tells its author
who exists outside their part of the organisation, and a goal never reaches someone it is
hidden from.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from quotaflow.accounts.models import User
from quotaflow.core.errors import InvalidInput
from quotaflow.core.notify import notify
from quotaflow.feedback.models import MENTIONS_MAX, Mention
from quotaflow.plans.models import Goal, GoalComment
from quotaflow.plans.visibility import visible_goals

# A name starts after a space, a line start or an opening bracket (not inside an e-mail
# address) and holds what Django allows in a username; a full stop ending a sentence is
# not part of it.
MENTION = re.compile(r"(?<![\w@.+-])@([\w.@+-]*[\w@+-])")


def mentioned_names(text: str) -> list[str]:
    """The distinct usernames ``text`` mentions, in the order they first appear."""
    return list(dict.fromkeys(MENTION.findall(text)))


def resolve_mentions(text: str, goal: Goal, *, field: str = "body") -> list[User]:
    """The active users ``text`` mentions, each of whom may see ``goal``; refused with an
    :class:`InvalidInput` naming the first name that is nobody's or whose person may not
    see the goal, or when the text mentions more than :data:`MENTIONS_MAX` people."""
    return resolve_mentions_on(text, [goal], field=field)


def resolve_mentions_on(text: str, goals: Sequence[Goal], *, field: str = "body") -> list[User]:
    """:func:`resolve_mentions` for one text written on each of ``goals`` (a bulk review's
    comment): every person mentioned must be able to see every goal. One query for the
    names and one per person mentioned, whatever the number of goals."""
    names = mentioned_names(text)
    if not names:
        return []
    if len(names) > MENTIONS_MAX:
        raise InvalidInput(
            f"A message mentions at most {MENTIONS_MAX} people; this one mentions {len(names)}.",
            field=field,
        )
    found = {user.username: user for user in User.objects.filter(username__in=names)}
    goal_ids = {goal.pk for goal in goals}
    for name in names:
        user = found.get(name)
        if user is None or not user.is_active or not _sees_all(user, goal_ids):
            raise InvalidInput(
                f"@{name} cannot be mentioned here: nobody by that name may see this goal. "
                "Mention only people who can open it (its owner, the managers above it, "
                "sales operations).",
                field=field,
            )
    return [found[name] for name in names]


def _sees_all(user: User, goal_ids: set[int]) -> bool:
    visible = visible_goals(user, Goal.objects.filter(pk__in=goal_ids)).values_list("pk", flat=True)
    return set(visible) == goal_ids


def notify_mentioned(mentioned: Iterable[User], *, text: str, url: str, title: str) -> None:
    """After the commit: tell the ``mentioned`` that a message ``text`` at ``url`` names
    them (``comment.mentioned``)."""
    notify(mentioned, kind="comment.mentioned", title=title[:200], body=text[:500], url=url)


def notify_others(others: Iterable[User], *, text: str, url: str, kind: str, title: str) -> None:
    """After the commit: tell ``others`` of a new message ``text`` at ``url`` (``kind``)."""
    notify(others, kind=kind, title=title[:200], body=text[:500], url=url)


def notify_message(
    mentioned: Iterable[User],
    others: Iterable[User],
    *,
    text: str,
    url: str,
    mentioned_title: str,
    kind: str,
    title: str,
) -> None:
    """After the commit: tell the ``mentioned`` (``comment.mentioned``) and the ``others``
    (``kind``) of a new message ``text``, both pointing at ``url``. The caller leaves the
    author out of both and the mentioned out of ``others``."""
    notify_mentioned(mentioned, text=text, url=url, title=mentioned_title)
    notify_others(others, text=text, url=url, kind=kind, title=title)


def mention_in_comments(
    sender: Any, *, comments: Sequence[GoalComment], field: str, **kwargs: Any
) -> None:
    """The receiver of ``plans.signals.comments_written``: the one way a goal comment's
    ``@mentions`` are handled, whichever step wrote it (a comment, an approval, a return,
    an adjustment, a bulk review). Each name must be someone who may see every goal
    commented on, or the step is refused (and rolls back); the mentions are stored with
    each comment, and after the commit each person mentioned — the author aside — is told
    once: of the goal, or of how many goals of the plan a bulk review named them on."""
    if not comments:
        return
    text, author = comments[0].body, comments[0].author
    mentioned = resolve_mentions_on(text, [comment.goal for comment in comments], field=field)
    if not mentioned:
        return
    Mention.objects.bulk_create(
        Mention(comment=comment, user=user) for comment in comments for user in mentioned
    )
    who = (author.get_full_name() or author.username) if author is not None else "Someone"
    first = comments[0]
    if len(comments) == 1:
        url = f"/plans/goals/{first.goal.pk}/#comment-{first.pk}"
        title = f"{who} mentioned you on {first.goal}"
    else:
        url = f"/plans/{first.goal.cycle_id}/"
        title = f"{who} mentioned you on {len(comments)} goals of {first.goal.cycle}"
    author_id = author.pk if author is not None else None
    notify_mentioned(
        [user for user in mentioned if user.pk != author_id], text=text, url=url, title=title
    )
