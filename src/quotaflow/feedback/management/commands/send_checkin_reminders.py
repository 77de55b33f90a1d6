"""``quotaflow manage send_checkin_reminders``: remind owners whose check-ins are overdue."""

from __future__ import annotations

import datetime as dt
from typing import Any

from quotaflow.feedback.actions import send_checkin_reminders
from quotaflow.feedback.tasks import send_checkin_reminders_task
from quotaflow.performance.management.commands._as_of import DatedJobCommand


class Command(DatedJobCommand):
    help = (
        "Remind every owner whose check-in is overdue under their cycle's cadence, once per "
        "owner and due date (running it again the same day reminds nobody twice). "
        "`quotaflow worker` runs it every day on its own."
    )
    task = send_checkin_reminders_task
    what = "the check-in reminders"

    def run(self, day: dt.date, options: dict[str, Any]) -> str:
        reminded = send_checkin_reminders(as_of=day)
        return f"Reminded {reminded} owner(s) of overdue check-ins."
