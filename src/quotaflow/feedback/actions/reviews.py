"""Performance reviews: opening one (assembled from the data and kept as a snapshot),
refreshing the draft, rating and writing, and the steps draft → shared with the rep →
self-assessment written → finalised by the manager → acknowledged by the rep.

Every step is atomic, re-reads the review under a row lock, refuses a stale
``expected_version`` with a conflict, raises the version, records an audit event and
tells the other side after the commit (``core.notify``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from quotaflow.accounts.models import User
from quotaflow.core.actions import written_text
from quotaflow.core.audit import diff, record
from quotaflow.core.concurrency import require_version
from quotaflow.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from quotaflow.core.models import Company
from quotaflow.core.notify import notify
from quotaflow.feedback import permissions
from quotaflow.feedback.models import (
    PERIOD_LABEL_MAX_LENGTH,
    RATING_LABELS,
    RATING_MAX,
    RATING_MIN,
    REVIEW_TEXT_MAX_LENGTH,
    Review,
    ReviewStatus,
)
from quotaflow.feedback.review_assembly import ReviewPeriod, assemble
from quotaflow.org.models import Person
from quotaflow.org.queries import people_condition, viewer_scope
from quotaflow.plans.models import PlanningCycle

HIDDEN = "There is no such review, or it is not yours to see."
REVIEWERS_ONLY = "Only the rep's manager or sales operations do this step of a review."
REP_ONLY = "Only the rep reviewed does this step of their review."
#: The texts a reviewer writes, with how they are named in messages.
REVIEWER_TEXTS = {
    "strengths": "strengths",
    "improvements": "areas to improve",
    "agreed_actions": "agreed actions",
}


def review_period(*, period: str = "", cycle: PlanningCycle | None = None) -> ReviewPeriod:
    """The period a review covers: a planning cycle's, or a fiscal period by its label
    (``FY2027-Q1`` by default kind; a half or a year is allowed too)."""
    if cycle is not None:
        label = (cycle.period_label or cycle.name)[:PERIOD_LABEL_MAX_LENGTH]
        return ReviewPeriod(label, cycle.period_start, cycle.period_end)
    if not period.strip():
        raise InvalidInput("Name the period (e.g. FY2027-Q1) or a planning cycle.", field="period")
    if len(period) > PERIOD_LABEL_MAX_LENGTH:
        raise InvalidInput("A period label has at most 60 characters.", field="period")
    try:
        found = Company.current().fiscal_calendar.parse(period)
    except ValueError as error:
        raise InvalidInput(str(error), field="period") from None
    return ReviewPeriod(found.label, found.start, found.end)


def open_review(
    person: Person,
    *,
    acting_user: User,
    period: str = "",
    cycle: PlanningCycle | None = None,
) -> Review:
    """Open a review of ``person`` for a fiscal period (``period``, e.g. "FY2027-Q1") or a
    planning cycle's period, assembled from the data now and kept as its snapshot."""
    if not permissions.can_open_review_for(acting_user, person):
        if not _sees_person(acting_user, person):
            raise NotFound(
                "There is no such person, or they are outside your part of the organisation."
            )
        raise NotAllowed("Only the rep's manager or sales operations open a review of them.")
    span = review_period(period=period, cycle=cycle)
    today = timezone.localdate()
    if span.start > today:
        raise InvalidInput(
            f"{span.label} starts on {span.start:%d %b %Y}; a review covers a period that has "
            "begun.",
            field="period",
        )
    existing = Review.objects.filter(
        person=person, period_start=span.start, period_end=span.end
    ).first()
    if existing is not None:
        raise Conflict(f"{person} already has a review for {span.label} (review {existing.pk}).")
    snapshot = assemble(person, span, today=today)
    try:
        return _create(person, span, cycle, snapshot, acting_user)
    except IntegrityError:  # another reviewer opened the same period a moment ago
        raise Conflict(f"{person} already has a review for {span.label}.") from None


def _create(
    person: Person,
    span: ReviewPeriod,
    cycle: PlanningCycle | None,
    snapshot: dict[str, Any],
    acting_user: User,
) -> Review:
    """Store the opened review and its audit event."""
    with transaction.atomic():
        review = Review.objects.create(
            person=person,
            reviewer=acting_user,
            cycle=cycle,
            period_label=span.label,
            period_start=span.start,
            period_end=span.end,
            snapshot=snapshot,
            assembled_at=timezone.now(),
        )
        record(
            actor=acting_user,
            action="feedback.review.opened",
            obj=review,
            changes={"status": [None, review.status], "goals": [None, len(snapshot["goals"])]},
        )
    return review


def _sees_person(user: User, person: Person) -> bool:
    return Person.objects.filter(people_condition(viewer_scope(user)), pk=person.pk).exists()


def _locked(review: Review | int, acting_user: User, expected_version: int | None) -> Review:
    pk = review.pk if isinstance(review, Review) else review
    found = (
        Review.objects.select_for_update(of=("self",))
        .select_related("person__user")
        .filter(pk=pk)
        .first()
    )
    if found is None or not permissions.can_see_review(acting_user, found):
        raise NotFound(HIDDEN)
    require_version(found, expected_version, what="The review")
    return found


def _require_step(
    review: Review, acting_user: User, *, by_reviewer: bool, states: set[str], step: str
) -> None:
    """Refuse the step unless the acting user is on the right side and the review is in
    one of ``states``."""
    if by_reviewer and not permissions.reviews_people(acting_user, review.person):
        raise NotAllowed(REVIEWERS_ONLY)
    if not by_reviewer and not permissions.is_reviewee(acting_user, review):
        raise NotAllowed(REP_ONLY)
    if review.status not in states:
        raise Conflict(
            f"The review is {review.get_status_display().lower()}; it cannot be {step} now."
        )


def _save(
    review: Review, acting_user: User, action: str, before: dict[str, Any], reason: str = ""
) -> Review:
    review.version += 1
    review.save()
    after = {field: getattr(review, field) for field in before}
    record(actor=acting_user, action=action, obj=review, changes=diff(before, after), reason=reason)
    return review


def _state(review: Review, fields: list[str]) -> dict[str, Any]:
    return {field: getattr(review, field) for field in fields}


def _tell(users: list[User | None], review: Review, *, kind: str, title: str) -> None:
    notify(
        [user for user in users if user is not None],
        kind=kind,
        title=title[:200],
        url=f"/reviews/{review.pk}/",
    )


def refresh_review(review: Review, *, acting_user: User, expected_version: int | None) -> Review:
    """Assemble the draft's snapshot again from today's data (a draft only)."""
    with transaction.atomic():
        review = _locked(review, acting_user, expected_version)
        _require_step(
            review, acting_user, by_reviewer=True, states={ReviewStatus.DRAFT}, step="refreshed"
        )
        span = ReviewPeriod(review.period_label, review.period_start, review.period_end)
        before = _state(review, ["assembled_at"])
        review.snapshot = assemble(review.person, span)
        review.assembled_at = timezone.now()
        known = {str(row["id"]) for row in review.snapshot["goals"]}
        review.goal_ratings = {
            key: value for key, value in review.goal_ratings.items() if key in known
        }
        return _save(review, acting_user, "feedback.review.refreshed", before)


def _rating(value: Any, field: str) -> int | None:
    if value is None or value == "":
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not RATING_MIN <= value <= RATING_MAX
    ):
        scale = ", ".join(f"{score} {label.lower()}" for score, label in RATING_LABELS.items())
        raise InvalidInput(f"A rating is a whole number from 1 to 5 ({scale}).", field=field)
    return value


def _goal_ratings(review: Review, ratings: Mapping[str, Any]) -> dict[str, int]:
    known = {str(row["id"]): row["metric"] for row in review.snapshot.get("goals", [])}
    if len(ratings) > len(known):
        raise InvalidInput(f"This review has {len(known)} goal(s) to rate.", field="goal_ratings")
    merged = dict(review.goal_ratings)
    for key, value in ratings.items():
        if str(key) not in known:
            raise InvalidInput(
                f"Goal {key} is not one of this review's goals.", field="goal_ratings"
            )
        rating = _rating(value, "goal_ratings")
        if rating is None:
            merged.pop(str(key), None)
        else:
            merged[str(key)] = rating
    return merged


def update_review(
    review: Review,
    *,
    acting_user: User,
    expected_version: int | None,
    goal_ratings: Mapping[str, Any] | None = None,
    overall_rating: Any = None,
    strengths: str | None = None,
    improvements: str | None = None,
    agreed_actions: str | None = None,
) -> Review:
    """The reviewer rates goals (goal id → 1–5, or None to clear) and the whole, and
    writes strengths, areas to improve and agreed actions; fields left None keep their
    value (``overall_rating`` is always set: None clears it). Until the review is final."""
    with transaction.atomic():
        review = _locked(review, acting_user, expected_version)
        _require_step(
            review,
            acting_user,
            by_reviewer=True,
            states={ReviewStatus.DRAFT, ReviewStatus.SHARED, ReviewStatus.SELF_ASSESSED},
            step="changed",
        )
        texts = {
            "strengths": strengths,
            "improvements": improvements,
            "agreed_actions": agreed_actions,
        }
        cleaned = {
            field: written_text(
                value, field=field, label=REVIEWER_TEXTS[field], max_length=REVIEW_TEXT_MAX_LENGTH
            )
            for field, value in texts.items()
            if value is not None
        }
        ratings = _goal_ratings(review, goal_ratings or {})
        overall = _rating(overall_rating, "overall_rating")
        before = _state(review, ["goal_ratings", "overall_rating", *REVIEWER_TEXTS])
        review.goal_ratings = ratings
        review.overall_rating = overall
        for field, value in cleaned.items():
            setattr(review, field, value)
        return _save(review, acting_user, "feedback.review.updated", before)


@dataclass(frozen=True)
class _Transition:
    """One step of the workflow: who takes it (the reviewer or the rep), from which
    status to which, the moment it stamps, and what the other side is told."""

    by_reviewer: bool
    source: ReviewStatus
    target: ReviewStatus
    stamp: str
    word: str
    kind: str
    title: str  # formatted with the review's ``person`` and ``period``


SHARE = _Transition(
    True, ReviewStatus.DRAFT, ReviewStatus.SHARED, "shared_at", "shared", "review.shared",
    "Your review for {period} is ready for your self-assessment",
)  # fmt: skip
SELF_ASSESS = _Transition(
    False, ReviewStatus.SHARED, ReviewStatus.SELF_ASSESSED, "self_assessed_at", "self-assessed",
    "review.self_assessed", "{person} wrote their self-assessment for {period}",
)  # fmt: skip
FINALISE = _Transition(
    True, ReviewStatus.SELF_ASSESSED, ReviewStatus.FINAL, "finalised_at", "finalised",
    "review.finalised", "Your review for {period} is final: please acknowledge it",
)  # fmt: skip
ACKNOWLEDGE = _Transition(
    False, ReviewStatus.FINAL, ReviewStatus.ACKNOWLEDGED, "acknowledged_at", "acknowledged",
    "review.acknowledged", "{person} acknowledged their review for {period}",
)  # fmt: skip


def _advance(
    review: Review,
    acting_user: User,
    expected_version: int | None,
    step: _Transition,
    *,
    changes: Mapping[str, Any] | None = None,
    check: Callable[[Review], None] | None = None,
) -> Review:
    """Take ``step`` on the review (locked, checked, audited) with ``changes`` to its
    fields, after ``check`` passes; the other side is told after the commit."""
    changes = dict(changes or {})
    with transaction.atomic():
        review = _locked(review, acting_user, expected_version)
        _require_step(
            review, acting_user, by_reviewer=step.by_reviewer, states={step.source}, step=step.word
        )
        if check is not None:
            check(review)
        before = _state(review, ["status", step.stamp, *changes])
        for field, value in {**changes, "status": step.target, step.stamp: timezone.now()}.items():
            setattr(review, field, value)
        _save(review, acting_user, f"feedback.review.{step.word.replace('-', '_')}", before)
        other = review.person.user if step.by_reviewer else review.reviewer
        _tell(
            [other],
            review,
            kind=step.kind,
            title=step.title.format(person=review.person, period=review.period_label),
        )
    return review


def share_review(review: Review, *, acting_user: User, expected_version: int | None) -> Review:
    """Share the draft with the rep, who is told and may write their self-assessment."""
    return _advance(review, acting_user, expected_version, SHARE)


def submit_self_assessment(
    review: Review, *, acting_user: User, expected_version: int | None, text: str
) -> Review:
    """The rep writes their self-assessment of a shared review; the reviewer is told."""
    written = written_text(
        text,
        field="self_assessment",
        label="self-assessment",
        required=True,
        max_length=REVIEW_TEXT_MAX_LENGTH,
    )
    return _advance(
        review, acting_user, expected_version, SELF_ASSESS, changes={"self_assessment": written}
    )


def _fully_rated(review: Review) -> None:
    unrated = [
        row["metric"] for row in review.snapshot.get("goals", [])
        if str(row["id"]) not in review.goal_ratings
    ]  # fmt: skip
    if unrated:
        raise InvalidInput(f"Rate every goal first: {', '.join(unrated)}.", field="goal_ratings")
    if review.overall_rating is None:
        raise InvalidInput("Give the overall rating first.", field="overall_rating")


def finalise_review(review: Review, *, acting_user: User, expected_version: int | None) -> Review:
    """The reviewer closes their part once the rep has self-assessed: every goal and the
    whole must be rated. The rep is told and asked to acknowledge."""
    return _advance(review, acting_user, expected_version, FINALISE, check=_fully_rated)


def acknowledge_review(
    review: Review, *, acting_user: User, expected_version: int | None
) -> Review:
    """The rep acknowledges the final review (the moment is kept); the reviewer is told."""
    return _advance(review, acting_user, expected_version, ACKNOWLEDGE)


#: The steps that take nothing but the version, by the name the web and API use.
STEPS = {
    "refresh": refresh_review,
    "share": share_review,
    "finalise": finalise_review,
    "acknowledge": acknowledge_review,
}
__all__ = [
    "STEPS",
    "acknowledge_review",
    "finalise_review",
    "open_review",
    "refresh_review",
    "review_period",
    "share_review",
    "submit_self_assessment",
    "update_review",
]
