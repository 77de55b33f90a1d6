"""``/imports``: upload an organisation (or units, people, placements), transactions,
activities or exchange-rates file, and read past runs.

Only administrators and sales operations may import. A token needs the ``import`` scope
for organisation, units, people and placements files and the ``ingest`` scope for
transactions, activities and rates; reading runs needs either. A file with bad rows answers 422 with every problem (row, column,
value, reason) and writes nothing, unless ``skip_bad_rows`` is set; the rejected rows are
then downloadable as CSV with a ``reason`` column. An organisation file sent with
``dry_run=true`` (also units, people and placements files) is checked and its changes
listed (200, status ``previewed``), and nothing is written.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Annotated

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from quotaflow.accounts.models import TokenScope
from quotaflow.api.auth import request_token, require_allowed
from quotaflow.api.schemas import READ_ERRORS, WRITE_ERRORS, ObjectId, ValidationErrorOut
from quotaflow.core.errors import NotAllowed, NotFound
from quotaflow.imports.actions import import_file
from quotaflow.imports.models import ImportKind, ImportRun, ImportStatus
from quotaflow.imports.permissions import can_import
from quotaflow.imports.queries import get_run, recent_runs, rejected_file_name

router = Router(tags=["imports"])

SCOPE_FOR_KIND = {
    ImportKind.ORG: TokenScope.IMPORT,
    ImportKind.UNITS: TokenScope.IMPORT,
    ImportKind.PEOPLE: TokenScope.IMPORT,
    ImportKind.PLACEMENTS: TokenScope.IMPORT,
    ImportKind.TRANSACTIONS: TokenScope.INGEST,
    ImportKind.ACTIVITIES: TokenScope.INGEST,
    ImportKind.RATES: TokenScope.INGEST,
}


class RowErrorOut(Schema):
    """One problem found in the file."""

    row: int | None = Field(
        description="Row number as in a spreadsheet (header = 1); null for the whole file."
    )
    column: str = Field(
        description="Column name as matched (lower case); empty for the whole row or file."
    )
    value: str = Field(description="The cell as it was in the file.")
    reason: str = Field(description="What is wrong and how to fix it.")


class ChangeOut(Schema):
    """One change the file makes (or, for a preview, would make)."""

    action: str = Field(description="created, moved, renamed, changed or ended.")
    subject: str = Field(description="What changes, e.g. 'unit EMEA-A' or 'person E104'.")
    old: str = Field(description="Before; empty for something created.")
    new: str = Field(description="After.")
    row: int = Field(description="Row of the file that asks for it (header = 1).")


class ImportRunOut(Schema):
    """One import of one file, with its counts."""

    id: int
    kind: ImportKind
    file_name: str
    status: ImportStatus = Field(
        description="succeeded, partial (bad rows skipped), rejected (nothing written) or "
        "previewed (a dry run: nothing written)."
    )
    via: str = Field(description="web, cli or api")
    started_by: str | None
    started_at: dt.datetime
    finished_at: dt.datetime | None
    skip_bad_rows: bool
    total_rows: int = Field(description="Data rows in the file (the header not counted).")
    created: int
    updated: int
    unchanged: int
    rejected: int = Field(
        description="Rows refused; with skip_bad_rows they are in the rejected-rows CSV."
    )
    unplaced_credits: int = Field(
        0,
        description="Credited shares of people with no placement on the sale's date, counted "
        "for the company under the Unplaced unit until they are placed.",
    )
    unplaced_amount_minor: int = Field(
        0, description="Their amount, in minor units of the company currency."
    )
    rejected_csv_url: str | None = Field(description="Where to download the rejected rows, if any.")

    @staticmethod
    def fields_of(run: ImportRun) -> dict[str, object]:
        return {
            "id": run.pk,
            "kind": ImportKind(run.kind),
            "file_name": run.file_name,
            "status": ImportStatus(run.status),
            "via": run.via,
            "started_by": run.started_by.username if run.started_by else None,
            "started_at": run.started_at,
            "finished_at": run.finished_at,
            "skip_bad_rows": run.skip_bad_rows,
            "total_rows": run.total_rows,
            "created": run.created,
            "updated": run.updated,
            "unchanged": run.unchanged,
            "rejected": run.rejected,
            "unplaced_credits": run.unplaced_credits,
            "unplaced_amount_minor": run.unplaced_amount_minor,
            "rejected_csv_url": reverse("api:import_rejected_csv", args=[run.pk])
            if run.rejected
            else None,
        }

    @staticmethod
    def of(run: ImportRun) -> ImportRunOut:
        return ImportRunOut(**ImportRunOut.fields_of(run))  # type: ignore[arg-type]


class ImportRunDetailOut(ImportRunOut):
    """A run with its problems and notes."""

    errors: list[RowErrorOut] = Field(description="The first 1,000 problems, in file order.")
    warnings: list[str] = Field(
        description="Notes that did not stop the import, e.g. ignored columns."
    )
    changes: list[ChangeOut] = Field(
        description="Organisation files: every unit, person and placement created, moved, "
        "renamed, changed or ended (the first 10,000)."
    )

    @staticmethod
    def of(run: ImportRun) -> ImportRunDetailOut:
        return ImportRunDetailOut(
            **ImportRunOut.fields_of(run),  # type: ignore[arg-type]
            errors=[RowErrorOut(**error) for error in run.errors],
            warnings=list(run.warnings),
            changes=[ChangeOut(**change) for change in run.changes],
        )


def _require_any_import_scope(request: HttpRequest) -> None:
    token = request_token(request)
    if token is not None and not {TokenScope.IMPORT, TokenScope.INGEST} & set(token.scopes):
        raise NotAllowed(
            "This API token has neither the 'import' nor the 'ingest' scope; create a token that has one."
        )


@router.get(
    "/imports/", response={200: list[ImportRunOut], **READ_ERRORS}, summary="Recent imports"
)
def list_runs(
    request: HttpRequest,
    limit: Annotated[int, Query(ge=1, le=500, description="At most this many runs.")] = 50,
) -> list[ImportRunOut]:
    require_allowed(request, can_import)
    _require_any_import_scope(request)
    return [ImportRunOut.of(run) for run in recent_runs(limit)]


@router.get(
    "/imports/{int:run_id}", response={200: ImportRunDetailOut, **READ_ERRORS}, summary="One import"
)
def run_detail(request: HttpRequest, run_id: ObjectId) -> ImportRunDetailOut:
    require_allowed(request, can_import)
    _require_any_import_scope(request)
    return ImportRunDetailOut.of(get_run(run_id))


@router.get(
    "/imports/{int:run_id}/rejected.csv",
    response={200: None, **READ_ERRORS},
    url_name="import_rejected_csv",
    summary="Rejected rows as CSV",
    description="The rejected rows with their original columns plus a 'reason' column.",
)
def rejected_csv(request: HttpRequest, run_id: ObjectId) -> HttpResponse:
    require_allowed(request, can_import)
    _require_any_import_scope(request)
    run = get_run(run_id)
    if not run.rejected_csv:
        raise NotFound(f"Import {run_id} has no rejected rows.")
    response = HttpResponse(run.rejected_csv, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{rejected_file_name(run)}"'
    return response


# Declared after the run routes: their integer paths must be tried before '{kind}'.
@router.post(
    "/imports/{kind}",
    response={
        **WRITE_ERRORS,
        200: ImportRunDetailOut,
        201: ImportRunDetailOut,
        422: ImportRunDetailOut | ValidationErrorOut,
    },
    summary="Import a file",
    description="Multipart upload of a CSV or XLSX file in the field 'file'. 201 when it was "
    "imported (with skip_bad_rows, bad rows are listed and downloadable); 200 for a dry run "
    "of an organisation file, listing its changes with nothing written; 422 when it was "
    "rejected and nothing was written (a request that does not fit, such as an unknown "
    "kind, is also 422, with only 'detail' and 'field'); 400 for a dry run of another kind.",
)
def upload(
    request: HttpRequest,
    kind: ImportKind,
    file: Annotated[UploadedFile, File(description="CSV or XLSX file")],
    skip_bad_rows: Annotated[
        bool, Query(description="Write the good rows and report the bad ones.")
    ] = False,
    dry_run: Annotated[
        bool,
        Query(
            description="Organisation, units, people and placements files: check the file "
            "and list every change it makes, "
            "writing nothing."
        ),
    ] = False,
) -> Status[ImportRunDetailOut]:
    user = require_allowed(request, partial(can_import, kind=kind), scope=SCOPE_FOR_KIND[kind])
    run = import_file(
        kind,
        file,
        file_name=file.name or "upload",
        acting_user=user,
        skip_bad_rows=skip_bad_rows,
        via="api",
        dry_run=dry_run,
    )
    status = {ImportStatus.REJECTED.value: 422, ImportStatus.PREVIEWED.value: 200}.get(
        run.status, 201
    )
    return Status(status, ImportRunDetailOut.of(run))
