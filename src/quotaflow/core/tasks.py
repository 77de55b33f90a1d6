"""Tasks that deliver side effects once the change that caused them has committed:
in-app notifications and e-mail. :mod:`quotaflow.core.notify` schedules them; the worker
(``quotaflow worker``) or, in tests, the immediate backend runs them.

:func:`enqueue_after_commit` is how any action queues background work (a metric's
recompute, say): nothing is queued until its database transaction commits, and nothing at
all if it rolls back."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django_tasks import task
from django_tasks.base import Task

from quotaflow.core.models import Notification


@task()
def deliver_notifications(rows: list[dict[str, Any]]) -> int:
    """Create one in-app notification per row (``user_id``, ``kind``, ``title``, ``body``,
    ``url``); returns how many were created."""
    with transaction.atomic():
        created = Notification.objects.bulk_create(Notification(**row) for row in rows)
    return len(created)


@task()
def send_emails(messages: list[dict[str, Any]]) -> int:
    """Send plain-text e-mails (``subject``, ``body``, ``to``) over one connection;
    returns how many the mail server accepted."""
    outgoing = [
        EmailMessage(message["subject"], message["body"], to=message["to"]) for message in messages
    ]
    return get_connection().send_messages(outgoing) or 0


def enqueue_after_commit(work: Task[Any, Any], *args: Any) -> None:
    """Queue ``work(*args)`` for the worker once the current database transaction
    commits (at once outside one); a rolled-back change queues nothing."""
    transaction.on_commit(partial(work.enqueue, *args))
