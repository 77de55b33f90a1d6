"""Versioned writes of goals and cycles, each with its audit event, and the engine inputs built from goals."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db.models import F
from django.utils import timezone

from quotaflow.accounts.models import User
from quotaflow.core.audit import diff, record, record_many
from quotaflow.core.errors import Conflict, InvalidInput
from quotaflow.plans import engine_adapter as engine
from quotaflow.plans.models import (
    Goal,
    GoalComment,
    PlanningCycle,
)
from quotaflow.plans.signals import comments_written

#: Goal fields whose changes are audited (and replayable from the audit trail).
AUDITED_FIELDS = (
    "target",
    "guidance",
    "submitted_target",
    "status",
    "locked",
    "parent_id",
    "allocated_to_children",
    "weight",
    "rationale",
    "breakdown",
)


def _snapshot(goal: Goal) -> dict[str, Any]:
    return {name: getattr(goal, name) for name in AUDITED_FIELDS}


def _update_versioned(
    obj: Goal | PlanningCycle, changes: Mapping[str, Any], *, shown: str, **columns: Any
) -> None:
    """``UPDATE … SET changes, version = version + 1 WHERE version = obj.version`` (with
    ``columns`` written too), then the same changes on ``obj``; Conflict naming ``shown``
    if someone else changed the row meanwhile."""
    updated = (
        type(obj)
        .objects.filter(pk=obj.pk, version=obj.version)
        .update(**changes, **columns, version=F("version") + 1)
    )
    if updated == 0:
        raise Conflict(f"{shown} was changed by someone else meanwhile; reload it and try again.")
    for name, value in changes.items():
        setattr(obj, name, value)
    obj.version += 1


def _write_goal(
    goal: Goal, changes: Mapping[str, Any], *, actor: User, action: str, reason: str = ""
) -> Goal:
    """Apply ``changes`` with ``UPDATE … WHERE version = goal.version``; Conflict if stale."""
    before = _snapshot(goal)
    _update_versioned(goal, changes, shown=str(goal), updated_at=timezone.now())
    record(
        actor=actor, action=action, obj=goal, changes=diff(before, _snapshot(goal)), reason=reason
    )
    return goal


def _write_goals(
    goals: Sequence[Goal],
    changes: Mapping[int, Mapping[str, Any]],
    *,
    actor: User,
    action: str,
    reason: str = "",
) -> None:
    """Apply per-goal changes in bulk to goals read under a row lock, one audit event each."""
    entries = []
    touched = []
    now = timezone.now()
    for goal in goals:
        new = changes.get(goal.pk)
        if not new:
            continue
        before = _snapshot(goal)
        for name, value in new.items():
            setattr(goal, name, value)
        goal.version += 1
        goal.updated_at = now
        touched.append(goal)
        delta = diff(before, _snapshot(goal))
        if delta or action.endswith("created"):
            entries.append((goal, delta, reason))
    fields = sorted({name for new in changes.values() for name in new} | {"version", "updated_at"})
    Goal.objects.bulk_update(touched, fields, batch_size=500)
    record_many(actor=actor, action=action, entries=entries)


def _write_comments(
    goals: Sequence[Goal], author: User, body: str, kind: str, *, field: str
) -> list[GoalComment]:
    """The same comment on every goal (in its cycle's negotiation round), in one insert,
    then ``plans.signals.comments_written`` — so that every comment's @mentions are
    resolved the one way, whichever step wrote it (``field`` names the input it came
    from in a refusal)."""
    comments = GoalComment.objects.bulk_create(
        [
            GoalComment(
                goal=goal,
                author=author,
                body=body.strip(),
                kind=kind,
                negotiation_round=goal.cycle.negotiation_round if goal.cycle else 0,
            )
            for goal in goals
        ]
    )
    comments_written.send(sender=GoalComment, comments=comments, field=field)
    return comments


def _with_names(goals: Iterable[Goal]) -> list[Goal]:
    """The same goals re-read with what their names read (owner and metric), in one query,
    so that the audit rows written for them in bulk name each goal without a query each."""
    ids = [goal.pk for goal in goals]
    found = Goal.objects.select_related("owner_unit", "owner_person", "metric").in_bulk(ids)
    return [found[pk] for pk in ids]


def _bump_cycle(
    cycle: PlanningCycle, changes: Mapping[str, Any], *, actor: User, action: str, reason: str = ""
) -> None:
    before = {name: getattr(cycle, name) for name in changes}
    _update_versioned(cycle, changes, shown=f"'{cycle}'")
    record(
        actor=actor, action=action, obj=cycle, changes=diff(before, dict(changes)), reason=reason
    )


def _set_cycle_status(
    cycle: PlanningCycle,
    cycle_changes: Mapping[str, Any],
    *,
    goal_status: str,
    actor: User,
    verb: str,
    reason: str = "",
) -> None:
    """Every goal of ``cycle`` (read under a row lock) to ``goal_status`` and the cycle to
    ``cycle_changes``, audited as ``plans.goal.<verb>`` and ``plans.cycle.<verb>``."""
    goals = list(Goal.objects.select_for_update().filter(cycle=cycle))
    _write_goals(
        goals,
        {g.pk: {"status": goal_status} for g in goals},
        actor=actor,
        action=f"plans.goal.{verb}",
        reason=reason,
    )
    _bump_cycle(cycle, cycle_changes, actor=actor, action=f"plans.cycle.{verb}", reason=reason)


def _phasing(cycle: PlanningCycle, target: int) -> list[dict[str, Any]]:
    return engine.phase(target, cycle.period_start, cycle.period_end, cycle.phasing_profile or ())


def _names(goals: Iterable[Goal]) -> dict[int, str]:
    return {g.pk: g.owner_name for g in goals}


def _nodes(goals: Sequence[Goal], history: Mapping[int, int] | None = None) -> list[engine.Node]:
    ids = {g.pk for g in goals}
    return [
        engine.Node(
            g.pk,
            g.parent_id if g.parent_id in ids else None,
            weight=g.weight,
            history=(history or {}).get(g.pk, 0),
        )
        for g in goals
    ]


def _settings(cycle: PlanningCycle) -> list[engine.LevelSetting]:
    return [engine.LevelSetting.from_dict(level) for level in cycle.allocation or []]


def _locked_tree(cycle: PlanningCycle) -> list[Goal]:
    goals = list(
        Goal.objects.select_for_update(of=("self",))
        .filter(cycle=cycle, metric_id=cycle.metric_id)
        .select_related("owner_unit", "owner_person", "metric")
        .order_by("pk")
    )
    if not goals:
        raise InvalidInput(f"'{cycle}' has no participants.")
    return goals
