"""Sending in-app notifications; actions call :func:`notify` inside their transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from quotaflow.core.models import Notification


def notify(users: Iterable[Any], *, kind: str, title: str, body: str = "", url: str = "") -> int:
    """Create one notification per distinct user; returns how many were created."""
    distinct = {user.pk: user for user in users if user is not None}
    Notification.objects.bulk_create(
        Notification(user=user, kind=kind, title=title, body=body, url=url)
        for user in distinct.values()
    )
    return len(distinct)
