"""Tracking dashboards: a unit's board with drill-down, a person's goals, a goal page.

Pages read maintained aggregates only. Each page's live part polls itself every few
seconds with htmx, sending the change marker it was rendered with; the server answers
204 (nothing to do) until an aggregate of the page's metric changes, then sends the
re-rendered part. Visibility follows :mod:`quotaflow.plans.visibility` and :mod:`quotaflow.org.permissions` (the viewer's place in
the tree today, whatever ``as_of`` the page shows): what a user may not see answers 404.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET
from plotly.offline import get_plotlyjs

from quotaflow.accounts.models import User
from quotaflow.core import limits
from quotaflow.core.fiscal import FiscalPeriod
from quotaflow.core.models import Company
from quotaflow.core.money import Amounts
from quotaflow.feedback.scorecards import person_scorecards, score_cards
from quotaflow.metrics.models import Metric
from quotaflow.metrics.permissions import can_recompute
from quotaflow.metrics.queries import latest_recomputes
from quotaflow.org.loaders import person_for, unit_for
from quotaflow.org.models import Person, Unit
from quotaflow.org.queries import Scope, managed_units, scope_day, viewer_scope
from quotaflow.performance.attainment import Attainment
from quotaflow.performance.boards import GoalChart, goal_chart, person_goals, unit_board
from quotaflow.performance.models import PerformanceSettings
from quotaflow.performance.permissions import sees_leaderboard
from quotaflow.performance.qualitative import qualitative_progress
from quotaflow.performance.queries import change_version, credits_behind, goals_with_attainment
from quotaflow.plans.in_force import version_histories
from quotaflow.plans.loaders import goal_for
from quotaflow.plans.models import Goal
from quotaflow.plans.visibility import visible_goals
from quotaflow.web.goal_adjustments import goal_adjustments
from quotaflow.web.loading import found, signed_in_user
from quotaflow.web.templatetags.tracking import amount_format
from quotaflow.web.views.feedback import goal_check_ins
from quotaflow.web.views.scorecards import goal_measure_context

CREDITS_PER_PAGE = 50


@dataclass(frozen=True)
class Viewing:
    """Who is looking, at which business date, and what they may see."""

    user: User
    as_of: dt.date
    scope: Scope
    query: dict[str, str]


def _viewing(request: HttpRequest) -> Viewing:
    user = signed_in_user(request)
    try:
        as_of = limits.check_business_date(dt.date.fromisoformat(request.GET.get("as_of", "")))
    except ValueError:
        as_of = timezone.localdate()
    query = {
        name: request.GET[name] for name in ("as_of", "metric", "period") if request.GET.get(name)
    }
    return Viewing(user, as_of, viewer_scope(user), query)


def _unchanged(request: HttpRequest, version: int) -> bool:
    """A live poll whose page already shows this version of the data."""
    return request.GET.get("live") == "1" and request.GET.get("v") == str(version)


def _live_url(request: HttpRequest, viewing: Viewing, version: int) -> str:
    return f"{request.path}?{urlencode({**viewing.query, 'live': '1', 'v': str(version)})}"


def _render_live(
    request: HttpRequest, page: str, fragment: str, context: dict[str, Any]
) -> HttpResponse:
    template = fragment if request.GET.get("live") == "1" else page
    user = request.user
    # The recompute banners offer "Recompute again" exactly when the action would take it.
    context["can_recompute"] = isinstance(user, User) and can_recompute(user)
    return render(request, template, context)


def _period(viewing: Viewing) -> FiscalPeriod:
    calendar = Company.current().fiscal_calendar
    label = viewing.query.get("period")
    if label:
        try:
            return calendar.parse(label)
        except ValueError:
            pass
    return calendar.period_containing(viewing.as_of, "year")


def _metric(viewing: Viewing, unit: Unit, period: FiscalPeriod) -> Metric | None:
    code = viewing.query.get("metric")
    if code:
        chosen = Metric.objects.filter(code=code).first()
        if chosen is not None:
            return chosen
    with_goal = Goal.objects.filter(
        owner_unit=unit, period_start=period.start, period_end=period.end
    ).select_related("metric")
    first = with_goal.order_by("metric__name").first()
    return first.metric if first else Metric.objects.filter(is_active=True).order_by("name").first()


def _recomputes(metric_ids: list[int]) -> list[Any]:
    """The banners of the page's metrics whose numbers are not final (being recomputed,
    or a recompute failed)."""
    return list(latest_recomputes(metric_ids, unsettled_only=True).values())


def _shows_leaderboard(user: User) -> bool:
    return sees_leaderboard(user, PerformanceSettings.current().leaderboard_visibility)


def goal_figure(chart: GoalChart, fmt: Amounts) -> dict[str, Any]:
    """A plotly figure: cumulative actual, phased target and run-rate projection.
    Chart values are for drawing only; every published number is rendered exactly."""
    scale = fmt.scale

    def values(numbers: list[int]) -> list[float]:
        return [number / scale for number in numbers]

    data = [
        {"x": chart.target_days, "y": values(chart.target_values), "name": "Phased target", "mode": "lines",
         "line": {"dash": "dot", "color": "#8a96a8"}},
        {"x": chart.actual_days, "y": values(chart.actual_values), "name": "Actual", "mode": "lines",
         "line": {"shape": "hv", "color": "#1f5fbf", "width": 3}},
        {"x": chart.projection_days, "y": values(chart.projection_values), "name": "Projection", "mode": "lines",
         "line": {"dash": "dash", "color": "#d07a00"}},
    ]  # fmt: skip
    layout = {
        "margin": {"l": 60, "r": 10, "t": 10, "b": 40},
        "height": 300,
        "legend": {"orientation": "h"},
    }
    return {"data": data, "layout": layout}


def bands_figure(bands: dict[str, int]) -> dict[str, Any]:
    """A plotly bar chart of how many reps fall in each attainment band."""
    data = [
        {"type": "bar", "x": list(bands), "y": list(bands.values()), "marker": {"color": "#1f5fbf"}}
    ]
    layout = {
        "margin": {"l": 40, "r": 10, "t": 10, "b": 40},
        "height": 220,
        "yaxis": {"title": {"text": "Reps"}},
    }
    return {"data": data, "layout": layout}


@login_required
@require_GET
def start(request: HttpRequest) -> HttpResponse:
    """Send the user to the top of what they may see: the company for planners and
    finance, the unit a manager leads, a rep's own page."""
    viewing = _viewing(request)
    if viewing.scope.everything:
        top = Unit.objects.filter(parent__isnull=True).order_by("path").first()
        if top is not None:
            return redirect("performance-unit", code=top.code)
    person = Person.objects.filter(user=viewing.user).first()
    if person is not None:
        led = managed_units(person, scope_day()).order_by("path").first()
        if led is not None:
            return redirect("performance-unit", code=led.code)
        return redirect("performance-person", external_id=person.external_id)
    return render(request, "performance/nothing.html")


@login_required
@require_GET
def unit_page(request: HttpRequest, code: str) -> HttpResponse:
    """A unit's board: its goal and chart, children with attainment bars and sparklines,
    distribution of rep attainment, leaderboard and the goals at risk."""
    viewing = _viewing(request)
    unit = found(unit_for, viewing.scope, code)
    period = _period(viewing)
    metric = _metric(viewing, unit, period)
    version = change_version([metric.pk] if metric else [])
    if _unchanged(request, version):
        return HttpResponse(status=204)
    board = (
        unit_board(
            unit,
            metric,
            period.start,
            period.end,
            viewing.as_of,
            with_leaderboard=_shows_leaderboard(viewing.user),
            viewer=viewing.scope,
        )
        if metric
        else None
    )
    chart = (
        goal_chart(
            Goal.objects.select_related("metric").get(pk=board.own.goal.pk),
            board.own.progress,
            viewing.as_of,
        )
        if board and board.own.goal and board.own.progress
        else None
    )
    fmt = amount_format(metric, Company.current())
    ancestors = [
        ancestor
        for ancestor in Unit.objects.filter(pk__in=unit.ancestor_ids()).order_by("depth")
        if viewing.scope.can_see_unit(ancestor)
    ]
    context = {
        "unit": unit, "board": board, "chart": chart, "period": period, "metric": metric, "ancestors": ancestors,
        "metrics": Metric.objects.filter(is_active=True).order_by("name"), "viewing": viewing,
        "live_url": _live_url(request, viewing, version), "keep": urlencode(viewing.query), "fmt": fmt,
        "goal_figure": goal_figure(chart, fmt) if chart else None,
        "bands_figure": bands_figure(board.bands) if board and board.reps_with_goals else None,
        "recomputes": _recomputes([metric.pk] if metric else []),
    }  # fmt: skip
    return _render_live(request, "performance/unit.html", "performance/_unit_live.html", context)


def progress_rows(assessed: list[tuple[Goal, Attainment]]) -> list[tuple[Any, ...]]:
    """(goal, progress, how its amounts read, qualitative progress or None) rows for the
    goals tables: a checklist or rubric goal shows its progress instead of an amount."""
    if not assessed:
        return []
    company = Company.current()
    qualitative = qualitative_progress(goal for goal, _ in assessed)
    return [
        (goal, progress, amount_format(goal.metric, company), qualitative.get(goal.pk))
        for goal, progress in assessed
    ]


@login_required
@require_GET
def person_page(request: HttpRequest, external_id: str) -> HttpResponse:
    """A person's running goals with their progress."""
    viewing = _viewing(request)
    person = found(person_for, viewing.scope, external_id)
    assessed = person_goals(person, viewing.as_of)
    version = change_version({goal.metric_id for goal, _ in assessed})
    if _unchanged(request, version):
        return HttpResponse(status=204)
    rows = progress_rows(assessed)
    context = {
        "person": person, "rows": rows, "viewing": viewing, "live_url": _live_url(request, viewing, version),
        "scorecards": score_cards(person_scorecards(viewing.user, person), viewing.as_of),
        "keep": urlencode(viewing.query), "recomputes": _recomputes([goal.metric_id for goal, _ in assessed]),
    }  # fmt: skip
    return _render_live(
        request, "performance/person.html", "performance/_person_live.html", context
    )


@login_required
@require_GET
def goal_page(request: HttpRequest, pk: int) -> HttpResponse:
    """One goal: progress, cumulative actual against the phased target with the run-rate
    projection, the goals that serve it, and the credits behind the actual."""
    viewing = _viewing(request)
    goal = found(goal_for, viewing.user, pk)
    version = change_version([goal.metric_id])
    if _unchanged(request, version):
        return HttpResponse(status=204)
    children = list(
        visible_goals(viewing.user, Goal.objects.filter(parent=goal))
        .select_related("metric", "owner_unit", "owner_person")
        .order_by("pk")
    )
    assessed = goals_with_attainment([goal, *children], as_of=viewing.as_of)
    progress = assessed[0][1]
    try:
        page = max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        page = 1
    page = min(page, limits.BIGINT_MAX // CREDITS_PER_PAGE)
    total, credits = credits_behind(
        goal,
        as_of=viewing.as_of,
        offset=(page - 1) * CREDITS_PER_PAGE,
        limit=CREDITS_PER_PAGE,
    )
    fmt = amount_format(goal.metric, Company.current())
    chart = goal_chart(goal, progress, viewing.as_of)
    versions = version_histories([goal]).get(goal.pk)
    in_force = versions.on(viewing.as_of) if versions else None
    context = {
        "versions": versions, "superseded_by": versions.after(goal.pk) if versions else None,
        "in_force": in_force if in_force and in_force.goal_id != goal.pk else None,
        "goal": goal, "progress": progress, "fmt": fmt, "goal_figure": goal_figure(chart, fmt), "children": assessed[1:],
        "credits": credits, "credit_total": total, "page": page,
        "has_next": page * CREDITS_PER_PAGE < total, "viewing": viewing,
        "live_url": _live_url(request, viewing, version), "keep": urlencode(viewing.query),
        "recomputes": _recomputes([goal.metric_id]),
    }  # fmt: skip
    if request.GET.get("live") != "1":
        context |= goal_check_ins(viewing.user, goal, chart)
        context |= goal_adjustments(viewing.user, goal)
        context |= goal_measure_context(viewing.user, goal)
    return _render_live(request, "performance/goal.html", "performance/_goal_live.html", context)


@lru_cache(maxsize=1)
def _plotly_source() -> str:
    """plotly.js as shipped inside the installed plotly package (no CDN)."""
    return get_plotlyjs()


@require_GET
def plotly_js(request: HttpRequest) -> HttpResponse:
    """Serve the plotly.js bundle of the installed package, cacheable for a day."""
    response = HttpResponse(_plotly_source(), content_type="application/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=86400"
    return response
