"""``@username`` in a goal's comment or a check-in's reply: finding the names, resolving
them to people who may see the goal, and showing them highlighted in the thread.

A mention is refused (and the message with it) when the name is nobody's, or the person
may not see the goal: the same words in both cases, so a comment never tells its author
who exists outside their part of the organisation, and a goal never reaches someone it is
hidden from.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.html import escape

from quotaflow.accounts.models import User
from quotaflow.core.errors import InvalidInput
from quotaflow.core.notify import notify
from quotaflow.feedback.models import MENTIONS_MAX
from quotaflow.plans.models import Goal
from quotaflow.plans.visibility import can_see_goal

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
    names = mentioned_names(text)
    if len(names) > MENTIONS_MAX:
        raise InvalidInput(
            f"A message mentions at most {MENTIONS_MAX} people; this one mentions {len(names)}.",
            field=field,
        )
    found = {user.username: user for user in User.objects.filter(username__in=names)}
    for name in names:
        user = found.get(name)
        if user is None or not user.is_active or not can_see_goal(user, goal):
            raise InvalidInput(
                f"@{name} cannot be mentioned here: nobody by that name may see this goal. "
                "Mention only people who can open it (its owner, the managers above it, "
                "sales operations).",
                field=field,
            )
    return [found[name] for name in names]


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
    body = text[:500]
    notify(mentioned, kind="comment.mentioned", title=mentioned_title[:200], body=body, url=url)
    notify(others, kind=kind, title=title[:200], body=body, url=url)


@dataclass(frozen=True)
class Named:
    """How a mentioned person is shown: their username and the name people read."""

    username: str
    display: str


def named(users: Iterable[User]) -> dict[str, Named]:
    """Username → how the mentioned person is shown."""
    return {
        user.username: Named(user.username, user.get_full_name() or user.username) for user in users
    }


def highlighted(text: str, people: dict[str, Named]) -> str:
    """``text`` escaped for HTML, each mention of one of ``people`` shown as a highlighted
    name (other ``@`` words stay as written)."""

    def mark(match: re.Match[str]) -> str:
        person = people.get(match.group(1))
        if person is None:
            return escape(match.group(0))
        return (
            f'<mark class="mention" data-username="{escape(person.username)}" '
            f'title="@{escape(person.username)}">@{escape(person.display)}</mark>'
        )

    pieces: list[str] = []
    last = 0
    for match in MENTION.finditer(text):
        pieces.append(escape(text[last : match.start()]))
        pieces.append(mark(match))
        last = match.end()
    pieces.append(escape(text[last:]))
    return "".join(pieces)
