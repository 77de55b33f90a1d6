"""Qualitative goals and scorecards: the checklist and rubric editor on a goal's planning
page, ticking and confirming milestones and scoring rubrics on its tracking page, and the
scorecard pages (a person's, and a team's). Thin views: authorise with the owning app's
predicates, validate, call one action, redirect."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from quotaflow.accounts.models import User
from quotaflow.core.errors import DomainError
from quotaflow.feedback import actions as feedback_actions
from quotaflow.feedback import permissions as feedback_permissions
from quotaflow.feedback import scorecards
from quotaflow.metrics.models import Metric
from quotaflow.org.loaders import person_for, unit_for
from quotaflow.org.models import Person, Unit
from quotaflow.org.queries import viewer_scope
from quotaflow.performance.qualitative import goal_measure
from quotaflow.plans import actions as plan_actions
from quotaflow.plans import loaders
from quotaflow.plans import permissions as plan_permissions
from quotaflow.plans.models import Goal, GoalKind, Milestone, PlanningCycle
from quotaflow.plans.qualitative import milestone_lines, rubric_meanings
from quotaflow.web.forms import run_action, show_form_errors
from quotaflow.web.loading import found, signed_in_user
from quotaflow.web.scorecard_forms import (
    ApplyForm,
    ConfirmForm,
    MeasureForm,
    ScorecardForm,
    ScoreForm,
    TickForm,
    measure_of,
)


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "403.html", status=403)


# The goal's measure ----------------------------------------------------------------------------


def measure_initial(goal: Goal, milestones: list[Milestone]) -> dict[str, Any]:
    """The editor's fields as the goal stands."""
    meanings = rubric_meanings(goal.rubric)
    return {
        "expected_version": goal.version,
        "kind": goal.kind,
        "milestones": milestone_lines(milestones),
        **{f"level_{score}": meanings.get(score, "") for score in range(5)},
    }


def measure_editor(user: User, goal: Goal) -> dict[str, Any]:
    """What a goal's planning page shows of its measure: the editor, when the user may
    use it, filled in with the goal's checklist or rubric."""
    if not plan_permissions.can_define_measure(user, goal):
        return {"measure_form": None}
    milestones = list(goal.milestones.order_by("position"))
    return {"measure_form": MeasureForm(initial=measure_initial(goal, milestones))}


@login_required
@require_POST
def define_measure(request: HttpRequest, pk: int) -> HttpResponse:
    """The checklist and rubric editor on a goal's planning page."""
    user = signed_in_user(request)
    goal = found(loaders.goal_for, user, pk, in_plan=True)
    if not plan_permissions.can_review(user, goal):
        return _forbidden(request)
    back = redirect(reverse("plans-goal", args=[goal.pk]) + "#measure")
    form = MeasureForm(request.POST)
    if not form.is_valid():
        show_form_errors(request, form)
        return back

    def define() -> None:
        kind, rubric, milestones = measure_of(form.cleaned_data)
        plan_actions.define_measure(
            goal,
            acting_user=user,
            kind=kind,
            rubric=rubric,
            milestones=milestones,
            expected_version=form.cleaned_data["expected_version"],
        )

    run_action(request, "Saved how the goal is measured.", define)
    return back


def goal_measure_context(user: User, goal: Goal) -> dict[str, Any]:
    """What a goal's tracking page shows of a qualitative goal: its checklist with the
    tick and confirm forms the user may use, or its rubric, scores and the score form."""
    measure = goal_measure(goal)
    if measure is None:
        return {"measure": None}
    meanings = rubric_meanings(goal.rubric)
    return {
        "measure": measure,
        "rubric_levels": [(score, meanings.get(score, "")) for score in range(5)],
        "can_tick": plan_permissions.can_tick_milestone(user, goal),
        "can_confirm": plan_permissions.can_confirm_milestone(user, goal),
        "can_score": plan_permissions.can_score_rubric(user, goal),
        "score_form": ScoreForm(rubric=meanings),
    }


def _milestone(user: User, pk: int) -> tuple[Milestone, Goal]:
    item = Milestone.objects.filter(pk=pk).first()
    if item is None:
        raise Http404("No such milestone.")
    return item, found(loaders.goal_for, user, item.goal_id)


def _to_measure(goal: Goal) -> HttpResponse:
    return redirect(reverse("performance-goal", args=[goal.pk]) + "#measure")


def _on_goal_page(
    request: HttpRequest,
    goal: Goal,
    *,
    allowed: bool,
    form: forms.Form,
    run: Callable[[dict[str, Any]], str],
) -> HttpResponse:
    """One step on a qualitative goal's tracking page: 403 unless ``allowed``; the form's
    errors, or ``run(cleaned data)`` (which returns its success message) with its refusal
    as a message; back to the goal's measure."""
    if not allowed:
        return _forbidden(request)
    if not form.is_valid():
        show_form_errors(request, form)
        return _to_measure(goal)
    try:
        messages.success(request, run(form.cleaned_data))
    except DomainError as error:
        messages.error(request, error.message)
    return _to_measure(goal)


@login_required
@require_POST
def tick_milestone(request: HttpRequest, pk: int) -> HttpResponse:
    """The owner ticks (or unticks) a milestone on the goal's tracking page."""
    user = signed_in_user(request)
    item, goal = _milestone(user, pk)

    def tick(data: dict[str, Any]) -> str:
        plan_actions.tick_milestone(item, acting_user=user, **data)
        return f"'{item.title}' is {'done' if data['done'] else 'open again'}."

    return _on_goal_page(
        request,
        goal,
        allowed=plan_permissions.can_tick_milestone(user, goal),
        form=TickForm(request.POST),
        run=tick,
    )


@login_required
@require_POST
def confirm_milestone(request: HttpRequest, pk: int) -> HttpResponse:
    """A manager confirms a ticked milestone, or unticks it with a reason."""
    user = signed_in_user(request)
    item, goal = _milestone(user, pk)

    def confirm(data: dict[str, Any]) -> str:
        plan_actions.confirm_milestone(item, acting_user=user, **data)
        return f"'{item.title}' {'confirmed' if data['confirm'] else 'unticked'}."

    return _on_goal_page(
        request,
        goal,
        allowed=plan_permissions.can_confirm_milestone(user, goal),
        form=ConfirmForm(request.POST),
        run=confirm,
    )


@login_required
@require_POST
def score_rubric(request: HttpRequest, pk: int) -> HttpResponse:
    """A manager scores a rubric goal 0–4 on its tracking page."""
    user = signed_in_user(request)
    goal = found(loaders.goal_for, user, pk)

    def score(data: dict[str, Any]) -> str:
        plan_actions.score_rubric(goal, acting_user=user, **data)
        return f"Scored {data['score']}/4."

    return _on_goal_page(
        request,
        goal,
        allowed=plan_permissions.can_score_rubric(user, goal),
        form=ScoreForm(request.POST),
        run=score,
    )


# Scorecards ------------------------------------------------------------------------------------


def _as_of(request: HttpRequest) -> dt.date:
    try:
        return dt.date.fromisoformat(request.GET.get("as_of", ""))
    except ValueError:
        return timezone.localdate()


def _cycle(user: User, pk: int) -> PlanningCycle:
    return found(loaders.cycle_for, user, pk)


def _person_goals(cycle: PlanningCycle, person: Person) -> list[Goal]:
    return list(
        Goal.objects.filter(cycle=cycle, owner_person=person)
        .select_related("metric")
        .order_by("pk")
    )


def _goal_choices(goals: list[Goal]) -> list[tuple[str, str]]:
    return [
        (str(goal.pk), f"{goal.metric.name} ({GoalKind(goal.kind).label.lower()})")
        for goal in goals
    ]


def _scorecard_initial(card: Any) -> dict[str, Any]:
    if card is None:
        return {}
    initial: dict[str, Any] = {"name": card.name, "expected_version": card.version}
    for row, component in enumerate(card.components.all()):
        initial |= {
            f"choice_{row}": str(component.goal_id),
            f"weight_{row}": component.weight,
            f"cap_{row}": component.cap,
            f"label_{row}": component.label,
        }
    return initial


@login_required
@require_GET
def person_scorecard(request: HttpRequest, cycle_pk: int, external_id: str) -> HttpResponse:
    """A person's scorecard in a plan: the overall score, its formula and each component's
    share in words; the editor for those who define it."""
    user = signed_in_user(request)
    cycle = _cycle(user, cycle_pk)
    person = found(person_for, viewer_scope(user), external_id)
    card = found(scorecards.scorecard_for, user, cycle, person)
    scored = scorecards.score_cards([card], _as_of(request))[0] if card else None
    can_define = feedback_permissions.can_define_scorecard(user, cycle, person)
    goals = _person_goals(cycle, person) if can_define else []
    context = {
        "cycle": cycle,
        "person": person,
        "scored": scored,
        "rows": list(zip(card.components.all(), scored.score.components, strict=True))
        if card and scored
        else [],
        "can_define": can_define,
        "form": ScorecardForm(initial=_scorecard_initial(card), choices=_goal_choices(goals))
        if can_define
        else None,
    }
    return render(request, "scorecards/person.html", context)


@login_required
@require_POST
def define_scorecard(request: HttpRequest, cycle_pk: int, external_id: str) -> HttpResponse:
    """Define or replace a person's scorecard from the editor on their scorecard page."""
    user = signed_in_user(request)
    cycle = _cycle(user, cycle_pk)
    person = found(person_for, viewer_scope(user), external_id)
    if not feedback_permissions.can_define_scorecard(user, cycle, person):
        return _forbidden(request)
    back = redirect("scorecard-person", cycle_pk=cycle.pk, external_id=person.external_id)
    form = ScorecardForm(request.POST, choices=_goal_choices(_person_goals(cycle, person)))
    if not form.is_valid():
        show_form_errors(request, form)
        return back

    def define() -> None:
        feedback_actions.define_scorecard(
            cycle,
            person,
            acting_user=user,
            name=form.cleaned_data["name"],
            components=[
                feedback_actions.ComponentSpec(int(choice), weight, label, cap)
                for choice, weight, label, cap in form.rows()
            ],
            expected_version=form.cleaned_data.get("expected_version"),
        )

    run_action(request, "Scorecard saved.", define)
    return back


def _metric_choices() -> list[tuple[str, str]]:
    return [(m.code, m.name) for m in Metric.objects.filter(is_active=True).order_by("name")]


@login_required
@require_GET
def team_scorecards(request: HttpRequest, cycle_pk: int, code: str) -> HttpResponse:
    """Each scorecard of the people under a unit in a plan: overall score and components;
    the form that applies one scorecard to a level, for those who may."""
    user = signed_in_user(request)
    cycle = _cycle(user, cycle_pk)
    unit: Unit = found(unit_for, viewer_scope(user), code)
    cards = scorecards.team_scorecards(user, cycle, unit)
    can_apply = feedback_permissions.can_apply_scorecards(user, cycle, unit)
    context = {
        "cycle": cycle,
        "unit": unit,
        "scored": scorecards.score_cards(cards, _as_of(request)),
        "can_apply": can_apply,
        "form": ApplyForm(choices=_metric_choices()) if can_apply else None,
    }
    return render(request, "scorecards/team.html", context)


@login_required
@require_POST
def apply_scorecards(request: HttpRequest, cycle_pk: int, code: str) -> HttpResponse:
    """Apply one scorecard to every person at a level under the unit."""
    user = signed_in_user(request)
    cycle = _cycle(user, cycle_pk)
    unit: Unit = found(unit_for, viewer_scope(user), code)
    if not feedback_permissions.can_apply_scorecards(user, cycle, unit):
        return _forbidden(request)
    back = redirect("scorecard-team", cycle_pk=cycle.pk, code=unit.code)
    form = ApplyForm(request.POST, choices=_metric_choices())
    if not form.is_valid():
        show_form_errors(request, form)
        return back

    def apply() -> None:
        applied = feedback_actions.apply_scorecard_to_level(
            cycle,
            unit,
            acting_user=user,
            name=form.cleaned_data["name"],
            unit_kind=form.cleaned_data["unit_kind"],
            components=[
                feedback_actions.LevelComponentSpec(choice, weight, label, cap)
                for choice, weight, label, cap in form.rows()
            ],
        )
        messages.info(request, f"{len(applied.scorecards)} scorecards written.")
        for person, why in applied.skipped:
            messages.warning(request, f"{person.full_name} skipped: {why}.")

    run_action(request, "Scorecard applied.", apply)
    return back
