"""Background tasks for the worker: nightly period close, alerts and digests, a
rebuild on demand, and the recompute of one metric after its definition changed. Each
wraps actions; the management commands enqueue the first ones with ``--enqueue``, the
metrics catalogue queues a recompute after commit, and ``quotaflow worker`` runs them."""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from quotaflow.metrics import actions as metric_actions
from quotaflow.metrics.models import MetricRecompute
from quotaflow.performance import actions
from quotaflow.performance.recrediting import (
    ACTIVITY,
    TRANSACTION,
    id_chunks,
    metric_source_ids,
    rebuild_metric_aggregates,
    recredit_metric,
)
from quotaflow.performance.signals import numbers_changed

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


@task()
def recompute_metric_task(recompute_id: int) -> int:
    """Run a recorded recompute of one metric: its credits on every stored sale or
    activity, chunk by chunk with the progress stored after each, then its aggregates
    added up again. Returns the metric's credits (0 when the run was superseded by a newer
    one, which does the whole job). A failure is stored on the run, for planners to see."""
    job = metric_actions.start_recompute(recompute_id)
    if job is None:
        return 0
    try:
        return _recompute(job)
    except Exception as error:
        metric_actions.fail_recompute(job, error=f"{type(error).__name__}: {error}")
        raise


def _recompute(job: MetricRecompute) -> int:
    sources = [(kind, *metric_source_ids(kind, job.metric_id)) for kind in (TRANSACTION, ACTIVITY)]
    # One step more than the rows: adding the credits up into the aggregates.
    total = sum(ids.count() for _, ids, _ in sources) + 1
    done = 0
    if not metric_actions.record_recompute_progress(job, done=done, total=total):
        return 0
    for kind, ids, field in sources:
        for chunk in id_chunks(ids, field):
            recredit_metric(kind, chunk, job.metric_id)
            # Rows stored meanwhile are met too; the count stays short of the last step.
            done = min(done + len(chunk), total - 1)
            if not metric_actions.record_recompute_progress(job, done=done, total=total):
                return 0
    credits = rebuild_metric_aggregates(job.metric_id)
    metric_actions.finish_recompute(job, credits=credits)
    numbers_changed.send(sender=MetricRecompute, metric_ids=[job.metric_id])
    return credits
