"""Background tasks of the feedback app, run by ``quotaflow worker`` (the daily schedule
of ``core.schedule`` queues the reminders)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import task

from quotaflow.feedback.actions import send_checkin_reminders


@task()
def send_checkin_reminders_task(as_of: str | None = None) -> int:
    """Remind owners of overdue check-ins on ``as_of`` (ISO date; default today)."""
    day = dt.date.fromisoformat(as_of) if as_of else timezone.localdate()
    return send_checkin_reminders(as_of=day)
