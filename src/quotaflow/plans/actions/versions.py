"""Publication and versions: publishing, closing, what-if scenarios and mid-period versions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from quotaflow.accounts.models import User
from quotaflow.core.audit import diff, record, record_many
from quotaflow.core.errors import Conflict, InvalidInput, NotAllowed
from quotaflow.core.notify import notify
from quotaflow.plans import permissions
from quotaflow.plans.actions.guards import (
    _locked_cycle,
    _require_editable,
    _require_planner,
    _require_targets,
)
from quotaflow.plans.actions.writes import (
    _locked_tree,
    _phasing,
    _set_cycle_status,
    _with_names,
)
from quotaflow.plans.explanations import amounts_for
from quotaflow.plans.models import (
    AdjustmentRequest,
    Approach,
    CycleStatus,
    Goal,
    GoalStatus,
    PlanningCycle,
)
from quotaflow.plans.proration import prorated_change, resplit_months, taking_back
from quotaflow.plans.qualitative import copy_milestones
from quotaflow.plans.queries import (
    Drift,
    cycle_tree,
    drift_since_reconciliation,
    goal_owner_users,
    sums_are_exact,
)


def publish_cycle(
    cycle: PlanningCycle, *, acting_user: User, expected_version: int | None = None
) -> PlanningCycle:
    """Publish the plan: every goal becomes published and immutable and its owner is told.

    Top-down needs a cascade; bottom-up needs every number approved; hybrid needs a
    reconciliation and a bottom-up / top-down gap within tolerance at the top."""
    _require_planner(acting_user)
    with transaction.atomic():
        cycle = _locked_cycle(cycle, expected_version)
        _require_editable(cycle)
        if cycle.is_scenario:
            raise InvalidInput(
                "A scenario is a what-if and cannot be published; publish the plan itself."
            )
        goals = _locked_tree(cycle)
        _check_ready(cycle, goals)
        problems = sums_are_exact(goals)
        if problems:
            raise Conflict("The plan does not add up: " + "; ".join(problems[:5]))
        _set_cycle_status(
            cycle,
            {"status": CycleStatus.PUBLISHED, "published_at": timezone.now()},
            goal_status=GoalStatus.PUBLISHED,
            actor=acting_user,
            verb="published",
        )
        owners = goal_owner_users(
            Goal.objects.filter(cycle=cycle).select_related("owner_person__user"),
            cycle.period_start,
        )
        users = [u for group in owners.values() for u in group]
        notify(
            users,
            kind="plan.published",
            title=f"Your goals for {cycle} are published",
            url="/plans/my-goals/",
        )
    return cycle


def _check_ready(cycle: PlanningCycle, goals: list[Goal]) -> None:
    if cycle.approach == Approach.TOP_DOWN and cycle.company_target is None:
        raise InvalidInput("Cascade a company target before publishing.")
    if cycle.approach == Approach.BOTTOM_UP:
        waiting = [g.owner_name for g in goals if g.status != GoalStatus.APPROVED]
        if waiting:
            raise InvalidInput(
                f"Every number must be approved first; not yet: {', '.join(sorted(waiting)[:10])}."
            )
    if cycle.approach == Approach.HYBRID:
        if not cycle.reconciliation:
            raise InvalidInput("Reconcile top-down and bottom-up before publishing.")
        if any(g.status not in {GoalStatus.PROPOSED, GoalStatus.APPROVED} for g in goals):
            raise InvalidInput(
                "Some numbers changed after the last reconciliation; reconcile again first."
            )
        drifts = drift_since_reconciliation(cycle, goals)
        if drifts:
            raise InvalidInput(_stale_reconciliation_message(cycle, drifts))
        root = next(row for row in cycle_tree(cycle, goals) if row.depth == 0)
        if root.gap_bp is not None and abs(root.gap_bp) > cycle.gap_tolerance_bp:
            raise InvalidInput(
                f"The bottom-up total is {root.gap_bp / 100:+.2f}% off the top-down target; the tolerance "
                f"is {cycle.gap_tolerance_bp / 100:.2f}%. Run another negotiation round first."
            )


def _stale_reconciliation_message(cycle: PlanningCycle, drifts: Sequence[Drift]) -> str:
    """Why a hybrid plan cannot be published as it stands, naming what moved."""
    shown = amounts_for(cycle.metric).format

    shown_drifts = [
        f"{d.goal.owner_name} ({d.figure} {shown(d.was)} → {shown(d.now)})"
        if d.was is not None
        else f"{d.goal.owner_name} (not in the reconciliation)"
        for d in drifts[:10]
    ]
    more = f" and {len(drifts) - 10} more" if len(drifts) > 10 else ""
    return (
        f"The plan changed after round {cycle.negotiation_round}'s reconciliation, so publishing "
        f"would use numbers nobody reconciled: {'; '.join(shown_drifts)}{more}. "
        "Reconcile again, then publish."
    )


def close_cycle(
    cycle: PlanningCycle, *, acting_user: User, expected_version: int | None = None
) -> PlanningCycle:
    """Close a published plan at the end of its period; its goals become closed."""
    _require_planner(acting_user)
    with transaction.atomic():
        cycle = _locked_cycle(cycle, expected_version)
        if cycle.status != CycleStatus.PUBLISHED:
            raise Conflict("Only a published plan can be closed.")
        _set_cycle_status(
            cycle,
            {"status": CycleStatus.CLOSED},
            goal_status=GoalStatus.CLOSED,
            actor=acting_user,
            verb="closed",
        )
    return cycle


#: The settings a copied cycle (a new version or a scenario) takes over from its source.
_COPIED_SETTINGS = (
    "metric_id",
    "root_unit_id",
    "period_start",
    "period_end",
    "period_label",
    "approach",
    "submissions_due",
    "approvals_due",
    "publish_on",
    "allocation",
    "phasing_profile",
    "gap_tolerance_bp",
    "company_target",
    "negotiation_round",
    "reconciliation",
    "checkin_cadence",
    "relief_policy",
    "relief_ops_threshold",
    "relief_ops_threshold_bp",
    "relief_backdate_days",
)


def _copy_cycle(
    source: PlanningCycle, *, actor: User, name: str, goal_status: str, **fields: Any
) -> PlanningCycle:
    """A new cycle with the settings of ``source`` and a copy of all its goals."""
    copy = PlanningCycle.objects.create(
        name=name,
        owner=actor,
        based_on=source,
        **{setting: getattr(source, setting) for setting in _COPIED_SETTINGS},
        **fields,
    )
    originals = list(Goal.objects.filter(cycle=source).order_by("pk"))
    copied_fields = (
        "owner_unit_id", "owner_person_id", "metric_id", "period_start", "period_end", "period_label",
        "target", "phasing", "description", "rationale", "derivation", "guidance", "submitted_target",
        "breakdown", "rubric", "kind", "weight", "locked", "allocated_to_children", "effective_from",
    )  # fmt: skip
    copies = Goal.objects.bulk_create(
        Goal(cycle=copy, status=goal_status, **{f: getattr(g, f) for f in copied_fields})
        for g in originals
    )
    new_id = {old.pk: new.pk for old, new in zip(originals, copies, strict=True)}
    for old, new in zip(originals, copies, strict=True):
        new.parent_id = new_id.get(old.parent_id) if old.parent_id else None
    Goal.objects.bulk_update(copies, ["parent"])
    copy_milestones(new_id)
    record_many(
        actor=actor,
        action="plans.goal.copied",
        entries=(
            (
                new,
                {"target": [None, new.target], "status": [None, goal_status]},
                f"copied from goal {old.pk} of '{source}'",
            )
            for old, new in zip(originals, _with_names(copies), strict=True)
        ),
    )
    record(
        actor=actor,
        action="plans.cycle.copied",
        obj=copy,
        changes={"based_on": [None, str(source)]},
    )
    return copy


def copy_as_scenario(cycle: PlanningCycle, *, acting_user: User, name: str = "") -> PlanningCycle:
    """Copy a plan (published or not) as a what-if scenario that can be changed freely."""
    _require_planner(acting_user)
    with transaction.atomic():
        source = _locked_cycle(cycle)
        status = CycleStatus.DRAFT if source.approach == Approach.TOP_DOWN else CycleStatus.OPEN
        return _copy_cycle(
            source,
            actor=acting_user,
            name=name.strip() or f"{source.name} – what-if",
            goal_status=GoalStatus.DRAFT,
            is_scenario=True,
            status=status,
            plan_version=source.plan_version,
        )


def create_mid_period_version(
    cycle: PlanningCycle,
    *,
    acting_user: User,
    effective_from: dt.date,
    reason: str,
    targets: Mapping[int, int] | None = None,
    moves: Mapping[int, int] | None = None,
    hires: Mapping[int, tuple[int, int]] | None = None,
    resplit_siblings: bool = False,
    approved_request: int | None = None,
    expected_version: int | None = None,
) -> PlanningCycle:
    """A mid-period change to a published plan: a new published version, effective from a
    date, with a reason. ``targets`` maps goals of ``cycle`` to new full-period numbers
    (quota relief, a raise): the change is prorated to the days from ``effective_from``.
    ``moves`` maps person goals to their new parent goal (a rep changing team): the goal
    and its number follow the person. ``hires`` maps a new person's id to the goal they
    join and their full-period target, prorated likewise. Every ancestor changes by the
    same amount, so each level still adds up — unless ``resplit_siblings``: then each
    changed target's prorated change is taken back, month by month, by its unlocked
    siblings without goals of their own in proportion to their targets
    (``plans.proration.resplit_months``), and nothing above moves. The old version is
    superseded and its goals closed. ``expected_version`` is the published cycle's.

    Planners make these changes; ``approved_request`` names an adjustment request whose
    final approval is the authority instead (``plans.actions.adjustments``, which has
    checked its approvers), so a manager's approval can apply it."""
    _require_authority(acting_user, approved_request)
    if not reason.strip():
        raise InvalidInput("Say why the plan changes mid-period.", field="reason")
    targets, moves, hires = dict(targets or {}), dict(moves or {}), dict(hires or {})
    if not targets and not moves and not hires:
        raise InvalidInput("Give at least one changed target, move or new hire.")
    with transaction.atomic():
        source = _locked_cycle(cycle, expected_version)
        if source.status != CycleStatus.PUBLISHED or source.is_scenario:
            raise Conflict("Only the published plan can get a mid-period version.")
        if not source.period_start < effective_from <= source.period_end:
            raise InvalidInput(
                "The change must take effect after the period starts and before it ends.",
                field="effective_from",
            )
        old_goals = {g.pk: g for g in Goal.objects.filter(cycle=source)}
        joined = {parent for parent, _ in hires.values()}
        unknown = (set(targets) | set(moves) | set(moves.values()) | joined) - set(old_goals)
        if unknown:
            raise InvalidInput(f"Goals {sorted(unknown)} are not part of '{source}'.")
        new_cycle = _copy_cycle(
            source,
            actor=acting_user,
            name=source.name,
            goal_status=GoalStatus.PUBLISHED,
            status=CycleStatus.PUBLISHED,
            published_at=timezone.now(),
            plan_version=source.plan_version + 1,
            effective_from=effective_from,
            change_reason=reason.strip(),
        )
        hired = (
            _add_hires(source, new_cycle, old_goals, hires, effective_from, acting_user)
            if hires
            else {}
        )
        _apply_version_changes(
            source,
            new_cycle,
            old_goals,
            _Changes(targets, moves, hired, resplit_siblings),
            effective_from,
            acting_user,
            reason,
        )
        _set_cycle_status(
            source,
            {"status": CycleStatus.SUPERSEDED},
            goal_status=GoalStatus.CLOSED,
            actor=acting_user,
            verb="superseded",
            reason=reason,
        )
    return new_cycle


def _require_authority(user: User, approved_request: int | None) -> None:
    """A planner; or, for an approved adjustment request, whoever may decide its last step
    now (the request is re-read: naming one does not stand in for the check)."""
    if approved_request is None:
        _require_planner(user)
        return
    request = (
        AdjustmentRequest.objects.select_related("goal__cycle", "goal__parent__owner_unit")
        .filter(pk=approved_request)
        .first()
    )
    if request is None or not permissions.can_decide_adjustment(user, request):
        raise NotAllowed("Only the approver of an adjustment request applies it.")


def _add_hires(
    source: PlanningCycle,
    new_cycle: PlanningCycle,
    old_goals: Mapping[int, Goal],
    hires: Mapping[int, tuple[int, int]],
    effective_from: dt.date,
    actor: User,
) -> dict[int, int]:
    """Empty goals for new people in the new version, under the unit goals they join; the
    prorated numbers are added by ``_apply_version_changes`` like any other target change.
    Returns new goal id → full-period target."""
    present = set(
        Goal.objects.filter(cycle=source, owner_person_id__in=list(hires)).values_list(
            "owner_person_id", flat=True
        )
    )
    if present:
        raise InvalidInput("Some of the new people already have a goal in this plan.")
    parents = {
        (g.owner_unit_id, g.metric_id): g
        for g in Goal.objects.filter(cycle=new_cycle, owner_unit__isnull=False)
    }
    created = Goal.objects.bulk_create(
        Goal(
            cycle=new_cycle,
            owner_person_id=person_id,
            metric_id=source.metric_id,
            parent=parents[(old_goals[parent_id].owner_unit_id, source.metric_id)],
            period_start=source.period_start,
            period_end=source.period_end,
            period_label=source.period_label,
            target=0,
            phasing=_phasing(source, 0),
            status=GoalStatus.PUBLISHED,
            effective_from=effective_from,
            derivation={"rule": "new_hire", "summary": f"Joined on {effective_from:%d %b %Y}."},
        )
        for person_id, (parent_id, _) in hires.items()
    )
    record_many(
        actor=actor,
        action="plans.goal.created",
        entries=(
            (goal, {"target": [None, 0], "status": [None, GoalStatus.PUBLISHED]}, "new hire")
            for goal in _with_names(created)
        ),
    )
    return {goal.pk: target for goal, (_, target) in zip(created, hires.values(), strict=True)}


@dataclass(frozen=True)
class _Changes:
    """What a new version changes: ``targets`` (old goal id → new full-period target),
    ``moves`` (old goal id → old id of the new parent), ``hired`` (new goal id → full-period
    target) and whether siblings take changed targets back (``resplit``)."""

    targets: Mapping[int, int]
    moves: Mapping[int, int]
    hired: Mapping[int, int]
    resplit: bool


def _apply_version_changes(
    source: PlanningCycle,
    new_cycle: PlanningCycle,
    old_goals: Mapping[int, Goal],
    changes: _Changes,
    effective_from: dt.date,
    actor: User,
    reason: str,
) -> None:
    targets, moves, hired = changes.targets, changes.moves, changes.hired
    goals = list(Goal.objects.select_for_update().filter(cycle=new_cycle).order_by("pk"))
    by_owner = {(g.owner_unit_id, g.owner_person_id, g.metric_id): g for g in goals}
    mapped = {
        old_id: by_owner[(o.owner_unit_id, o.owner_person_id, o.metric_id)]
        for old_id, o in old_goals.items()
    }
    by_id = {g.pk: g for g in goals}

    def ancestors(goal: Goal) -> list[Goal]:
        chain, parent_id = [], goal.parent_id
        while parent_id is not None:
            chain.append(by_id[parent_id])
            parent_id = by_id[parent_id].parent_id
        return chain

    def add(goal: Goal, amount: int, months: Sequence[int], *, with_allocation: bool) -> None:
        goal.target += amount
        goal.phasing = [
            dict(m, target=int(m["target"]) + part)
            for m, part in zip(goal.phasing, months, strict=True)
        ]
        if with_allocation and goal.allocated_to_children is not None:
            goal.allocated_to_children += amount

    before = {g.pk: (g.target, g.parent_id) for g in goals}
    money = amounts_for(source.metric)
    changed = [(mapped[old_id], new_target) for old_id, new_target in targets.items()]
    changed += [(by_id[goal_id], new_target) for goal_id, new_target in hired.items()]
    for goal, new_target in changed:
        _require_targets(new_target, field=None)
        if any(g.parent_id == goal.pk for g in goals):
            raise InvalidInput(f"{goal.owner_name} has goals beneath it; change those instead.")
        amount, months = prorated_change(
            int(new_target) - goal.target,
            source.period_start,
            source.period_end,
            effective_from,
            money,
        )
        add(goal, amount, months, with_allocation=False)
        goal.effective_from = effective_from
        if changes.resplit:
            siblings = taking_back(goal, goals, changed={g.pk for g, _ in changed})
            shares = resplit_months(
                months, [[int(m["target"]) for m in g.phasing] for g in siblings], money
            )
            for sibling, parts in zip(siblings, shares, strict=True):
                if any(parts):
                    add(sibling, sum(parts), parts, with_allocation=False)
                    sibling.effective_from = effective_from
            continue
        for above in ancestors(goal):
            add(above, amount, months, with_allocation=True)
    for old_id, new_parent_old_id in moves.items():
        goal, new_parent = mapped[old_id], mapped[new_parent_old_id]
        if goal.owner_person_id is None or new_parent.owner_unit_id is None:
            raise InvalidInput("Only a person's goal can move, and only under a unit's goal.")
        amounts = [int(m["target"]) for m in goal.phasing]
        for above in ancestors(goal):
            add(above, -goal.target, [-a for a in amounts], with_allocation=True)
        goal.parent_id = new_parent.pk
        goal.effective_from = effective_from
        for above in ancestors(goal):
            add(above, goal.target, amounts, with_allocation=True)
    Goal.objects.bulk_update(
        goals, ["target", "phasing", "allocated_to_children", "parent", "effective_from"]
    )
    revised = [goal for goal in goals if (goal.target, goal.parent_id) != before[goal.pk]]
    record_many(
        actor=actor,
        action="plans.goal.revised",
        entries=(
            (
                goal,
                diff(
                    {"target": before[goal.pk][0], "parent_id": before[goal.pk][1]},
                    {"target": goal.target, "parent_id": goal.parent_id},
                )
                | {"effective_from": [None, effective_from.isoformat()]},
                reason,
            )
            for goal in _with_names(revised)
        ),
    )
