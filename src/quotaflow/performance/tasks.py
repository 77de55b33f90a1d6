"""Background tasks for the worker: nightly period close, alerts and digests, and a
rebuild on demand. Each wraps one action; schedule them with the task backend."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import task

from quotaflow.performance import actions


@task()
def close_periods_task(as_of: str | None = None) -> int:
    """Close goals whose period ended before ``as_of`` (ISO date; default today)."""
    day = dt.date.fromisoformat(as_of) if as_of else timezone.localdate()
    return actions.close_periods(as_of=day)


@task()
def alerts_and_digests_task(as_of: str | None = None) -> int:
    """Send at-risk alerts and, when due, the e-mail digests; returns goals alerted."""
    day = dt.date.fromisoformat(as_of) if as_of else timezone.localdate()
    alerted = actions.send_at_risk_alerts(as_of=day)
    actions.send_digests(as_of=day)
    return alerted


@task()
def rebuild_aggregates_task() -> int:
    """Recompute every credit and aggregate; returns the number of credits."""
    return actions.rebuild_aggregates().credits
