"""``quotaflow manage evaluate_recognition``: award and revoke badges, clubs and ranks."""

from __future__ import annotations

import datetime as dt
from typing import Any

from quotaflow.performance.management.commands._as_of import DatedJobCommand
from quotaflow.recognition.actions import evaluate_awards
from quotaflow.recognition.tasks import evaluate_recognition_task


class Command(DatedJobCommand):
    help = (
        "Evaluate every active recognition rule against the current attainment: award "
        "whoever the numbers qualify, revoke what reversals took away (running it again "
        "changes nothing). `quotaflow worker` runs it every day and after each ingest."
    )
    task = evaluate_recognition_task
    what = "the recognition evaluation"

    def run(self, day: dt.date, options: dict[str, Any]) -> str:
        result = evaluate_awards(as_of=day, acting_user=None)
        return (
            f"{result.rules} rule(s): {result.earned} award(s) earned, {result.revoked} revoked, "
            f"{result.standing} standing."
        )
