"""Template filter for threads: a comment's or a reply's text with its @mentions
highlighted as the mentioned person's name."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from quotaflow.feedback.mentions import highlighted, named

register = template.Library()


@register.filter
def with_mentions(message: Any) -> SafeString:
    """``message.body`` escaped, line breaks kept, mentions (``message.mentions``,
    prefetched with their users) highlighted."""
    people = named(mention.user for mention in message.mentions.all())
    html = highlighted(message.body, people).replace("\n", "<br>")
    return mark_safe(html)  # noqa: S308 - every piece is escaped by ``highlighted``
