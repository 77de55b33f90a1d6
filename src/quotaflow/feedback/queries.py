"""Reading check-ins: a goal's thread, its confidence over time, who hears of a check-in,
and which goals' check-ins are overdue on a day; reading performance reviews: those a user
may read, a rep's history, and what awaits whom. Each is a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Max, QuerySet

from quotaflow.accounts.models import User
from quotaflow.feedback import cadence
from quotaflow.feedback.models import CheckIn, Review, ReviewStatus
from quotaflow.feedback.permissions import can_see_review, visible_reviews_condition
from quotaflow.org.models import Person
from quotaflow.plans.in_force import in_force_goals
from quotaflow.plans.models import Goal, GoalComment, GoalStatus
from quotaflow.plans.queries import goal_owner_users, person_for


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


# Performance reviews -------------------------------------------------------------------


def visible_reviews(user: User) -> QuerySet[Review]:
    """The reviews ``user`` may read (``feedback.permissions.can_see_review``), newest
    period first, with the person and reviewer (one query)."""
    return (
        Review.objects.filter(visible_reviews_condition(user))
        .select_related("person", "reviewer")
        .order_by("-period_start", "person__full_name", "pk")
    )


def visible_review(user: User, pk: int) -> Review | None:
    """The review ``pk`` if ``user`` may read it (None otherwise, as for none at all)."""
    review = (
        Review.objects.select_related("person__user", "reviewer", "cycle").filter(pk=pk).first()
    )
    return review if review is not None and can_see_review(user, review) else None


def review_history(user: User, person: Person) -> list[Review]:
    """The person's reviews that ``user`` may read, oldest period first: the history
    page sets their overall ratings and key figures side by side."""
    return list(visible_reviews(user).filter(person=person).order_by("period_start", "pk"))


def history_columns(reviews: Iterable[Review]) -> list[str]:
    """The labels of the key figures of any of ``reviews``, in first-seen order."""
    labels: dict[str, None] = {}
    for review in reviews:
        for figure in review.snapshot.get("key_figures", []):
            labels.setdefault(figure["label"], None)
    return list(labels)


def key_figure(review: Review, label: str) -> str:
    """The review's key figure named ``label`` ("—" when it had none)."""
    for figure in review.snapshot.get("key_figures", []):
        if figure["label"] == label:
            return str(figure["text"])
    return "—"


@dataclass(frozen=True)
class ReviewsAwaiting:
    """What a user's reviews wait for from them: as the rep, a self-assessment or an
    acknowledgement; as the reviewer, finalising after the rep's self-assessment (and
    sharing a draft)."""

    self_assessment: list[Review]
    acknowledgement: list[Review]
    manager: list[Review]

    @property
    def count(self) -> int:
        return len(self.self_assessment) + len(self.acknowledgement) + len(self.manager)


def reviews_awaiting(user: User) -> ReviewsAwaiting:
    """The reviews waiting for ``user`` (two queries)."""
    own = person_for(user)
    mine = (
        list(
            Review.objects.filter(
                person=own, status__in=[ReviewStatus.SHARED, ReviewStatus.FINAL]
            ).order_by("period_start", "pk")
        )
        if own is not None
        else []
    )
    manager = list(
        visible_reviews(user)
        .filter(reviewer=user, status__in=[ReviewStatus.DRAFT, ReviewStatus.SELF_ASSESSED])
        .order_by("period_start", "pk")
    )
    return ReviewsAwaiting(
        [review for review in mine if review.status == ReviewStatus.SHARED],
        [review for review in mine if review.status == ReviewStatus.FINAL],
        manager,
    )
