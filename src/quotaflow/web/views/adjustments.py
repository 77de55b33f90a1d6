"""Adjustment (quota-relief) request pages: the list and the approvers' inbox, the form
to file one on a goal, a request's page with its before and after and the steps the
viewer may take, and its evidence files.

What a viewer may not see is a 404; every step posts to one view that calls one action
and shows its refusal as a message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from quotaflow.accounts.models import User
from quotaflow.core import limits
from quotaflow.core.errors import DomainError
from quotaflow.plans import actions, loaders, permissions
from quotaflow.plans.adjustments import (
    Impact,
    evidence_download,
    impact_of,
    requests_for,
)
from quotaflow.plans.explanations import amounts_for
from quotaflow.plans.models import (
    ADJUSTMENT_TEXT_MAX_LENGTH,
    AdjustmentReason,
    AdjustmentRequest,
)
from quotaflow.web.forms import show_form_errors
from quotaflow.web.loading import found, goal_or_404, signed_in_user
from quotaflow.web.views.plans import _run

SHOWS = {"mine": "Mine", "awaiting": "Awaiting me", "all": "All I may see"}


class AdjustmentForm(forms.Form):
    """A request on a goal; amounts typed in the metric's display units."""

    reason = forms.ChoiceField(choices=AdjustmentReason.choices)
    proposed_target = forms.CharField(label="New full-period target", required=False, max_length=60)
    relief_amount = forms.CharField(
        label="…or relief amount (full period)", required=False, max_length=60
    )
    effective_from = forms.DateField(
        label="Takes effect on",
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[limits.validate_business_date],
    )
    evidence = forms.CharField(
        label="Evidence",
        required=False,
        max_length=ADJUSTMENT_TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    evidence_file = forms.FileField(
        label="Evidence file (PDF, PNG, JPEG, CSV or XLSX, at most 5 MB)", required=False
    )


class StepForm(forms.Form):
    """The text and version a step on a request posts."""

    text = forms.CharField(required=False, max_length=ADJUSTMENT_TEXT_MAX_LENGTH)
    expected_version = forms.IntegerField(min_value=0, max_value=limits.BIGINT_MAX)
    evidence_file = forms.FileField(required=False)


@login_required
@require_GET
def adjustment_list(request: HttpRequest) -> HttpResponse:
    """The requests the viewer may see: mine, awaiting me, or all."""
    user = signed_in_user(request)
    show = request.GET.get("show", "")
    if show not in SHOWS:
        show = "awaiting" if requests_for(user, "awaiting") else "mine"
    return _list(request, show, inbox=False)


@login_required
@require_GET
def adjustment_inbox(request: HttpRequest) -> HttpResponse:
    """The pending requests waiting for a decision the viewer may take."""
    return _list(request, "awaiting", inbox=True)


def _list(request: HttpRequest, show: str, *, inbox: bool) -> HttpResponse:
    user = signed_in_user(request)
    rows = [(item, amounts_for(item.goal.metric)) for item in requests_for(user, show)]
    shows = SHOWS | ({"all": "All"} if permissions.reads_every_plan(user) else {})
    context = {"rows": rows, "show": show, "shows": shows, "inbox": inbox}
    return render(request, "plans/adjustment_list.html", context)


@login_required
def adjustment_new(request: HttpRequest, pk: int) -> HttpResponse:
    """File a request on a goal (its owner, or a manager above it)."""
    user = signed_in_user(request)
    goal = goal_or_404(request, pk)
    if not permissions.can_request_adjustment(user, goal):
        return render(
            request,
            "plans/forbidden.html",
            {"reason": permissions.adjustment_refusal(goal)},
            status=403,
        )
    form = AdjustmentForm(request.POST or None, request.FILES or None)
    money = amounts_for(goal.metric)
    if request.method == "POST":
        if not form.is_valid():
            show_form_errors(request, form)
        else:
            made: list[AdjustmentRequest] = []
            data = form.cleaned_data

            def file() -> None:
                made.append(
                    actions.file_adjustment_request(
                        goal,
                        acting_user=user,
                        reason=data["reason"],
                        effective_from=data["effective_from"],
                        proposed_target=data["proposed_target"],
                        relief_amount=data["relief_amount"],
                        evidence=data["evidence"],
                        evidence_file=data.get("evidence_file"),
                    )
                )

            if _run(request, "Request filed; the approvers have been told.", file):
                return redirect("plans-adjustment", pk=made[0].pk)
    context = {"goal": goal, "cycle": goal.cycle, "form": form, "money": money}
    return render(request, "plans/adjustment_form.html", context)


def _request_for(request: HttpRequest, pk: int) -> AdjustmentRequest:
    return found(loaders.adjustment_for, signed_in_user(request), pk)


def _impact(item: AdjustmentRequest) -> tuple[Impact | None, str]:
    """The applied before and after of a decided request; a pending one's as it would be
    applied now (or why it could not be)."""
    if item.applied_cycle_id is not None or not item.is_pending:
        return (Impact.from_dict(item.impact) if item.impact else None), ""
    try:
        goal = item.goal
        return impact_of(goal, item.new_full_target(goal.target), item.effective_from), ""
    except DomainError as error:
        return (Impact.from_dict(item.impact) if item.impact else None), error.message


@login_required
@require_GET
def adjustment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A request: what it asks, its before and after, its decisions and evidence, and the
    steps the viewer may take."""
    user = signed_in_user(request)
    item = _request_for(request, pk)
    impact, problem = _impact(item)
    context = {
        "item": item,
        "goal": item.goal,
        "money": amounts_for(item.goal.metric),
        "impact": impact,
        "problem": problem,
        "decisions": item.decisions.select_related("actor"),
        "files": item.evidence_files.defer("data"),
        "can_decide": permissions.can_decide_adjustment(user, item),
        "can_withdraw": permissions.can_withdraw_adjustment(user, item),
        "can_resubmit": permissions.can_resubmit_adjustment(user, item),
    }
    return render(request, "plans/adjustment_detail.html", context)


#: Each step on a request: its success message and the action, given the form's text.
STEPS: dict[str, tuple[str, Callable[..., Any]]] = {
    "approve": ("Approved.", actions.approve_adjustment_request),
    "reject": ("Rejected; the requester has been told.", actions.reject_adjustment_request),
    "return": ("Returned for more information.", actions.return_adjustment_request),
    "resubmit": ("Answered and sent back.", actions.resubmit_adjustment_request),
    "withdraw": ("Withdrawn.", actions.withdraw_adjustment_request),
}
#: The keyword each step's action takes its text as.
TEXT_FIELD = {
    "approve": "note",
    "reject": "reason",
    "return": "reason",
    "resubmit": "answer",
    "withdraw": "note",
}


def _step_refusal(user: User, item: AdjustmentRequest, step: str) -> str:
    """Why ``step`` is not the viewer's to take on ``item`` at all (a 403), or ``""``; a
    step that is theirs but not now (a decided request) is the action's to refuse."""
    if step in {"approve", "reject", "return"}:
        if item.is_pending:
            return permissions.adjustment_decision_refusal(user, item)
        return "" if permissions.manages_goal_today(user, item.goal) else NOT_YOURS
    return "" if item.requested_by_id == user.pk else "Only who filed a request does this."


NOT_YOURS = "Only a manager above the goal, or sales operations, decide on this request."


@login_required
@require_POST
def adjustment_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """One step on a request: approve, reject, return, resubmit or withdraw."""
    if step not in STEPS:
        raise Http404("Unknown step.")
    user = signed_in_user(request)
    item = _request_for(request, pk)
    back = redirect("plans-adjustment", pk=item.pk)
    refusal = _step_refusal(user, item, step)
    if refusal:
        return render(request, "plans/forbidden.html", {"reason": refusal}, status=403)
    form = StepForm(request.POST, request.FILES)
    if not form.is_valid():
        show_form_errors(request, form)
        return back
    success, action = STEPS[step]
    values: dict[str, Any] = {
        TEXT_FIELD[step]: form.cleaned_data["text"],
        "expected_version": form.cleaned_data["expected_version"],
    }
    if step == "resubmit":
        values["evidence_file"] = form.cleaned_data.get("evidence_file")
    _run(request, success, lambda: action(item, acting_user=user, **values))
    return back


@login_required
@require_GET
def adjustment_evidence(request: HttpRequest, pk: int, file_id: int) -> HttpResponse:
    """An evidence file, as a download, to those who may see the request."""
    item = _request_for(request, pk)
    return found(evidence_download, item, file_id)
