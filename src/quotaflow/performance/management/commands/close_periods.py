"""``quotaflow manage close_periods``: finalise goals whose period has ended."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from quotaflow.performance.actions import close_periods
from quotaflow.performance.management.commands._as_of import add_as_of, as_of


class Command(BaseCommand):
    help = "Mark every goal whose period ended before the given date as reached or missed, and close it."

    def add_arguments(self, parser: ArgumentParser) -> None:
        add_as_of(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        closed = close_periods(as_of=as_of(options["as_of"]))
        self.stdout.write(f"Closed {closed} goal{'s' if closed != 1 else ''}.")
