"""``quotaflow manage close_periods``: finalise goals whose period has ended."""

from __future__ import annotations

import datetime as dt
from typing import Any

from quotaflow.performance.actions import close_periods
from quotaflow.performance.management.commands._as_of import DatedJobCommand
from quotaflow.performance.tasks import close_periods_task


class Command(DatedJobCommand):
    help = "Mark every goal whose period ended before the given date as reached or missed, and close it."
    task = close_periods_task
    what = "the period close"

    def run(self, day: dt.date, options: dict[str, Any]) -> str:
        closed = close_periods(as_of=day)
        return f"Closed {closed} goal{'s' if closed != 1 else ''}."
