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
from typing import Any

import numpy as np
from django.db.models import Q

from quotaflow.metrics.models import Metric
from quotaflow.org.models import Assignment, Person, Unit
from quotaflow.org.queries import Scope, active_on, people_condition
from quotaflow.performance.attainment import (
    NO_RATIO,
    Attainment,
    Ratios,
    Thresholds,
    compute_attainment,
    cumulative,
    distribution_of_hundredths,
    expected_many,
    hundredths,
    phased_cumulative,
    ratios_many,
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
from quotaflow.plans.in_force import in_force_goals
from quotaflow.plans.models import Goal

SPARK_POINTS = 12
LEADERBOARD_SIZE = 10
AT_RISK_SIZE = 50
# Per-owner index lookups win for small subtrees, one scan of the metric's cells for
# large ones. Set on the 2-core development machine at 100k reps and 10M sales, when
# actuals still read daily cells: a team board (10 reps) took 4.3 s as one scan and 0.07 s
# by lookups. The threshold itself was put between the area (2,000 people) and region
# (10,000) sizes without timing both ways at each; it has not been re-measured since
# actuals read monthly cells.
SCAN_ABOVE_PEOPLE = 5_000


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
    progress: _Progress,
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
    viewer: Scope | None = None,
) -> UnitBoard:
    """The board of ``unit``: its own row, one row per child unit and per person placed
    directly in it, the distribution of attainment of every rep goal in its subtree, the
    leaderboard and the goals at risk or off track.

    People are those placed in the subtree on ``as_of``; with a ``viewer``, only those
    the viewer may see today (a board of the past never shows someone who has since left
    the viewer's part of the tree — their credits stay in the units' totals)."""
    children = list(Unit.objects.filter(parent=unit).order_by("name"))
    placements = Assignment.objects.filter(active_on(as_of), unit__path__startswith=unit.path)
    if viewer is not None and not viewer.everything:
        placements = placements.filter(
            person_id__in=Person.objects.filter(people_condition(viewer)).values("pk")
        )
    placed = list(
        placements.values_list(
            "person_id", "person__full_name", "person__external_id", "unit_id"
        ).order_by("person__full_name")
    )
    direct_people = {
        person_id: (name, external_id)
        for person_id, name, external_id, unit_id in placed
        if unit_id == unit.pk
    }
    subtree_people = {person_id: (name, external_id) for person_id, name, external_id, _ in placed}
    # Subqueries, not id lists: a company's subtree may hold 100,000 people.
    in_subtree = placements.values("person_id")
    units_below = Unit.objects.filter(path__startswith=unit.path).values("pk")
    # Plain values, not model instances: a company board reads 100,000 goals. Only the
    # goals in force on ``as_of``: one version of each plan, never a draft or a scenario.
    goals = in_force_goals(as_of).filter(metric=metric, period_start=start, period_end=end)
    goals = goals.filter(
        Q(owner_unit__path__startswith=unit.path) | Q(owner_person_id__in=in_subtree)
    ).order_by("pk")
    units = Q(owner_type=OwnerType.UNIT, owner_id__in=units_below)
    people = Q(owner_type=OwnerType.PERSON, owner_id__in=in_subtree)
    if len(subtree_people) <= SCAN_ABOVE_PEOPLE:
        # One indexed query per owner type: an OR of the two subqueries would make
        # PostgreSQL scan every cell of the metric, seconds at 10 million sales.
        found = actuals_where(metric, units, start, end, as_of=as_of) | actuals_where(
            metric, people, start, end, as_of=as_of
        )
    else:
        # For a large subtree reading most cells anyway, one scan beats per-owner lookups.
        found = actuals_where(metric, units | people, start, end, as_of=as_of)
    thresholds = thresholds_from(PerformanceSettings.current())
    progress = _Progress(
        list(goals.values_list("pk", "owner_unit_id", "owner_person_id", "target", "phasing")),
        found,
        start,
        end,
        as_of,
        thresholds,
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

    # Rows are built only for what is shown: a company's subtree has 100,000 rep goals,
    # whose bands, leaderboard and at-risk list come from the array path.
    reps = [
        index
        for index, owner in enumerate(progress.owners)
        if owner[0] == OwnerType.PERSON and owner in names
    ]
    rep_pcts = progress.ratios.attainment[reps]
    board.bands = distribution_of_hundredths(rep_pcts)
    board.reps_with_goals = len(reps)
    board.reps_at_quota = int((rep_pcts >= 10_000).sum())
    if with_leaderboard:
        leaders = heapq.nsmallest(
            LEADERBOARD_SIZE,
            reps,
            key=lambda index: (
                -_or_zero(progress.ratios.attainment[index]),
                names[progress.owners[index]][0],
            ),
        )
        board.leaderboard = [row_of(progress.owners[index]) for index in leaders]
    worrying = [
        index
        for index in np.flatnonzero(np.isin(progress.ratios.status, ["at_risk", "off_track"]))
        if progress.owners[index] in names
    ]
    worst = heapq.nsmallest(
        AT_RISK_SIZE, worrying, key=lambda index: _or_zero(progress.ratios.pacing[index])
    )
    board.at_risk = [row_of(progress.owners[index]) for index in worst]
    board.at_risk_total = len(worrying)
    return board


def _or_zero(hundredths: Any) -> int:
    return 0 if hundredths == NO_RATIO else int(hundredths)


class _Progress:
    """The goals of a board: every goal's attainment %, pacing % and status at once
    (``ratios``, exact integer arithmetic over arrays), and the full ``Attainment`` of a
    goal only when a row shows it (``progress[owner]`` → (GoalRef, Attainment))."""

    def __init__(
        self,
        rows: list[tuple[int, int | None, int | None, int, Any]],
        found: dict[OwnerKey, int],
        start: dt.date,
        end: dt.date,
        as_of: dt.date,
        thresholds: Thresholds,
    ) -> None:
        self.start, self.end, self.as_of, self.thresholds = start, end, as_of, thresholds
        self.owners: list[OwnerKey] = []
        self.goals: dict[OwnerKey, tuple[GoalRef, int, Any]] = {}
        self._full: dict[OwnerKey, Attainment] = {}
        bounds: dict[tuple[tuple[str, str], ...], tuple[tuple[dt.date, dt.date], ...]] = {}
        shapes, slice_targets = [], []
        whole_period = ((start, end),)
        for pk, unit_id, person_id, target, phasing in rows:
            owner: OwnerKey = (
                (OwnerType.UNIT.value, unit_id)
                if unit_id
                else (OwnerType.PERSON.value, int(person_id or 0))
            )
            if owner in self.goals:
                # One goal per owner on a board (the first by id): every array below has
                # one entry per owner, in the order of ``owners``.
                continue
            self.owners.append(owner)
            self.goals[owner] = (GoalRef(pk, target), found.get(owner, 0), phasing)
            if phasing:
                key = tuple((piece["start"], piece["end"]) for piece in phasing)
                if key not in bounds:
                    bounds[key] = tuple(
                        (dt.date.fromisoformat(first), dt.date.fromisoformat(last))
                        for first, last in key
                    )
                shapes.append(bounds[key])
                slice_targets.append([int(piece["target"]) for piece in phasing])
            else:
                shapes.append(whole_period)
                slice_targets.append([target])
        targets = np.array([goal.target for goal, _, _ in self.goals.values()], dtype=np.int64)
        actuals = np.array([actual for _, actual, _ in self.goals.values()], dtype=np.int64)
        ratios = ratios_many(
            targets,
            actuals,
            expected_many(shapes, slice_targets, as_of),
            period_start=start,
            period_end=end,
            as_of=as_of,
            thresholds=thresholds,
        )
        self.ratios = ratios if ratios is not None else self._goal_by_goal()

    def _goal_by_goal(self) -> Ratios:
        """The same three arrays from the full per-goal computation (values too large for
        the array path)."""
        computed = [self[owner][1] for owner in self.owners]
        return Ratios(
            np.array([hundredths(item.attainment_pct) for item in computed], dtype=np.int64),
            np.array([hundredths(item.pacing_pct) for item in computed], dtype=np.int64),
            np.array([item.status for item in computed]),
        )

    def get(
        self, owner: OwnerKey, default: tuple[None, None]
    ) -> tuple[GoalRef, Attainment] | tuple[None, None]:
        return self[owner] if owner in self.goals else default

    def __getitem__(self, owner: OwnerKey) -> tuple[GoalRef, Attainment]:
        goal, actual, phasing = self.goals[owner]
        if owner not in self._full:
            self._full[owner] = compute_attainment(
                target=goal.target,
                actual=actual,
                period_start=self.start,
                period_end=self.end,
                phasing=phasing_from(phasing),
                as_of=self.as_of,
                thresholds=self.thresholds,
            )
        return goal, self._full[owner]


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
        in_force_goals(as_of)
        .filter(
            owner_person=person,
            period_start__lte=as_of,
            period_end__gte=as_of - dt.timedelta(days=365),
        )
        .select_related("metric", "owner_person")
        .order_by("-period_end", "metric__name")
    )
    return goals_with_attainment(goals, as_of=as_of)


@dataclass(frozen=True)
class Ranked:
    """One line of a leaderboard: the rank (equal attainment, equal rank), the rep and
    their attainment."""

    rank: int
    name: str
    external_id: str
    attainment_pct: Decimal | None


def leaderboard(
    unit: Unit, metric: Metric, start: dt.date, end: dt.date, as_of: dt.date
) -> list[Ranked]:
    """The ``LEADERBOARD_SIZE`` reps of ``unit``'s subtree with the highest attainment of
    their goal on ``metric`` for ``[start, end]`` on ``as_of`` — the same list as the
    unit's board shows. Who may read it is ``performance.permissions.
    can_see_leaderboard_of``; the list itself names every rep of the subtree."""
    rows = unit_board(unit, metric, start, end, as_of, with_leaderboard=True).leaderboard
    pcts = [row.progress.attainment_pct if row.progress else None for row in rows]
    return [
        Ranked(
            1 + sum(1 for other in pcts if (other or 0) > (pct or 0)),
            row.label,
            row.code,
            pct,
        )
        for row, pct in zip(rows, pcts, strict=True)
    ]
