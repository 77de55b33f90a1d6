"""Reading adjustment requests: what a request would change (its before and after), whether
its size needs sales operations, the lists and inboxes people see, and the changes an
approved request made, as the goal pages show them.

The numbers come from the same functions the versioning applies (``plans.proration``), so
the preview a requester and the approvers read is the change that will be made.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse

from quotaflow.accounts.models import Role, User
from quotaflow.core.errors import Conflict, NotFound
from quotaflow.plans.explanations import amounts_for
from quotaflow.plans.in_force import version_histories
from quotaflow.plans.models import (
    ADJUSTMENT_PENDING,
    AdjustmentEffect,
    AdjustmentEvidence,
    AdjustmentRequest,
    AdjustmentStatus,
    CycleStatus,
    Goal,
    PlanningCycle,
    ReliefPolicy,
)
from quotaflow.plans.permissions import Actor, can_decide_adjustment
from quotaflow.plans.proration import prorated_change, resplit_months, taking_back
from quotaflow.plans.queries import plan_family
from quotaflow.plans.visibility import visible_adjustment_requests

#: The most requests a list or an inbox shows at once.
LIST_LIMIT = 200


@dataclass(frozen=True)
class MonthChange:
    """One month of the changed goal: its target before and after (stored units)."""

    start: str
    end: str
    before: int
    after: int


@dataclass(frozen=True)
class OtherChange:
    """Another goal the change moves: a sibling that takes part of it back (re-split) or
    a level above that absorbs it (parent absorbs)."""

    goal_id: int
    owner: str
    role: str  # "sibling" or "above"
    before: int
    after: int


@dataclass(frozen=True)
class Impact:
    """What a request changes, in stored units: the goal's target now (``old_target``), the
    new full-period target asked for, the prorated change from ``effective_from`` on and
    the resulting target, month by month, and the other goals it moves under ``policy``."""

    effective_from: str
    old_target: int
    new_full_target: int
    prorated: int
    new_target: int
    remaining_days: int
    period_days: int
    policy: str
    months: list[MonthChange] = field(default_factory=list)
    others: list[OtherChange] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @staticmethod
    def from_dict(data: dict[str, Any]) -> Impact:
        return Impact(
            **{k: v for k, v in data.items() if k not in {"months", "others"}},
            months=[MonthChange(**m) for m in data.get("months", [])],
            others=[OtherChange(**o) for o in data.get("others", [])],
        )

    @property
    def full_change(self) -> int:
        return self.new_full_target - self.old_target


def impact_of(goal: Goal, new_full_target: int, effective_from: dt.date) -> Impact:
    """The change ``new_full_target`` from ``effective_from`` makes to ``goal`` and the goals
    around it in its plan version, exactly as ``create_mid_period_version`` will apply it
    (one query for the plan's goals). Refuses (``InvalidInput``) a re-split the siblings
    cannot take."""
    cycle = goal.cycle
    assert cycle is not None  # noqa: S101 - requests are on plan goals
    money = amounts_for(goal.metric)
    goals = list(
        Goal.objects.filter(cycle=cycle, metric_id=goal.metric_id)
        .select_related("owner_unit", "owner_person")
        .order_by("pk")
    )
    me = next(g for g in goals if g.pk == goal.pk)
    amount, months = prorated_change(
        new_full_target - me.target, cycle.period_start, cycle.period_end, effective_from, money
    )
    others: list[OtherChange] = []
    if cycle.relief_policy == ReliefPolicy.SIBLINGS_RESPLIT:
        siblings = taking_back(me, goals, changed={me.pk})
        shares = resplit_months(
            months, [[int(m["target"]) for m in g.phasing] for g in siblings], money
        )
        others = [
            OtherChange(g.pk, g.owner_name, "sibling", g.target, g.target + sum(parts))
            for g, parts in zip(siblings, shares, strict=True)
        ]
    else:
        by_id = {g.pk: g for g in goals}
        parent_id = me.parent_id
        while parent_id is not None:
            above = by_id[parent_id]
            others.append(
                OtherChange(
                    above.pk, above.owner_name, "above", above.target, above.target + amount
                )
            )
            parent_id = above.parent_id
    return Impact(
        effective_from=effective_from.isoformat(),
        old_target=me.target,
        new_full_target=new_full_target,
        prorated=amount,
        new_target=me.target + amount,
        remaining_days=(cycle.period_end - effective_from).days + 1,
        period_days=(cycle.period_end - cycle.period_start).days + 1,
        policy=cycle.relief_policy,
        months=[
            MonthChange(m["start"], m["end"], int(m["target"]), int(m["target"]) + part)
            for m, part in zip(me.phasing, months, strict=True)
        ],
        others=others,
    )


def needs_sales_ops(cycle: PlanningCycle, current: int, new_full_target: int) -> bool:
    """Whether a change from ``current`` to ``new_full_target`` (full period) is larger than
    the cycle's thresholds: more than ``relief_ops_threshold`` stored units, or more than
    ``relief_ops_threshold_bp`` basis points of the current target (any change of a zero
    target counts as above a percentage)."""
    change = abs(new_full_target - current)
    if cycle.relief_ops_threshold is not None and change > cycle.relief_ops_threshold:
        return True
    bp = cycle.relief_ops_threshold_bp
    if bp is None or change == 0:
        return False
    return current <= 0 or change * 10_000 > bp * current


def current_goal(goal: Goal) -> Goal:
    """The goal of the same owner in the plan version published now (``goal`` itself
    unless a later version superseded its plan); Conflict when the plan has none."""
    cycle = goal.cycle
    assert cycle is not None  # noqa: S101 - requests are on plan goals
    if cycle.status == CycleStatus.PUBLISHED:
        return goal
    published = [c for c in plan_family(cycle) if c.status == CycleStatus.PUBLISHED]
    found = (
        Goal.objects.filter(
            cycle__in=published,
            owner_unit_id=goal.owner_unit_id,
            owner_person_id=goal.owner_person_id,
            metric_id=goal.metric_id,
        )
        .select_related("cycle", "metric", "owner_unit", "owner_person", "parent__owner_unit")
        .first()
    )
    if found is None:
        raise Conflict(
            f"'{cycle}' is {cycle.get_status_display().lower()} and no published version of "
            f"it holds {goal.owner_name}'s goal any more; nothing can be applied."
        )
    return found


def planners() -> QuerySet[User]:
    """Everyone who decides sales operations' step: active sales ops and administrators."""
    return User.objects.filter(is_active=True, role__in=[Role.SALES_OPS, Role.ADMIN])


def requests_for(user: User, show: str) -> list[AdjustmentRequest]:
    """The requests ``user`` may read, narrowed by ``show``: ``"mine"`` (filed by them or on
    their own goals), ``"awaiting"`` (pending a decision they may take) or ``"all"``;
    newest first, at most :data:`LIST_LIMIT`."""
    rows = visible_adjustment_requests(user)
    if show == "mine":
        rows = rows.filter(requested_by=user) | rows.filter(goal__owner_person__user=user)
    if show == "awaiting":
        actor = Actor(user)
        pending = rows.filter(status__in=ADJUSTMENT_PENDING)
        return [r for r in pending[: LIST_LIMIT * 5] if can_decide_adjustment(actor, r)][
            :LIST_LIMIT
        ]
    return list(rows.distinct()[:LIST_LIMIT])


def awaiting_count(user: User) -> int:
    """How many requests wait for a decision ``user`` may take."""
    return len(requests_for(user, "awaiting"))


def returned_to(user: User) -> list[AdjustmentRequest]:
    """Requests ``user`` filed that came back to them for more information."""
    return list(
        visible_adjustment_requests(user).filter(
            requested_by=user, status=AdjustmentStatus.RETURNED
        )[:LIST_LIMIT]
    )


@dataclass(frozen=True)
class GoalChange:
    """That a goal's target changed on ``effective_from`` because of request #``request_id``:
    its target before and after, and whether it was the goal asked about or a goal
    around it (a sibling, a level above)."""

    request_id: int
    effective_from: dt.date
    role: str
    before: int
    after: int
    plan_version: int


def changes_of(goals: Iterable[Goal]) -> dict[int, list[GoalChange]]:
    """For each goal, the approved requests that changed its owner's goal in this plan up
    to its version, oldest first (three queries, whatever the number of goals)."""
    goals = list(goals)
    histories = version_histories(goals)
    version_ids: dict[int, list[int]] = {}
    for goal in goals:
        history = histories.get(goal.pk)
        mine = history.of_goal(goal.pk) if history else None
        if history is not None and mine is not None:
            version_ids[goal.pk] = [
                v.goal_id for v in history.versions if v.plan_version <= mine.plan_version
            ]
    wanted = {pk for ids in version_ids.values() for pk in ids}
    effects = (
        AdjustmentEffect.objects.filter(goal_id__in=wanted)
        .select_related("request", "goal__cycle")
        .order_by("request__decided_at", "pk")
    )
    by_goal: dict[int, list[GoalChange]] = {}
    for effect in effects:
        change = GoalChange(
            effect.request_id,
            effect.request.effective_from,
            effect.role,
            effect.before,
            effect.after,
            effect.goal.cycle.plan_version if effect.goal.cycle else 1,
        )
        by_goal.setdefault(effect.goal_id, []).append(change)
    return {
        goal_id: [c for pk in ids for c in by_goal.get(pk, [])]
        for goal_id, ids in version_ids.items()
    }


def requests_on(goal: Goal, user: User) -> list[AdjustmentRequest]:
    """The requests on ``goal``'s owner's goal in this plan that ``user`` may read."""
    family = [c.pk for c in plan_family(goal.cycle)] if goal.cycle else []
    return list(
        visible_adjustment_requests(user).filter(
            goal__cycle_id__in=family,
            goal__owner_unit_id=goal.owner_unit_id,
            goal__owner_person_id=goal.owner_person_id,
            goal__metric_id=goal.metric_id,
        )[:LIST_LIMIT]
    )


def evidence_download(found: AdjustmentRequest, file_id: int) -> HttpResponse:
    """One of ``found``'s evidence files as a download (never shown inline)."""
    stored = AdjustmentEvidence.objects.filter(request=found, pk=file_id).first()
    if stored is None:
        raise NotFound("There is no such evidence file.")
    response = HttpResponse(bytes(stored.data), content_type=stored.content_type)
    safe = stored.file_name.replace('"', "").replace("\\", "")
    response["Content-Disposition"] = f'attachment; filename="{safe}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
