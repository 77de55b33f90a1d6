"""Top-down planning: cascading a target down the tree, weights, locks, adjustments and re-splits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from quotaflow.accounts.models import User
from quotaflow.core.errors import InvalidInput, NotAllowed
from quotaflow.plans import engine_adapter as engine
from quotaflow.plans.actions.guards import (
    _check_version,
    _locked_cycle,
    _locked_goal,
    _manages_unit,
    _require_approach,
    _require_editable,
    _require_planner,
    _require_targets,
)
from quotaflow.plans.actions.writes import (
    _bump_cycle,
    _locked_tree,
    _names,
    _nodes,
    _phasing,
    _settings,
    _write_goal,
    _write_goals,
)
from quotaflow.plans.explanations import amounts_for
from quotaflow.plans.models import (
    Approach,
    Goal,
    GoalStatus,
    PlanningCycle,
)
from quotaflow.plans.queries import (
    goal_tree,
    history_by_goal,
)


def run_cascade(
    cycle: PlanningCycle,
    *,
    acting_user: User,
    company_target: int | None = None,
    allocation: Sequence[Mapping[str, Any]] | None = None,
    expected_version: int | None = None,
    reason: str = "",
) -> PlanningCycle:
    """Cascade the company target down the participants' tree with the cycle's allocation
    settings, keeping locked goals; re-runnable until the cycle is published.

    Top-down: every goal's target becomes the proposed number. Hybrid: it becomes the
    top-down guidance, shown next to the bottom-up submissions."""
    _require_planner(acting_user)
    with transaction.atomic():
        cycle = _locked_cycle(cycle, expected_version)
        _require_editable(cycle)
        _require_approach(cycle, Approach.TOP_DOWN, Approach.HYBRID)
        if allocation is not None:
            cycle.allocation = [
                engine.LevelSetting.from_dict(level).to_dict() for level in allocation
            ]
        total = cycle.company_target if company_target is None else int(company_target)
        if total is None or total < 0:
            raise InvalidInput(
                "Enter the company target (zero or more) before cascading.", field="company_target"
            )
        goals = _locked_tree(cycle)
        _cascade_into(cycle, goals, total, actor=acting_user, reason=reason)
        _bump_cycle(
            cycle,
            {"company_target": total, "allocation": cycle.allocation},
            actor=acting_user,
            action="plans.cycle.cascaded",
            reason=reason,
        )
    return cycle


def _cascade_into(
    cycle: PlanningCycle, goals: list[Goal], total: int, *, actor: User, reason: str
) -> None:
    settings = _settings(cycle)
    needs_history = any(
        s.method == "historical_share" or "historical_share" in s.blend_weights for s in settings
    )
    history = history_by_goal(cycle, goals) if needs_history else None
    top_down = cycle.approach == Approach.TOP_DOWN
    field = "target" if top_down else "guidance"
    locks = {g.pk: getattr(g, field) or 0 for g in goals if g.locked and g.parent_id is not None}
    outcome = engine.run_cascade(
        _nodes(goals, history),
        total,
        settings,
        locks=locks,
        names=_names(goals),
        amounts=amounts_for(cycle.metric),
    )
    changes: dict[int, dict[str, Any]] = {}
    for goal in goals:
        value = outcome.targets[goal.pk]
        derivation = dict(goal.derivation or {})
        derivation["top_down"] = outcome.derivations[goal.pk]
        new: dict[str, Any] = {"guidance": value, "derivation": derivation}
        if top_down:
            new.update(
                target=value,
                phasing=_phasing(cycle, value),
                allocated_to_children=outcome.allocated.get(goal.pk),
                status=GoalStatus.PROPOSED,
            )
        elif cycle.reconciliation == {}:
            # Until a reconciliation sets the plan, the plan is the guidance: sums stay exact.
            new.update(
                target=value,
                phasing=_phasing(cycle, value),
                allocated_to_children=outcome.allocated.get(goal.pk),
            )
        changes[goal.pk] = new
    _write_goals(goals, changes, actor=actor, action="plans.goal.cascaded", reason=reason)


def set_weights(
    cycle: PlanningCycle,
    *,
    acting_user: User,
    weights: Mapping[int, int],
    reason: str = "",
    expected_version: int | None = None,
) -> int:
    """Set the potential measure (territory potential, accounts, pipeline…) that a
    potential-weighted split uses, per goal; returns how many goals changed.
    ``expected_version`` is the cycle's."""
    _require_planner(acting_user)
    if any(int(value) < 0 for value in weights.values()):
        raise InvalidInput("Weights cannot be negative.", field="weights")
    with transaction.atomic():
        cycle = _locked_cycle(cycle, expected_version)
        _require_editable(cycle)
        goals = [g for g in _locked_tree(cycle) if g.pk in weights]
        unknown = set(weights) - {g.pk for g in goals}
        if unknown:
            raise InvalidInput(
                f"Goals {sorted(unknown)[:10]} are not part of '{cycle}'.", field="weights"
            )
        changes = {
            g.pk: {"weight": int(weights[g.pk])} for g in goals if g.weight != int(weights[g.pk])
        }
        _write_goals(goals, changes, actor=acting_user, action="plans.goal.weighted", reason=reason)
    return len(changes)


def lock_goal(
    goal: Goal,
    *,
    acting_user: User,
    locked: bool = True,
    expected_version: int | None = None,
    reason: str = "",
) -> Goal:
    """Lock (or unlock) a goal so that re-running the cascade keeps its number."""
    _require_planner(acting_user)
    with transaction.atomic():
        goal = _locked_goal(goal, expected_version)
        assert goal.cycle is not None  # noqa: S101 - every tree goal belongs to a cycle
        _require_editable(goal.cycle)
        return _write_goal(
            goal, {"locked": locked}, actor=acting_user, action="plans.goal.locked", reason=reason
        )


def adjust_goal(
    goal: Goal, *, acting_user: User, target: int, reason: str, expected_version: int | None = None
) -> Goal:
    """Set one goal's number by hand, lock it, and re-run the cascade around it so every
    level still adds up. Adjusting the root changes the company target."""
    _require_planner(acting_user)
    if not reason.strip():
        raise InvalidInput("Say why the number changes.", field="reason")
    _require_targets(target)
    with transaction.atomic():
        goal = _locked_goal(goal, expected_version)
        cycle = _locked_cycle(goal.cycle_id or 0)
        _require_editable(cycle)
        _require_approach(cycle, Approach.TOP_DOWN, Approach.HYBRID)
        field = "target" if cycle.approach == Approach.TOP_DOWN else "guidance"
        adjustment = {
            "by": str(acting_user),
            "at": timezone.now().isoformat(),
            "old": getattr(goal, field),
            "new": target,
            "reason": reason,
        }
        derivation = dict(goal.derivation or {})
        derivation["adjustments"] = [*derivation.get("adjustments", []), adjustment]
        is_root = goal.parent_id is None
        _write_goal(
            goal,
            {field: target, "locked": not is_root, "derivation": derivation},
            actor=acting_user,
            action="plans.goal.adjusted",
            reason=reason,
        )
        total = target if is_root else cycle.company_target
        if total is None:
            raise InvalidInput("Run the cascade with a company target first.")
        _cascade_into(cycle, _locked_tree(cycle), total, actor=acting_user, reason=reason)
        _bump_cycle(
            cycle,
            {"company_target": total},
            actor=acting_user,
            action="plans.cycle.cascaded",
            reason=reason,
        )
    goal.refresh_from_db()
    return goal


def resplit_children(
    parent: Goal,
    *,
    acting_user: User,
    targets: Mapping[int, int],
    reason: str,
    expected_versions: Mapping[int, int] | None = None,
) -> list[Goal]:
    """Waterfall: a manager re-splits their own goal among its children. The parent's
    number never changes; the children must add up exactly to what it splits, locked
    children keep their numbers and the level's floor and cap still hold. A child with
    children of its own has its subtree re-cascaded in the same proportions."""
    if not reason.strip():
        raise InvalidInput("Say why the split changes.", field="reason")
    with transaction.atomic():
        parent = _locked_goal(parent)
        cycle = _locked_cycle(parent.cycle_id or 0)
        _require_editable(cycle)
        _require_approach(cycle, Approach.TOP_DOWN)
        if not _manages_unit(acting_user, parent.owner_unit, cycle.period_start):
            raise NotAllowed(
                "You can re-split only goals in the part of the organisation you manage."
            )
        goals = _locked_tree(cycle)
        by_id = {g.pk: g for g in goals}
        children = [g for g in goals if g.parent_id == parent.pk]
        unknown = set(targets) - {c.pk for c in children}
        if unknown:
            raise InvalidInput(f"Goals {sorted(unknown)} are not children of {parent.owner_name}.")
        if expected_versions is not None:
            unversioned = sorted(set(targets) - set(expected_versions))
            if unversioned:
                raise InvalidInput(
                    f"Say which version of goals {unversioned[:10]} you re-split "
                    "(expected_versions); reload the page and try again.",
                    field="expected_versions",
                )
        for child_id, version in (expected_versions or {}).items():
            if child_id not in by_id:
                raise InvalidInput(
                    f"Goal {child_id} is not a child of {parent.owner_name}.",
                    field="expected_versions",
                )
            _check_version(by_id[child_id], version)
        new = {c.pk: int(targets.get(c.pk, c.target)) for c in children}
        _require_targets(*new.values(), field=None)
        expected = (
            parent.allocated_to_children
            if parent.allocated_to_children is not None
            else parent.target
        )
        _check_split_rules(cycle, goals, parent, children, new)
        if sum(new.values()) != expected:
            money = amounts_for(parent.metric)
            raise InvalidInput(
                f"The children of {parent.owner_name} must add up to {money.format(expected)}; "
                f"they add up to {money.format(sum(new.values()))} "
                f"(difference {money.format(sum(new.values()) - expected, signed=True)})."
            )
        changes: dict[int, dict[str, Any]] = {}
        for child in children:
            if new[child.pk] != child.target:
                derivation = dict(child.derivation or {})
                derivation["adjustments"] = [
                    *derivation.get("adjustments", []),
                    {
                        "by": str(acting_user),
                        "old": child.target,
                        "new": new[child.pk],
                        "reason": reason,
                        "rule": "waterfall",
                    },
                ]
                changes[child.pk] = {
                    "target": new[child.pk],
                    "phasing": _phasing(cycle, new[child.pk]),
                    "derivation": derivation,
                }
                changes.update(_recascade_below(cycle, goals, child, new[child.pk]))
        _write_goals(goals, changes, actor=acting_user, action="plans.goal.resplit", reason=reason)
        return [by_id[c.pk] for c in children]


def _check_split_rules(
    cycle: PlanningCycle,
    goals: list[Goal],
    parent: Goal,
    children: list[Goal],
    new: Mapping[int, int],
) -> None:
    """Refuse a re-split that moves a locked goal or leaves the level's floor or cap."""
    moved_locks = [c.owner_name for c in children if c.locked and new[c.pk] != c.target]
    if moved_locks:
        raise InvalidInput(f"Sales operations locked {', '.join(moved_locks)}; those numbers stay.")
    settings = _settings(cycle)
    if not settings:
        return
    depth = next(row.depth for row in goal_tree(goals) if row.goal.pk == parent.pk)
    rule = settings[min(depth, len(settings) - 1)]
    money = amounts_for(parent.metric)
    for child in children:
        if rule.floor is not None and new[child.pk] < rule.floor:
            raise InvalidInput(
                f"{child.owner_name} would be below this level's floor of {money.format(rule.floor)}."
            )
        if rule.cap is not None and new[child.pk] > rule.cap:
            raise InvalidInput(
                f"{child.owner_name} would be above this level's cap of {money.format(rule.cap)}."
            )


def _recascade_below(
    cycle: PlanningCycle, goals: list[Goal], top: Goal, total: int
) -> dict[int, dict[str, Any]]:
    """New numbers for ``top``'s descendants, in their current proportions."""
    rows = goal_tree(goals)
    start = next(i for i, row in enumerate(rows) if row.goal.pk == top.pk)
    subtree = [rows[start]]
    for row in rows[start + 1 :]:
        if row.depth <= rows[start].depth:
            break
        subtree.append(row)
    if len(subtree) == 1:
        return {}
    settings = _settings(cycle)
    base = rows[start].depth
    levels = [
        engine.LevelSetting(
            method="potential",
            over_assignment=(
                settings[min(base + i, len(settings) - 1)].over_assignment if settings else 0
            ),
            granularity=(settings[min(base + i, len(settings) - 1)].granularity if settings else 1),
        )
        for i in range(max(r.depth for r in subtree) - base)
    ]
    members = [row.goal for row in subtree]
    nodes = [
        engine.Node(g.pk, None if g.pk == top.pk else g.parent_id, weight=max(g.target, 0))
        for g in members
    ]
    outcome = engine.run_cascade(
        nodes, total, levels, names=_names(members), amounts=amounts_for(cycle.metric)
    )
    changes: dict[int, dict[str, Any]] = {}
    for goal in members:
        value = outcome.targets[goal.pk]
        new: dict[str, Any] = {"allocated_to_children": outcome.allocated.get(goal.pk)}
        if goal.pk != top.pk:
            new.update(target=value, phasing=_phasing(cycle, value))
        changes[goal.pk] = new
    changes[top.pk].update(target=total, phasing=_phasing(cycle, total))
    return changes
