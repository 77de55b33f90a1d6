"""The ``--as-of`` and ``--enqueue`` options shared by the tracking commands, and the base
of the commands that run one dated job now or hand it to the worker."""

from __future__ import annotations

import datetime as dt
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError, OutputWrapper
from django.utils import timezone
from django_tasks.base import Task

from quotaflow.core.notify import deliver_in_process


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


class DatedJobCommand(BaseCommand):
    """A job for one business date (``--as-of``, default today): with ``--enqueue`` it is
    queued as ``task`` for ``quotaflow worker``, otherwise ``run`` does it now, delivering
    its notifications in this process, and what it returns is printed."""

    #: The background task that does the same job; called with ``task_args``.
    task: Task[Any, Any]
    #: What the job is, for "Queued … as task …", e.g. "the period close".
    what: str

    def add_arguments(self, parser: ArgumentParser) -> None:
        add_as_of(parser)
        add_enqueue(parser)

    def task_args(self, day: dt.date, options: dict[str, Any]) -> tuple[Any, ...]:
        """The task's arguments for ``day`` (the ISO date unless a command says more)."""
        return (day.isoformat(),)

    def run(self, day: dt.date, options: dict[str, Any]) -> str:
        """Do the job for ``day`` and say what was done."""
        raise NotImplementedError

    def handle(self, *args: Any, **options: Any) -> None:
        day = as_of(options["as_of"])
        if options["enqueue"]:
            enqueue(self.stdout, self.task, self.what, *self.task_args(day, options))
            return
        with deliver_in_process():
            done = self.run(day, options)
        self.stdout.write(done)
