"""Background tasks for the worker: nightly period close, alerts and digests, and a
rebuild on demand. Each wraps one action; the management commands enqueue them with
``--enqueue`` and ``quotaflow worker`` runs them."""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from quotaflow.performance import actions

# Below the default priority, so that the alerts a run has just queued are delivered
# before the digest that should report them.
DIGEST_PRIORITY = -10


def _day(as_of: str | None) -> dt.date:
    return dt.date.fromisoformat(as_of) if as_of else timezone.localdate()


@task()
def close_periods_task(as_of: str | None = None) -> int:
    """Close goals whose period ended before ``as_of`` (ISO date; default today)."""
    return actions.close_periods(as_of=_day(as_of))


@task(priority=DIGEST_PRIORITY)
def send_digests_task(as_of: str | None = None, force: bool = False) -> int:
    """E-mail the digests of unread goal alerts, when due (or ``force``)."""
    return actions.send_digests(as_of=_day(as_of), force=force)


@task()
def alerts_and_digests_task(as_of: str | None = None, force: bool = False) -> int:
    """Send at-risk alerts, then queue the e-mail digest behind their delivery; returns
    goals alerted."""
    day = _day(as_of)
    alerted = actions.send_at_risk_alerts(as_of=day)
    transaction.on_commit(partial(send_digests_task.enqueue, day.isoformat(), force))
    return alerted


@task()
def rebuild_aggregates_task() -> int:
    """Recompute every credit and aggregate; returns the number of credits."""
    return actions.rebuild_aggregates().credits
