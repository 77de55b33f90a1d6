"""Read-side queries over planning cycles and goals.

Each function loads flat rows once and computes in memory; none runs a query per goal.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, QuerySet

from quotaflow.accounts.models import User
from quotaflow.core.models import AuditEvent
from quotaflow.org.models import Assignment, AssignmentRole, Person, Unit
from quotaflow.org.paths import path_ids
from quotaflow.org.queries import active_on, home_unit, managers_of
from quotaflow.plans import engine_adapter as engine
from quotaflow.plans.explanations import amounts_for
from quotaflow.plans.models import Goal, GoalComment, GoalStatus, PlanningCycle
from quotaflow.sales.models import TransactionCredit


def cycle_goals(cycle: PlanningCycle) -> QuerySet[Goal]:
    """Every goal of ``cycle`` (tree goals and template goals) with owners and metric."""
    return Goal.objects.filter(cycle=cycle).select_related(
        "owner_unit", "owner_person", "owner_person__user", "metric"
    )


def tree_goals(cycle: PlanningCycle) -> list[Goal]:
    """The goals on the cycle's own metric: the participants' tree, root first."""
    return list(cycle_goals(cycle).filter(metric_id=cycle.metric_id).order_by("pk"))


@dataclass
class TreeRow:
    """One goal placed in its tree: depth, children and the numbers shown side by side.

    ``bottom_up`` is at the goal's own level, like its guidance: a leaf's submission (or its
    guidance when it has none), a parent's ``children_bottom_up`` ÷ (1 + the over-assignment
    with which its children share it), rounded half up to the minor unit.
    """

    goal: Goal
    depth: int
    children: list[TreeRow] = field(default_factory=list)
    bottom_up: int | None = None
    children_bottom_up: int | None = None
    over_assignment_bp: int = 0

    @property
    def gap(self) -> int | None:
        """Bottom-up minus top-down guidance, in the metric's base unit."""
        if self.bottom_up is None or self.goal.guidance is None:
            return None
        return self.bottom_up - self.goal.guidance

    @property
    def gap_bp(self) -> int | None:
        """The gap in basis points of the guidance."""
        if self.gap is None or not self.goal.guidance:
            return None
        return round(self.gap * 10_000 / self.goal.guidance)


def goal_tree(goals: Iterable[Goal], over_assignment_bp: Sequence[int] = ()) -> list[TreeRow]:
    """Goals in depth-first order (siblings: units first, then by name), with depths and
    bottom-up roll-ups (a leaf's submission, else its guidance; a parent what its
    children's imply at its level). ``over_assignment_bp[d]`` is the over-assignment with
    which goals at depth ``d`` are split (the last repeats; none when empty); the gap view
    of a cycle uses its own settings (``cycle_tree``)."""
    goals = list(goals)
    by_parent: dict[int | None, list[Goal]] = defaultdict(list)
    ids = {g.pk for g in goals}
    for goal in goals:
        by_parent[goal.parent_id if goal.parent_id in ids else None].append(goal)
    ordered: list[TreeRow] = []

    def visit(goal: Goal, depth: int) -> TreeRow:
        row = TreeRow(goal, depth)
        ordered.append(row)
        kids = sorted(
            by_parent.get(goal.pk, []), key=lambda g: (g.owner_unit_id is None, g.owner_name)
        )
        row.children = [visit(kid, depth + 1) for kid in kids]
        if row.children:
            levels = len(over_assignment_bp)
            row.over_assignment_bp = over_assignment_bp[min(depth, levels - 1)] if levels else 0
            row.children_bottom_up = sum(child.bottom_up or 0 for child in row.children)
            row.bottom_up = engine.parent_amount(row.children_bottom_up, row.over_assignment_bp)
        elif goal.submitted_target is not None:
            row.bottom_up = goal.submitted_target
        else:
            row.bottom_up = goal.guidance if goal.guidance is not None else None
        return row

    for root in sorted(by_parent.get(None, []), key=lambda g: g.owner_name):
        visit(root, 0)
    return ordered


def cycle_tree(cycle: PlanningCycle, goals: Iterable[Goal] | None = None) -> list[TreeRow]:
    """The gap view: ``goal_tree`` of the cycle's goals (or ``goals``) with the cycle's own
    over-assignment per level, the numbers reconciliation compares and the plan is
    published against."""
    return goal_tree(
        tree_goals(cycle) if goals is None else goals,
        engine.over_assignment_bp(cycle.allocation or []),
    )


def sums_are_exact(goals: Iterable[Goal]) -> list[str]:
    """Parents whose children do not add up exactly to what they were given (empty = all
    exact): ``allocated_to_children`` when set, else the parent's own target. The goals
    are one metric's (one tree), whose amounts the sentences show with the currency."""
    goals = list(goals)
    if not goals:
        return []
    shown = amounts_for(goals[0].metric).format
    totals: dict[int, int] = defaultdict(int)
    has_children: set[int] = set()
    for goal in goals:
        if goal.parent_id is not None:
            totals[goal.parent_id] += goal.target
            has_children.add(goal.parent_id)
    problems = []
    for goal in goals:
        if goal.pk in has_children:
            expected = (
                goal.allocated_to_children
                if goal.allocated_to_children is not None
                else goal.target
            )
            if totals[goal.pk] != expected:
                problems.append(
                    f"{goal.owner_name}: children sum to {shown(totals[goal.pk])}, "
                    f"not {shown(expected)}"
                )
        if goal.phasing and sum(int(m["target"]) for m in goal.phasing) != goal.target:
            problems.append(f"{goal.owner_name}: months do not add up to {shown(goal.target)}")
    return problems


@dataclass(frozen=True)
class Drift:
    """One goal whose numbers moved after the reconciliation the plan rests on: the
    figure that moved, what the reconciliation used and what it is now (minor units;
    ``was`` is None for a goal the reconciliation never saw)."""

    goal: Goal
    figure: str
    was: int | None
    now: int | None


def drift_since_reconciliation(cycle: PlanningCycle, goals: Iterable[Goal]) -> list[Drift]:
    """Hybrid: what changed since the cycle's last reconciliation, in tree order (empty =
    the plan is exactly what was reconciled). Each goal keeps, in its derivation, the
    guidance, bottom-up number and target its round used; a submission, an adjustment,
    a re-cascade or a hand edit afterwards shows up here (a submission on the leaf that
    made it, not again on every parent whose roll-up it moves)."""
    drifts: list[Drift] = []
    for row in cycle_tree(cycle, goals):
        goal = row.goal
        used = (goal.derivation or {}).get("reconciled") or {}
        if used.get("round") != cycle.negotiation_round:
            drifts.append(Drift(goal, "reconciled number", None, goal.target))
            continue
        for figure, was, now in (
            ("guidance", used.get("guidance"), goal.guidance or 0),
            ("bottom-up", used.get("bottom_up"), row.bottom_up or 0),
            ("target", used.get("target"), goal.target),
        ):
            # a parent's bottom-up number is its children's sum: the child that moved is named
            if was != now and not (figure == "bottom-up" and row.children):
                drifts.append(Drift(goal, figure, was, now))
    return drifts


def person_for(user: User) -> Person | None:
    """The person record linked to a login, if any."""
    return Person.objects.filter(user=user).first()


def tree_goal_of(cycle: PlanningCycle, person: Person) -> Goal | None:
    """``person``'s goal on the cycle's own metric (their place in the plan's tree)."""
    return (
        Goal.objects.select_related(
            "cycle", "parent", "parent__owner_unit", "owner_person", "owner_unit", "metric"
        )
        .filter(cycle=cycle, owner_person=person, metric_id=cycle.metric_id)
        .first()
    )


def reviewing_unit(goal: Goal) -> Unit | None:
    """The unit whose managers review ``goal``: its parent goal's unit; for a goal made from
    a template (no parent), the owner's own unit — the person's, or the unit above a unit.
    ``None`` for the top of a plan, which sales operations review."""
    if goal.parent is not None:
        return goal.parent.owner_unit
    if goal.cycle is not None and goal.metric_id == goal.cycle.metric_id:
        return None
    if goal.owner_person is not None:
        return home_unit(goal.owner_person, goal.period_start)
    return goal.owner_unit.parent if goal.owner_unit is not None else None


def goal_owner_users(goals: Iterable[Goal], day: dt.date) -> dict[int, list[User]]:
    """Logins responsible for each goal: the person's own login, or the unit's managers'."""
    goals = list(goals)
    unit_ids = [g.owner_unit_id for g in goals if g.owner_unit_id]
    managers: dict[int, list[User]] = defaultdict(list)
    rows = Assignment.objects.filter(
        active_on(day),
        unit_id__in=unit_ids,
        role=AssignmentRole.MANAGER,
        person__user__isnull=False,
    ).select_related("person__user")
    for assignment in rows:
        if assignment.person.user is not None:
            managers[assignment.unit_id].append(assignment.person.user)
    result: dict[int, list[User]] = {}
    for goal in goals:
        if goal.owner_person_id and goal.owner_person and goal.owner_person.user:
            result[goal.pk] = [goal.owner_person.user]
        elif goal.owner_unit_id:
            result[goal.pk] = managers.get(goal.owner_unit_id, [])
        else:
            result[goal.pk] = []
    return result


def _nearest_managers(path: str, managers: dict[int, list[User]], skip: int | None) -> list[User]:
    for unit_id in reversed(path_ids(path)):
        if unit_id != skip and managers.get(unit_id):
            return managers[unit_id]
    return []


def goal_managers(goal: Goal, day: dt.date) -> list[User]:
    """The logins of the owner's manager(s) on ``day``: for a person's goal the nearest
    managers above the unit they belong to; for a unit's goal the nearest above the unit."""
    if goal.owner_person is not None:
        unit = home_unit(goal.owner_person, day)
        skip = None
    else:
        unit, skip = goal.owner_unit, goal.owner_unit_id
    if unit is None:
        return []
    units = Unit.objects.filter(pk__in=path_ids(unit.path))
    users: dict[int, list[User]] = {
        unit_id: [person.user for person in people if person.user is not None]
        for unit_id, people in managers_of(units, day).items()
    }
    found = _nearest_managers(unit.path, users, skip)
    owner = goal.owner_person.user_id if goal.owner_person is not None else None
    return [user for user in found if user.pk != owner]


def history_by_person(person_ids: Iterable[int], start: dt.date, end: dt.date) -> dict[int, int]:
    """Credited revenue per person between ``start`` and ``end`` (minor units), one query.

    Split credit counts each person's percentage of the amount, rounded half up."""
    rows = TransactionCredit.objects.filter(
        person_id__in=list(person_ids),
        transaction__date__gte=start,
        transaction__date__lte=end,
        transaction__is_cancelled=False,
        transaction__company_amount_minor__isnull=False,
    ).values_list("person_id", "transaction__company_amount_minor", "percent")
    totals: dict[int, int] = defaultdict(int)
    for person_id, amount, percent in rows:
        totals[person_id] += int(((amount or 0) * percent / 100).to_integral_value())
    return dict(totals)


def prior_period(cycle: PlanningCycle) -> tuple[dt.date, dt.date]:
    """The period of the same length just before the cycle's (usually the prior year)."""
    days = (cycle.period_end - cycle.period_start).days
    end = cycle.period_start - dt.timedelta(days=1)
    return end - dt.timedelta(days=days), end


def history_by_goal(cycle: PlanningCycle, goals: list[Goal]) -> dict[int, int]:
    """Prior-period actuals per tree goal: a person's credits, a unit the sum beneath it."""
    start, end = prior_period(cycle)
    by_person = history_by_person(
        [g.owner_person_id for g in goals if g.owner_person_id], start, end
    )
    history = {g.pk: by_person.get(g.owner_person_id or 0, 0) for g in goals}
    rows = goal_tree(goals)
    for row in reversed(rows):
        if row.children:
            history[row.goal.pk] = sum(history[child.goal.pk] for child in row.children)
    return history


@dataclass(frozen=True)
class SubmissionRow:
    """Whether one owner has submitted, with their prior-period history beside it."""

    goal: Goal
    submitted: bool
    history: int


def submission_status(cycle: PlanningCycle, visible: set[int] | None = None) -> list[SubmissionRow]:
    """Who has and has not submitted in a bottom-up or hybrid cycle (person goals); only
    the goals in ``visible`` when given (``None``: all)."""
    goals = tree_goals(cycle)
    history = history_by_goal(cycle, goals)
    return [
        SubmissionRow(
            g, g.submitted_target is not None and g.status != GoalStatus.RETURNED, history[g.pk]
        )
        for g in goals
        if g.owner_person_id and (visible is None or g.pk in visible)
    ]


@dataclass(frozen=True)
class VersionDelta:
    """One owner's target in two versions of a plan and the difference (b − a)."""

    owner: str
    metric: str
    target_a: int | None
    target_b: int | None

    @property
    def delta(self) -> int:
        """How much version b adds to (or takes from) version a."""
        return (self.target_b or 0) - (self.target_a or 0)


def compare_versions(
    a: PlanningCycle,
    b: PlanningCycle,
    *,
    visible_a: set[int] | None = None,
    visible_b: set[int] | None = None,
) -> list[VersionDelta]:
    """Per-owner deltas between two versions or scenarios of a plan, tree order of ``a``;
    of each only the goals in its ``visible_*`` set when given (``None``: all)."""

    def key(goal: Goal) -> tuple[Any, ...]:
        return (goal.owner_unit_id, goal.owner_person_id, goal.metric_id)

    rows_a = [
        row.goal
        for row in goal_tree(cycle_goals(a))
        if visible_a is None or row.goal.pk in visible_a
    ]
    goals_b = {key(g): g for g in cycle_goals(b) if visible_b is None or g.pk in visible_b}
    deltas = []
    for goal in rows_a:
        other = goals_b.pop(key(goal), None)
        deltas.append(
            VersionDelta(
                goal.owner_name, goal.metric.name, goal.target, other.target if other else None
            )
        )
    for other in goals_b.values():
        deltas.append(VersionDelta(other.owner_name, other.metric.name, None, other.target))
    return deltas


def comment_counts(cycle: PlanningCycle) -> dict[int, int]:
    """Goal id → how many comments its thread holds, for the cycle's goals (one query)."""
    rows = (
        GoalComment.objects.filter(goal__cycle=cycle)
        .values("goal_id")
        .annotate(count=Count("pk"))
        .values_list("goal_id", "count")
    )
    return dict(rows)


def goal_history(goal: Goal) -> QuerySet[AuditEvent]:
    """Every recorded change to ``goal``, oldest first."""
    return (
        AuditEvent.objects.filter(object_type="plans.goal", object_id=str(goal.pk))
        .select_related("actor")
        .order_by("at", "pk")
    )


def replay_target(goal: Goal) -> int | None:
    """The goal's target rebuilt from its audit history alone (``None`` if never set)."""
    target: int | None = None
    for event in goal_history(goal):
        change = event.changes.get("target")
        if change is not None:
            target = None if change[1] is None else int(change[1])
    return target


def open_goals_for(user: User) -> QuerySet[Goal]:
    """Unpublished goals in cycles where the user owns a goal (to submit or review);
    never a what-if scenario's copy of their goal."""
    person = person_for(user)
    if person is None:
        return Goal.objects.none()
    return Goal.objects.filter(
        owner_person=person, cycle__status__in=["draft", "open"], cycle__is_scenario=False
    ).select_related("cycle", "metric")


def plan_family(cycle: PlanningCycle) -> list[PlanningCycle]:
    """Every version and scenario descended from the same original plan, oldest first."""
    candidates = list(
        PlanningCycle.objects.filter(
            metric_id=cycle.metric_id,
            root_unit_id=cycle.root_unit_id,
            period_start=cycle.period_start,
        )
        .select_related("metric", "root_unit", "owner")
        .order_by("pk")
    )
    by_id = {c.pk: c for c in candidates}

    def origin(item: PlanningCycle) -> int:
        while item.based_on_id is not None and item.based_on_id in by_id:
            item = by_id[item.based_on_id]
        return item.pk

    root = origin(cycle)
    return [c for c in candidates if origin(c) == root]
