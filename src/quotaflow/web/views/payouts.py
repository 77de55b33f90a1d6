"""The payout pages: the statements a viewer may read and, for sales ops and finance, the
payout runs (preview a run, read it, approve and lock it as finance, export it for
payroll); one statement with its lines in words.

Who may do what is ``incentives.permissions``, the same rule the actions and the API keep:
a statement out of sight is a 404, a run page for anyone but sales ops and finance a 403.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from quotaflow.core.errors import DomainError, NotAllowed, NotFound
from quotaflow.core.money import currency_amounts
from quotaflow.incentives import actions, permissions, queries
from quotaflow.incentives.models import (
    IncentivePlan,
    PayoutRun,
    PlanVersion,
    RunStatus,
    Statement,
)
from quotaflow.web.converters import whole_number
from quotaflow.web.forms import show_form_errors
from quotaflow.web.loading import signed_in_user

MAX_STATEMENTS_LISTED = 200


class PreviewForm(forms.Form):
    """Which plan and pay period to compute a run for."""

    plan = forms.ModelChoiceField(queryset=IncentivePlan.objects.order_by("-period_start", "name"))
    period_start = forms.DateField(
        label="Pay period from", widget=forms.DateInput(attrs={"type": "date"})
    )
    period_end = forms.DateField(label="to", widget=forms.DateInput(attrs={"type": "date"}))


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "payouts/forbidden.html", status=403)


def _statement_rows(statements: list[Statement]) -> list[dict[str, Any]]:
    return [
        {
            "statement": statement,
            "payable": currency_amounts(queries.currency_of(statement)).format(
                statement.total_minor
            ),
        }
        for statement in statements
    ]


@login_required
@require_GET
def payouts(request: HttpRequest) -> HttpResponse:
    """The statements the viewer may read; for sales ops and finance also every run and
    the form that previews one."""
    user = signed_in_user(request)
    statements = list(queries.visible_statements(user)[:MAX_STATEMENTS_LISTED])
    context: dict[str, Any] = {
        "statements": _statement_rows(statements),
        "my_plans": queries.my_plans(user),
    }
    if permissions.reads_every_payout(user):
        context["runs"] = list(queries.runs()[:MAX_STATEMENTS_LISTED])
        context["form"] = PreviewForm()
    return render(request, "payouts/list.html", context)


@login_required
@require_POST
def payout_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    """The signed-in rep acknowledges a published version of their plan."""
    version = PlanVersion.objects.select_related("plan").filter(pk=pk).first()
    if version is None:
        raise Http404("There is no such plan version.")
    try:
        actions.acknowledge_plan(version, acting_user=signed_in_user(request))
    except NotAllowed:
        return render(request, "payouts/forbidden.html", status=403)
    messages.success(request, f"You acknowledged {version}.")
    return redirect("payouts")


@login_required
@require_POST
def payout_preview(request: HttpRequest) -> HttpResponse:
    """Compute a run's preview (or compute an existing preview again)."""
    user = signed_in_user(request)
    if not permissions.can_preview_runs(user):
        return _forbidden(request)
    form = PreviewForm(request.POST)
    if not form.is_valid():
        show_form_errors(request, form)
        return redirect("payouts")
    data = form.cleaned_data
    try:
        run = actions.preview_run(
            data["plan"],
            acting_user=user,
            period_start=data["period_start"],
            period_end=data["period_end"],
            expected_version=whole_number(request.POST.get("version")),
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("payouts")
    messages.success(
        request, f"Computed the preview of {run}: {run.statements.count()} statements."
    )
    return redirect("payout-run", pk=run.pk)


def _run_or_404(pk: int) -> PayoutRun:
    try:
        return queries.run_by_id(pk)
    except NotFound as error:
        raise Http404(error.message) from None


@login_required
@require_GET
def payout_run(request: HttpRequest, pk: int) -> HttpResponse:
    """One run: every rep's payable amount, and the steps finance may take."""
    user = signed_in_user(request)
    if not permissions.reads_every_payout(user):
        return _forbidden(request)
    run = _run_or_404(pk)
    # The run is loaded once, without its kept inputs; joining it again on every statement
    # would parse that snapshot (every credit of every rep) once per row.
    statements = list(
        run.statements.select_related("person")
        .defer("counted_refs", "excluded", "spif_paid")
        .order_by("person__full_name")
    )
    for statement in statements:
        statement.run = run
    amounts = currency_amounts(queries.currency_of(run))
    context = {
        "run": run,
        "statements": _statement_rows(statements),
        "total": amounts.format(sum(statement.total_minor for statement in statements)),
        "can_approve": run.status == RunStatus.PREVIEW and permissions.can_approve_runs(user),
        "can_lock": run.status == RunStatus.APPROVED and permissions.can_approve_runs(user),
        "can_recompute": permissions.can_recompute(user, run.status),
        "payroll_url": reverse("api:incentives_payroll_csv", kwargs={"run_id": run.pk}),
        "payroll_xlsx_url": reverse("api:incentives_payroll_xlsx", kwargs={"run_id": run.pk}),
    }
    return render(request, "payouts/run.html", context)


def _step(request: HttpRequest, pk: int, step: Any, done: str) -> HttpResponse:
    user = signed_in_user(request)
    if not permissions.can_approve_runs(user):
        return _forbidden(request)
    run = _run_or_404(pk)
    try:
        step(run, acting_user=user, expected_version=whole_number(request.POST.get("version")))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{run} {done}.")
    return redirect("payout-run", pk=run.pk)


@login_required
@require_POST
def payout_approve(request: HttpRequest, pk: int) -> HttpResponse:
    """Finance approves a previewed run."""
    return _step(request, pk, actions.approve_run, "is approved")


@login_required
@require_POST
def payout_lock(request: HttpRequest, pk: int) -> HttpResponse:
    """Finance locks an approved run."""
    return _step(request, pk, actions.lock_run, "is locked: it will not change")


@login_required
@require_GET
def payout_statement(request: HttpRequest, pk: int) -> HttpResponse:
    """One statement, line by line in words, with the total."""
    user = signed_in_user(request)
    try:
        statement = queries.statement_for(user, pk)
    except NotFound as error:
        raise Http404(error.message) from None
    amounts = currency_amounts(queries.currency_of(statement))
    lines = [
        {"line": line, "amount": amounts.format(line.amount_minor)}
        for line in statement.lines.order_by("position")
    ]
    context = {
        "statement": statement,
        "lines": lines,
        "total": amounts.format(statement.total_minor),
        "earned": amounts.format(statement.earned_minor),
        "balance": amounts.format(statement.balance_minor),
        "can_ask": permissions.can_raise_inquiry(user, statement),
    }
    return render(request, "payouts/statement.html", context)
