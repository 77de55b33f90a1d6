"""The recognition pages: the wall (the latest badges and kudos the viewer may read), a
person's recognition with the kudos form, the rules sales operations define (with a
preview of who would qualify now), and the leaderboard under the company's visibility.

Who may read and do what is ``recognition.permissions`` and, for the leaderboard,
``performance.permissions.can_see_leaderboard_of`` — the rules the actions and the API keep.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from quotaflow.accounts.models import User
from quotaflow.core.errors import DomainError
from quotaflow.core.fiscal import FiscalPeriod
from quotaflow.core.models import Company
from quotaflow.core.permissions import can_change_settings
from quotaflow.metrics.models import Metric
from quotaflow.org.models import Person, Unit
from quotaflow.org.queries import managed_units, scope_day, viewer_scope
from quotaflow.performance.actions import update_tracking_settings
from quotaflow.performance.boards import leaderboard
from quotaflow.performance.models import PerformanceSettings, Visibility
from quotaflow.performance.permissions import can_see_leaderboard_of, teammate_unit_ids
from quotaflow.plans.models import Goal
from quotaflow.recognition import actions, permissions, queries
from quotaflow.recognition.actions.awards import rule_spec
from quotaflow.recognition.evaluation import qualifying
from quotaflow.recognition.models import (
    KUDOS_MAX_LENGTH,
    MAX_STREAK,
    MAX_TOP_N,
    RULE_NAME_MAX_LENGTH,
    PeriodKind,
    RecognitionRule,
    RuleKind,
)
from quotaflow.web.converters import whole_number
from quotaflow.web.forms import run_action, show_form_errors
from quotaflow.web.loading import signed_in_user

PREVIEW_ROWS = 200


class RuleForm(forms.Form):
    """A rule's definition as sales operations type it."""

    name = forms.CharField(max_length=RULE_NAME_MAX_LENGTH)
    kind = forms.ChoiceField(choices=RuleKind.choices)
    metric = forms.ModelChoiceField(queryset=Metric.objects.filter(is_active=True).order_by("name"))
    period_kind = forms.ChoiceField(label="Period", choices=PeriodKind.choices)
    threshold_pct = forms.DecimalField(
        label="Threshold (attainment %)", min_value=0, max_value=1000, max_digits=6, decimal_places=2,
        required=False, initial=100,
    )  # fmt: skip
    top_n = forms.IntegerField(
        label="Top N (rank rules)", min_value=1, max_value=MAX_TOP_N, required=False
    )
    streak_length = forms.IntegerField(
        label="Periods in a row (streak rules)", min_value=1, max_value=MAX_STREAK, required=False
    )
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )


class KudosForm(forms.Form):
    message = forms.CharField(
        max_length=KUDOS_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": KUDOS_MAX_LENGTH}),
    )
    goal = forms.ModelChoiceField(
        queryset=Goal.objects.none(), required=False, label="About the goal (optional)"
    )


def _person_or_404(user: User, external_id: str) -> Person:
    person = Person.objects.filter(external_id=external_id).first()
    if person is None or not permissions.can_read_recognition_of(user, person):
        raise Http404("There is no such person whose recognition you may read.")
    return person


def _rules_forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "recognition/forbidden.html", status=403)


@login_required
@require_GET
def wall(request: HttpRequest) -> HttpResponse:
    """The latest badges, clubs, ranks and kudos of the people the viewer may read."""
    user = signed_in_user(request)
    context = {
        "entries": queries.wall(user),
        "visibility": Visibility(PerformanceSettings.current().leaderboard_visibility).label,
        "manages_rules": permissions.can_manage_rules(user),
        "me": Person.objects.filter(user=user).first(),
    }
    return render(request, "recognition/wall.html", context)


def _kudos_form(person: Person, data: Any = None) -> KudosForm:
    form = KudosForm(data)
    goal_field = form.fields["goal"]
    assert isinstance(goal_field, forms.ModelChoiceField)  # noqa: S101 - declared above
    goal_field.queryset = (
        Goal.objects.filter(owner_person=person)
        .select_related("metric")
        .order_by("-period_end", "pk")
    )
    return form


@login_required
@require_GET
def person_page(request: HttpRequest, external_id: str) -> HttpResponse:
    """A person's badges (standing and withdrawn, each with its figures) and kudos."""
    user = signed_in_user(request)
    person = _person_or_404(user, external_id)
    awards = list(queries.awards_of(person))
    context = {
        "person": person,
        "standing": [award for award in awards if award.standing],
        "withdrawn": [award for award in awards if not award.standing],
        "kudos": list(queries.kudos_of(person)[:100]),
        "form": _kudos_form(person) if permissions.can_give_kudos(user, person) else None,
    }
    return render(request, "recognition/person.html", context)


@login_required
@require_POST
def give_kudos(request: HttpRequest, external_id: str) -> HttpResponse:
    """Give kudos to the person (refused with 403 for someone the viewer may not thank)."""
    user = signed_in_user(request)
    person = Person.objects.filter(external_id=external_id).first()
    if person is None or not permissions.can_give_kudos(user, person):
        _person_or_404(user, external_id)  # a 404 for someone out of sight, else a 403
        return render(request, "recognition/forbidden.html", {"kudos": True}, status=403)
    form = _kudos_form(person, request.POST)
    if not form.is_valid():
        show_form_errors(request, form)
        return redirect("recognition-person", external_id=person.external_id)
    try:
        actions.give_kudos(
            person,
            acting_user=user,
            message=form.cleaned_data["message"],
            goal=form.cleaned_data["goal"],
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Kudos sent to {person.full_name}.")
    return redirect("recognition-person", external_id=person.external_id)


def _values(form: RuleForm) -> dict[str, Any]:
    data = dict(form.cleaned_data)
    if data.get("threshold_pct") is None:
        data["threshold_pct"] = ""
    return data


def _preview(form: RuleForm) -> tuple[list[Any] | None, str]:
    """Who the form's rule would qualify today, or the reason it cannot say."""
    if not form.is_valid():
        return None, ""
    try:
        spec = actions.spec_of(_values(form))
    except DomainError as error:
        return None, error.message
    return qualifying(spec, timezone.localdate())[:PREVIEW_ROWS], ""


def _rule_initial(rule: RecognitionRule) -> dict[str, Any]:
    return {
        "name": rule.name, "kind": rule.kind, "metric": rule.metric_id, "period_kind": rule.period_kind,
        "threshold_pct": rule.threshold_pct, "top_n": rule.top_n, "streak_length": rule.streak_length,
        "description": rule.description,
    }  # fmt: skip


@login_required
@require_GET
def rules(request: HttpRequest) -> HttpResponse:
    """Every rule with its standing awards, and the form for a new one; with
    ``preview=1`` the form's rule is evaluated without saving it."""
    user = signed_in_user(request)
    if not permissions.can_manage_rules(user):
        return _rules_forbidden(request)
    form = RuleForm(request.GET if request.GET.get("preview") else None)
    qualifiers, problem = _preview(form) if request.GET.get("preview") else (None, "")
    context = {
        "rules": list(
            RecognitionRule.objects.select_related("metric").order_by("-is_active", "name")
        ),
        "form": form,
        "qualifiers": qualifiers,
        "problem": problem,
        "today": timezone.localdate(),
        "settings": PerformanceSettings.current(),
        "visibilities": Visibility.choices,
    }
    return render(request, "recognition/rules.html", context)


@login_required
@require_GET
def rule_page(request: HttpRequest, pk: int) -> HttpResponse:
    """One rule: its definition to edit, who would qualify now, its awards."""
    user = signed_in_user(request)
    if not permissions.can_manage_rules(user):
        return _rules_forbidden(request)
    rule = RecognitionRule.objects.select_related("metric").filter(pk=pk).first()
    if rule is None:
        raise Http404("There is no such rule.")
    form = RuleForm(
        request.GET if request.GET.get("preview") else None, initial=_rule_initial(rule)
    )
    if request.GET.get("preview"):
        qualifiers, problem = _preview(form)
    else:
        qualifiers, problem = qualifying(rule_spec(rule), timezone.localdate())[:PREVIEW_ROWS], ""
    context = {
        "rule": rule, "form": form, "qualifiers": qualifiers, "problem": problem, "today": timezone.localdate(),
        "awards": list(rule.awards.select_related("person").order_by("-earned_at")[:200]),
    }  # fmt: skip
    return render(request, "recognition/rule.html", context)


@login_required
@require_POST
def rule_create(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if not permissions.can_manage_rules(user):
        return _rules_forbidden(request)
    form = RuleForm(request.POST)
    if not form.is_valid():
        show_form_errors(request, form)
        return redirect("recognition-rules")
    try:
        rule = actions.create_rule(acting_user=user, **_values(form))
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("recognition-rules")
    messages.success(
        request, f"The rule '{rule.name}' is active; its awards come with the next evaluation."
    )
    return redirect("recognition-rule", pk=rule.pk)


def _rule_for_step(request: HttpRequest, pk: int) -> tuple[User, RecognitionRule] | HttpResponse:
    user = signed_in_user(request)
    if not permissions.can_manage_rules(user):
        return _rules_forbidden(request)
    rule = RecognitionRule.objects.filter(pk=pk).first()
    if rule is None:
        raise Http404("There is no such rule.")
    return user, rule


@login_required
@require_POST
def rule_update(request: HttpRequest, pk: int) -> HttpResponse:
    found = _rule_for_step(request, pk)
    if isinstance(found, HttpResponse):
        return found
    user, rule = found
    form = RuleForm(request.POST)
    if not form.is_valid():
        show_form_errors(request, form)
        return redirect("recognition-rule", pk=rule.pk)
    version = whole_number(request.POST.get("version"))
    run_action(
        request,
        f"The rule '{form.cleaned_data['name']}' is changed.",
        lambda: actions.update_rule(
            rule, acting_user=user, expected_version=version, **_values(form)
        ),
    )
    return redirect("recognition-rule", pk=rule.pk)


@login_required
@require_POST
def rule_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    found = _rule_for_step(request, pk)
    if isinstance(found, HttpResponse):
        return found
    user, rule = found
    version = whole_number(request.POST.get("version"))
    run_action(
        request,
        f"The rule '{rule.name}' is inactive: it awards nothing more.",
        lambda: actions.deactivate_rule(rule, acting_user=user, expected_version=version),
    )
    return redirect("recognition-rule", pk=rule.pk)


@login_required
@require_POST
def evaluate(request: HttpRequest) -> HttpResponse:
    """Sales operations evaluate every rule now (the worker also does after each ingest
    and every night)."""
    user = signed_in_user(request)
    if not permissions.can_manage_rules(user):
        return _rules_forbidden(request)
    result = actions.evaluate_awards(as_of=timezone.localdate(), acting_user=user)
    messages.success(
        request,
        f"Evaluated {result.rules} rule(s): {result.earned} award(s) earned, {result.revoked} withdrawn, "
        f"{result.standing} standing.",
    )
    return redirect("recognition-rules")


@login_required
@require_POST
def visibility(request: HttpRequest) -> HttpResponse:
    """Sales operations choose who sees the leaderboards and the recognition wall (the
    tracking setting ``leaderboard_visibility``)."""
    user = signed_in_user(request)
    if not can_change_settings(user):
        return _rules_forbidden(request)
    try:
        update_tracking_settings(
            acting_user=user,
            expected_version=whole_number(request.POST.get("version")),
            leaderboard_visibility=request.POST.get("leaderboard_visibility", ""),
            reason="Changed on the recognition rules page",
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        chosen = Visibility(PerformanceSettings.current().leaderboard_visibility).label
        messages.success(request, f"Leaderboards and the recognition wall: {chosen}.")
    return redirect("recognition-rules")


# The leaderboard -----------------------------------------------------------------------------


def leaderboard_units(user: User, visibility: str) -> list[Unit]:
    """The units offered in the leaderboard's chooser: the whole company when the viewer
    may read it, the units they manage, and their own team — each only if allowed."""
    offered: list[Unit] = []
    top = Unit.objects.filter(parent__isnull=True).order_by("path").first()
    if top is not None:
        offered.append(top)
    person = Person.objects.filter(user=user).first()
    if person is not None:
        offered += list(managed_units(person, scope_day()).order_by("path"))
    offered += list(Unit.objects.filter(pk__in=teammate_unit_ids(user)).order_by("path"))
    unique = {unit.pk: unit for unit in offered}
    return [unit for unit in unique.values() if can_see_leaderboard_of(user, unit, visibility)]


def _period(request: HttpRequest) -> FiscalPeriod:
    calendar = Company.current().fiscal_calendar
    label = (request.GET.get("period") or "")[:20]
    try:
        return (
            calendar.parse(label)
            if label
            else calendar.period_containing(timezone.localdate(), "year")
        )
    except ValueError:
        return calendar.period_containing(timezone.localdate(), "year")


@login_required
@require_GET
def leaderboard_page(request: HttpRequest) -> HttpResponse:
    """The ranks of a unit's reps by attainment, as the company's visibility allows:
    a rep may see every team's (everyone), their own team's (own team) or none (off)."""
    user = signed_in_user(request)
    visibility = PerformanceSettings.current().leaderboard_visibility
    units = leaderboard_units(user, visibility)
    code = (request.GET.get("unit") or "")[:200]
    unit = Unit.objects.filter(code=code).first() if code else (units[-1] if units else None)
    if code and (unit is None or not can_see_leaderboard_of(user, unit, visibility)):
        raise Http404("There is no such unit whose leaderboard you may see.")
    metric_code = (request.GET.get("metric") or "")[:80]
    metrics = list(Metric.objects.filter(is_active=True).order_by("name"))
    metric = next((m for m in metrics if m.code == metric_code), metrics[0] if metrics else None)
    period = _period(request)
    rows = (
        leaderboard(unit, metric, period.start, period.end, timezone.localdate())
        if unit and metric
        else []
    )
    context = {
        "units": units, "unit": unit, "metric": metric, "metrics": metrics, "period": period, "rows": rows,
        "visibility": Visibility(visibility).label, "hidden": unit is None,
        "me": Person.objects.filter(user=user).values_list("external_id", flat=True).first(),
        "everything": viewer_scope(user).everything,
    }  # fmt: skip
    return render(request, "recognition/leaderboard.html", context)
