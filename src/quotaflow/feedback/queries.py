"""Reading check-ins: a goal's thread, its confidence over time, who hears of a check-in,
and which goals' check-ins are overdue on a day. Each is a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Max, QuerySet

from quotaflow.accounts.models import User
from quotaflow.feedback import cadence
from quotaflow.feedback.models import CheckIn
from quotaflow.plans.in_force import in_force_goals
from quotaflow.plans.models import Goal, GoalComment, GoalStatus
from quotaflow.plans.queries import goal_owner_users


def thread(goal: Goal) -> QuerySet[CheckIn]:
    """The goal's check-ins, newest first, with their authors and replies (two queries)."""
    return (
        CheckIn.objects.filter(goal=goal)
        .select_related("author")
        .prefetch_related("replies__author", "replies__mentions__user")
        .order_by("-day", "-created_at", "-pk")
    )


def comments_with_mentions(goal: Goal) -> QuerySet[GoalComment]:
    """The goal's comments, oldest first, with their authors and the people they mention
    (two queries)."""
    return goal.comments.select_related("author").prefetch_related("mentions__user")


def confidence_series(goal: Goal) -> list[tuple[dt.date, int]]:
    """(day, confidence) of every check-in on the goal, oldest first."""
    return list(
        CheckIn.objects.filter(goal=goal)
        .order_by("day", "created_at", "pk")
        .values_list("day", "confidence")
    )


@dataclass(frozen=True)
class Overdue:
    """A goal whose check-in is overdue, with the due date missed and its owners' logins."""

    goal: Goal
    due_on: dt.date
    owners: list[User]


def running_with_cadence(day: dt.date) -> QuerySet[Goal]:
    """The published goals in force and running on ``day`` whose cycle sets a check-in
    cadence: the goals whose owners owe check-ins."""
    return (
        in_force_goals(day)
        .filter(
            period_start__lte=day,
            period_end__gte=day,
            status=GoalStatus.PUBLISHED,
            cycle__isnull=False,
        )
        .exclude(cycle__checkin_cadence="")
    )


def last_check_in_days(goals: Iterable[Goal]) -> dict[int, dt.date]:
    """Goal id → the day of its latest check-in (goals without one are left out); one query."""
    return dict(
        CheckIn.objects.filter(goal__in=list(goals))
        .values("goal_id")
        .annotate(last=Max("day"))
        .order_by()
        .values_list("goal_id", "last")
    )


def missed_check_ins(
    goals: Iterable[Goal], day: dt.date, last: dict[int, dt.date] | None = None
) -> list[tuple[Goal, dt.date]]:
    """Each of ``goals`` (select_related cycle) whose check-in is overdue on ``day``, with
    the due date it missed; ``last`` is :func:`last_check_in_days` (read when not given)."""
    goals = list(goals)
    last = last_check_in_days(goals) if last is None else last
    missed: list[tuple[Goal, dt.date]] = []
    for goal in goals:
        assert goal.cycle is not None  # noqa: S101 - goals with a cadence belong to a cycle
        due = cadence.overdue_since(
            goal.period_start, goal.period_end, goal.cycle.checkin_cadence, last.get(goal.pk), day
        )
        if due is not None:
            missed.append((goal, due))
    return missed


def overdue_goals(day: dt.date) -> list[Overdue]:
    """Every goal in force on ``day`` whose cycle has a cadence and whose check-in is
    overdue (``quotaflow.feedback.cadence``), with everyone who owns it — whether or not
    they have signed in lately. Four queries, whatever the number of goals."""
    goals = running_with_cadence(day).select_related(
        "cycle", "metric", "owner_unit", "owner_person__user"
    )
    missed = missed_check_ins(goals, day)
    owners = goal_owner_users([goal for goal, _ in missed], day)
    return [Overdue(goal, due, owners.get(goal.pk, [])) for goal, due in missed]


def overdue_by_owner(rows: Iterable[Overdue]) -> dict[tuple[int, dt.date], list[Overdue]]:
    """Overdue goals grouped by (owner's user id, due date): one reminder each."""
    grouped: dict[tuple[int, dt.date], list[Overdue]] = defaultdict(list)
    for row in rows:
        for user in row.owners:
            grouped[(user.pk, row.due_on)].append(row)
    return grouped
