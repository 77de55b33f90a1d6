"""The SMART check in the action centre (``core.due``): for sales operations, how many
people's goals of each plan still being prepared fail a SMART letter, with a link to the
plan's health page that names them. The goals of all those plans are checked together
(``smart.facts.check_goals``: a fixed number of queries per metric and period).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable

from django.db.models import F

from quotaflow.accounts import permissions as roles
from quotaflow.accounts.models import User
from quotaflow.core.due import NORMAL, DueItem
from quotaflow.plans.blockers import preparing_cycles
from quotaflow.plans.due import plan_heading
from quotaflow.plans.models import Goal, PlanningCycle
from quotaflow.smart.facts import check_goals


def failing_counts(cycles: Iterable[PlanningCycle]) -> dict[int, int]:
    """Cycle id → how many of its people's goals fail at least one SMART letter."""
    goals = list(
        Goal.objects.filter(
            cycle__in=list(cycles), owner_person__isnull=False, metric_id=F("cycle__metric_id")
        )
    )
    failing: Counter[int] = Counter()
    for checked in check_goals(goals):
        if any(verdict.status == "fail" for _, _, verdict in checked.report.verdicts()):
            assert checked.goal.cycle_id is not None  # noqa: S101 - filtered on a cycle
            failing[checked.goal.cycle_id] += 1
    return dict(failing)


def items_for(user: User, today: dt.date) -> list[DueItem]:
    """For sales operations: the plans being prepared whose goals fail a SMART letter."""
    if not roles.is_planner(user):
        return []
    cycles = list(preparing_cycles())
    counts = failing_counts(cycles)
    return [
        DueItem(
            kind="cycle.smart",
            group=plan_heading(cycle),
            title=f"{counts[cycle.pk]} goal{'s' if counts[cycle.pk] != 1 else ''} "
            f"fail{'s' if counts[cycle.pk] == 1 else ''} a SMART letter",
            url=f"/smart/cycles/{cycle.pk}/health/",
            severity=NORMAL,
        )
        for cycle in cycles
        if counts.get(cycle.pk)
    ]
