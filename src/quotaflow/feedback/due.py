"""Check-ins and performance reviews in the action centre (``core.due``): the check-ins
due from a user on their own goals, and — for a manager — who in their team has missed
one; the reviews waiting for the rep's self-assessment or acknowledgement, and those
waiting for the manager who opened them (to share, or to finalise).

On a goal whose cycle sets a cadence (``feedback.cadence``), the owner's check-in is
*overdue* once a window ended without one, and *due* (by the window's last day) while
the window they are in has none yet; a check-in clears both. A manager sees each of
their team's goals whose check-in is overdue, with the owner's name. Four queries for
the user's own goals and three for the team's, whatever their number; a fixed few for the reviews.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from quotaflow.accounts.models import User
from quotaflow.core.due import NORMAL, URGENT, DueItem, day_text
from quotaflow.feedback import cadence
from quotaflow.feedback.models import Review, ReviewStatus
from quotaflow.feedback.queries import (
    last_check_in_days,
    missed_check_ins,
    reviews_awaiting,
    running_with_cadence,
)
from quotaflow.plans.models import Goal, PlanningCycle
from quotaflow.plans.ownership import ownership

OWN_GROUP = "Check-ins due from you"
TEAM_GROUP = "Who has not checked in"
REP_REVIEWS = "Your performance reviews"
MANAGER_REVIEWS = "Reviews to finish"


def _url(goal: Goal) -> str:
    return f"/performance/goals/{goal.pk}/#check-ins"


def _what(goal: Goal) -> str:
    """ "Revenue (FY2026)": the goal's metric and period, as its owner reads them."""
    period = goal.period_label or f"{day_text(goal.period_start)} – {day_text(goal.period_end)}"
    return f"{goal.metric.name} ({period})"


def _goals(condition: Q, day: dt.date) -> list[Goal]:
    return list(
        running_with_cadence(day)
        .filter(condition)
        .select_related("cycle", "metric", "owner_unit", "owner_person")
        .order_by("period_end", "metric__name", "pk")
    )


def own_items(goals: list[Goal], today: dt.date) -> list[DueItem]:
    """The check-ins ``goals`` (the user's own, with a cadence) owe on ``today``."""
    last = last_check_in_days(goals)
    overdue = {goal.pk: due for goal, due in missed_check_ins(goals, today, last)}
    items = []
    for goal in goals:
        assert goal.cycle is not None  # noqa: S101 - goals with a cadence belong to a cycle
        owner = goal.owner_unit.name if goal.owner_unit is not None else ""
        if goal.pk in overdue:
            items.append(
                DueItem(
                    kind="checkin.overdue",
                    group=OWN_GROUP,
                    title=f"Check in on {_what(goal)}: the check-in due "
                    f"{day_text(overdue[goal.pk], year=False)} is missing",
                    url=_url(goal),
                    due_on=overdue[goal.pk],
                    overdue=True,
                    concerns=owner,
                    severity=URGENT,
                )
            )
            continue
        opened, due = cadence.current_window(goal.period_start, goal.cycle.checkin_cadence, today)
        latest = last.get(goal.pk)
        if latest is None or latest < opened:
            items.append(
                DueItem(
                    kind="checkin.due",
                    group=OWN_GROUP,
                    title=f"Check in on {_what(goal)}",
                    url=_url(goal),
                    due_on=min(due, goal.period_end),
                    concerns=owner,
                    severity=NORMAL,
                )
            )
    return items


def team_items(goals: list[Goal], today: dt.date) -> list[DueItem]:
    """The goals among the team's ``goals`` whose check-in is overdue on ``today``."""
    return [
        DueItem(
            kind="checkin.team_overdue",
            group=TEAM_GROUP,
            title=f"No check-in on {_what(goal)} since it was due on {day_text(due)}",
            url=_url(goal),
            due_on=due,
            overdue=True,
            concerns=goal.owner_name,
            severity=NORMAL,
        )
        for goal, due in missed_check_ins(goals, today)
    ]


def check_in_items(user: User, today: dt.date) -> list[DueItem]:
    """The check-ins due from ``user`` on ``today`` and, for a manager, those their team
    has missed."""
    if not PlanningCycle.objects.exclude(checkin_cadence="").exists():
        return []  # no plan sets a cadence: one cheap query instead of the goals'
    owns = ownership(user, today)
    if owns.person is None:
        return []
    items = own_items(_goals(owns.own(), today), today)
    if owns.is_manager and owns.managed:
        items += team_items(_goals(owns.team(today), today), today)
    return items


def _review_item(review: Review, kind: str, group: str, title: str, concerns: str = "") -> DueItem:
    return DueItem(
        kind=kind, group=group, title=title, url=f"/reviews/{review.pk}/", concerns=concerns
    )


def review_items(user: User) -> list[DueItem]:
    """The performance reviews waiting for ``user``: as the rep, a self-assessment to
    write or a final review to acknowledge; as the manager who opened it, a draft to rate
    and share or a self-assessed review to finalise (``feedback.queries.reviews_awaiting``)."""
    if not Review.objects.exists():
        return []  # no review yet: one cheap query instead of the reviews'
    awaiting = reviews_awaiting(user)
    items = [
        _review_item(
            review,
            "review.self_assessment",
            REP_REVIEWS,
            f"Write your self-assessment for your {review.period_label} review",
        )
        for review in awaiting.self_assessment
    ]
    items += [
        _review_item(
            review,
            "review.acknowledge",
            REP_REVIEWS,
            f"Read and acknowledge your {review.period_label} review",
        )
        for review in awaiting.acknowledgement
    ]
    items += [
        _review_item(
            review,
            "review.share" if review.status == ReviewStatus.DRAFT else "review.finalise",
            MANAGER_REVIEWS,
            f"Rate and share the {review.period_label} review"
            if review.status == ReviewStatus.DRAFT
            else f"The self-assessment is in: finalise the {review.period_label} review",
            concerns=review.person.full_name,
        )
        for review in awaiting.manager
    ]
    return items


def items_for(user: User, today: dt.date) -> list[DueItem]:
    """Check-ins due from ``user`` (and their team's missed ones) and the performance
    reviews waiting for them."""
    return check_in_items(user, today) + review_items(user)
