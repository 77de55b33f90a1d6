"""Command-line glue for imports: run one file and print what happened.

The ``quotaflow import`` command calls :func:`run_import`; it shows a progress bar on
the terminal, a summary, the first errors, and where the rejected rows were written; with
``--dry-run`` it lists the changes an organisation file makes and writes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TextIO

from tqdm import tqdm

from quotaflow.core.errors import DomainError
from quotaflow.imports.actions import import_file
from quotaflow.imports.models import ImportRun, ImportStatus

ERRORS_SHOWN = 50


class _ProgressBar:
    """A tqdm bar per phase: counting while checking, then a bar with a total while writing."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.bar: Any = None
        self.writing = False

    def __call__(self, done: int, total: int | None) -> None:
        if total is not None and not self.writing:
            self.close()
            self.writing = True
        if self.bar is None:
            self.bar = tqdm(
                total=total,
                desc="Writing" if self.writing else "Checking",
                unit=" rows",
                file=self.stream,
                leave=False,
            )
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def rejected_path(path: Path) -> Path:
    """Where the rejected rows of ``path`` go: ``deals.csv`` → ``deals.rejected.csv``."""
    return path.with_name(f"{path.stem}.rejected.csv")


def _command_user() -> Any:
    """The account the command line acts as: the first active superuser."""
    from quotaflow.accounts.models import User

    return User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()


def _print_summary(run: ImportRun, stdout: TextIO) -> None:
    print(
        f"{run.get_kind_display()} import of {run.file_name}: {run.get_status_display()}",
        file=stdout,
    )
    print(
        f"  {run.total_rows} rows: {run.created} created, {run.updated} updated, "
        f"{run.unchanged} unchanged, {run.rejected} rejected",
        file=stdout,
    )
    for warning in run.warnings:
        print(f"  Note: {warning}", file=stdout)


def _print_changes(run: ImportRun, stdout: TextIO) -> None:
    if run.status == ImportStatus.PREVIEWED:
        print(
            f"  Dry run: nothing was written. Importing the file would make "
            f"{len(run.changes)} change{'s' if len(run.changes) != 1 else ''}:",
            file=stdout,
        )
    for change in run.changes:
        before = f"{change['old']} → " if change["old"] else ""
        print(
            f"  row {change['row']}: {change['action']} {change['subject']}: "
            f"{before}{change['new']}",
            file=stdout,
        )


def _print_errors(run: ImportRun, stderr: TextIO) -> None:
    for error in run.errors[:ERRORS_SHOWN]:
        if error["row"] is None:
            print(error["reason"], file=stderr)
        elif error["column"]:
            print(f"row {error['row']}, column {error['column']}: {error['reason']}", file=stderr)
        else:
            print(f"row {error['row']}: {error['reason']}", file=stderr)
    hidden = max(len(run.errors), run.rejected) - ERRORS_SHOWN
    if hidden > 0:
        print("… and more: see the rejected-rows file for every bad row.", file=stderr)


def run_import(
    kind: str,
    path: str,
    *,
    skip_bad_rows: bool,
    stdout: TextIO,
    stderr: TextIO,
    acting_user: Any = None,
    dry_run: bool = False,
) -> int:
    """Import the file at ``path``; print a summary, the changes and errors. Exit code 0
    when the file was imported (possibly with bad rows skipped) or, with ``dry_run``,
    would be; 1 when it was rejected.

    Rejected rows are written next to the input as ``<name>.rejected.csv``. The import
    runs as ``acting_user``, by default the first superuser (the command line is trusted
    like ``manage.py``).
    """
    file_path = Path(path)
    if not file_path.is_file():
        print(f"No such file: {path}", file=stderr)
        return 1
    user = acting_user if acting_user is not None else _command_user()
    if user is None:
        print(
            "No administrator account exists yet; create one first (quotaflow manage createsuperuser).",
            file=stderr,
        )
        return 1
    bar = _ProgressBar(stderr)
    try:
        run = import_file(
            kind,
            file_path,
            file_name=file_path.name,
            acting_user=user,
            skip_bad_rows=skip_bad_rows,
            via="cli",
            progress=bar,
            dry_run=dry_run,
        )
    except DomainError as error:
        bar.close()
        print(error.message, file=stderr)
        return 1
    bar.close()
    _print_summary(run, stdout)
    _print_changes(run, stdout)
    _print_errors(run, stderr)
    if run.rejected_csv:
        target = rejected_path(file_path)
        target.write_text(run.rejected_csv, encoding="utf-8")
        print(f"Rejected rows with their reasons: {target}", file=stdout)
    return 1 if run.status == ImportStatus.REJECTED else 0
