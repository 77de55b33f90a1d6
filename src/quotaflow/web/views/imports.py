"""The import pages: upload a file (with the formats explained), past runs, and one run's
report with its error table and the rejected rows for download. An organisation file can
be previewed first: the preview lists every change, and one button writes exactly those.

Only administrators and sales operations may see them; everyone else gets a 403 page.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from quotaflow.accounts.models import User
from quotaflow.core.errors import DomainError, NotFound
from quotaflow.core.models import Company
from quotaflow.core.money import currency_amounts
from quotaflow.imports.actions import import_file, write_preview
from quotaflow.imports.formats import FORMATS, limit_rules
from quotaflow.imports.models import ImportKind, ImportRun, ImportStatus
from quotaflow.imports.org import CHANGED, CREATED, ENDED, MOVED, RENAMED
from quotaflow.imports.permissions import can_import
from quotaflow.imports.queries import get_run, recent_runs, rejected_file_name

View = Callable[..., HttpResponse]
# How a preview groups its changes, in this order.
CHANGE_GROUPS = (
    (CREATED, "Created"),
    (MOVED, "Moved"),
    (RENAMED, "Renamed"),
    (CHANGED, "Changed"),
    (ENDED, "Ended"),
)


class ImportForm(forms.Form):
    """What to import, the file, and whether to skip bad rows."""

    kind = forms.ChoiceField(
        label="What the file holds", choices=ImportKind.choices, initial=ImportKind.TRANSACTIONS
    )
    file = forms.FileField(
        label="File",
        help_text="CSV (any common encoding) or Excel .xlsx; the first row names the columns.",
    )
    skip_bad_rows = forms.BooleanField(
        label="Skip bad rows",
        required=False,
        help_text="Import the good rows and list the bad ones for download. "
        "Without it, one bad row means nothing is imported.",
    )


def planner_required(view: View) -> View:
    """Let administrators and sales operations through; show everyone else a 403 page."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not (isinstance(user, User) and can_import(user)):
            return render(request, "imports/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def _list_page(request: HttpRequest, form: ImportForm) -> HttpResponse:
    context = {
        "form": form,
        "runs": recent_runs(),
        "formats": list(FORMATS.values()),
        "limits": limit_rules(),
    }
    return render(request, "imports/list.html", context, status=400 if form.errors else 200)


@planner_required
@require_http_methods(["GET", "POST"])
def import_list(request: HttpRequest) -> HttpResponse:
    """The upload form, the file formats and the latest runs; on POST, run the import
    (or, with the preview button, a dry run whose page lists the changes)."""
    if request.method != "POST":
        return _list_page(request, ImportForm())
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _list_page(request, form)
    upload = form.cleaned_data["file"]
    try:
        run = import_file(
            form.cleaned_data["kind"],
            upload,
            file_name=upload.name or "upload",
            acting_user=request.user,
            skip_bad_rows=form.cleaned_data["skip_bad_rows"],
            via="web",
            dry_run="preview" in request.POST,
        )
    except DomainError as error:
        form.add_error(None, error.message)
        return _list_page(request, form)
    _announce(request, run)
    return redirect("import-detail", pk=run.pk)


@planner_required
@require_POST
def import_write(request: HttpRequest, pk: int) -> HttpResponse:
    """Write a previewed organisation file: exactly the changes its page listed."""
    preview = _run_or_404(pk)
    try:
        run = write_preview(preview, acting_user=request.user, via="web")
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("import-detail", pk=preview.pk)
    _announce(request, run)
    return redirect("import-detail", pk=run.pk)


def _announce(request: HttpRequest, run: ImportRun) -> None:
    if run.status == ImportStatus.SUCCEEDED:
        messages.success(
            request,
            f"{run.file_name} imported: {run.created} created, {run.updated} updated, {run.unchanged} unchanged.",
        )
    elif run.status == ImportStatus.PREVIEWED:
        messages.info(
            request,
            f"{run.file_name} was checked and nothing was written yet: read the changes below, "
            "then write them.",
        )
    elif run.status == ImportStatus.PARTIAL:
        messages.warning(
            request,
            f"{run.file_name} imported without its {run.rejected} bad rows; download them below to fix them.",
        )
    else:
        messages.error(
            request,
            f"{run.file_name} was not imported: nothing was changed. Fix the problems below and upload it again.",
        )


def _run_or_404(pk: int) -> ImportRun:
    try:
        return get_run(pk)
    except NotFound as error:
        raise Http404(error.message) from None


@planner_required
@require_GET
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One run: its counts, notes, the table of problems and the rejected-rows download."""
    run = _run_or_404(pk)
    groups = [
        (label, [change for change in run.changes if change["action"] == action])
        for action, label in CHANGE_GROUPS
    ]
    context = {
        "run": run,
        "file_problem": bool(run.errors) and run.errors[0]["row"] is None,
        "change_groups": [(label, changes) for label, changes in groups if changes],
        "can_write": run.status == ImportStatus.PREVIEWED and run.previewed_file is not None,
        "unplaced_amount": currency_amounts(Company.current().currency).format(
            run.unplaced_amount_minor
        ),
    }
    return render(request, "imports/detail.html", context)


@planner_required
@require_GET
def import_rejected_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """The run's rejected rows: original columns plus a ``reason`` column."""
    run = _run_or_404(pk)
    if not run.rejected_csv:
        raise Http404("This import has no rejected rows.")
    response = HttpResponse(run.rejected_csv, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{rejected_file_name(run)}"'
    return response
