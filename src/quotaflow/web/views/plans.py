"""Planning pages: cycles, the cascade preview and gap view, submissions review, goal
history, waterfall re-splits, version comparison, mid-period versions and "my goals".

Every page shows only what the user's place in the tree allows (404 otherwise); every
form posts to one step that authorises, validates, calls one action and redirects. The
actions make the final permission check; their refusals come back as messages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from quotaflow.accounts.models import User
from quotaflow.core import limits
from quotaflow.core.errors import DomainError
from quotaflow.core.models import Company
from quotaflow.core.money import AmountError, Amounts
from quotaflow.feedback.actions import post_comment
from quotaflow.feedback.queries import comments_with_mentions
from quotaflow.metrics.models import Metric
from quotaflow.org.models import Person, Unit, UnitKind
from quotaflow.plans import actions, exports, mine, permissions, queries
from quotaflow.plans.explanations import amounts_for, explain, reconciled_sentence
from quotaflow.plans.in_force import version_histories
from quotaflow.plans.models import (
    Approach,
    CheckinCadence,
    Goal,
    GoalKind,
    GoalStatus,
    PlanningCycle,
    ReconcileMethod,
    ReliefPolicy,
)
from quotaflow.plans.visibility import visible_cycles, visible_goal_ids
from quotaflow.smart.actions import approve_goal_checked
from quotaflow.web.converters import whole_number
from quotaflow.web.forms import show_form_errors
from quotaflow.web.goal_adjustments import goal_adjustments
from quotaflow.web.loading import cycle_or_404, goal_or_404, signed_in_user
from quotaflow.web.scorecard_forms import add_measure_fields, measure_of
from quotaflow.web.views.scorecards import measure_editor

METHOD_CHOICES = [
    ("equal", "Equal split"),
    ("historical_share", "Historical share (prior period's credited revenue)"),
    ("potential", "Potential / weight"),
]


# Forms ----------------------------------------------------------------------------------


class AmountField(forms.CharField):
    """An amount typed in display units (``1,250,000.50``, ``950k``, ``1.2M``); read into
    minor units by :func:`~quotaflow.plans.explanations.amounts_for` and :meth:`Amounts.parse` once the metric is known."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 60)
        super().__init__(**kwargs)


def to_minor(text: str | None, amounts: Amounts) -> int | None:
    """A typed amount → minor units (None when empty); a refusal says why, in words."""
    return amounts.parse_optional(text, allow_negative=True)


class CycleForm(forms.Form):
    """A new planning cycle."""

    name = forms.CharField(max_length=200)
    metric = forms.ModelChoiceField(queryset=Metric.objects.filter(is_active=True))
    fiscal_period = forms.CharField(
        label="Fiscal period", max_length=20, help_text="FY2027, FY2027-H1 or FY2027-Q3."
    )
    approach = forms.ChoiceField(choices=Approach.choices)
    root_unit = forms.ModelChoiceField(
        label="Part of the organisation",
        queryset=Unit.objects.order_by("path"),
        required=False,
        help_text="The whole company when left empty.",
    )
    submissions_due = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[limits.validate_business_date],
    )
    approvals_due = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[limits.validate_business_date],
    )
    method = forms.ChoiceField(label="Allocation method", choices=METHOD_CHOICES)
    rep_over_assignment = forms.DecimalField(
        label="Over-assignment to reps (%)",
        required=False,
        min_value=0,
        max_value=100,
        decimal_places=2,
    )
    granularity = AmountField(label="Round rep targets to multiples of", required=False)
    gap_tolerance = forms.DecimalField(
        label="Hybrid gap tolerance (%)", initial=5, min_value=0, max_value=100, decimal_places=2
    )
    phasing_profile = forms.CharField(
        label="Seasonality (one weight per month)",
        required=False,
        help_text="e.g. 6, 7, 8, 8, 8, 9, 7, 6, 9, 9, 10, 13; empty = by days in the month.",
    )

    def clean_phasing_profile(self) -> list[float]:
        text = self.cleaned_data.get("phasing_profile") or ""
        try:
            return [float(part) for part in text.replace(";", ",").split(",") if part.strip()]
        except ValueError:
            raise forms.ValidationError("Write numbers separated by commas.") from None

    def clean_fiscal_period(self) -> Any:
        try:
            return Company.current().fiscal_calendar.parse(self.cleaned_data["fiscal_period"])
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None


# Steps that change a cycle; their forms carry the version the page showed.
VERSIONED_CYCLE_STEPS = frozenset({"cascade", "reconcile", "publish", "close", "cadence", "relief"})
STALE_FORM = (
    "This form did not say which version of the plan it showed, so nothing was changed; "
    "reload the page and try again."
)


class VersionedForm(forms.Form):
    """Carries the version the page showed, so a stale submit is a conflict."""

    expected_version = forms.IntegerField(
        widget=forms.HiddenInput, min_value=0, max_value=limits.BIGINT_MAX
    )


class CascadeForm(VersionedForm):
    company_target = AmountField(label="Company target")


class ReliefSettingsForm(VersionedForm):
    """How a cycle treats adjustment requests; the amount typed in display units."""

    relief_policy = forms.ChoiceField(label="Above the changed goal", choices=ReliefPolicy.choices)
    ops_threshold = AmountField(label="Sales ops also approve changes above", required=False)
    ops_threshold_percent = forms.DecimalField(
        label="…or above this share of the target (%)",
        required=False,
        min_value=0,
        max_value=100,
        decimal_places=2,
    )
    backdate_days = forms.IntegerField(
        label="A change may take effect up to (days back)", min_value=0, max_value=366
    )


class ReconcileForm(VersionedForm):
    method = forms.ChoiceField(choices=ReconcileMethod.choices)
    top_down_weight = forms.DecimalField(
        label="Weight of top-down (%) in a blend", initial=50, min_value=0, max_value=100
    )


class TargetForm(VersionedForm):
    target = AmountField(label="Target")
    text = forms.CharField(
        label="Rationale", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


def parse_breakdown(text: str, amounts: Amounts) -> list[dict[str, Any]]:
    """Lines like ``Software: 300,000`` → ``[{"label": "Software", "target": 30000000}]``."""
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        label, _, value = line.rpartition(":")
        if not label.strip():
            raise DomainError(f"Breakdown line {number}: write 'product group or account: amount'.")
        try:
            amount_minor = amounts.parse(value)
        except AmountError as error:
            raise DomainError(f"Breakdown line {number}: {error.message}") from None
        rows.append({"label": label.strip(), "target": amount_minor})
    return rows


class CommentForm(VersionedForm):
    text = forms.CharField(
        label="Comment",
        required=False,
        max_length=limits.COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class TemplateForm(forms.Form):
    """The same goal for a whole level or role: activities, new logos, a CSAT score."""

    metric = forms.ModelChoiceField(queryset=Metric.objects.filter(is_active=True))
    owners = forms.ChoiceField(
        label="For every",
        choices=[
            ("role:rep", "rep in the cycle"),
            ("role:manager", "manager in the cycle"),
            *((f"kind:{value}", f"{label.lower()} unit") for value, label in UnitKind.choices),
        ],
    )
    target = AmountField(
        label="Target", required=False, help_text="Not needed for a checklist or rubric goal."
    )
    description = forms.CharField(required=False, max_length=500)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        add_measure_fields(self)


class VersionForm(VersionedForm):
    effective_from = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}), validators=[limits.validate_business_date]
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    goal = forms.TypedChoiceField(label="Whose goal", coerce=int, required=False, empty_value=None)
    new_target = AmountField(label="New full-period target", required=False)
    new_parent = forms.TypedChoiceField(
        label="Moves to", coerce=int, required=False, empty_value=None
    )
    new_person = forms.ModelChoiceField(
        label="New hire", queryset=Person.objects.order_by("full_name"), required=False
    )
    joins = forms.TypedChoiceField(label="Joins", coerce=int, required=False, empty_value=None)
    hire_target = AmountField(label="New hire's full-period target", required=False)


# Helpers --------------------------------------------------------------------------------


def _run(request: HttpRequest, success: str, step: Callable[[], Any]) -> bool:
    """Run one action; show its refusal as a message instead of an error page."""
    try:
        step()
    except DomainError as error:
        messages.error(request, error.message)
        return False
    messages.success(request, success)
    return True


def _amounts(cycle: PlanningCycle) -> Amounts:
    return amounts_for(cycle.metric)


def cascade_figure(rows: list[queries.TreeRow], money: Amounts) -> dict[str, Any]:
    """Bars per goal of the first two levels: top-down, bottom-up and the plan (drawing
    only: exact numbers are in the table)."""
    shown = [row for row in rows if row.depth <= 2]
    scale = money.scale
    labels = [("  " * row.depth) + row.goal.owner_name for row in shown]

    def series(name: str, values: list[int | None], color: str) -> dict[str, Any]:
        return {
            "type": "bar",
            "name": name,
            "x": labels,
            "y": [None if v is None else v / scale for v in values],
            "marker": {"color": color},
        }

    data = [
        series("Plan", [row.goal.target for row in shown], "#1f5fbf"),
        series("Top-down", [row.goal.guidance for row in shown], "#8a96a8"),
    ]
    if any(row.goal.submitted_target is not None for row in rows):
        data.append(series("Bottom-up", [row.bottom_up for row in shown], "#d07a00"))
    layout = {"barmode": "group", "height": 300, "margin": {"l": 60, "r": 10, "t": 10, "b": 90}}
    return {"data": data, "layout": layout}


def compare_figure(deltas: list[queries.VersionDelta], money: Amounts) -> dict[str, Any]:
    """Per-owner delta bars between two versions (drawing only)."""
    scale = money.scale
    changed = [d for d in deltas if d.delta]
    data = [
        {
            "type": "bar",
            "x": [d.owner for d in changed],
            "y": [d.delta / scale for d in changed],
            "marker": {"color": ["#2e7d32" if d.delta > 0 else "#c62828" for d in changed]},
        }
    ]
    return {"data": data, "layout": {"height": 260, "margin": {"l": 60, "r": 10, "t": 10, "b": 90}}}


# Pages ----------------------------------------------------------------------------------


@login_required
def cycle_list(request: HttpRequest) -> HttpResponse:
    """Cycles the user may open; planners also create new ones here."""
    user = signed_in_user(request)
    form = CycleForm(request.POST or None)
    if request.method == "POST":
        if not permissions.can_plan(user):
            return render(request, "plans/forbidden.html", status=403)
        if form.is_valid():
            created = _create_from_form(request, user, form)
            if created is not None:
                return redirect("plans-cycle", pk=created.pk)
    cycles = visible_cycles(user)
    return render(
        request,
        "plans/cycle_list.html",
        {"cycles": cycles, "form": form, "can_plan": permissions.can_plan(user)},
    )


def _create_from_form(request: HttpRequest, user: User, form: CycleForm) -> PlanningCycle | None:
    data = form.cleaned_data
    metric: Metric = data["metric"]
    period = data["fiscal_period"]
    levels: list[dict[str, Any]] = [{"method": data["method"]}]
    rep_level: dict[str, Any] = {"method": data["method"]}
    if data.get("rep_over_assignment"):
        rep_level["over_assignment"] = float(data["rep_over_assignment"] / 100)
    created: list[PlanningCycle] = []
    try:
        if data.get("granularity"):
            rep_level["granularity"] = to_minor(data["granularity"], amounts_for(metric))
        root: Unit | None = data.get("root_unit")
        depth = _depth_below(root)
        allocation = [*levels * max(depth - 1, 0), rep_level]
        created.append(
            actions.create_cycle(
                acting_user=user,
                name=data["name"],
                metric=metric,
                period_start=period.start,
                period_end=period.end,
                period_label=period.label,
                approach=data["approach"],
                root_unit=root,
                submissions_due=data.get("submissions_due"),
                approvals_due=data.get("approvals_due"),
                allocation=allocation,
                phasing_profile=data.get("phasing_profile") or (),
                gap_tolerance_bp=int(data["gap_tolerance"] * 100),
            )
        )
    except DomainError as error:
        messages.error(request, error.message)
        return None
    messages.success(request, f"Planning cycle '{created[0]}' created with its participants.")
    return created[0]


def _depth_below(root: Unit | None) -> int:
    """Unit levels from ``root`` (or the top) to the deepest unit below it, inclusive."""
    units = Unit.objects.all() if root is None else Unit.objects.filter(path__startswith=root.path)
    depths = list(units.values_list("depth", flat=True))
    base = root.depth if root is not None else 0
    return (max(depths) - base + 1) if depths else 1


@login_required
@require_GET
def cycle_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The cycle: the tree with top-down, bottom-up, gap and plan per goal, the chart,
    who has submitted, and the steps the user may take."""
    user = signed_in_user(request)
    cycle = cycle_or_404(request, pk)
    visible = visible_goal_ids(user, cycle)
    all_rows = queries.cycle_tree(cycle)
    rows = [row for row in all_rows if visible is None or row.goal.pk in visible]
    extra = [
        g
        for g in queries.cycle_goals(cycle).exclude(metric_id=cycle.metric_id)
        if visible is None or g.pk in visible
    ]
    money = _amounts(cycle)
    # Other metrics' goals (a template's pipeline or calls), each in its own metric's units.
    currency = Company.current().currency if extra else ""
    extra_shown = [(g, amounts_for(g.metric, currency).format(g.target)) for g in extra]
    open_cycles = set(visible_cycles(user).values_list("pk", flat=True))
    family = [c for c in queries.plan_family(cycle) if c.pk != cycle.pk and c.pk in open_cycles]
    submissions = (
        queries.submission_status(cycle, visible) if cycle.approach != Approach.TOP_DOWN else []
    )
    drifts = (
        queries.drift_since_reconciliation(cycle, [row.goal for row in all_rows])
        if permissions.can_plan(user) and cycle.reconciliation and not cycle.is_frozen
        else []
    )
    context = {
        "cycle": cycle,
        "rows": rows,
        "drifts": drifts[:10],
        "drift_more": max(len(drifts) - 10, 0),
        "extra_goals": extra_shown,
        "money": money,
        "figure": cascade_figure(rows, money),
        "submissions": submissions,
        "submitted_count": sum(1 for s in submissions if s.submitted),
        "reviewable": len(permissions.reviewable_goals(user, cycle, visible))
        if cycle.approach != Approach.TOP_DOWN and not cycle.is_frozen
        else 0,
        "family": family,
        "can_plan": permissions.can_plan(user),
        "editable": not cycle.is_frozen,
        "can_set_cadence": permissions.can_set_checkin_cadence(user, cycle),
        "cadences": CheckinCadence.choices,
        "can_set_relief": permissions.can_set_relief_settings(user, cycle),
        "relief_form": ReliefSettingsForm(
            initial={
                "expected_version": cycle.version,
                "relief_policy": cycle.relief_policy,
                "ops_threshold": money.plain(cycle.relief_ops_threshold),
                "ops_threshold_percent": None
                if cycle.relief_ops_threshold_bp is None
                else cycle.relief_ops_threshold_bp / 100,
                "backdate_days": cycle.relief_backdate_days,
            }
        ),
        # Where the plan's scorecards are read: the top unit the viewer sees, or their own.
        "scorecard_unit": next((r.goal.owner_unit for r in rows if r.goal.owner_unit_id), None),
        "scorecard_person": next(
            (
                r.goal.owner_person
                for r in rows
                if r.goal.owner_person_id and permissions.owns(user, r.goal)
            ),
            None,
        ),
        "cascade_form": CascadeForm(
            initial={
                "expected_version": cycle.version,
                "company_target": money.plain(cycle.company_target),
            }
        ),
        "reconcile_form": ReconcileForm(initial={"expected_version": cycle.version}),
        "template_form": TemplateForm(),
        # The check names owners and their numbers: only for those who read the whole plan.
        "problems": queries.sums_are_exact([row.goal for row in all_rows])
        if visible is None
        else [],
        "lines": _lines(user, cycle, rows, money),
    }
    return render(request, "plans/cycle_detail.html", context)


def why(goal: Goal, names: dict[int, str], money: Amounts) -> str:
    """One sentence on how the goal's current number was reached, amounts with currency."""
    top_down = (goal.derivation or {}).get("top_down") or {}
    submitted = ""
    if goal.submitted_target is not None:
        submitted = (
            "Submitted by its owner." if goal.owner_person_id else "Roll-up of the numbers below."
        )
    return explain(
        goal.derivation,
        money,
        parent=names.get(top_down.get("parent_id") or 0, "the parent"),
        submitted=submitted,
    )


def _lines(
    user: User, cycle: PlanningCycle, rows: list[queries.TreeRow], money: Amounts
) -> list[dict[str, Any]]:
    """Each visible row with its explanation and the steps the user may take on it; in a
    negotiated cycle, its comment count and whether the user may comment on it here."""
    names = {row.goal.pk: row.goal.owner_name for row in rows}
    negotiated = cycle.approach in permissions.NEGOTIATED
    comments = queries.comment_counts(cycle) if negotiated else {}
    by_pk = {row.goal.pk: row.goal for row in rows}
    for row in rows:  # the predicates read the cycle and the parent: hand them what is loaded
        row.goal.cycle = cycle
        if row.goal.parent_id in by_pk:
            row.goal.parent = by_pk[row.goal.parent_id]
    actor = permissions.Actor(user)
    return [
        {
            "row": row,
            "why": why(row.goal, names, money),
            "can_review": permissions.can_decide(actor, row.goal),
            "can_resplit": bool(row.children) and permissions.can_resplit(actor, row.goal),
            "negotiated": negotiated,
            "comments": comments.get(row.goal.pk, 0),
            "can_comment": negotiated and permissions.can_comment(actor, row.goal),
        }
        for row in rows
    ]


AMOUNT_FIELDS = {"target", "guidance", "submitted_target", "allocated_to_children"}


def history_rows(goal: Goal, money: Amounts) -> list[dict[str, Any]]:
    """The goal's audit trail for people: a plain verb, and amounts in display units."""

    def shown(field: str, value: Any) -> str:
        if value is None or value == "":
            return "—"
        if field in AMOUNT_FIELDS and isinstance(value, int):
            return money.number(value)
        return str(value)

    return [
        {
            "at": event.at,
            "actor": event.actor,
            "what": event.action.rsplit(".", 1)[-1].replace("_", " ").capitalize(),
            "changes": [
                (field.removesuffix("_id").replace("_", " "), shown(field, old), shown(field, new))
                for field, (old, new) in event.changes.items()
            ],
            "reason": event.reason,
        }
        for event in queries.goal_history(goal)
    ]


@dataclass(frozen=True)
class CycleStepRequest:
    """What every planner step on a cycle is given: the request, who asks, on which cycle,
    and the cycle version their form was drawn from."""

    request: HttpRequest
    user: User
    cycle: PlanningCycle
    expected: int | None

    def posted(self, form_class: type[forms.Form]) -> dict[str, Any] | None:
        """What the step's ``form_class`` form holds, or None once its errors are shown."""
        form = form_class(self.request.POST)
        if not form.is_valid():
            show_form_errors(self.request, form)
            return None
        return form.cleaned_data


def _cascade_step(step: CycleStepRequest) -> HttpResponse | None:
    data = step.posted(CascadeForm)
    if data is None:
        return None
    total = data["company_target"]
    _run(
        step.request,
        "Cascade computed: every level adds up exactly.",
        lambda: actions.run_cascade(
            step.cycle,
            acting_user=step.user,
            company_target=to_minor(total, _amounts(step.cycle)),
            expected_version=step.expected,
        ),
    )
    return None


def _reconcile_step(step: CycleStepRequest) -> HttpResponse | None:
    data = step.posted(ReconcileForm)
    if data is None:
        return None
    _run(
        step.request,
        "Reconciled: a new negotiation round has started.",
        lambda: actions.reconcile_cycle(
            step.cycle,
            acting_user=step.user,
            method=data["method"],
            top_down_weight=float(data["top_down_weight"] / 100),
            expected_version=step.expected,
        ),
    )
    return None


def _template_step(step: CycleStepRequest) -> HttpResponse | None:
    chosen = step.posted(TemplateForm)
    if chosen is None:
        return None
    kind, _, value = chosen["owners"].partition(":")

    def bulk() -> None:
        measured_by, rubric, milestones = measure_of(chosen)
        typed = to_minor(chosen["target"], amounts_for(chosen["metric"]))
        made = actions.create_goals_from_template(
            step.cycle,
            acting_user=step.user,
            metric=chosen["metric"],
            target=_need(0 if typed is None and measured_by != GoalKind.NUMERIC else typed),
            unit_kind=value if kind == "kind" else None,
            role=value if kind == "role" else None,
            description=chosen["description"],
            kind=measured_by,
            rubric=rubric,
            milestones=milestones,
        )
        messages.info(step.request, f"{len(made)} goals created.")

    _run(step.request, "Goals created from the template.", bulk)
    return None


def _relief_step(step: CycleStepRequest) -> HttpResponse | None:
    data = step.posted(ReliefSettingsForm)
    if data is None:
        return None
    percent = data.get("ops_threshold_percent")
    _run(
        step.request,
        "Adjustment settings saved.",
        lambda: actions.set_relief_settings(
            step.cycle,
            acting_user=step.user,
            policy=data["relief_policy"],
            ops_threshold=to_minor(data.get("ops_threshold"), _amounts(step.cycle)),
            ops_threshold_bp=None if percent is None else int(percent * 100),
            backdate_days=data["backdate_days"],
            expected_version=step.expected,
        ),
    )
    return None


def _scenario_step(step: CycleStepRequest) -> HttpResponse | None:
    made: list[PlanningCycle] = []
    name = step.request.POST.get("name", "")
    created = _run(
        step.request,
        "What-if scenario created.",
        lambda: made.append(actions.copy_as_scenario(step.cycle, acting_user=step.user, name=name)),
    )
    return redirect("plans-cycle", pk=made[0].pk) if created else None


def _action_step(
    success: str, action: Callable[[CycleStepRequest], Any]
) -> Callable[[CycleStepRequest], HttpResponse | None]:
    """A step with no form of its own: run ``action`` and say ``success``."""

    def handle(step: CycleStepRequest) -> HttpResponse | None:
        _run(step.request, success, lambda: action(step))
        return None

    return handle


#: Each planner step on a cycle; a step returns where to go next, or None for the cycle page.
CYCLE_STEPS: dict[str, Callable[[CycleStepRequest], HttpResponse | None]] = {
    "cascade": _cascade_step,
    "reconcile": _reconcile_step,
    "publish": _action_step(
        "Published: owners have been told.",
        lambda step: actions.publish_cycle(
            step.cycle, acting_user=step.user, expected_version=step.expected
        ),
    ),
    "template": _template_step,
    "remind": _action_step(
        "Reminders sent to everyone who has not submitted.",
        lambda step: actions.send_submission_reminders(step.cycle, acting_user=step.user),
    ),
    "close": _action_step(
        "Plan closed.",
        lambda step: actions.close_cycle(
            step.cycle, acting_user=step.user, expected_version=step.expected
        ),
    ),
    "scenario": _scenario_step,
    "relief": _relief_step,
    "cadence": _action_step(
        "Check-in cadence saved.",
        lambda step: actions.set_checkin_cadence(
            step.cycle,
            acting_user=step.user,
            cadence=step.request.POST.get("cadence", "")[:20],
            expected_version=step.expected,
        ),
    ),
}


@login_required
@require_POST
def cycle_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """One planner step on a cycle: cascade, reconcile, publish, remind, scenario, close."""
    user = signed_in_user(request)
    cycle = cycle_or_404(request, pk)
    handler = CYCLE_STEPS.get(step)
    if handler is None:
        raise Http404("Unknown step.")
    back = redirect("plans-cycle", pk=cycle.pk)
    expected = whole_number(request.POST.get("expected_version", ""))
    if step in VERSIONED_CYCLE_STEPS and expected is None:
        messages.error(request, STALE_FORM)
        return back
    return handler(CycleStepRequest(request, user, cycle, expected)) or back


@login_required
def cycle_version(request: HttpRequest, pk: int) -> HttpResponse:
    """Sales ops: a mid-period change (relief, raise, team move, new hire) as a new version."""
    user = signed_in_user(request)
    cycle = cycle_or_404(request, pk)
    if not permissions.can_plan(user):
        return render(request, "plans/forbidden.html", status=403)
    goals = queries.tree_goals(cycle)
    form = VersionForm(request.POST or None, initial={"expected_version": cycle.version})
    unit_goals = [(g.pk, g.owner_name) for g in goals if g.owner_unit_id]
    choices = {
        "goal": [("", "— nobody —"), *((g.pk, g.owner_name) for g in goals if g.owner_person_id)],
        "new_parent": [("", "— stays —"), *unit_goals],
        "joins": [("", "—"), *unit_goals],
    }
    for name, options in choices.items():
        field = form.fields[name]
        assert isinstance(field, forms.TypedChoiceField)  # noqa: S101 - declared above
        field.choices = options
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        made: list[PlanningCycle] = []

        def change() -> None:
            money = _amounts(cycle)
            target = to_minor(data.get("new_target"), money)
            goal_id, hire = data.get("goal"), data.get("new_person")
            hires = None
            if hire is not None:
                if data.get("joins") is None:
                    raise DomainError("Choose the unit the new hire joins.", field="joins")
                hire_target = _need(to_minor(data.get("hire_target"), money))
                hires = {hire.pk: (data["joins"], hire_target)}
            made.append(
                actions.create_mid_period_version(
                    cycle,
                    acting_user=user,
                    effective_from=data["effective_from"],
                    reason=data["reason"],
                    targets={goal_id: target} if goal_id and target is not None else None,
                    moves={goal_id: data["new_parent"]}
                    if goal_id and data.get("new_parent")
                    else None,
                    hires=hires,
                    expected_version=data["expected_version"],
                )
            )

        if _run(request, "New version published; the previous one is superseded.", change):
            return redirect("plans-cycle", pk=made[0].pk)
    return render(request, "plans/version_form.html", {"cycle": cycle, "form": form})


@login_required
@require_GET
def compare(request: HttpRequest, pk: int) -> HttpResponse:
    """Two versions or scenarios side by side, with per-owner deltas and a chart, for
    the owners the user may see in each."""
    user = signed_in_user(request)
    cycle = cycle_or_404(request, pk)
    other_id = whole_number(request.GET.get("other", ""))
    if other_id is None:
        raise Http404("Choose a version to compare with.")
    other = cycle_or_404(request, other_id)
    deltas = queries.compare_versions(
        cycle,
        other,
        visible_a=visible_goal_ids(user, cycle),
        visible_b=visible_goal_ids(user, other),
    )
    money = _amounts(cycle)
    context = {
        "cycle": cycle,
        "other": other,
        "deltas": deltas,
        "money": money,
        "figure": compare_figure(deltas, money),
    }
    return render(request, "plans/compare.html", context)


@login_required
@require_GET
def export(request: HttpRequest, pk: int, file_format: str) -> HttpResponse:
    """The plan as CSV or XLSX: the goals the user may see."""
    cycle = cycle_or_404(request, pk)
    return exports.download(
        cycle, file_format, visible=visible_goal_ids(signed_in_user(request), cycle)
    )


@login_required
@require_GET
def goal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A goal: target, phasing, parent, derivation, full history, comments, and the steps
    the user may take on it."""
    user = signed_in_user(request)
    goal = goal_or_404(request, pk)
    cycle = goal.cycle
    assert cycle is not None  # noqa: S101 - _goal_for only returns cycle goals
    actor = permissions.Actor(user)
    money = amounts_for(goal.metric)
    initial = {
        "expected_version": goal.version,
        "target": money.plain(goal.submitted_target or goal.target or None),
    }
    versions = version_histories([goal]).get(goal.pk)
    context = {
        "goal": goal,
        "cycle": cycle,
        "money": money,
        "versions": versions,
        "superseded_by": versions.after(goal.pk) if versions else None,
        "history": history_rows(goal, money),
        "why_reconciled": reconciled_sentence(goal.derivation["reconciled"], money)
        if (goal.derivation or {}).get("reconciled")
        else "",
        "comments": comments_with_mentions(goal),
        "children": Goal.objects.filter(parent=goal)
        .select_related("owner_unit", "owner_person")
        .order_by("pk"),
        "can_submit": permissions.can_submit(actor, goal),
        "can_decide": permissions.can_decide(actor, goal),
        "can_adjust": permissions.can_adjust(actor, goal),
        "can_rollup": permissions.can_submit_rollup(actor, goal),
        "can_adjust_top_down": permissions.can_change_targets(actor, cycle),
        "can_comment": permissions.can_comment(actor, goal),
        "target_form": TargetForm(initial=initial),
        "comment_form": CommentForm(initial={"expected_version": goal.version}),
        "submitted": goal.status == GoalStatus.SUBMITTED,
        **goal_adjustments(user, goal),
        **measure_editor(user, goal),
    }
    return render(request, "plans/goal_detail.html", context)


GOAL_STEPS = {
    "submit",
    "approve",
    "return",
    "adjust",
    "rollup",
    "target",
    "lock",
    "unlock",
    "comment",
}


@login_required
@require_POST
def goal_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """One step on a goal: submit, approve, return, adjust, roll up, set, lock, comment."""
    if step not in GOAL_STEPS:
        raise Http404("Unknown step.")
    user = signed_in_user(request)
    goal = goal_or_404(request, pk)
    back = redirect("plans-goal", pk=goal.pk)
    form = (
        TargetForm(request.POST)
        if step in {"submit", "adjust", "target"}
        else CommentForm(request.POST)
    )
    if not form.is_valid():
        show_form_errors(request, form)
        return back
    expected = form.cleaned_data["expected_version"]
    text = form.cleaned_data.get("text", "") or ""

    money = amounts_for(goal.metric)

    def target() -> int:
        return _need(to_minor(form.cleaned_data.get("target"), money))

    steps: dict[str, tuple[str, Callable[[], Any]]] = {
        "submit": ("Target submitted.", lambda: actions.submit_goal(goal, acting_user=user, target=target(), rationale=text, breakdown=parse_breakdown(request.POST.get("breakdown", ""), money), expected_version=expected)),
        "approve": ("Approved.", lambda: approve_goal_checked(goal, acting_user=user, comment=text, expected_version=expected)),
        "return": ("Returned to its owner with your comment.", lambda: actions.return_goal(goal, acting_user=user, comment=text, expected_version=expected)),
        "adjust": ("Number adjusted and approved.", lambda: actions.adjust_submission(goal, acting_user=user, target=target(), reason=text, expected_version=expected)),
        "rollup": ("Roll-up submitted upward.", lambda: actions.submit_rollup(goal, acting_user=user, comment=text, expected_version=expected)),
        "target": (_set_message(goal), lambda: actions.adjust_goal(goal, acting_user=user, target=target(), reason=text, expected_version=expected)),
        "lock": ("Locked for the next cascade.", lambda: actions.lock_goal(goal, acting_user=user, locked=True, expected_version=expected)),
        "unlock": ("Unlocked.", lambda: actions.lock_goal(goal, acting_user=user, locked=False, expected_version=expected)),
        "comment": ("Comment added.", lambda: post_comment(goal, acting_user=user, body=text)),
    }  # fmt: skip
    success, action = steps[step]
    _run(request, success, action)
    if step in {"approve", "comment"} and request.POST.get("next") == "cycle" and goal.cycle_id:
        return redirect("plans-cycle", pk=goal.cycle_id)
    return back


def _set_message(goal: Goal) -> str:
    """What setting a goal's number by hand did: in a hybrid cycle it sets the top-down
    guidance, which reaches the plan's number at the next reconciliation."""
    if goal.cycle is not None and goal.cycle.approach == Approach.HYBRID:
        return (
            "Top-down guidance set and locked; the guidance was re-cascaded around it. "
            "Reconcile again to bring it into the plan's numbers."
        )
    return "Number set and locked; the cascade was re-run around it."


def _need(target: int | None) -> int:
    if target is None:
        raise DomainError("Enter a number.", field="target")
    if target < 0:
        raise DomainError("Enter a target of zero or more.", field="target")
    return target


@login_required
def resplit(request: HttpRequest, pk: int) -> HttpResponse:
    """Waterfall: a manager re-splits their own goal among its children."""
    user = signed_in_user(request)
    goal = goal_or_404(request, pk)
    cycle = goal.cycle
    assert cycle is not None  # noqa: S101 - _goal_for only returns cycle goals
    if not permissions.manages_unit(user, goal.owner_unit, cycle.period_start):
        return render(request, "plans/forbidden.html", status=403)
    children = list(
        Goal.objects.filter(parent=goal).select_related("owner_unit", "owner_person").order_by("pk")
    )
    money = amounts_for(goal.metric)
    if request.method == "POST":
        try:
            targets = {
                child.pk: money.parse(request.POST.get(f"child-{child.pk}", "").strip() or "0")
                for child in children
            }
            versions = {child.pk: int(request.POST[f"version-{child.pk}"]) for child in children}
        except KeyError:
            messages.error(request, STALE_FORM)
        except AmountError as error:
            messages.error(request, f"Every number must be an amount: {error.message}")
        else:
            reason = request.POST.get("reason", "")
            if _run(
                request,
                "Re-split saved; the numbers below were re-cascaded in the same proportions.",
                lambda: actions.resplit_children(
                    goal,
                    acting_user=user,
                    targets=targets,
                    reason=reason,
                    expected_versions=versions,
                ),
            ):
                return redirect("plans-cycle", pk=cycle.pk)
    total = goal.allocated_to_children if goal.allocated_to_children is not None else goal.target
    context = {
        "goal": goal,
        "cycle": cycle,
        "children": [(child, money.plain(child.target)) for child in children],
        "money": money,
        "total": total,
    }
    return render(request, "plans/resplit.html", context)


@login_required
@require_GET
def my_goals(request: HttpRequest) -> HttpResponse:
    """The signed-in person's goals in force today (target, phasing, parent, derivation and
    earlier or later versions), and the goals waiting for their number."""
    user = signed_in_user(request)
    goals = mine.my_goals(user)
    currency = Company.current().currency
    rows = [(item, amounts_for(item.goal.metric, currency)) for item in goals]
    waiting = mine.waiting_for(user)
    return render(request, "plans/my_goals.html", {"rows": rows, "waiting": waiting})
