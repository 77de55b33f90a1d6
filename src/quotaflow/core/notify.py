"""In-app notifications and e-mail, delivered only after the change that causes them commits.

Actions call :func:`notify` (or :func:`notify_each`, :func:`email`) inside their
transaction; nothing is written or sent then. On commit the delivery is enqueued on the task
backend, so a rolled-back change sends nothing and no row lock is held while a mail server
answers. Inside :func:`deliver_in_process` (a management command run by hand) the delivery
runs in this process right after the commit instead of waiting for ``quotaflow worker``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import partial
from typing import Any

from django.db import transaction
from django_tasks.base import Task

from quotaflow.core.tasks import deliver_notifications, send_emails

_in_process: ContextVar[bool] = ContextVar("deliver_in_process", default=False)


@contextmanager
def deliver_in_process() -> Iterator[None]:
    """Deliver the notifications and e-mail scheduled in this block in this process,
    right after their transaction commits, rather than through the task queue."""
    token = _in_process.set(True)
    try:
        yield
    finally:
        _in_process.reset(token)


def _after_commit(delivery: Task[Any, int], payload: list[dict[str, Any]]) -> None:
    run = delivery.call if _in_process.get() else delivery.enqueue
    transaction.on_commit(partial(run, payload))


def notify(users: Iterable[Any], *, kind: str, title: str, body: str = "", url: str = "") -> int:
    """Notify each distinct user once, after commit; returns how many will be notified."""
    user_ids = sorted({user.pk for user in users if user is not None})
    return notify_each(
        {"user_id": user_id, "kind": kind, "title": title, "body": body, "url": url}
        for user_id in user_ids
    )


def notify_each(rows: Iterable[dict[str, Any]]) -> int:
    """Notifications that differ per row (``user_id``, ``kind``, ``title``, ``body``,
    ``url``), created after commit; returns how many were scheduled."""
    payload = list(rows)
    if payload:
        _after_commit(deliver_notifications, payload)
    return len(payload)


def email(messages: Iterable[dict[str, Any]]) -> int:
    """Plain-text e-mails (``subject``, ``body``, ``to``: a list of addresses), sent after
    commit; returns how many were scheduled."""
    payload = list(messages)
    if payload:
        _after_commit(send_emails, payload)
    return len(payload)
