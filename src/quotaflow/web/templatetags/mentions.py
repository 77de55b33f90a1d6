"""Template filter for threads: a comment's or a reply's text with its @mentions
highlighted as the mentioned person's name (the names found by
:data:`quotaflow.feedback.mentions.MENTION`, as when the message was posted)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from quotaflow.accounts.models import User
from quotaflow.feedback.mentions import MENTION

register = template.Library()


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


@register.filter
def with_mentions(message: Any) -> SafeString:
    """``message.body`` escaped, line breaks kept, mentions (``message.mentions``,
    prefetched with their users) highlighted."""
    people = named(mention.user for mention in message.mentions.all())
    html = highlighted(message.body, people).replace("\n", "<br>")
    return mark_safe(html)  # noqa: S308 - every piece is escaped by ``highlighted``
