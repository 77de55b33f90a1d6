"""The Django adapter: build :class:`GoalFacts` for goals of the plans app and evaluate them.

Goals are grouped by metric and period so that each group loads its history once
(:func:`quotaflow.smart.history.load_panel`, two queries), whatever the number of goals;
children's totals for every goal are one more query.

Unit goals are judged on the summed history of the people placed in the unit's subtree
on the goal's first day (people who left earlier are not counted).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from django.db.models import Count, Q, Sum
from django.utils import timezone

from quotaflow.core.models import Company
from quotaflow.org.models import Assignment
from quotaflow.org.queries import active_on
from quotaflow.plans.models import Goal, GoalKind, Milestone, PlanningCycle
from quotaflow.plans.qualitative import is_qualitative, rubric_problems
from quotaflow.smart.attainability import (
    LONG_TENURED,
    NO_PREDICTION,
    ModelConfig,
    Panel,
    Prediction,
    PredictionBatch,
    growth_range,
    predict_panel,
)
from quotaflow.smart.evaluator import (
    GoalFacts,
    HistoryFacts,
    MetricFacts,
    MilestoneFacts,
    ParentFacts,
    SmartReport,
    evaluate,
)
from quotaflow.smart.history import HistoryPanel, PeriodKind, load_panel, period_kind_of
from quotaflow.smart.models import SmartPolicy


@dataclass(frozen=True)
class CheckedGoal:
    """A goal (with the target that was checked), its report and its prediction."""

    goal: Goal
    target: int
    report: SmartReport
    prediction: Prediction


def _metric_facts(goal: Goal) -> MetricFacts:
    metric = goal.metric
    return MetricFacts(
        code=metric.code,
        name=metric.name,
        definition=metric.description,
        unit=metric.unit,
        source=metric.source,
        is_active=metric.is_active,
        direction=metric.direction,
    )


def _rubric_text(rubric: object) -> str:
    if isinstance(rubric, list):
        return "; ".join(
            f"{row.get('score')}: {row.get('meaning', '')}"
            for row in rubric
            if isinstance(row, dict)
        )
    return str(rubric or "")


def _owner_row(
    history: HistoryPanel, goal: Goal, unit_people: dict[int, list[int]]
) -> tuple[Panel, int]:
    """The panel to predict from and the row of the goal's owner in it."""
    if goal.owner_person_id is not None:
        row = history.row_of(goal.owner_person_id)
        return history.panel, (row if row is not None else -1)
    rows = [r for pk in unit_people.get(goal.pk, []) if (r := history.row_of(pk)) is not None]
    panel = history.panel
    if not rows:
        return panel, -1
    members = panel.actuals[rows]
    summed = np.where(np.isfinite(members).any(axis=0), np.nansum(members, axis=0), np.nan)
    unit_hire = np.array([LONG_TENURED], dtype=np.int64)  # a unit does not ramp
    return Panel(summed[None, :], panel.season, panel.seasons, unit_hire), 0


def _history_facts(
    history: HistoryPanel, panel: Panel, row: int, people_batch: PredictionBatch
) -> tuple[HistoryFacts, Prediction]:
    """What history says for one row; person rows reuse the whole panel's predictions."""
    if row < 0:
        return HistoryFacts(NO_PREDICTION, "no history"), NO_PREDICTION
    batch = people_batch if panel is history.panel else predict_panel(panel, panel.periods)
    prediction = batch.owner(row)
    kind = "quarter" if panel.seasons == 4 else "year"
    step = panel.seasons
    own = panel.actuals[row]
    last = own[panel.periods - step] if panel.periods >= step else np.nan
    label = (
        f"the last {prediction.periods_used} {kind}{'s' if prediction.periods_used != 1 else ''}"
        if prediction.basis == "own"
        else f"{kind}s of peers"
    )
    full = _full_capacity(history.panel, step)
    facts = HistoryFacts(
        prediction=prediction,
        periods_label=label,
        last_comparable=float(last) if np.isfinite(last) else None,
        growth_range=growth_range(own, step),
        full_capacity=full,
    )
    return facts, prediction


def _full_capacity(panel: Panel, step: int) -> float | None:
    """Median result of fully ramped peers in the same period a year before the target."""
    if panel.periods < step or panel.owners == 0:
        return None
    column = panel.periods - step
    ramped = (column - panel.hire_index) >= len(ModelConfig().ramp)
    values = panel.actuals[ramped, column]
    values = values[np.isfinite(values) & (values > 0)]
    return float(np.median(values)) if values.size else None


def _complete_before(history: HistoryPanel, today: dt.date) -> HistoryPanel:
    """Hide periods that have not ended yet: a half-finished quarter is not a result."""
    open_columns = [index for index, period in enumerate(history.columns) if period.end >= today]
    if not open_columns:
        return history
    actuals = history.panel.actuals.copy()
    actuals[:, open_columns] = np.nan
    panel = Panel(actuals, history.panel.season, history.panel.seasons, history.panel.hire_index)
    return HistoryPanel(panel, history.person_ids, history.columns)


def _unit_members(goals: Sequence[Goal]) -> dict[int, list[int]]:
    """People placed in each unit goal's subtree on the goal's first day (one query)."""
    if not goals:
        return {}
    condition = Q(pk__in=[])
    for goal in goals:
        assert goal.owner_unit is not None  # noqa: S101 - only unit goals are passed
        condition |= Q(unit__path__startswith=goal.owner_unit.path) & active_on(goal.period_start)
    rows = list(
        Assignment.objects.filter(condition).values_list(
            "person_id", "unit__path", "valid_from", "valid_to"
        )
    )
    members: dict[int, list[int]] = {}
    for goal in goals:
        assert goal.owner_unit is not None  # noqa: S101
        path, day = goal.owner_unit.path, goal.period_start
        members[goal.pk] = sorted(
            {
                person_id
                for person_id, unit_path, start, end in rows
                if unit_path.startswith(path) and start <= day and (end is None or end >= day)
            }
        )
    return members


def check_goals(
    goals: Sequence[Goal], *, targets: dict[int, int] | None = None
) -> list[CheckedGoal]:
    """Evaluate ``goals`` (select_related metric, parent, cycle for speed), optionally with
    a different target per goal id (a draft not yet saved)."""
    if not goals:
        return []
    goals = list(
        Goal.objects.filter(pk__in=[goal.pk for goal in goals]).select_related(
            "metric",
            "parent",
            "parent__metric",
            "parent__owner_unit",
            "parent__owner_person",
            "cycle",
            "owner_unit",
            "owner_person",
        )  # fmt: skip
    )
    targets = targets or {}
    today = timezone.localdate()
    company = Company.current()
    calendar = company.fiscal_calendar
    children = {
        row["parent_id"]: (row["total"], row["count"])
        for row in Goal.objects.filter(parent_id__in=[g.pk for g in goals])
        .values("parent_id")
        .annotate(total=Sum("target"), count=Count("pk"))
        .order_by()
    }
    checklists = _checklists(goals)
    unit_people = _unit_members([goal for goal in goals if goal.owner_unit is not None])
    cycles = {goal.cycle_id: goal.cycle for goal in goals}
    policies = {pk: SmartPolicy.for_cycle(cycle) for pk, cycle in cycles.items()}
    groups: dict[tuple[int, PeriodKind, dt.date], list[Goal]] = defaultdict(list)
    for goal in goals:
        groups[
            (goal.metric_id, period_kind_of(goal.period_start, goal.period_end), goal.period_start)
        ].append(goal)
    checked: dict[int, CheckedGoal] = {}
    for (_, kind, start), members in groups.items():
        people = {g.owner_person_id for g in members if g.owner_person_id is not None}
        history = _complete_before(
            load_panel(
                members[0].metric, kind=kind, before=start, include_people=people, calendar=calendar
            ),
            today,
        )
        # One fit for everyone in the panel: the model is vectorised over owners.
        people_batch = predict_panel(history.panel, history.panel.periods)
        for goal in members:
            panel, row = _owner_row(history, goal, unit_people)
            history_facts, prediction = _history_facts(history, panel, row, people_batch)
            policy = policies[goal.cycle_id]
            target = targets.get(goal.pk, goal.target)
            facts = _goal_facts(
                goal,
                target,
                history_facts,
                policy,
                company.currency,
                children.get(goal.pk),
                checklists.get(goal.pk, ()),
            )
            checked[goal.pk] = CheckedGoal(
                goal, target, evaluate(facts, policy.thresholds), prediction
            )
    return [checked[goal.pk] for goal in goals]


def _checklists(goals: Sequence[Goal]) -> dict[int, tuple[MilestoneFacts, ...]]:
    """The milestones of the checklist goals among ``goals`` (one query)."""
    ids = [goal.pk for goal in goals if goal.kind == GoalKind.MILESTONE]
    found: dict[int, list[MilestoneFacts]] = defaultdict(list)
    if ids:
        for goal_id, title, due in (
            Milestone.objects.filter(goal_id__in=ids)
            .order_by("goal_id", "position")
            .values_list("goal_id", "title", "due")
        ):
            found[goal_id].append(MilestoneFacts(title, due))
    return {pk: tuple(items) for pk, items in found.items()}


def _goal_facts(
    goal: Goal,
    target: int,
    history: HistoryFacts,
    policy: SmartPolicy,
    currency: str,
    children: tuple[int, int] | None,
    milestones: tuple[MilestoneFacts, ...] = (),
) -> GoalFacts:
    metric = goal.metric
    measure = goal.kind if is_qualitative(goal) else ""
    qualitative = (
        bool(measure) or metric.source == "manual" and metric.unit == "score" or bool(goal.rubric)
    )
    parent = goal.parent
    cycle = goal.cycle
    return GoalFacts(
        owner_name=goal.owner_name,
        owner_kind="person" if goal.owner_person_id else ("unit" if goal.owner_unit_id else ""),
        metric=_metric_facts(goal),
        target=target,
        currency=currency if metric.unit == "currency" else "",
        description=goal.description,
        qualitative=qualitative,
        rubric=_rubric_text(goal.rubric),
        measure=measure,
        rubric_gaps=tuple(rubric_problems(goal.rubric)) if measure == GoalKind.RUBRIC else (),
        milestones=milestones,
        parent=ParentFacts(
            label=str(parent),
            metric_code=parent.metric.code,
            metric_unit=parent.metric.unit,
            period_start=parent.period_start,
            period_end=parent.period_end,
        )
        if parent is not None
        else None,
        objective=policy.company_objective,
        period_start=goal.period_start,
        period_end=goal.period_end,
        cycle_start=cycle.period_start if cycle else None,
        cycle_end=cycle.period_end if cycle else None,
        deadline=(cycle.submissions_due or cycle.approvals_due) if cycle else None,
        checkin_cadence=_checkin_cadence(cycle, policy),
        history=None if qualitative else history,
        children_total=children[0] if children else None,
        children_count=children[1] if children else 0,
    )


def _checkin_cadence(cycle: PlanningCycle | None, policy: SmartPolicy) -> str:
    """How often the goal is checked in on, in words: the cycle's cadence when it has one
    (the one check-ins and their reminders follow), else the policy's description."""
    if cycle is not None and cycle.checkin_cadence:
        return cycle.get_checkin_cadence_display().lower()
    return policy.checkin_cadence


def smart_report(goal: Goal, *, target: int | None = None) -> SmartReport:
    """The SMART report of one goal, optionally for a target not yet saved."""
    targets = {goal.pk: target} if target is not None else None
    return check_goals([goal], targets=targets)[0].report
