"""Tracking in the action centre (``core.due``): for a manager, who in their team is
behind — each running goal of the people and units beneath them whose status is at risk
or off track (``performance.attainment``, by the company's status thresholds), worst
first. Attainment is read from the maintained aggregates, one query per metric and
period (``performance.queries.goals_with_attainment``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from quotaflow.accounts.models import User
from quotaflow.core.due import NORMAL, URGENT, DueItem
from quotaflow.performance.attainment import Attainment
from quotaflow.performance.queries import goals_with_attainment
from quotaflow.plans.in_force import in_force_goals
from quotaflow.plans.models import Goal, GoalStatus
from quotaflow.plans.ownership import ownership

GROUP = "Who is behind"
BEHIND = {"off_track": "off track", "at_risk": "at risk"}


def team_progress(user: User, today: dt.date) -> list[tuple[Goal, Attainment]]:
    """The running, published goals of ``user``'s team (``plans.ownership``) with their
    attainment on ``today``: people first (by name), then units (by place in the tree).

    Read once per user object and day: a request's home page shows the whole table and
    its action centre the goals behind, from the same reading."""
    cache: dict[dt.date, list[tuple[Goal, Attainment]]] = user.__dict__.setdefault(
        "_team_progress", {}
    )
    if today not in cache:
        cache[today] = _read_team_progress(user, today)
    return cache[today]


def _read_team_progress(user: User, today: dt.date) -> list[tuple[Goal, Attainment]]:
    owns = ownership(user, today)
    if not owns.is_manager or not owns.managed:
        return []
    goals = list(
        in_force_goals(today)
        .filter(
            owns.team(today),
            period_start__lte=today,
            period_end__gte=today,
            status=GoalStatus.PUBLISHED,
        )
        .select_related("metric", "owner_person", "owner_unit")
        .order_by("owner_unit__path", "owner_person__full_name", "metric__name", "pk")
    )
    goals.sort(key=lambda goal: goal.owner_person_id is None)  # people first, units apart
    return goals_with_attainment(goals, as_of=today)


def behind_items(assessed: Sequence[tuple[Goal, Attainment]]) -> list[DueItem]:
    """The goals among ``assessed`` that are at risk or off track, as items."""
    return [
        DueItem(
            kind=f"goal.{progress.status}",
            group=GROUP,
            title=f"{goal.metric.name} is {BEHIND[progress.status]}: pacing "
            f"{progress.pacing_pct if progress.pacing_pct is not None else '—'}% of the "
            "target expected by today",
            url=f"/performance/goals/{goal.pk}/",
            concerns=goal.owner_name,
            severity=URGENT if progress.status == "off_track" else NORMAL,
        )
        for goal, progress in assessed
        if progress.status in BEHIND
    ]


def items_for(user: User, today: dt.date) -> list[DueItem]:
    """Who in ``user``'s team is behind on ``today`` (nothing for anyone but managers)."""
    return behind_items(team_progress(user, today))
