"""Check-ins on the goal page, and the inbox: the unread notifications, mark read, and how
each kind arrives. Thin views: authorise, validate, call one feedback action, redirect."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from quotaflow.accounts.models import User
from quotaflow.core.errors import DomainError
from quotaflow.core.models import KINDS, Notification
from quotaflow.feedback import actions, permissions, queries
from quotaflow.feedback.actions.inbox import preferences
from quotaflow.feedback.models import CheckIn
from quotaflow.metrics.models import Source
from quotaflow.performance.boards import GoalChart
from quotaflow.plans.loaders import goal_for
from quotaflow.plans.models import Goal
from quotaflow.web.confidence_chart import confidence_chart
from quotaflow.web.feedback_forms import CheckInForm, PreferencesForm, ReplyForm
from quotaflow.web.forms import show_form_errors
from quotaflow.web.loading import found, signed_in_user

INBOX_PAGE_SIZE = 50


def _visible_goal(user: User, pk: int) -> Goal:
    """The goal ``pk`` whose check-ins ``user`` may read (whoever may see the goal)."""
    return found(goal_for, user, pk)


def form_step(
    request: HttpRequest,
    *,
    allowed: bool,
    form: forms.Form,
    back: HttpResponse,
    success: str,
    action: Callable[[dict[str, Any]], Any],
) -> HttpResponse:
    """A form's post that runs one feedback action: 403 unless ``allowed``; an invalid
    form or the action's refusal becomes a message, its success ``success``; then
    ``back``."""
    if not allowed:
        return render(request, "403.html", status=403)
    if not form.is_valid():
        show_form_errors(request, form)
        return back
    try:
        action(form.cleaned_data)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)
    return back


def _back_to(goal: Goal) -> HttpResponse:
    return redirect(reverse("performance-goal", args=[goal.pk]) + "#check-ins")


def goal_check_ins(user: User, goal: Goal, chart: GoalChart) -> dict[str, Any]:
    """What the goal page shows of check-ins: the thread, the forms the user may use, and
    the confidence chart beside attainment."""
    series = queries.confidence_series(goal)
    manual = goal.metric.source == Source.MANUAL
    return {
        "check_ins": list(queries.thread(goal)),
        "can_check_in": permissions.can_check_in(user, goal),
        "can_reply": permissions.can_reply(user, goal),
        "check_in_form": CheckInForm(manual=manual),
        "reply_form": ReplyForm(),
        "confidence_chart": confidence_chart(
            chart, goal.target, goal.period_start, goal.period_end, series
        )
        if series
        else None,
        "cadence": goal.cycle.get_checkin_cadence_display()
        if goal.cycle and goal.cycle.checkin_cadence
        else "",
    }


@login_required
@require_POST
def check_in(request: HttpRequest, pk: int) -> HttpResponse:
    """The owner's check-in form on the goal page."""
    user = signed_in_user(request)
    goal = _visible_goal(user, pk)
    return form_step(
        request,
        allowed=permissions.owns_goal(user, goal),
        form=CheckInForm(request.POST, manual=goal.metric.source == Source.MANUAL),
        back=_back_to(goal),
        success="Checked in; your manager has been told.",
        action=lambda data: actions.check_in(
            goal,
            acting_user=user,
            note=data["note"],
            confidence=data["confidence"],
            blockers=data["blockers"],
            next_step=data["next_step"],
            value=data.get("value", ""),
        ),
    )


@login_required
@require_POST
def reply(request: HttpRequest, pk: int) -> HttpResponse:
    """A reply under one check-in, from its goal page."""
    user = signed_in_user(request)
    found = CheckIn.objects.filter(pk=pk).first()
    if found is None:
        raise Http404("No such check-in.")
    goal = _visible_goal(user, found.goal_id)
    return form_step(
        request,
        allowed=permissions.may_reply(user, goal),
        form=ReplyForm(request.POST),
        back=_back_to(goal),
        success="Reply added.",
        action=lambda data: actions.reply_to_check_in(found, acting_user=user, body=data["body"]),
    )


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    """The signed-in person's notifications, newest first, unread ones marked."""
    user = signed_in_user(request)
    pages = Paginator(Notification.objects.filter(user=user), INBOX_PAGE_SIZE)
    page = pages.get_page(request.GET.get("page"))
    kinds = {kind: spec.label for kind, spec in KINDS.items()}
    return render(request, "web/inbox.html", {"page": page, "kinds": kinds})


@login_required
@require_POST
def inbox_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one notification read, then open its page (``open=1``) or go back to the inbox."""
    user = signed_in_user(request)
    try:
        notification = actions.mark_read(pk, acting_user=user)
    except DomainError as error:
        raise Http404(error.message) from None
    if request.POST.get("open") == "1" and notification.url.startswith("/"):
        return redirect(notification.url)
    return redirect("inbox")


@login_required
@require_POST
def inbox_read_all(request: HttpRequest) -> HttpResponse:
    """Mark every notification read."""
    count = actions.mark_all_read(acting_user=signed_in_user(request))
    messages.success(request, f"{count} notification{'s' if count != 1 else ''} marked read.")
    return redirect("inbox")


@login_required
def inbox_preferences(request: HttpRequest) -> HttpResponse:
    """Per kind of notification: in the app only, or by e-mail too."""
    user = signed_in_user(request)
    form = PreferencesForm(request.POST or None, initial=preferences(user))
    if request.method == "POST":
        if form.is_valid():
            actions.set_preferences(acting_user=user, email=form.cleaned_data)
            messages.success(request, "Notification settings saved.")
            return redirect("inbox-preferences")
        show_form_errors(request, form)
    return render(request, "web/inbox_preferences.html", {"form": form, "email": user.email})
