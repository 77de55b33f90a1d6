"""The plan editor: sales ops list the incentive plans, create one and edit its draft
version through a form (amounts in the plan currency's display units, rates as
percentages), read the plan in words with a validation summary before publishing, publish
it and assign it to a role in a part of the organisation or to named people.

Planners and finance read the list and a plan's page (``incentives.permissions``); only
planners (who ``require_plan_manager`` lets through) see the editor and may post to it.
Every write is one action of ``incentives.actions``; a refused form is shown again with
everything typed and each error next to its field, and nothing is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from quotaflow.core import limits
from quotaflow.core.due import day_text
from quotaflow.core.errors import DomainError, InvalidInput, NotFound
from quotaflow.core.models import Company
from quotaflow.incentives import actions, permissions, queries
from quotaflow.incentives.actions.guards import checked_document
from quotaflow.incentives.engine import Plan
from quotaflow.incentives.engine.words import plan_words
from quotaflow.incentives.explaining import money_words
from quotaflow.incentives.models import NAME_MAX_LENGTH, IncentivePlan, PlanVersion, VersionStatus
from quotaflow.metrics.models import Metric
from quotaflow.org.models import AssignmentRole, Person, Unit
from quotaflow.web.converters import whole_number
from quotaflow.web.forms import run_action
from quotaflow.web.loading import signed_in_user
from quotaflow.web.plan_editor_forms import (
    Draft,
    FieldErrors,
    Layout,
    bounded_values,
    document_from_values,
    kept_components,
    values_from_document,
)

MAX_PEOPLE_OFFERED = 500
PERIOD_FIELDS = {"period_start", "period_end", "period_label"}


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "plan_editor/forbidden.html", status=403)


def _plan_or_404(pk: int) -> IncentivePlan:
    try:
        return queries.plan_by_id(pk)
    except NotFound as error:
        raise Http404(error.message) from None


def _currency() -> str:
    return Company.current().currency


def _metric_choices() -> tuple[tuple[str, str], ...]:
    return tuple(
        (code, f"{name} ({code}, {unit})")
        for code, name, unit in Metric.objects.filter(is_active=True)
        .order_by("name")
        .values_list("code", "name", "unit")
    )


def _latest(plan: IncentivePlan) -> PlanVersion | None:
    return max(plan.versions.all(), key=lambda version: version.number, default=None)


# Reading ----------------------------------------------------------------------------------


@login_required
@require_GET
def plan_list(request: HttpRequest) -> HttpResponse:
    """Every incentive plan with its versions, state and assignees."""
    user = signed_in_user(request)
    if not permissions.reads_every_payout(user):
        return _forbidden(request)
    rows = []
    for plan in queries.plans_overview():
        versions = sorted(plan.versions.all(), key=lambda version: version.number)
        people = sorted(str(assignment.person) for assignment in plan.assignments.all())
        rows.append({"plan": plan, "versions": versions, "people": people})
    context = {"rows": rows, "can_manage": permissions.can_manage_plans(user)}
    return render(request, "plan_editor/list.html", context)


def validation_summary(plan: Plan, metric_names: Mapping[str, str]) -> list[str]:
    """What the engine made of a valid definition, in sentences: the components, the
    targets it needs, the bands the tiers became once thresholds split them."""
    kinds = ", ".join(
        f"{component.name} ({type(component).__name__.lower()})" for component in plan.components
    )
    count = len(plan.components)
    lines = [f"The definition is valid: {count} component{'' if count == 1 else 's'}: {kinds}."]
    for component in plan.components:
        metric = metric_names.get(component.metric, component.metric)
        if getattr(component, "needs_target", False):
            lines.append(
                f"{component.name} reads attainment, so each rep on the plan needs a published "
                f"{metric} goal for the plan's period."
            )
        tiers = getattr(component, "tiers", ())
        if len(tiers) > 1:
            lines.append(
                f"{component.name} pays in {len(tiers)} bands of attainment (after any "
                "accelerator or decelerator threshold splits a tier)."
            )
    return lines


@dataclass
class Preview:
    words: list[str]
    summary: list[str]


def outside_the_period(document: Mapping[str, Any], start: dt.date, end: dt.date) -> list[str]:
    """Warnings for the SPIFs of a valid ``document`` whose sale dates lie wholly outside
    the plan period ``[start, end]``: no credit of the plan's runs can reach them."""
    warnings = []
    for component in document.get("components", []):
        if component.get("kind") != "spif":
            continue
        first, last = (
            dt.date.fromisoformat(component["from"]),
            dt.date.fromisoformat(component["to"]),
        )
        if last < start or first > end:
            warnings.append(
                f"Warning: {component['name']} covers sales dated {day_text(first)} to "
                f"{day_text(last)}, outside the plan period ({day_text(start)} to "
                f"{day_text(end)}), so it would pay nothing."
            )
    return warnings


def _preview(
    draft: Draft, currency: str, period: tuple[dt.date, dt.date] | None = None
) -> Preview | None:
    """The plan in words and its summary, or None with the refusal added to the draft's
    errors (next to the input it came from)."""
    if draft.errors:
        return None
    try:
        plan = checked_document(draft.document)
    except InvalidInput as error:
        draft.errors.add(draft.input_for(error.field or ""), error.message)
        return None
    names = dict(Metric.objects.filter(code__in=plan.metrics).values_list("code", "name"))
    summary = validation_summary(plan, names)
    if period is not None:
        summary += outside_the_period(draft.document, *period)
    return Preview(plan_words(plan, money_words(currency)), summary)


@login_required
@require_GET
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One plan: its versions, the latest in words with its validation summary, who is
    on it and who acknowledged; for planners the publish and assign forms."""
    user = signed_in_user(request)
    if not permissions.reads_every_payout(user):
        return _forbidden(request)
    plan = _plan_or_404(pk)
    latest = _latest(plan)
    currency = _currency()
    preview = None
    if latest is not None:
        draft = Draft(document=latest.document)
        preview = _preview(draft, currency, (plan.period_start, plan.period_end))
        problems = [message for messages_ in draft.errors.values() for message in messages_]
    assignees = sorted(plan.assignments.all(), key=lambda assignment: str(assignment.person))
    acknowledged = {
        ack.person_id: (version.number, ack.acknowledged_at)
        for version in plan.versions.all()
        for ack in version.acknowledgements.all()
    }
    context: dict[str, Any] = {
        "plan": plan,
        "versions": sorted(plan.versions.all(), key=lambda version: -version.number),
        "latest": latest,
        "preview": preview,
        "problems": problems if latest is not None else [],
        "currency": currency,
        "assignees": [
            {"person": assignment.person, "acknowledged": acknowledged.get(assignment.person_id)}
            for assignment in assignees
        ],
        "can_manage": permissions.can_manage_plans(user),
    }
    if context["can_manage"]:
        context["role_form"] = AssignByRoleForm()
        context["people_form"] = AssignPeopleForm()
    return render(request, "plan_editor/detail.html", context)


# Editing ----------------------------------------------------------------------------------


class PlanHeadForm(forms.Form):
    """A new plan's name and fiscal period."""

    name = forms.CharField(max_length=NAME_MAX_LENGTH, label="Plan name")
    fiscal_period = forms.CharField(
        max_length=20,
        label="Fiscal period",
        help_text="FY2027, FY2027-H1, FY2027-Q2 or FY2027-M05, by the company's fiscal calendar.",
    )

    def clean_fiscal_period(self) -> Any:
        text = self.cleaned_data["fiscal_period"]
        try:
            return Company.current().fiscal_calendar.parse(text)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None


def _head_errors(form: forms.Form, errors: FieldErrors) -> None:
    for name, problems in form.errors.items():
        for problem in problems:
            errors.add(name, str(problem))


def _editor(
    request: HttpRequest,
    *,
    values: Mapping[str, str],
    errors: Mapping[str, list[str]],
    plan: IncentivePlan | None,
    preview: Preview | None = None,
    status: int = 200,
) -> HttpResponse:
    currency = _currency()
    layout = Layout(values, errors, _metric_choices(), currency)
    latest = None if plan is None else _latest(plan)
    context = {
        "kept": [] if latest is None else kept_components(latest.document),
        "plan": plan,
        "latest": latest,
        "layout": layout,
        "values": values,
        "errors": errors,
        "general_errors": errors.get("__all__", []),
        "error_count": sum(len(problems) for problems in errors.values()),
        "preview": preview,
        "currency": currency,
        "commissions": layout.slots("commission"),
        "bonuses": layout.slots("bonus"),
        "spifs": layout.slots("spif"),
        "spifs_offered": True,
        "plan_inputs": layout.plan_inputs(),
        "version": values.get("version", "" if plan is None else str(plan.version)),
    }
    return render(request, "plan_editor/edit.html", context, status=status)


def _field_of(error: DomainError, draft: Draft) -> str:
    field = error.field or ""
    if field.startswith("document"):
        return draft.input_for(field)
    if field in PERIOD_FIELDS:
        return "fiscal_period"
    return field if field in {"name", "reason"} else "__all__"


@login_required
@require_http_methods(["GET", "POST"])
def plan_new(request: HttpRequest) -> HttpResponse:
    """Create a plan: its name, fiscal period and first draft version."""
    user = signed_in_user(request)
    if not permissions.can_manage_plans(user):
        return _forbidden(request)
    if request.method == "GET":
        return _editor(request, values={"clawback_window_days": "90"}, errors={}, plan=None)
    values = bounded_values(request.POST)
    head = PlanHeadForm(values)
    draft = document_from_values(values, _currency())
    period = None
    if head.is_valid():
        fiscal = head.cleaned_data["fiscal_period"]
        period = (fiscal.start, fiscal.end)
    else:
        _head_errors(head, draft.errors)
    preview = _preview(draft, _currency(), period)
    if draft.errors or values.get("step") != "save":
        status = 400 if draft.errors else 200
        return _editor(
            request, values=values, errors=draft.errors, plan=None, preview=preview, status=status
        )
    try:
        plan = actions.create_plan(
            acting_user=user,
            name=head.cleaned_data["name"],
            period_start=fiscal.start,
            period_end=fiscal.end,
            period_label=fiscal.label,
            document=draft.document,
        )
    except DomainError as error:
        draft.errors.add(_field_of(error, draft), error.message)
        return _editor(request, values=values, errors=draft.errors, plan=None, status=400)
    messages.success(request, f"Created {plan} with draft version 1.")
    return redirect("plan-editor-detail", pk=plan.pk)


def _reason_problem(text: str) -> str | None:
    return limits.text_problem(text, max_length=2000, multiline=True)


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit the plan's draft version, or start the next version from the published one."""
    user = signed_in_user(request)
    if not permissions.can_manage_plans(user):
        return _forbidden(request)
    plan = _plan_or_404(pk)
    currency = _currency()
    if request.method == "GET":
        latest = _latest(plan)
        values = {} if latest is None else values_from_document(latest.document, currency)
        return _editor(request, values=values, errors={}, plan=plan)
    values = bounded_values(request.POST)
    latest = _latest(plan)
    kept = [] if latest is None else kept_components(latest.document)
    draft = document_from_values(values, currency, kept)
    reason = values.get("reason", "")
    if _reason_problem(reason):
        draft.errors.add("reason", f"The reason {_reason_problem(reason)}.")
    preview = _preview(draft, currency, (plan.period_start, plan.period_end))
    if draft.errors or values.get("step") != "save":
        status = 400 if draft.errors else 200
        return _editor(
            request, values=values, errors=draft.errors, plan=plan, preview=preview, status=status
        )
    try:
        version = actions.revise_plan(
            plan,
            acting_user=user,
            document=draft.document,
            expected_version=whole_number(values.get("version", "")),
            reason=reason,
        )
    except DomainError as error:
        draft.errors.add(_field_of(error, draft), error.message)
        return _editor(request, values=values, errors=draft.errors, plan=plan, status=400)
    messages.success(request, f"Saved draft version {version.number} of {plan.name}.")
    return redirect("plan-editor-detail", pk=plan.pk)


# Publishing and assigning ------------------------------------------------------------------


ROLE_CHOICES = [
    (AssignmentRole.MEMBER.value, "as members (reps)"),
    (AssignmentRole.MANAGER.value, "as managers"),
]


class AssignByRoleForm(forms.Form):
    """Everyone holding a role anywhere in a unit's subtree."""

    unit = forms.ModelChoiceField(queryset=Unit.objects.order_by("path"), label="Everyone in")
    role = forms.ChoiceField(choices=ROLE_CHOICES, label="who sit there")


class AssignPeopleForm(forms.Form):
    """Named people."""

    people = forms.ModelMultipleChoiceField(
        queryset=Person.objects.order_by("full_name")[:MAX_PEOPLE_OFFERED],
        label="People",
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Validation reads the whole table (a sliced queryset cannot be filtered).
        if self.is_bound:
            self.fields["people"].queryset = Person.objects.order_by("full_name")  # type: ignore[attr-defined]


@login_required
@require_POST
def plan_publish(request: HttpRequest, pk: int) -> HttpResponse:
    """Publish the plan's draft version."""
    user = signed_in_user(request)
    if not permissions.can_manage_plans(user):
        return _forbidden(request)
    plan = _plan_or_404(pk)
    expected = whole_number(request.POST.get("version", ""))
    draft = next((v for v in plan.versions.all() if v.status == VersionStatus.DRAFT), None)
    number = "" if draft is None else f" version {draft.number}"
    run_action(
        request,
        f"Published{number} of {plan.name}: reps on it are asked to acknowledge it.",
        lambda: actions.publish_plan(plan, acting_user=user, expected_version=expected),
    )
    return redirect("plan-editor-detail", pk=plan.pk)


@login_required
@require_POST
def plan_assign(request: HttpRequest, pk: int) -> HttpResponse:
    """Assign the plan to a role in a part of the organisation, or to named people."""
    user = signed_in_user(request)
    if not permissions.can_manage_plans(user):
        return _forbidden(request)
    plan = _plan_or_404(pk)
    expected = whole_number(request.POST.get("version", ""))
    if request.POST.get("by") == "role":
        role_form = AssignByRoleForm(request.POST)
        if not role_form.is_valid():
            messages.error(request, "Choose a unit and a role to assign the plan to.")
            return redirect("plan-editor-detail", pk=plan.pk)
        unit, role = role_form.cleaned_data["unit"], role_form.cleaned_data["role"]
        run_action(
            request,
            f"Assigned {plan.name} to everyone in {unit.name} {dict(ROLE_CHOICES)[role]}.",
            lambda: actions.assign_plan_by_role(
                plan, acting_user=user, unit=unit, role=role, expected_version=expected
            ),
        )
        return redirect("plan-editor-detail", pk=plan.pk)
    people_form = AssignPeopleForm(request.POST)
    if not people_form.is_valid():
        messages.error(request, "Choose the people to assign the plan to.")
        return redirect("plan-editor-detail", pk=plan.pk)
    people = list(people_form.cleaned_data["people"])
    run_action(
        request,
        f"Assigned {plan.name} to {', '.join(str(person) for person in people)}.",
        lambda: actions.assign_plan(
            plan,
            acting_user=user,
            person_ids=[person.pk for person in people],
            expected_version=expected,
        ),
    )
    return redirect("plan-editor-detail", pk=plan.pk)
