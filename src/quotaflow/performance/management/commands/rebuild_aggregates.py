"""``quotaflow manage rebuild_aggregates``: recompute every credit and aggregate."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from quotaflow.performance.actions import rebuild_aggregates


class Command(BaseCommand):
    help = (
        "Recompute all credits and daily aggregates from transactions, activities and manual "
        "values with today's organisation. Run it after changing metrics or back-dating moves."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = rebuild_aggregates()
        self.stdout.write(
            f"Rebuilt {result.credits:,} credits into {result.cells:,} aggregate cells."
        )
