"""``quotaflow manage close_periods``: finalise goals whose period has ended."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from quotaflow.core.notify import deliver_in_process
from quotaflow.performance.actions import close_periods
from quotaflow.performance.management.commands._as_of import add_as_of, add_enqueue, as_of, enqueue
from quotaflow.performance.tasks import close_periods_task


class Command(BaseCommand):
    help = "Mark every goal whose period ended before the given date as reached or missed, and close it."

    def add_arguments(self, parser: ArgumentParser) -> None:
        add_as_of(parser)
        add_enqueue(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        day = as_of(options["as_of"])
        if options["enqueue"]:
            enqueue(self.stdout, close_periods_task, "the period close", day.isoformat())
            return
        with deliver_in_process():
            closed = close_periods(as_of=day)
        self.stdout.write(f"Closed {closed} goal{'s' if closed != 1 else ''}.")
