"""Reading import runs for the upload page and the API."""

from __future__ import annotations

from django.db.models import QuerySet

from quotaflow.core.errors import NotFound
from quotaflow.imports.models import ImportRun


def recent_runs(limit: int = 50) -> QuerySet[ImportRun]:
    """The latest runs, newest first, without their (possibly large) error lists and CSVs."""
    return ImportRun.objects.select_related("started_by").defer("errors", "rejected_csv")[:limit]


def get_run(run_id: int) -> ImportRun:
    """One run with everything, or :class:`NotFound`."""
    run = ImportRun.objects.select_related("started_by").filter(pk=run_id).first()
    if run is None:
        raise NotFound(f"There is no import number {run_id}.")
    return run


def rejected_file_name(run: ImportRun) -> str:
    """Download name of a run's rejected rows: ``deals.csv`` → ``deals.rejected.csv``
    (quotes, slashes and line breaks removed, as the name goes into an HTTP header)."""
    stem = run.file_name.rsplit(".", 1)[0] if "." in run.file_name else run.file_name
    safe = "".join(ch for ch in stem if ch not in '"\\/\r\n') or "import"
    return f"{safe}.rejected.csv"
