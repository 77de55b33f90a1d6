"""``quotaflow manage send_checkin_reminders``: remind owners whose check-ins are overdue."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from quotaflow.core.notify import deliver_in_process
from quotaflow.feedback.actions import send_checkin_reminders
from quotaflow.feedback.tasks import send_checkin_reminders_task
from quotaflow.performance.management.commands._as_of import add_as_of, add_enqueue, as_of, enqueue


class Command(BaseCommand):
    help = (
        "Remind every owner whose check-in is overdue under their cycle's cadence, once per "
        "owner and due date (running it again the same day reminds nobody twice). "
        "`quotaflow worker` runs it every day on its own."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        add_as_of(parser)
        add_enqueue(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        day = as_of(options["as_of"])
        if options["enqueue"]:
            enqueue(
                self.stdout, send_checkin_reminders_task, "the check-in reminders", day.isoformat()
            )
            return
        with deliver_in_process():
            reminded = send_checkin_reminders(as_of=day)
        self.stdout.write(f"Reminded {reminded} owner(s) of overdue check-ins.")
