"""Jobs that run every day at a set time from ``quotaflow worker``, without cron.

``settings.QUOTAFLOW_SCHEDULE`` lists the jobs: a name, the dotted path of a task taking the
business date as ``YYYY-MM-DD``, and the local time after which it runs each day. Every
worker process runs :func:`run_scheduler` in a thread beside its task loop; each tick, a job
whose time has come today is claimed by inserting its :class:`ScheduledRun` row (unique per
job and day) and queued on the task backend. However many workers run, and however often
they tick or restart, each job is queued once a day; a worker that was down at the set time
queues the day's run when it comes back. Cron stays possible: each job is also a
management command.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, close_old_connections, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from quotaflow.core.models import ScheduledRun

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    """A task run once a day, after ``at`` (local time)."""

    name: str
    task: str
    at: dt.time


def scheduled_jobs() -> list[Job]:
    """The jobs of ``settings.QUOTAFLOW_SCHEDULE``."""
    return [
        Job(entry["job"], entry["task"], dt.time.fromisoformat(entry["at"]))
        for entry in settings.QUOTAFLOW_SCHEDULE
    ]


def _claim(job: Job, day: dt.date) -> bool:
    """Record that ``job`` runs for ``day``; False if another tick or worker already did."""
    try:
        with transaction.atomic():
            ScheduledRun.objects.create(job=job.name, day=day)
    except IntegrityError:
        return False
    return True


def enqueue_due(now: dt.datetime | None = None) -> list[str]:
    """Queue every job whose time has come today and that nobody queued for today yet;
    returns the names of the jobs queued."""
    now = timezone.localtime(now)
    today = now.date()
    queued = []
    for job in scheduled_jobs():
        if now.time() < job.at or not _claim(job, today):
            continue
        task: Any = import_string(job.task)
        task.enqueue(today.isoformat())
        queued.append(job.name)
    return queued


def run_scheduler(stop: threading.Event, interval: float) -> None:
    """Tick every ``interval`` seconds until ``stop`` is set (the worker's scheduler
    thread). A failed tick is logged and retried at the next one."""
    while not stop.is_set():
        close_old_connections()
        try:
            for name in enqueue_due():
                log.info("Queued the scheduled job %s.", name)
        except Exception:
            log.exception("The scheduler's tick failed; it retries in %s s.", interval)
        stop.wait(interval)
    close_old_connections()


def start_scheduler(interval: float) -> threading.Event:
    """Run :func:`run_scheduler` in a daemon thread; set the returned event to stop it."""
    stop = threading.Event()
    threading.Thread(
        target=run_scheduler, args=(stop, interval), name="quotaflow-scheduler", daemon=True
    ).start()
    return stop
