"""SMART pages: a goal's verdicts with a live-checked submission form, the manager's
review of submissions (raw and bias-corrected roll-ups), and a cycle's plan health.

What a user may not see answers 404 (see :mod:`quotaflow.plans.loaders`).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from quotaflow.core.errors import DomainError, NotFound
from quotaflow.core.models import Company
from quotaflow.core.money import Amounts, metric_amounts
from quotaflow.plans import actions as plan_actions
from quotaflow.plans import permissions as plan_permissions
from quotaflow.plans import queries as plan_queries
from quotaflow.plans.models import Goal
from quotaflow.plans.visibility import visible_cycles
from quotaflow.smart import actions
from quotaflow.smart.evaluator import format_amount
from quotaflow.smart.facts import check_goals
from quotaflow.smart.health import HealthItem, plan_health
from quotaflow.smart.models import SmartPolicy
from quotaflow.smart.queries import visible_cycle_goals
from quotaflow.smart.review import review
from quotaflow.web.loading import goal_or_404, signed_in_user
from quotaflow.web.smart_badges import badge_context
from quotaflow.web.smart_forms import TargetForm


def _amounts(goal: Goal, currency: str) -> Amounts:
    return metric_amounts(goal.metric.unit, currency)


def _checked_target(goal: Goal) -> int:
    return goal.submitted_target if goal.submitted_target is not None else goal.target


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The user's goals open for submission and the cycles they may review."""
    user = signed_in_user(request)
    return render(
        request,
        "smart/index.html",
        {
            "open_goals": plan_queries.open_goals_for(user),
            "cycles": visible_cycles(user).filter(is_scenario=False).order_by("-period_start"),
        },
    )


@login_required
def goal_page(request: HttpRequest, goal_id: int) -> HttpResponse:
    """A goal's SMART verdicts; its owner submits a target here, checked as they type."""
    goal = goal_or_404(request, goal_id)
    user = signed_in_user(request)
    can_submit = plan_permissions.can_submit(user, goal)
    currency = Company.current().currency
    amounts = _amounts(goal, currency)
    form = TargetForm(request.POST or None, amounts=amounts)
    if request.method == "POST":
        if not can_submit:
            raise Http404("This goal cannot be submitted by you.")
        if form.is_valid():
            try:
                plan_actions.submit_goal(
                    goal,
                    acting_user=user,
                    target=form.cleaned_data["target"],
                    rationale=form.cleaned_data["rationale"],
                    expected_version=form.cleaned_data["expected_version"],
                )
            except DomainError as error:
                form.add_error("target" if error.field in {None, "target"} else None, error.message)
            else:
                messages.success(request, "Target submitted.")
                return redirect("smart-goal", goal_id=goal.pk)
    # A bottom-up goal nobody has put a number on yet: invite one rather than judge zero.
    awaiting_number = can_submit and goal.submitted_target is None and goal.target == 0
    if not form.is_bound:
        initial = "" if awaiting_number else amounts.plain(_checked_target(goal))
        form = TargetForm(
            initial={"target": initial, "expected_version": goal.version}, amounts=amounts
        )
    checked = check_goals([goal])[0]
    shown = format_amount(checked.target, goal.metric.unit, currency)
    context = {
        "goal": goal,
        "form": form,
        "can_submit": can_submit,
        "target_display": "not set yet" if awaiting_number else shown,
        **badge_context(checked.report, goal, currency),
        "smart_hint": "Type your target to see its SMART check." if awaiting_number else "",
    }
    return render(request, "smart/goal.html", context)


@login_required
@require_POST
def goal_check(request: HttpRequest, goal_id: int) -> HttpResponse:
    """The badges for a target typed but not saved (htmx, as the owner types)."""
    goal = goal_or_404(request, goal_id)
    currency = Company.current().currency
    form = TargetForm(request.POST, amounts=_amounts(goal, currency))
    if not form.is_valid() or "target" not in form.cleaned_data:
        return render(
            request,
            "smart/badges.html",
            {"smart_error": " ".join(str(error) for error in form.errors.get("target", []))},
        )
    target = form.cleaned_data["target"]
    report = check_goals([goal], targets={goal.pk: target})[0].report
    return render(request, "smart/badges.html", badge_context(report, goal, currency))


@login_required
def cycle_review(request: HttpRequest, cycle_id: int) -> HttpResponse:
    """Submissions the manager may see, with bias flags and both roll-ups."""
    try:
        cycle, goals = visible_cycle_goals(signed_in_user(request), cycle_id)
    except NotFound as error:
        raise Http404(error.message) from None
    result = review(goals)
    currency = Company.current().currency
    unit = cycle.metric.unit
    actor = plan_permissions.Actor(signed_in_user(request))
    rows = [
        {
            "goal": row.checked.goal,
            "submitted": format_amount(row.submitted, unit, currency)
            if row.submitted is not None
            else "–",
            "probability": "–"
            if row.checked.report.probability is None
            else f"{row.checked.report.probability:.0%}",
            "bias": row.bias,
            "corrected": format_amount(row.bias.corrected, unit, currency) if row.bias else "–",
            "worst": row.checked.report.worst,
            "failing": [
                label
                for key, label, verdict in row.checked.report.verdicts()
                if verdict.status == "fail"
            ],
            "can_approve": plan_permissions.can_decide(actor, row.checked.goal),
        }
        for row in result.rows
    ]
    return render(
        request,
        "smart/review.html",
        {
            "cycle": cycle,
            "rows": rows,
            "raw_total": format_amount(result.rollup.raw, unit, currency),
            "corrected_total": format_amount(result.rollup.corrected, unit, currency),
            "rollup": result.rollup,
            "policy": SmartPolicy.for_cycle(cycle),
        },
    )


@login_required
@require_POST
def goal_approve(request: HttpRequest, goal_id: int) -> HttpResponse:
    """Approve a submission, subject to the cycle's SMART policy."""
    goal = goal_or_404(request, goal_id)
    try:
        actions.approve_goal_checked(
            goal, acting_user=signed_in_user(request), comment=request.POST.get("comment", "")
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Approved {goal.owner_name}'s target.")
    assert goal.cycle_id is not None  # noqa: S101 - visible goals belong to a cycle
    return redirect(reverse("smart-review", kwargs={"cycle_id": goal.cycle_id}))


@login_required
def cycle_health(request: HttpRequest, cycle_id: int) -> HttpResponse:
    """Plan health: probability distribution, expected share at quota, expected total
    against the target, and the goals failing each letter."""
    try:
        cycle, goals = visible_cycle_goals(signed_in_user(request), cycle_id)
    except NotFound as error:
        raise Http404(error.message) from None
    person_goals = [goal for goal in goals if goal.owner_person_id is not None]
    health = plan_health(
        [
            HealthItem(str(c.goal), c.target, c.report, c.prediction)
            for c in check_goals(person_goals)
        ]
    )
    currency = Company.current().currency
    unit = cycle.metric.unit
    return render(
        request,
        "smart/health.html",
        {
            "cycle": cycle,
            "health": health,
            "expected_total": format_amount(health.expected_total, unit, currency),
            "target_total": format_amount(health.target_total, unit, currency),
            "expected_vs_target": (
                f"{health.expected_total / health.target_total:.0%}" if health.target_total else "–"
            ),
            "share_at_quota": (
                "–"
                if health.expected_share_at_quota is None
                else f"{health.expected_share_at_quota:.0%}"
            ),
        },
    )
