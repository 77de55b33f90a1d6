"""What the tracking dashboards show, read from maintained aggregates in a fixed number
of queries per page: a unit's board (its goal, its children, its reps' distribution,
the leaderboard and the at-risk list) and a goal's chart series.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q

from quotaflow.metrics.models import Metric
from quotaflow.org.models import Assignment, Person, Unit
from quotaflow.org.queries import active_on
from quotaflow.performance.attainment import (
    Attainment,
    compute_attainment,
    cumulative,
    distribution,
    phased_cumulative,
)
from quotaflow.performance.models import DailyAggregate, OwnerType, PerformanceSettings
from quotaflow.performance.queries import (
    OwnerKey,
    actuals_where,
    daily_values,
    goals_with_attainment,
    owner_of,
    phasing_from,
    phasing_of,
    thresholds_from,
)
from quotaflow.plans.models import Goal

SPARK_POINTS = 12
LEADERBOARD_SIZE = 10
AT_RISK_SIZE = 50


@dataclass(frozen=True)
class GoalRef:
    """The two facts of a goal a board row shows: its id (for links) and its target."""

    pk: int
    target: int


@dataclass(frozen=True)
class Row:
    """One line of a board table: an owner with its actual, goal and progress."""

    label: str
    kind: str
    code: str
    actual: int
    goal: GoalRef | None
    progress: Attainment | None
    spark: tuple[int, ...] = ()

    @property
    def bar_pct(self) -> Decimal:
        """Attainment capped at 150% for drawing a bar."""
        value = (
            self.progress.attainment_pct
            if self.progress and self.progress.attainment_pct is not None
            else Decimal(0)
        )
        return max(Decimal(0), min(value, Decimal(150)))

    @property
    def spark_points(self) -> str:
        """SVG polyline points (100 × 20 box) of the cumulative actual."""
        if len(self.spark) < 2:
            return ""
        low, high = min(self.spark), max(self.spark)
        span = (high - low) or 1
        step = 100 / (len(self.spark) - 1)
        return " ".join(
            f"{index * step:.1f},{20 - (value - low) * 18 / span - 1:.1f}"
            for index, value in enumerate(self.spark)
        )


@dataclass
class UnitBoard:
    """Everything on a unit's dashboard for one metric and period."""

    unit: Unit
    metric: Metric
    start: dt.date
    end: dt.date
    as_of: dt.date
    own: Row
    children: list[Row] = field(default_factory=list)
    bands: dict[str, int] = field(default_factory=dict)
    reps_with_goals: int = 0
    reps_at_quota: int = 0
    leaderboard: list[Row] = field(default_factory=list)
    at_risk: list[Row] = field(default_factory=list)
    at_risk_total: int = 0

    @property
    def at_quota_pct(self) -> Decimal | None:
        if not self.reps_with_goals:
            return None
        return (Decimal(self.reps_at_quota) * 100 / self.reps_with_goals).quantize(Decimal("0.1"))


def _sparks(
    metric: Metric, owners: Sequence[OwnerKey], start: dt.date, end: dt.date, as_of: dt.date
) -> dict[OwnerKey, tuple[int, ...]]:
    """Cumulative actual of each owner at ``SPARK_POINTS`` evenly spaced days (one query)."""
    last = min(end, as_of)
    if last < start or not owners:
        return {}
    days = max((last - start).days, 1)
    marks = [
        start + dt.timedelta(days=round(days * index / (SPARK_POINTS - 1)))
        for index in range(SPARK_POINTS)
    ]
    condition = Q(pk__in=[])
    for owner_type, owner_id in owners:
        condition |= Q(owner_type=owner_type, owner_id=owner_id)
    per_owner: dict[OwnerKey, list[tuple[dt.date, int]]] = defaultdict(list)
    rows = DailyAggregate.objects.filter(
        condition, metric=metric, day__range=(start, last)
    ).values_list("owner_type", "owner_id", "day", "value")
    for owner_type, owner_id, day, value in rows:
        per_owner[(owner_type, owner_id)].append((day, int(value)))
    result = {}
    for owner in owners:
        series = cumulative(per_owner.get(owner, []))
        points, index, running = [], 0, 0
        for mark in marks:
            while index < len(series) and series[index][0] <= mark:
                running = series[index][1]
                index += 1
            points.append(running)
        result[owner] = tuple(points)
    return result


def _row(
    label: str,
    kind: str,
    code: str,
    owner: OwnerKey,
    found: dict[OwnerKey, int],
    progress: dict[OwnerKey, tuple[GoalRef, Attainment]],
    sparks: dict[OwnerKey, tuple[int, ...]],
) -> Row:
    goal, attained = progress.get(owner, (None, None))
    return Row(label, kind, code, found.get(owner, 0), goal, attained, sparks.get(owner, ()))


def unit_board(
    unit: Unit,
    metric: Metric,
    start: dt.date,
    end: dt.date,
    as_of: dt.date,
    *,
    with_leaderboard: bool,
) -> UnitBoard:
    """The board of ``unit``: its own row, one row per child unit and per person placed
    directly in it, the distribution of attainment of every rep goal in its subtree, the
    leaderboard and the goals at risk or off track."""
    children = list(Unit.objects.filter(parent=unit).order_by("name"))
    placed = list(
        Assignment.objects.filter(active_on(as_of), unit__path__startswith=unit.path)
        .values_list("person_id", "person__full_name", "person__external_id", "unit_id")
        .order_by("person__full_name")
    )
    direct_people = {
        person_id: (name, external_id)
        for person_id, name, external_id, unit_id in placed
        if unit_id == unit.pk
    }
    subtree_people = {person_id: (name, external_id) for person_id, name, external_id, _ in placed}
    # Subqueries, not id lists: a company's subtree may hold 100,000 people.
    in_subtree = Assignment.objects.filter(
        active_on(as_of), unit__path__startswith=unit.path
    ).values("person_id")
    units_below = Unit.objects.filter(path__startswith=unit.path).values("pk")
    # Plain values, not model instances: a company board reads 100,000 goals.
    goals = Goal.objects.filter(metric=metric, period_start=start, period_end=end).filter(
        Q(owner_unit__path__startswith=unit.path) | Q(owner_person_id__in=in_subtree)
    )
    found = actuals_where(
        metric,
        Q(owner_type=OwnerType.UNIT, owner_id__in=units_below)
        | Q(owner_type=OwnerType.PERSON, owner_id__in=in_subtree),
        start,
        end,
    )
    thresholds = thresholds_from(PerformanceSettings.current())
    progress: dict[OwnerKey, tuple[GoalRef, Attainment]] = {}
    for pk, unit_id, person_id, target, phasing in goals.values_list(
        "pk", "owner_unit_id", "owner_person_id", "target", "phasing"
    ):
        owner = (OwnerType.UNIT.value, unit_id) if unit_id else (OwnerType.PERSON.value, person_id)
        progress[owner] = (
            GoalRef(pk, target),
            compute_attainment(
                target=target,
                actual=found.get(owner, 0),
                period_start=start,
                period_end=end,
                phasing=phasing_from(phasing),
                as_of=as_of,
                thresholds=thresholds,
            ),
        )
    unit_names = dict(
        (pk, (name, code))
        for pk, name, code in Unit.objects.filter(path__startswith=unit.path).values_list(
            "pk", "name", "code"
        )
    )
    table_owners = [(OwnerType.UNIT.value, unit.pk)] + [
        (OwnerType.UNIT.value, child.pk) for child in children
    ]
    table_owners += [(OwnerType.PERSON.value, person_id) for person_id in direct_people]
    sparks = _sparks(metric, table_owners, start, end, as_of)
    board = UnitBoard(
        unit,
        metric,
        start,
        end,
        as_of,
        _row(unit.name, "unit", unit.code, table_owners[0], found, progress, sparks),
    )
    board.children = [
        _row(
            child.name,
            "unit",
            child.code,
            (OwnerType.UNIT.value, child.pk),
            found,
            progress,
            sparks,
        )
        for child in children
    ]
    board.children += [
        _row(
            name,
            "person",
            external_id,
            (OwnerType.PERSON.value, person_id),
            found,
            progress,
            sparks,
        )
        for person_id, (name, external_id) in direct_people.items()
    ]
    names = {(OwnerType.UNIT.value, pk): label for pk, label in unit_names.items()}
    names.update({(OwnerType.PERSON.value, pk): label for pk, label in subtree_people.items()})

    def row_of(owner: OwnerKey) -> Row:
        goal, attained = progress[owner]
        return Row(names[owner][0], owner[0], names[owner][1], attained.actual, goal, attained)

    # Rows are built only for what is shown: a company's subtree has 100,000 rep goals.
    rep_owners = [owner for owner in progress if owner[0] == OwnerType.PERSON and owner in names]
    rep_pcts = [progress[owner][1].attainment_pct for owner in rep_owners]
    board.bands = distribution(rep_pcts)
    board.reps_with_goals = len(rep_owners)
    board.reps_at_quota = sum(1 for value in rep_pcts if value is not None and value >= 100)
    if with_leaderboard:
        leaders = heapq.nsmallest(
            LEADERBOARD_SIZE,
            rep_owners,
            key=lambda owner: (-(progress[owner][1].attainment_pct or 0), names[owner][0]),
        )
        board.leaderboard = [row_of(owner) for owner in leaders]
    worrying = [
        owner
        for owner, (_, attained) in progress.items()
        if attained.status in {"at_risk", "off_track"} and owner in names
    ]
    worst = heapq.nsmallest(
        AT_RISK_SIZE, worrying, key=lambda owner: progress[owner][1].pacing_pct or 0
    )
    board.at_risk = [row_of(owner) for owner in worst]
    board.at_risk_total = len(worrying)
    return board


@dataclass(frozen=True)
class GoalChart:
    """Series for a goal's chart: cumulative actual, phased target and projection."""

    actual_days: list[str]
    actual_values: list[int]
    target_days: list[str]
    target_values: list[int]
    projection_days: list[str]
    projection_values: list[int]


def goal_chart(goal: Goal, progress: Attainment, as_of: dt.date) -> GoalChart:
    """The goal page's chart data (one query for the daily series)."""
    owner = owner_of(goal)
    series = cumulative(
        daily_values(goal.metric, owner, goal.period_start, min(goal.period_end, as_of))
    )
    if series and series[0][0] != goal.period_start:
        series.insert(0, (goal.period_start, 0))
    target = phased_cumulative(goal.target, goal.period_start, goal.period_end, phasing_of(goal))
    last_day = min(goal.period_end, as_of)
    projection = (
        [(last_day, progress.actual), (goal.period_end, progress.projection)]
        if last_day < goal.period_end
        else []
    )
    return GoalChart(
        [day.isoformat() for day, _ in series], [value for _, value in series],
        [day.isoformat() for day, _ in target], [value for _, value in target],
        [day.isoformat() for day, _ in projection], [value for _, value in projection],
    )  # fmt: skip


def person_goals(person: Person, as_of: dt.date) -> list[tuple[Goal, Attainment]]:
    """The person's goals running on ``as_of`` (or ended within the last year), newest first."""
    goals = list(
        Goal.objects.filter(
            owner_person=person,
            period_start__lte=as_of,
            period_end__gte=as_of - dt.timedelta(days=365),
        )
        .select_related("metric", "owner_person")
        .order_by("-period_end", "metric__name")
    )
    return goals_with_attainment(goals, as_of=as_of)
