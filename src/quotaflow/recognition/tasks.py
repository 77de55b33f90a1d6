"""Background tasks of recognition, run by ``quotaflow worker``: the evaluation of the
awards after tracking's numbers change (an ingest, a manual value, a recompute) and once
a day from the schedule (``settings.QUOTAFLOW_SCHEDULE``)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import task

from quotaflow.recognition.actions import evaluate_awards


@task()
def evaluate_recognition_task(as_of: str | None = None) -> int:
    """Evaluate every active rule on ``as_of`` (ISO date; default today); returns the
    number of awards earned or revoked."""
    day = dt.date.fromisoformat(as_of) if as_of else timezone.localdate()
    result = evaluate_awards(as_of=day, acting_user=None)
    return result.earned + result.revoked
