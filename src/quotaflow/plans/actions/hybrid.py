"""Hybrid planning: reconciling the top-down cascade with the bottom-up submissions."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from quotaflow.accounts.models import User
from quotaflow.core.errors import InvalidInput
from quotaflow.plans import engine_adapter as engine
from quotaflow.plans.actions.guards import (
    _locked_cycle,
    _require_approach,
    _require_editable,
    _require_planner,
)
from quotaflow.plans.actions.writes import (
    _bump_cycle,
    _locked_tree,
    _names,
    _nodes,
    _phasing,
    _settings,
    _write_goals,
)
from quotaflow.plans.explanations import amounts_for, reconciled_sentence
from quotaflow.plans.models import (
    Approach,
    Goal,
    GoalStatus,
    PlanningCycle,
)
from quotaflow.plans.queries import cycle_tree


def reconcile_cycle(
    cycle: PlanningCycle,
    *,
    acting_user: User,
    method: str,
    top_down_weight: float = 0.5,
    expected_version: int | None = None,
) -> PlanningCycle:
    """Hybrid: set every goal's number from the top-down guidance and the bottom-up
    submissions with one of the engine's reconciliation methods; starts a new
    negotiation round. Missing submissions count as the guidance.

    The numbers compared are the gap view's (``cycle_tree``), and every level keeps the
    cycle's over-assignment, floor and cap: children sum exactly to their parent × (1 +
    over-assignment), as the guidance did. Under ``keep_submitted`` a parent whose
    children all kept their submissions (the company when everyone submitted) keeps its
    own number; what it could not hand out is recorded as unallocated on it."""
    _require_planner(acting_user)
    with transaction.atomic():
        cycle = _locked_cycle(cycle, expected_version)
        _require_editable(cycle)
        _require_approach(cycle, Approach.HYBRID)
        goals = _locked_tree(cycle)
        if cycle.company_target is None:
            raise InvalidInput("Run the top-down cascade first: reconciliation needs guidance.")
        rows = cycle_tree(cycle, goals)
        guidance = {g.pk: g.guidance or 0 for g in goals}
        bottom_up = {row.goal.pk: row.bottom_up or 0 for row in rows}
        submitted = [g.pk for g in goals if g.owner_person_id and g.submitted_target is not None]
        settings = _settings(cycle)
        granularity = min((s.granularity for s in settings), default=1)
        money = amounts_for(cycle.metric)
        outcome = engine.reconcile(
            _nodes(goals),
            guidance,
            bottom_up,
            method=method,
            top_down_weight=top_down_weight,
            granularity=granularity,
            submitted=submitted,
            locks=_locks(goals),
            settings=settings,
            names=_names(goals),
            amounts=money,
        )
        new_round = cycle.negotiation_round + 1
        changes: dict[int, dict[str, Any]] = {}
        for goal in goals:
            value = outcome.targets[goal.pk]
            engine_why = outcome.derivations[goal.pk]
            derivation = dict(goal.derivation or {})
            derivation["reconciled"] = {
                "engine": engine_why,
                "method": method,
                "top_down_weight": top_down_weight,
                "round": new_round,
                "guidance": guidance[goal.pk],
                "bottom_up": bottom_up[goal.pk],
                "target": value,
                "over_assignment": engine_why["over_assignment"],
                "allocated_to_children": outcome.allocated.get(goal.pk),
                "unallocated": outcome.unallocated.get(goal.pk, 0),
            }
            derivation["reconciled"]["summary"] = reconciled_sentence(
                derivation["reconciled"], money
            )
            changes[goal.pk] = {
                "target": value,
                "phasing": _phasing(cycle, value),
                "allocated_to_children": outcome.allocated.get(goal.pk),
                "derivation": derivation,
                "status": GoalStatus.PROPOSED,
            }
        _write_goals(
            goals, changes, actor=acting_user, action="plans.goal.reconciled", reason=method
        )
        root = next(row for row in rows if row.depth == 0)
        _bump_cycle(
            cycle,
            {
                "negotiation_round": new_round,
                "reconciliation": {
                    "method": method,
                    "top_down_weight": top_down_weight,
                    "round": new_round,
                    "at": timezone.now().isoformat(),
                    "gap_bp": root.gap_bp or 0,
                    "unallocated": {str(pk): amount for pk, amount in outcome.unallocated.items()},
                },
            },
            actor=acting_user,
            action="plans.cycle.reconciled",
            reason=method,
        )
    return cycle


def _locks(goals: list[Goal]) -> dict[int, int]:
    """What each locked goal below the root holds in a reconciliation: its top-down
    guidance, the number the planner set by hand (``adjust_goal`` writes it there) and the
    one the cascade holds it at. Its target is the previous round's number, which is what
    a hand-set number must replace, not keep."""
    return {
        g.pk: g.target if g.guidance is None else g.guidance
        for g in goals
        if g.locked and g.parent_id is not None
    }
