"""Which version of a plan is in force on a date: the one home of that rule.

A published plan changes only through effective-dated versions (``plans.actions.versions``):
version 1 is in force from the plan's start, each later version from its ``effective_from``,
and every version until the day before the next one's ``effective_from`` (the last one to
the end of the period). The goal of an owner on a metric in a period *on day D* is that
owner's goal in the version whose window holds D. A day before the period reads version 1,
a day after it the last version, so every date names exactly one version.

Superseded versions are history: they are never a second current goal, but a request
about a day inside their window reads them, and goal pages list every version of a goal.

Goals set outside any plan are in force for their whole period. Drafts, plans still being
negotiated and what-if scenarios are never in force.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from quotaflow.plans.models import CycleStatus, Goal, PlanningCycle

#: Plans whose goals are (or were) tracked: the published version, the versions it
#: superseded and closed plans. A later version outside these is its planner's work in
#: progress, seen only by them like a scenario (``plans.visibility``).
RELEASED = (CycleStatus.PUBLISHED, CycleStatus.SUPERSEDED, CycleStatus.CLOSED)


def _released_versions() -> Q:
    return Q(is_scenario=False, status__in=RELEASED)


def in_force_on(day: dt.date) -> Q:
    """A filter on Goal: the goals in force on ``day`` (see the module's rule)."""
    superseded_by_then = PlanningCycle.objects.filter(
        _released_versions(), based_on_id=OuterRef("cycle_id"), effective_from__lte=day
    )
    started = Q(cycle__effective_from__isnull=True) | Q(cycle__effective_from__lte=day)
    released = Q(cycle__is_scenario=False, cycle__status__in=RELEASED) & started
    return Q(cycle__isnull=True) | (released & ~Q(Exists(superseded_by_then)))


def in_force_goals(day: dt.date) -> QuerySet[Goal]:
    """Every goal in force on ``day``: at most one per owner, metric and period for each
    plan, whatever versions the plan went through."""
    return Goal.objects.filter(in_force_on(day))


@dataclass(frozen=True)
class GoalVersion:
    """One version of an owner's goal in a plan: the goal, its plan version and the days
    it is in force (``until`` inclusive)."""

    goal_id: int
    cycle_id: int
    plan_version: int
    target: int
    in_force_from: dt.date
    in_force_until: dt.date
    change_reason: str

    def holds(self, day: dt.date) -> bool:
        """Whether this version is the one in force on ``day`` (days outside the period
        belong to the first or the last version)."""
        return self.in_force_from <= day <= self.in_force_until

    @property
    def superseded_on(self) -> dt.date:
        """The first day the next version is in force (meaningful when there is one)."""
        return self.in_force_until + dt.timedelta(days=1)


@dataclass(frozen=True)
class VersionHistory:
    """Every version of one goal, oldest first, and which of them a day reads."""

    versions: tuple[GoalVersion, ...]

    def of_goal(self, goal_id: int) -> GoalVersion | None:
        return next((v for v in self.versions if v.goal_id == goal_id), None)

    def on(self, day: dt.date) -> GoalVersion | None:
        """The version in force on ``day`` (``None`` when the owner had no goal then, e.g.
        a person who joined through a later version)."""
        if not self.versions:
            return None
        first, last = self.versions[0], self.versions[-1]
        if day < first.in_force_from and first.plan_version == 1:
            return first
        if day > last.in_force_until:
            return last
        return next((v for v in self.versions if v.holds(day)), None)

    def after(self, goal_id: int) -> GoalVersion | None:
        """The version that replaced ``goal_id``'s (``None`` for the latest)."""
        numbers = [v.goal_id for v in self.versions]
        index = numbers.index(goal_id) if goal_id in numbers else -1
        return self.versions[index + 1] if 0 <= index < len(self.versions) - 1 else None


def _windows(cycles: list[PlanningCycle]) -> dict[int, tuple[int, dt.date, dt.date]]:
    """Per released version: (the id of its plan's first version, first day, last day)."""
    by_id = {c.pk: c for c in cycles}
    successor = {c.based_on_id: c for c in cycles if c.based_on_id in by_id}

    def origin(cycle: PlanningCycle) -> int:
        while cycle.based_on_id in by_id:
            cycle = by_id[cycle.based_on_id]
        return cycle.pk

    windows = {}
    for cycle in cycles:
        start = cycle.effective_from or cycle.period_start
        after = successor.get(cycle.pk)
        end = (
            after.effective_from - dt.timedelta(days=1)
            if after is not None and after.effective_from is not None
            else cycle.period_end
        )
        windows[cycle.pk] = (origin(cycle), start, end)
    return windows


def version_histories(goals: Iterable[Goal]) -> dict[int, VersionHistory]:
    """For each goal of a released plan: every version of the same owner's goal on the
    same metric across its plan's versions, oldest first (two queries, whatever the
    number of goals). Goals outside plans, drafts and scenarios are absent."""
    goals = [g for g in goals if g.cycle_id is not None]
    if not goals:
        return {}
    plans = (
        PlanningCycle.objects.filter(pk__in={g.cycle_id for g in goals})
        .filter(_released_versions())
        .values_list("metric_id", "root_unit_id", "period_start")
        .distinct()
    )
    same_plan = Q(pk__in=[])
    for metric_id, root_unit_id, period_start in plans:
        same_plan |= Q(metric_id=metric_id, root_unit_id=root_unit_id, period_start=period_start)
    cycles = list(PlanningCycle.objects.filter(same_plan, _released_versions()).order_by("pk"))
    windows = _windows(cycles)
    numbers = {c.pk: (c.plan_version, c.change_reason) for c in cycles}
    rows = Goal.objects.filter(cycle_id__in=list(windows)).filter(
        Q(owner_unit_id__in={g.owner_unit_id for g in goals if g.owner_unit_id})
        | Q(owner_person_id__in={g.owner_person_id for g in goals if g.owner_person_id})
    )
    found: dict[tuple[int, int | None, int | None, int], list[GoalVersion]] = defaultdict(list)
    for pk, cycle_id, unit_id, person_id, metric_id, target in rows.values_list(
        "pk", "cycle_id", "owner_unit_id", "owner_person_id", "metric_id", "target"
    ):
        origin, start, end = windows[cycle_id]
        number, reason = numbers[cycle_id]
        found[(origin, unit_id, person_id, metric_id)].append(
            GoalVersion(pk, cycle_id, number, int(target), start, end, reason)
        )
    histories = {}
    for goal in goals:
        if goal.cycle_id not in windows:
            continue
        key = (windows[goal.cycle_id][0], goal.owner_unit_id, goal.owner_person_id, goal.metric_id)
        versions = sorted(found[key], key=lambda v: v.plan_version)
        histories[goal.pk] = VersionHistory(tuple(versions))
    return histories


def version_note(version: GoalVersion, history: VersionHistory) -> str:
    """``Version 2, in force from 1 Jul 2027 (Parental leave); replaced version 1.``:
    which version a number comes from, in words for pages and the API."""
    text = f"Version {version.plan_version}, in force from {version.in_force_from:%d %b %Y}"
    following = history.after(version.goal_id)
    if following is not None:
        text += f" to {version.in_force_until:%d %b %Y}; superseded on "
        text += f"{following.in_force_from:%d %b %Y} by version {following.plan_version}"
    if version.change_reason:
        text += f" ({version.change_reason})"
    return text + "."
