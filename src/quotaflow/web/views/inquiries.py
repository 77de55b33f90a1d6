"""The inquiry pages: asking about a statement line, the list of inquiries the viewer may
read (sales ops filter the open ones to resolve), and one inquiry with the steps the
viewer may take: answer or adjust (sales ops), withdraw (the rep, or who raised it), mark
the resolution read (the rep).

Who may do what is ``incentives.permissions``, the rule the actions and the API keep: an
inquiry or statement out of sight is a 404, a step that is not the viewer's a 403.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from quotaflow.accounts.models import User
from quotaflow.core.errors import DomainError, NotAllowed, NotFound
from quotaflow.core.money import MAX_TYPED_LENGTH, currency_amounts
from quotaflow.incentives import actions, inquiries, permissions, queries
from quotaflow.incentives.models import (
    ANSWER_MAX_LENGTH,
    QUESTION_MAX_LENGTH,
    Inquiry,
    InquiryStatus,
    Statement,
    StatementLine,
)
from quotaflow.web.forms import show_form_errors
from quotaflow.web.loading import signed_in_user

MAX_LISTED = 200
SHOWS = {"": "All", **{status.value: status.label for status in InquiryStatus}}


class QuestionForm(forms.Form):
    question = forms.CharField(
        label="Your question", max_length=QUESTION_MAX_LENGTH, widget=forms.Textarea
    )


class StepForm(forms.Form):
    """Any step's fields: the version read, and the texts the step needs."""

    expected_version = forms.IntegerField(min_value=0, max_value=2**63 - 1)
    answer = forms.CharField(required=False, max_length=ANSWER_MAX_LENGTH)
    amount = forms.CharField(required=False, max_length=MAX_TYPED_LENGTH)


def _forbidden(request: HttpRequest, reason: str) -> HttpResponse:
    return render(request, "payouts/inquiry_forbidden.html", {"reason": reason}, status=403)


def _line(request: HttpRequest, statement_id: int, position: int) -> StatementLine:
    try:
        statement = queries.statement_for(signed_in_user(request), statement_id)
    except NotFound as error:
        raise Http404(error.message) from None
    line = statement.lines.filter(position=position).first()
    if line is None:
        raise Http404("The statement has no such line.")
    line.statement = statement
    return line


@login_required
@require_http_methods(["GET", "POST"])
def inquiry_new(request: HttpRequest, pk: int, position: int) -> HttpResponse:
    """Ask about one line of a statement (its rep, or their manager on their behalf)."""
    user = signed_in_user(request)
    line = _line(request, pk, position)
    if not permissions.can_raise_inquiry(user, line.statement):
        return _forbidden(
            request,
            "Only the rep, or their manager for them, asks about a line of an approved or "
            "locked statement.",
        )
    form = QuestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            inquiry = actions.raise_inquiry(
                line, acting_user=user, question=form.cleaned_data["question"]
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"Inquiry #{inquiry.pk} sent to sales operations.")
            return redirect("payout-inquiry", pk=inquiry.pk)
    elif request.method == "POST":
        show_form_errors(request, form)
    amounts = currency_amounts(inquiries.run_currency(line.statement.run_id))
    context = {"line": line, "amount": amounts.format(line.amount_minor), "form": form}
    return render(request, "payouts/inquiry_new.html", context)


@login_required
@require_GET
def inquiry_list(request: HttpRequest) -> HttpResponse:
    """The inquiries the viewer may read, optionally of one status (``?status=open``)."""
    user = signed_in_user(request)
    show = request.GET.get("status", "")
    if show not in SHOWS:
        show = ""
    found = list(inquiries.visible_inquiries(user, show)[:MAX_LISTED])
    context = {
        "rows": [(inquiry, _amounts(inquiry)) for inquiry in found],
        "shows": SHOWS,
        "show": show,
        "resolver": permissions.can_resolve_inquiries(user),
    }
    return render(request, "payouts/inquiry_list.html", context)


def _amounts(inquiry: Inquiry) -> dict[str, str]:
    amounts = currency_amounts(inquiries.run_currency(inquiry.statement.run_id))
    return {
        "line": amounts.format(inquiry.line.amount_minor),
        "adjustment": ""
        if inquiry.adjustment_minor is None
        else amounts.format(inquiry.adjustment_minor, signed=True),
        "currency": amounts.currency,
    }


def _inquiry(request: HttpRequest, pk: int) -> Inquiry:
    try:
        return inquiries.inquiry_for(signed_in_user(request), pk)
    except NotFound as error:
        raise Http404(error.message) from None


@login_required
@require_GET
def inquiry_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One inquiry: the line asked about, the question, its resolution and the steps."""
    user = signed_in_user(request)
    inquiry = _inquiry(request, pk)
    is_open = inquiry.status == InquiryStatus.OPEN
    context = {
        "inquiry": inquiry,
        "amounts": _amounts(inquiry),
        "can_resolve": is_open and permissions.can_resolve_inquiries(user),
        "can_withdraw": permissions.can_withdraw_inquiry(user, inquiry),
        "can_mark_read": permissions.can_mark_inquiry_read(user, inquiry)
        and inquiry.read_at is None,
        "applied": _applied(inquiry),
    }
    return render(request, "payouts/inquiry_detail.html", context)


def _applied(inquiry: Inquiry) -> dict[str, Any] | None:
    """The pay period of the run that pays the adjustment, and the rep's statement in it."""
    if inquiry.applied_run_id is None:
        return None
    found = (
        Statement.objects.filter(
            run_id=inquiry.applied_run_id, person_id=inquiry.statement.person_id
        )
        .values("pk", "run__period_start", "run__period_end")
        .first()
    )
    if found is None:
        return None
    return {
        "statement": found["pk"],
        "start": found["run__period_start"],
        "end": found["run__period_end"],
    }


def _answer(inquiry: Inquiry, user: User, data: dict[str, Any]) -> Any:
    return actions.answer_inquiry(
        inquiry, acting_user=user, expected_version=data["expected_version"], answer=data["answer"]
    )


def _adjust(inquiry: Inquiry, user: User, data: dict[str, Any]) -> Any:
    return actions.adjust_inquiry(
        inquiry,
        acting_user=user,
        expected_version=data["expected_version"],
        amount=data["amount"],
        explanation=data["answer"],
    )


def _withdraw(inquiry: Inquiry, user: User, data: dict[str, Any]) -> Any:
    return actions.withdraw_inquiry(
        inquiry, acting_user=user, expected_version=data["expected_version"]
    )


def _read(inquiry: Inquiry, user: User, data: dict[str, Any]) -> Any:
    return actions.mark_inquiry_read(
        inquiry, acting_user=user, expected_version=data["expected_version"]
    )


#: Each step: its success message and how it is taken.
STEPS: dict[str, tuple[str, Callable[[Inquiry, User, dict[str, Any]], Any]]] = {
    "answer": ("Answered; the rep has been told.", _answer),
    "adjust": ("Adjusted: the plan's next payout run pays it; the rep has been told.", _adjust),
    "withdraw": ("Withdrawn.", _withdraw),
    "read": ("Marked read.", _read),
}


@login_required
@require_POST
def inquiry_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """One step on an inquiry: answer, adjust, withdraw or mark read."""
    if step not in STEPS:
        raise Http404("Unknown step.")
    user = signed_in_user(request)
    inquiry = _inquiry(request, pk)
    back = redirect("payout-inquiry", pk=inquiry.pk)
    form = StepForm(request.POST)
    if not form.is_valid():
        show_form_errors(request, form)
        return back
    success, take = STEPS[step]
    try:
        take(inquiry, user, form.cleaned_data)
    except NotAllowed as error:
        return _forbidden(request, error.message)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)
    return back
