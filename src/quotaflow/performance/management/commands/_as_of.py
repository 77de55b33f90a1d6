"""The ``--as-of`` and ``--enqueue`` options shared by the tracking commands."""

from __future__ import annotations

import datetime as dt
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError, OutputWrapper
from django.utils import timezone
from django_tasks.base import Task


def add_as_of(parser: ArgumentParser) -> None:
    """Add ``--as-of YYYY-MM-DD`` (default: today in the installation's time zone)."""
    parser.add_argument("--as-of", dest="as_of", help="business date, YYYY-MM-DD (default: today)")


def as_of(value: str | None) -> dt.date:
    """The parsed ``--as-of`` date, or today."""
    if not value:
        return timezone.localdate()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--as-of {value!r} is not a date; write it as YYYY-MM-DD.") from None


def add_enqueue(parser: ArgumentParser) -> None:
    """Add ``--enqueue``: hand the work to ``quotaflow worker`` instead of doing it now."""
    parser.add_argument(
        "--enqueue",
        action="store_true",
        help="queue the work as a background task for `quotaflow worker` and return at once",
    )


def enqueue(stdout: OutputWrapper, task: Task[Any, Any], what: str, *args: Any) -> None:
    """Queue ``task`` for the worker and say so, naming the task's id."""
    queued = task.enqueue(*args)
    stdout.write(f"Queued {what} as task {queued.id}.")
