"""Tasks that deliver side effects once the change that caused them has committed:
in-app notifications and e-mail. :mod:`quotaflow.core.notify` schedules them; the worker
(``quotaflow worker``) or, in tests, the immediate backend runs them.

:func:`enqueue_after_commit` is how any action queues background work (a metric's
recompute, say): nothing is queued until its database transaction commits, and nothing at
all if it rolls back."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone
from django_tasks import task
from django_tasks.base import Task

from quotaflow.core.models import KINDS, Notification, NotificationPreference


@task()
def deliver_notifications(rows: list[dict[str, Any]]) -> int:
    """Create one in-app notification per row (``user_id``, ``kind``, ``title``, ``body``,
    ``url``), then e-mail those whose recipients want that kind by e-mail too; returns
    how many were created."""
    with transaction.atomic():
        created = Notification.objects.bulk_create(Notification(**row) for row in rows)
    email_copies(created)
    return len(created)


def _email_addresses(notifications: list[Notification]) -> dict[int, str]:
    """The address of each notification (by id) whose recipient wants its kind by e-mail
    (or said nothing and the kind goes by e-mail by default) and has an address."""
    users = {n.user_id for n in notifications}
    chosen = {
        (user_id, kind): email
        for user_id, kind, email in NotificationPreference.objects.filter(
            user_id__in=users
        ).values_list("user_id", "kind", "email")
    }
    addresses = dict(get_user_model().objects.filter(pk__in=users).values_list("pk", "email"))
    return {
        n.pk: addresses[n.user_id]
        for n in notifications
        if addresses.get(n.user_id)
        and chosen.get((n.user_id, n.kind), n.kind in KINDS and KINDS[n.kind].email_by_default)
    }


def email_copies(notifications: list[Notification]) -> int:
    """E-mail a copy of each notification whose recipient wants it by e-mail, over one
    connection, and mark those as e-mailed; returns how many were sent."""
    addresses = _email_addresses(notifications)
    if not addresses:
        return 0
    base = settings.QUOTAFLOW_BASE_URL.rstrip("/")
    outgoing = [
        EmailMessage(
            f"Quotaflow: {n.title}"[:200],
            "\n\n".join(part for part in (n.body, f"{base}{n.url}" if n.url else "") if part)
            + "\n",
            to=[addresses[n.pk]],
        )
        for n in notifications
        if n.pk in addresses
    ]
    sent = get_connection().send_messages(outgoing) or 0
    Notification.objects.filter(pk__in=list(addresses)).update(emailed_at=timezone.now())
    return sent


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
