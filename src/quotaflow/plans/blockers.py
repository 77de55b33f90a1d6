"""What stops a plan being published: for each cycle still being prepared, who has not
submitted, what waits for approval, whether the cascade or reconciliation is missing and
how many goals moved since the last reconciliation — the counts sales operations chase
(their action centre and the home page's table of open cycles).

One query for the counts of every cycle, plus one per hybrid cycle that has been
reconciled (its tree, to compare with what the reconciliation used).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q, QuerySet

from quotaflow.plans.models import Approach, CycleStatus, Goal, GoalStatus, PlanningCycle
from quotaflow.plans.permissions import NEGOTIATED
from quotaflow.plans.queries import drift_since_reconciliation, tree_goals

#: Cycles still being prepared: not published, superseded or closed.
PREPARING = (CycleStatus.DRAFT, CycleStatus.OPEN)


@dataclass(frozen=True)
class CycleBlockers:
    """A cycle being prepared and what still stands between it and publishing.

    ``unsubmitted``: people in a bottom-up or hybrid cycle whose number is missing or was
    returned to them; ``awaiting_approval``: submitted numbers (people's and roll-ups)
    nobody has approved or returned yet; ``needs_cascade``: a top-down or hybrid cycle with
    no company target cascaded; ``needs_reconciliation``: a hybrid cycle never reconciled;
    ``unreconciled``: goals of a reconciled hybrid cycle whose numbers moved since."""

    cycle: PlanningCycle
    goals: int
    unsubmitted: int
    awaiting_approval: int
    needs_cascade: bool
    needs_reconciliation: bool
    unreconciled: int

    @property
    def is_clear(self) -> bool:
        """Nothing blocks the plan (it may be published, sums permitting)."""
        return not (
            self.unsubmitted
            or self.awaiting_approval
            or self.needs_cascade
            or self.needs_reconciliation
            or self.unreconciled
        )


def preparing_cycles() -> QuerySet[PlanningCycle]:
    """The plans (never a what-if scenario) still being prepared, soonest deadline first."""
    return (
        PlanningCycle.objects.filter(is_scenario=False, status__in=PREPARING)
        .select_related("metric", "root_unit")
        .order_by(F("submissions_due").asc(nulls_last=True), "period_start", "name", "pk")
    )


def cycle_blockers(cycles: Iterable[PlanningCycle]) -> list[CycleBlockers]:
    """The :class:`CycleBlockers` of each of ``cycles``, in their order."""
    cycles = list(cycles)
    negotiated = Q(cycle__approach__in=list(NEGOTIATED))
    counts: dict[int, dict[str, Any]] = {
        row["cycle_id"]: dict(row)
        for row in Goal.objects.filter(cycle__in=cycles, metric_id=F("cycle__metric_id"))
        .values("cycle_id")
        .annotate(
            goals=Count("pk"),
            unsubmitted=Count(
                "pk",
                filter=negotiated
                & Q(owner_person__isnull=False)
                & (Q(submitted_target__isnull=True) | Q(status=GoalStatus.RETURNED)),
            ),
            awaiting=Count("pk", filter=negotiated & Q(status=GoalStatus.SUBMITTED)),
        )
        .order_by()
    }
    result = []
    for cycle in cycles:
        row = counts.get(cycle.pk, {})
        hybrid = cycle.approach == Approach.HYBRID
        reconciled = bool(cycle.reconciliation)
        result.append(
            CycleBlockers(
                cycle=cycle,
                goals=row.get("goals", 0),
                unsubmitted=row.get("unsubmitted", 0),
                awaiting_approval=row.get("awaiting", 0),
                needs_cascade=cycle.approach != Approach.BOTTOM_UP and cycle.company_target is None,
                needs_reconciliation=hybrid and not reconciled,
                unreconciled=(
                    len(drift_since_reconciliation(cycle, tree_goals(cycle)))
                    if hybrid and reconciled
                    else 0
                ),
            )
        )
    return result
