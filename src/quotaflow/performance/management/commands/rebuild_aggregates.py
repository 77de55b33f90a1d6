"""``quotaflow manage rebuild_aggregates``: recompute every credit and aggregate."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from quotaflow.performance.actions import rebuild_aggregates
from quotaflow.performance.management.commands._as_of import add_enqueue, enqueue
from quotaflow.performance.tasks import rebuild_aggregates_task


class Command(BaseCommand):
    help = (
        "Recompute all credits and daily aggregates from transactions, activities and manual "
        "values with today's organisation. Run it after changing metrics or back-dating moves."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        add_enqueue(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            enqueue(self.stdout, rebuild_aggregates_task, "the rebuild")
            return
        result = rebuild_aggregates()
        self.stdout.write(
            f"Rebuilt {result.credits:,} credits into {result.cells:,} aggregate cells."
        )
