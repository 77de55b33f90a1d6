"""Running an import: check the whole file, then write it (or nothing), and keep a record.

:func:`import_file` is the one entry point for the command line, the upload page and the
API. Transaction and activity files are streamed twice — a checking pass that keeps only
the ids seen so far, then a writing pass that hands checked rows to
:mod:`quotaflow.sales.actions` chunk by chunk — so a file of a million rows never sits in
memory. Without ``skip_bad_rows`` a single bad row means nothing is written; with it,
good rows are written and bad rows are kept, with their reasons, as a downloadable CSV.

An organisation file can be imported as a dry run first: it is checked and written inside
a savepoint that is then rolled back, so the run lists every change (creates, moves,
renames, ends) and its counts exactly as the real import would, and nothing is kept.
:func:`write_preview` then writes the very same file, refusing if the organisation
changed meanwhile so that what is written is what was shown.
"""

from __future__ import annotations

import contextlib
import csv
import io
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

from django.db import DatabaseError, DataError, transaction
from django.utils import timezone

from quotaflow.core.audit import record
from quotaflow.core.errors import InvalidInput, NotAllowed
from quotaflow.core.models import Company
from quotaflow.core.spreadsheet import neutralise_row
from quotaflow.imports import org, permissions, runs
from quotaflow.imports.checking import CHECKERS, RateChecker, RowError
from quotaflow.imports.formats import ORG_KINDS
from quotaflow.imports.models import ImportKind, ImportRun, ImportStatus
from quotaflow.imports.reading import MAX_FILE_BYTES, FileProblem, FileSource, RawRow, Table
from quotaflow.org.actions import UnitRefused
from quotaflow.performance.actions import (
    apply_activity_changes,
    store_exchange_rates,
    store_transactions,
)
from quotaflow.sales import actions as sales_actions
from quotaflow.sales.queries import person_ids_by_external_id, rate_book

Progress = Callable[[int, int | None], None]
logger = logging.getLogger(__name__)

# Errors kept on the run for display; the rejected-rows CSV always has every bad row.
MAX_STORED_ERRORS = 1_000
# Changes kept on a run for display (an organisation file has thousands of rows).
MAX_STORED_CHANGES = 10_000
PROGRESS_EVERY = 10_000


@dataclass
class _Outcome:
    """Counts and findings of one run, before they are stored on the ImportRun."""

    total_rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unplaced_credits: int = 0
    unplaced_amount_minor: int = 0
    rejected_csv: str = ""
    wrote: bool = False
    changes: list[org.Change] = field(default_factory=list)
    previewed: bool = False


class _RejectedRows:
    """The rejected-rows CSV: the original columns plus a ``reason`` column, every cell
    neutralised so that opening it in a spreadsheet evaluates nothing."""

    def __init__(self, header: list[str]) -> None:
        self.width = len(header)
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer)
        self.writer.writerow(neutralise_row([*header, "reason"]))
        self.count = 0

    def add(self, raw: RawRow, errors: list[RowError]) -> None:
        cells = raw.cells[: self.width] + [""] * (self.width - len(raw.cells))
        reason = "; ".join(error.as_text() for error in errors)
        self.writer.writerow(neutralise_row([*cells, reason]))
        self.count += 1

    def text(self) -> str:
        return self.buffer.getvalue() if self.count else ""


class _Findings:
    """Errors of a run: every rejected row goes to the CSV, the first ones are kept for display."""

    def __init__(self, table: Table, outcome: _Outcome) -> None:
        self.rejected = _RejectedRows(table.header)
        self.outcome = outcome
        self.bad_rows: set[int] = set()

    def add(self, raw: RawRow, errors: list[RowError]) -> None:
        self.bad_rows.add(raw.number)
        self.rejected.add(raw, errors)
        room = MAX_STORED_ERRORS - len(self.outcome.errors)
        if room > 0:
            self.outcome.errors.extend(errors[:room])

    def finish(self) -> None:
        self.outcome.rejected = len(self.bad_rows)
        self.outcome.rejected_csv = self.rejected.text()


def _no_data() -> FileProblem:
    return FileProblem(
        "The file has a header row but no data rows. Add at least one row under the header."
    )


def _import_sales(
    kind: str, table: Table, *, acting_user: Any, skip_bad_rows: bool, progress: Progress | None
) -> _Outcome:
    outcome = _Outcome()
    people = person_ids_by_external_id()
    checker_class = CHECKERS[kind]
    rates = rate_book() if kind == ImportKind.TRANSACTIONS else None
    checker = checker_class(table.columns, people, rates=rates)
    if checker.attribute_columns:
        outcome.warnings.append(
            f"Extra column{'s' if len(checker.attribute_columns) > 1 else ''} kept as free attributes: "
            f"{', '.join(checker.attribute_columns)}."
        )
    findings = _Findings(table, outcome)
    for raw in table.rows():
        outcome.total_rows += 1
        _, errors = checker.check(raw)
        if errors:
            findings.add(raw, errors)
        if progress is not None and outcome.total_rows % PROGRESS_EVERY == 0:
            progress(outcome.total_rows, None)
    del checker  # its set of seen ids is the largest thing held; the writing pass needs none
    findings.finish()
    if outcome.total_rows == 0:
        raise _no_data()
    if (outcome.rejected and not skip_bad_rows) or outcome.rejected == outcome.total_rows:
        return outcome

    to_write = outcome.total_rows - outcome.rejected
    writer_checker = checker_class(table.columns, people, find_duplicates=False)

    def good_rows() -> Iterator[Any]:
        for raw in table.rows():
            if raw.number not in findings.bad_rows:
                row, _ = writer_checker.check(raw)
                yield row

    report = (lambda done: progress(done, to_write)) if progress is not None else None
    # Credits and dashboard aggregates follow the written rows chunk by chunk, in the
    # same database transaction, as they do for rows pushed through the API.
    if kind == ImportKind.TRANSACTIONS:
        stored = store_transactions(good_rows(), acting_user=acting_user, progress=report)
        counts = (stored.created, stored.updated, stored.unchanged)
        outcome.unplaced_credits = stored.unplaced_credits
        outcome.unplaced_amount_minor = stored.unplaced_amount_minor
    else:
        upserted = sales_actions.upsert_activities(
            good_rows(), acting_user=acting_user, progress=report, on_written=apply_activity_changes
        )
        counts = (upserted.created, upserted.updated, upserted.unchanged)
    outcome.created, outcome.updated, outcome.unchanged = counts
    outcome.wrote = True
    return outcome


def _import_rates(table: Table, *, acting_user: Any, skip_bad_rows: bool) -> _Outcome:
    outcome = _Outcome()
    checker = RateChecker(table.columns, Company.current().currency)
    if checker.ignored_columns:
        outcome.warnings.append(f"Columns ignored: {', '.join(checker.ignored_columns)}.")
    findings = _Findings(table, outcome)
    good = []
    for raw in table.rows():
        outcome.total_rows += 1
        row, errors = checker.check(raw)
        if errors:
            findings.add(raw, errors)
        elif row is not None:
            good.append(row)
    findings.finish()
    if outcome.total_rows == 0:
        raise _no_data()
    if (outcome.rejected and not skip_bad_rows) or not good:
        return outcome
    stored = store_exchange_rates(good, acting_user=acting_user)
    outcome.created, outcome.updated, outcome.unchanged = (
        stored.created, stored.updated, stored.unchanged,
    )  # fmt: skip
    if stored.reconverted:
        outcome.warnings.append(
            f"{stored.reconverted} stored sale{'s' if stored.reconverted != 1 else ''} converted "
            "again at the new or corrected rates, and re-credited."
        )
    outcome.wrote = True
    return outcome


@dataclass(frozen=True)
class _Request:
    """What the caller asked of a run beyond the file itself."""

    acting_user: Any
    skip_bad_rows: bool
    dry_run: bool = False
    # When writing a preview: the changes that were shown, which must still be the changes.
    expected_changes: list[dict[str, Any]] | None = None
    progress: Progress | None = None


def _check_org_rows(
    kind: str, table: Table, request: _Request, outcome: _Outcome
) -> tuple[Any, Any, list[RawRow]]:
    rows = list(table.rows())
    outcome.total_rows = len(rows)
    if not rows:
        raise _no_data()
    findings = _Findings(table, outcome)
    by_number = {raw.number: raw for raw in rows}
    remaining = rows
    # Dropping a bad row can orphan rows that relied on it (a unit defined there), so
    # checking repeats on what is left until no new problem appears.
    while True:
        plan, stored = org.check_org(remaining, kind)
        if not plan.errors:
            break
        errors_by_row: dict[int, list[RowError]] = {}
        for error in plan.errors:
            errors_by_row.setdefault(error.row or 0, []).append(error)
        for number in sorted(errors_by_row):
            findings.add(by_number[number], errors_by_row[number])
        if not request.skip_bad_rows:
            break
        remaining = [raw for raw in remaining if raw.number not in errors_by_row]
    findings.finish()
    return plan, stored, remaining


def _changed_since_preview() -> RowError:
    return RowError(
        None, "", "",
        "The organisation has changed since this file was previewed, so importing it now "
        "would not do what the preview showed. Nothing was written; preview the file again.",
    )  # fmt: skip


def _import_org(
    kind: str, table: Table, *, request: _Request, reason: str, progress: Progress | None
) -> _Outcome:
    outcome = _Outcome(warnings=org.warnings_for_columns(table.columns, kind))
    plan, stored, remaining = _check_org_rows(kind, table, request, outcome)
    if (outcome.rejected and not request.skip_bad_rows) or outcome.rejected == outcome.total_rows:
        return outcome
    outcome.changes = org.plan_changes(plan, stored)
    expected = request.expected_changes
    shown = [asdict(change) for change in outcome.changes[:MAX_STORED_CHANGES]]
    if expected is not None and shown != expected:
        outcome.errors.append(_changed_since_preview())
        return outcome
    try:
        # A savepoint of its own: a unit the tree writer refuses undoes the whole file,
        # and a dry run undoes everything once the counts are known.
        with transaction.atomic():
            by_row = org.write_org(
                remaining, plan, stored, acting_user=request.acting_user, reason=reason
            )
            transaction.set_rollback(request.dry_run)
    except UnitRefused as refusal:
        spec = plan.units[refusal.code]
        outcome.errors.append(
            RowError(spec.row, "parent_unit_code", spec.parent_code, refusal.message)
        )
        outcome.rejected += 1
        return outcome
    for state in by_row.values():
        setattr(outcome, state, getattr(outcome, state) + 1)
    outcome.wrote = not request.dry_run
    outcome.previewed = request.dry_run
    if progress is not None:
        progress(len(remaining), len(remaining))
    return outcome


def _import_table(
    kind: str, table: Table, *, request: _Request, reason: str, progress: Progress | None
) -> _Outcome:
    if kind in ORG_KINDS:
        return _import_org(kind, table, request=request, reason=reason, progress=progress)
    if kind == ImportKind.RATES:
        return _import_rates(
            table, acting_user=request.acting_user, skip_bad_rows=request.skip_bad_rows
        )
    return _import_sales(
        kind,
        table,
        acting_user=request.acting_user,
        skip_bad_rows=request.skip_bad_rows,
        progress=progress,
    )


def _status(outcome: _Outcome) -> str:
    if outcome.previewed:
        return ImportStatus.PREVIEWED
    if not outcome.wrote:
        return ImportStatus.REJECTED
    return ImportStatus.PARTIAL if outcome.rejected else ImportStatus.SUCCEEDED


def import_file(
    kind: str,
    path_or_file: str | Path | IO[bytes],
    *,
    file_name: str,
    acting_user: Any,
    skip_bad_rows: bool,
    via: str,
    progress: Progress | None = None,
    dry_run: bool = False,
) -> ImportRun:
    """Import an organisation, units, people, placements, transactions, activities or
    exchange-rates file (CSV or XLSX) and return its run.

    ``kind`` is one of :class:`ImportKind`'s values; ``path_or_file`` a path or a
    seekable binary file; ``via`` says where it came from (web, cli or api). Every row
    is checked first. If any row is bad, nothing is written unless ``skip_bad_rows``,
    in which case the good rows are written and the bad ones listed in the run's
    rejected-rows CSV. Problems with the file as a whole (encoding, no data, missing
    columns) reject it with one clear message. ``progress(done, total)`` is called while
    checking (total None) and while writing (total known). The run is saved and audited
    as one event in every case; a rejected file is not an exception.

    With ``dry_run`` (organisation, units, people and placements files only) nothing is kept: the run ends
    ``previewed`` with the changes the file would make and the file itself, for
    :func:`write_preview`.

    The run is stored as running (committed, when no transaction is open) before any
    row is written, and its outcome is stored with the rows in one transaction; runs
    left running by a process that died are marked failed first (see
    :mod:`quotaflow.imports.runs`).
    """
    if kind not in ImportKind.values:
        raise InvalidInput(
            f"'{kind}' is not an import kind — use {', '.join(ImportKind.values[:-1])} "
            f"or {ImportKind.values[-1]}.",
            field="kind",
        )
    if dry_run and kind not in ORG_KINDS:
        raise InvalidInput(
            f"A dry run is for organisation files ({', '.join(ORG_KINDS)}); transactions "
            "and activities are checked in full before anything is written anyway.",
            field="dry_run",
        )
    _require_importer(acting_user, kind)
    run = ImportRun(kind=kind, file_name=file_name[:255], started_by=acting_user, via=via)
    run.skip_bad_rows = skip_bad_rows
    if dry_run:
        run.previewed_file = _file_bytes(path_or_file)
        path_or_file = io.BytesIO(run.previewed_file)
    request = _Request(acting_user, skip_bad_rows, dry_run=dry_run, progress=progress)
    return _start_and_run(run, path_or_file, request)


def write_preview(preview: ImportRun, *, acting_user: Any, via: str) -> ImportRun:
    """Import the file of ``preview`` (a dry run) for real, and return the new run.

    The file is checked again against the organisation as it is now; if the changes
    differ from those the preview listed, nothing is written and the new run says so.
    """
    _require_importer(acting_user, preview.kind)
    preview.refresh_from_db()
    if preview.written_as_id is not None:
        raise InvalidInput(
            f"Import {preview.pk} has been written already, as import {preview.written_as_id}.",
            field="run",
        )
    if preview.status != ImportStatus.PREVIEWED or preview.previewed_file is None:
        raise InvalidInput(
            f"Import {preview.pk} is not a preview waiting to be written.", field="run"
        )
    run = ImportRun(
        kind=preview.kind,
        file_name=preview.file_name,
        started_by=acting_user,
        via=via,
        skip_bad_rows=preview.skip_bad_rows,
    )
    request = _Request(acting_user, preview.skip_bad_rows, expected_changes=list(preview.changes))
    run = _start_and_run(run, io.BytesIO(bytes(preview.previewed_file)), request)
    if run.status != ImportStatus.REJECTED:
        ImportRun.objects.filter(pk=preview.pk).update(previewed_file=None, written_as=run)
    return run


def _require_importer(acting_user: Any, kind: str | None = None) -> None:
    if not permissions.can_import(acting_user, kind):
        raise NotAllowed(permissions.REFUSED)


def _file_bytes(path_or_file: str | Path | IO[bytes]) -> bytes:
    """The file's content, read once for a preview to keep (at most one byte more than any
    import accepts: a larger file is refused by the import anyway)."""
    if isinstance(path_or_file, str | Path):
        with Path(path_or_file).open("rb") as handle:
            return handle.read(MAX_FILE_BYTES + 1)
    return path_or_file.read(MAX_FILE_BYTES + 1)


def _start_and_run(
    run: ImportRun, path_or_file: str | Path | IO[bytes], request: _Request
) -> ImportRun:
    acting_user = request.acting_user
    runs.mark_abandoned_runs()
    run = runs.start_run(run)
    try:
        _run_import(run, FileSource(path_or_file, run.file_name), request)
    except BaseException:
        # A bug or an interrupt (Ctrl-C): the import's transaction is rolled back, and
        # the run says so. If even that cannot be stored, the next import finds the run.
        with contextlib.suppress(DatabaseError):
            runs.mark_failed(
                run,
                "The import stopped with an unexpected error, so nothing from this file was "
                "written. Import the file again; if it fails again, report it.",
                acting_user=acting_user,
            )
        raise
    finally:
        runs.end_run(run)
    return run


def _run_import(run: ImportRun, source: FileSource, request: _Request) -> None:
    file_name = run.file_name
    with transaction.atomic():
        try:
            # A savepoint: if the database refuses a write, only the import's writes are undone.
            with transaction.atomic():
                outcome = _import_table(
                    run.kind,
                    Table(source),
                    request=request,
                    reason=f"{run.get_kind_display()} import of {file_name}",
                    progress=request.progress,
                )
        except FileProblem as problem:
            outcome = _Outcome(errors=[RowError(problem.row, "", "", problem.message)])
        except InvalidInput as refused:
            # A whole-batch refusal from the write path (e.g. unplaced people, by setting).
            outcome = _Outcome(errors=[RowError(None, refused.field or "", "", refused.message)])
        except DataError as error:
            logger.exception("import of %s refused by the database", file_name)
            reason = str(error).splitlines()[0] if str(error) else type(error).__name__
            outcome = _Outcome(
                errors=[
                    RowError(
                        None, "", "",
                        f"The database could not store this file ({reason}), so nothing was "
                        "written. A total may have grown beyond what can be stored; check the "
                        "largest amounts and quantities.",
                    )
                ]
            )  # fmt: skip
        if not outcome.previewed:
            run.previewed_file = None
        _save_run(run, outcome, request.acting_user)


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _storable(text: str) -> str:
    """``text`` as any database can store it: a refused cell may hold NUL (which
    PostgreSQL text cannot) or bytes that were no text (lone surrogates, which no UTF-8
    column can); each is kept visible as U+FFFD."""
    return _UNSTORABLE.sub("\ufffd", text)


def _storable_error(error: RowError) -> dict[str, Any]:
    return {
        key: _storable(value) if isinstance(value, str) else value
        for key, value in error.as_dict().items()
    }


def _save_run(run: ImportRun, outcome: _Outcome, acting_user: Any) -> None:
    run.status = _status(outcome)
    run.finished_at = timezone.now()
    for name in (
        "total_rows",
        "created",
        "updated",
        "unchanged",
        "rejected",
        "warnings",
        "rejected_csv",
        "unplaced_credits",
        "unplaced_amount_minor",
    ):
        setattr(run, name, getattr(outcome, name))
    run.rejected_csv = _storable(run.rejected_csv)
    run.errors = [_storable_error(error) for error in outcome.errors]
    run.changes = [asdict(change) for change in outcome.changes[:MAX_STORED_CHANGES]]
    run.save()
    record(
        actor=acting_user,
        action=f"import.{run.kind}",
        obj=run,
        changes={
            "status": run.status,
            "file_name": run.file_name,
            "via": run.via,
            "total_rows": run.total_rows,
            "created": run.created,
            "updated": run.updated,
            "unchanged": run.unchanged,
            "rejected": run.rejected,
        },  # fmt: skip
    )
