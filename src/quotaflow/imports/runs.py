"""The life of an import run's record: started and committed before anything is written,
finished in the same transaction as the imported data, and marked failed when the
process doing it is gone.

An import writes all of its rows in one database transaction, so a process killed
mid-import (out of memory, a deploy, ``kill -9``) leaves no data behind — only its run,
still ``running``. :func:`mark_abandoned_runs` finds those: a run on this machine whose
process no longer exists, or any run older than :data:`LONGEST_RUN` (an import of the
largest allowed file takes minutes, so a run that old has died on some other machine, or
its process id has been reused). It is called before every import, so the next import
reports the dead one as failed.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import threading
from typing import Any

from django.db import transaction
from django.utils import timezone

from quotaflow.core.audit import record
from quotaflow.imports.models import ImportRun, ImportStatus

LONGEST_RUN = dt.timedelta(hours=6)

# Runs this process is doing right now (any thread): never abandoned, whatever their age.
_in_progress: set[int] = set()
_in_progress_lock = threading.Lock()


def this_host() -> str:
    """The name this machine's runs are recorded under."""
    return socket.gethostname()[:255]


def start_run(run: ImportRun) -> ImportRun:
    """Store ``run`` as running in this process, committed at once (unless the caller
    holds a transaction open), before the import writes anything."""
    run.status = ImportStatus.RUNNING
    run.host = this_host()
    run.pid = os.getpid()
    with transaction.atomic():
        run.save()
    with _in_progress_lock:
        _in_progress.add(run.pk)
    return run


def end_run(run: ImportRun) -> None:
    """This process no longer works on ``run`` (finished, or failed)."""
    with _in_progress_lock:
        _in_progress.discard(run.pk)


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0 only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    return True


def is_abandoned(run: ImportRun, *, now: dt.datetime) -> bool:
    """Whether a running ``run`` has no live process behind it any more."""
    with _in_progress_lock:
        if run.pk in _in_progress:
            return False
    if run.started_at < now - LONGEST_RUN:
        return True
    if run.host != this_host():
        return False  # another machine's process: only its age tells
    return run.pid is None or run.pid == os.getpid() or not _process_exists(run.pid)


def mark_failed(run: ImportRun, reason: str, *, acting_user: Any = None) -> None:
    """Record that ``run`` stopped without finishing; none of its rows were written."""
    run.status = ImportStatus.FAILED
    run.finished_at = timezone.now()
    run.errors = [{"row": None, "column": "", "value": "", "reason": reason}]
    with transaction.atomic():
        run.save(update_fields=["status", "finished_at", "errors"])
        record(
            actor=acting_user,
            action=f"import.{run.kind}",
            obj=run,
            changes={"status": run.status, "file_name": run.file_name, "via": run.via},
            reason=reason,
        )


def mark_abandoned_runs(*, now: dt.datetime | None = None) -> list[ImportRun]:
    """Mark failed every running run whose process is gone; return them."""
    now = now or timezone.now()
    abandoned = [
        run
        for run in ImportRun.objects.filter(status=ImportStatus.RUNNING).defer(
            "errors", "rejected_csv"
        )
        if is_abandoned(run, now=now)
    ]
    for run in abandoned:
        where = f"process {run.pid} on {run.host}" if run.pid else "its process"
        mark_failed(
            run,
            f"The import stopped before it finished ({where} ended without recording an "
            "outcome), so nothing from this file was written. Import the file again.",
        )
    return abandoned
