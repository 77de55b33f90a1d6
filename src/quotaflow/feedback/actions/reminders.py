"""Reminding owners whose check-ins are overdue: everyone concerned, once per due date."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q

from quotaflow.core.audit import record
from quotaflow.core.notify import notify_each
from quotaflow.feedback.models import CheckInReminder
from quotaflow.feedback.queries import Overdue, overdue_by_owner, overdue_goals


def _reminder(user_id: int, due_on: dt.date, rows: list[Overdue]) -> dict[str, Any]:
    names = "; ".join(str(row.goal) for row in rows[:5])
    more = f" and {len(rows) - 5} more" if len(rows) > 5 else ""
    plural = "s" if len(rows) > 1 else ""
    return {
        "user_id": user_id,
        "kind": "checkin.reminder",
        "title": f"Check-in overdue on {len(rows)} goal{plural} (due {due_on:%d %b %Y})",
        "body": f"Please check in on {names}{more}: how it goes, how confident you are, "
        "what blocks you and what you do next.",
        "url": f"/performance/goals/{rows[0].goal.pk}/#check-ins",
    }


@transaction.atomic
def send_checkin_reminders(*, as_of: dt.date, acting_user: Any = None) -> int:
    """Remind every owner of a goal whose check-in is overdue on ``as_of`` — whether or not
    they have signed in lately — once per owner and due date, however often this runs.
    Returns how many owners were reminded.

    The reminders sent are recorded (``CheckInReminder``, unique per owner and due date)
    in the same transaction as the notifications are scheduled; two runs racing on the
    same owner make one of them fail and roll back whole, sending nothing."""
    grouped = overdue_by_owner(overdue_goals(as_of))
    if not grouped:
        return 0
    already = Q(pk__in=[])
    for user_id, due_on in grouped:
        already |= Q(user_id=user_id, due_on=due_on)
    sent = set(CheckInReminder.objects.filter(already).values_list("user_id", "due_on"))
    new = {key: rows for key, rows in grouped.items() if key not in sent}
    if not new:
        return 0
    CheckInReminder.objects.bulk_create(
        CheckInReminder(user_id=user_id, due_on=due_on, goals=len(rows))
        for (user_id, due_on), rows in new.items()
    )
    notify_each(_reminder(user_id, due_on, rows) for (user_id, due_on), rows in new.items())
    record(
        actor=acting_user,
        action="feedback.reminders.sent",
        object_type="feedback.checkinreminder",
        object_id=as_of.isoformat(),
        changes={
            "owners": len(new),
            "goals": len({row.goal.pk for rows in new.values() for row in rows}),
        },
    )
    return len(new)
