"""Check-ins, their replies, the inbox and notification settings, a cycle's check-in
cadence, and performance reviews (opened, rated, self-assessed, finalised, acknowledged,
and as a PDF).

Reading needs the ``read`` scope on a token; writing a check-in, a reply or the inbox needs
``workflow`` (any role) or ``manage``. Who may do what is the feedback app's rule
(``feedback.permissions``), the same as on the goal page: a goal you may not see, or a
notification that is not yours, answers 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status
from pydantic import Field

from quotaflow.accounts.models import TokenScope, User
from quotaflow.api.auth import request_user, require_any_scope, require_scope
from quotaflow.api.plans import CycleOut, _cycle
from quotaflow.api.schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
    ExpectedVersion,
    Input,
    ObjectId,
    Offset,
)
from quotaflow.core import limits
from quotaflow.core.errors import NotFound
from quotaflow.core.models import KINDS, Notification
from quotaflow.feedback import actions, queries
from quotaflow.feedback.actions import reviews as review_actions
from quotaflow.feedback.actions.inbox import preferences
from quotaflow.feedback.models import (
    CONFIDENCE_MAX,
    CONFIDENCE_MIN,
    NOTE_MAX_LENGTH,
    PERIOD_LABEL_MAX_LENGTH,
    RATING_MAX,
    RATING_MIN,
    REVIEW_TEXT_MAX_LENGTH,
    CheckIn,
    CheckInReply,
    Review,
    ReviewStatus,
)
from quotaflow.feedback.review_pdf import review_pdf
from quotaflow.org.loaders import person_for
from quotaflow.org.queries import viewer_scope
from quotaflow.plans import actions as plan_actions
from quotaflow.plans.loaders import goal_for
from quotaflow.plans.models import CheckinCadence, Goal, PlanningCycle
from quotaflow.plans.visibility import can_view_cycle

router = Router(tags=["feedback"])

INBOX_MAX_LIMIT = 200
#: The most goal ratings one change of a review may carry.
REVIEW_GOALS_MAX = 200


def _author(user: User | None) -> str | None:
    return user.username if user is not None else None


class ReplyOut(Schema):
    """A message in a check-in's thread."""

    id: int
    author: str | None
    body: str
    created_at: dt.datetime

    @staticmethod
    def of(reply: CheckInReply) -> ReplyOut:
        return ReplyOut(
            id=reply.pk, author=_author(reply.author), body=reply.body, created_at=reply.created_at
        )


class CheckInOut(Schema):
    """An owner's check-in on a goal, with its thread."""

    id: int
    goal: int
    author: str | None
    day: dt.date = Field(description="The business date the check-in counts for.")
    note: str
    confidence: int = Field(description="1 (will miss) to 5 (certain).")
    blockers: str
    next_step: str
    value: int | None = Field(
        description="A manual metric's value, in its stored units (cents, hundredths …)."
    )
    created_at: dt.datetime
    replies: list[ReplyOut]

    @staticmethod
    def of(check_in: CheckIn) -> CheckInOut:
        return CheckInOut(
            id=check_in.pk,
            goal=check_in.goal_id,
            author=_author(check_in.author),
            day=check_in.day,
            note=check_in.note,
            confidence=check_in.confidence,
            blockers=check_in.blockers,
            next_step=check_in.next_step,
            value=check_in.value,
            created_at=check_in.created_at,
            replies=[ReplyOut.of(reply) for reply in check_in.replies.all()],
        )


class CheckInIn(Input):
    """A check-in on a goal of yours."""

    note: str = Field(max_length=NOTE_MAX_LENGTH, description="How it is going (required).")
    confidence: int = Field(ge=CONFIDENCE_MIN, le=CONFIDENCE_MAX, description="1 to 5.")
    blockers: str = Field("", max_length=NOTE_MAX_LENGTH)
    next_step: str = Field("", max_length=NOTE_MAX_LENGTH)
    value: str = Field(
        "",
        max_length=40,
        description="Only for a manual metric: its value today, as shown (e.g. '87.5').",
    )


class ReplyIn(Input):
    """A reply in a check-in's thread."""

    body: str = Field(max_length=NOTE_MAX_LENGTH)


class NotificationOut(Schema):
    """A notification in your inbox."""

    id: int
    kind: str
    title: str
    body: str
    url: str = Field(description="The page it is about, as a path.")
    created_at: dt.datetime
    read_at: dt.datetime | None

    @staticmethod
    def of(item: Notification) -> NotificationOut:
        return NotificationOut(
            id=item.pk,
            kind=item.kind,
            title=item.title,
            body=item.body,
            url=item.url,
            created_at=item.created_at,
            read_at=item.read_at,
        )


class ReadOut(Schema):
    """How many notifications were marked read."""

    count: int


class PreferenceOut(Schema):
    """One kind of notification and whether it comes by e-mail too."""

    kind: str
    label: str
    email: bool


class PreferencesIn(Input):
    """Per kind, ``true`` for e-mail too, ``false`` for the app only; kinds left out keep
    their setting."""

    email: dict[str, bool] = Field(max_length=len(KINDS), description="kind → e-mail too")


class CadenceIn(Input):
    """How often the owners of a cycle's goals check in."""

    cadence: CheckinCadence = Field(description="weekly, biweekly, monthly, or '' for none.")
    expected_version: int | None = Field(None, ge=0, le=2**63 - 1)


def _visible_goal(request: HttpRequest, goal_id: int) -> tuple[User, Goal]:
    require_scope(request, TokenScope.READ)
    user = request_user(request)
    return user, goal_for(user, goal_id)


def _writer(request: HttpRequest) -> None:
    require_any_scope(request, TokenScope.WORKFLOW, TokenScope.MANAGE)


def _preferences_out(user: User) -> list[PreferenceOut]:
    return [
        PreferenceOut(kind=kind, label=KINDS[kind].label, email=email)
        for kind, email in preferences(user).items()
    ]


@router.get("/goals/{goal_id}/check-ins", response={200: list[CheckInOut], **READ_ERRORS})
def list_check_ins(request: HttpRequest, goal_id: ObjectId) -> list[CheckInOut]:
    """A goal's check-ins, newest first, each with its replies."""
    _, goal = _visible_goal(request, goal_id)
    return [CheckInOut.of(item) for item in queries.thread(goal)]


@router.post("/goals/{goal_id}/check-ins", response={201: CheckInOut, **WRITE_ERRORS})
def create_check_in(request: HttpRequest, goal_id: ObjectId, payload: CheckInIn) -> Status:
    """Check in on a goal of yours; your manager is notified."""
    user, goal = _visible_goal(request, goal_id)
    _writer(request)
    made = actions.check_in(goal, acting_user=user, **payload.dict())
    return Status(201, CheckInOut.of(made))


@router.post("/check-ins/{check_in_id}/replies", response={201: ReplyOut, **WRITE_ERRORS})
def create_reply(request: HttpRequest, check_in_id: ObjectId, payload: ReplyIn) -> Status:
    """Reply in a check-in's thread; the goal's owner is notified."""
    found = CheckIn.objects.filter(pk=check_in_id).first()
    if found is None:
        require_scope(request, TokenScope.READ)
        raise NotFound("There is no such check-in, or it is outside your part of the organisation.")
    user, _ = _visible_goal(request, found.goal_id)
    _writer(request)
    return Status(
        201, ReplyOut.of(actions.reply_to_check_in(found, acting_user=user, **payload.dict()))
    )


@router.get("/inbox", response={200: list[NotificationOut], **READ_ERRORS})
def inbox(
    request: HttpRequest,
    unread: bool = Query(False, description="Only the unread ones."),  # noqa: B008
    offset: Offset = 0,
    limit: int = Query(50, ge=1, le=INBOX_MAX_LIMIT),  # noqa: B008
) -> list[NotificationOut]:
    """Your notifications, newest first."""
    require_scope(request, TokenScope.READ)
    items = Notification.objects.filter(user=request_user(request))
    if unread:
        items = items.filter(read_at__isnull=True)
    return [NotificationOut.of(item) for item in items[offset : offset + limit]]


@router.post("/inbox/{notification_id}/read", response={200: NotificationOut, **WRITE_ERRORS})
def read_notification(request: HttpRequest, notification_id: ObjectId) -> NotificationOut:
    """Mark one of your notifications read."""
    _writer(request)
    return NotificationOut.of(actions.mark_read(notification_id, acting_user=request_user(request)))


@router.post("/inbox/read", response={200: ReadOut, **WRITE_ERRORS})
def read_all(request: HttpRequest) -> ReadOut:
    """Mark all your notifications read."""
    _writer(request)
    return ReadOut(count=actions.mark_all_read(acting_user=request_user(request)))


@router.get("/inbox/preferences", response={200: list[PreferenceOut], **READ_ERRORS})
def get_preferences(request: HttpRequest) -> list[PreferenceOut]:
    """Per kind of notification, whether it comes to you by e-mail too."""
    require_scope(request, TokenScope.READ)
    return _preferences_out(request_user(request))


@router.put("/inbox/preferences", response={200: list[PreferenceOut], **WRITE_ERRORS})
def put_preferences(request: HttpRequest, payload: PreferencesIn) -> list[PreferenceOut]:
    """Choose per kind: e-mail too, or in the app only."""
    _writer(request)
    user = request_user(request)
    actions.set_preferences(acting_user=user, email=payload.email)
    return _preferences_out(user)


@router.put("/cycles/{cycle_id}/check-in-cadence", response={200: CycleOut, **WRITE_ERRORS})
def set_cadence(request: HttpRequest, cycle_id: ObjectId, payload: CadenceIn) -> CycleOut:
    """Planners: how often the cycle's goal owners check in (the SMART Time-bound letter
    and the overdue reminders follow it)."""
    require_scope(request, TokenScope.MANAGE)
    user, cycle = _cycle(request, cycle_id)
    cycle = plan_actions.set_checkin_cadence(
        cycle,
        acting_user=user,
        cadence=payload.cadence,
        expected_version=payload.expected_version,
    )
    return CycleOut.of(cycle)


# Performance reviews --------------------------------------------------------------------


class ReviewSummaryOut(Schema):
    """A performance review as listed: who, which period, where it stands."""

    id: int
    person: str = Field(description="The rep's external id.")
    person_name: str
    reviewer: str | None = Field(description="The username of the manager who opened it.")
    period_label: str
    period_start: dt.date
    period_end: dt.date
    status: ReviewStatus
    version: int
    overall_rating: int | None = Field(description="1–5 (see RATING_LABELS in the docs).")
    overall_label: str

    @staticmethod
    def fields_of(review: Review) -> dict[str, Any]:
        return {
            "id": review.pk,
            "person": review.person.external_id,
            "person_name": review.person.full_name,
            "reviewer": _author(review.reviewer),
            "period_label": review.period_label,
            "period_start": review.period_start,
            "period_end": review.period_end,
            "status": review.status,
            "version": review.version,
            "overall_rating": review.overall_rating,
            "overall_label": review.overall_label,
        }


class ReviewOut(ReviewSummaryOut):
    """A performance review in full: the snapshot it was assembled from (figures with how
    each was computed), the ratings, the texts and when each step was taken."""

    cycle: int | None
    goal_ratings: dict[str, int] = Field(description="goal id → rating 1–5")
    strengths: str
    improvements: str
    agreed_actions: str
    self_assessment: str
    assembled_at: dt.datetime
    shared_at: dt.datetime | None
    self_assessed_at: dt.datetime | None
    finalised_at: dt.datetime | None
    acknowledged_at: dt.datetime | None
    snapshot: dict[str, Any]

    @staticmethod
    def of(review: Review) -> ReviewOut:
        return ReviewOut(
            **ReviewSummaryOut.fields_of(review),
            cycle=review.cycle_id,
            goal_ratings=review.goal_ratings,
            strengths=review.strengths,
            improvements=review.improvements,
            agreed_actions=review.agreed_actions,
            self_assessment=review.self_assessment,
            assembled_at=review.assembled_at,
            shared_at=review.shared_at,
            self_assessed_at=review.self_assessed_at,
            finalised_at=review.finalised_at,
            acknowledged_at=review.acknowledged_at,
            snapshot=review.snapshot,
        )


class ReviewOpenIn(Input):
    """Open a review of a rep: a fiscal period by its label, or a planning cycle's period."""

    person: str = Field(max_length=limits.IDENTIFIER_MAX_LENGTH, description="External id.")
    period: str = Field(
        "", max_length=PERIOD_LABEL_MAX_LENGTH, description="e.g. FY2027-Q1 (or a half, a year)."
    )
    cycle: int | None = Field(None, ge=1, le=limits.BIGINT_MAX, description="Or a cycle's id.")


Rating = Annotated[int, Field(ge=RATING_MIN, le=RATING_MAX)]
ReviewText = Annotated[str, Field(max_length=REVIEW_TEXT_MAX_LENGTH)]


class ReviewUpdateIn(Input):
    """The reviewer's part; fields left out keep their value."""

    expected_version: ExpectedVersion
    goal_ratings: dict[str, Rating | None] | None = Field(
        None, max_length=REVIEW_GOALS_MAX, description="goal id → 1–5, or null to clear."
    )
    overall_rating: Rating | None = None
    strengths: ReviewText | None = None
    improvements: ReviewText | None = None
    agreed_actions: ReviewText | None = None


class SelfAssessmentIn(Input):
    """The rep's self-assessment of a review shared with them."""

    expected_version: ExpectedVersion
    text: ReviewText


class ReviewStepIn(Input):
    """A step that takes nothing but the version you read."""

    expected_version: ExpectedVersion


def _visible_review(request: HttpRequest, review_id: int) -> tuple[User, Review]:
    require_scope(request, TokenScope.READ)
    user = request_user(request)
    review = queries.visible_review(user, review_id)
    if review is None:
        raise NotFound(review_actions.HIDDEN)
    return user, review


@router.get("/reviews", response={200: list[ReviewSummaryOut], **READ_ERRORS})
def list_reviews(
    request: HttpRequest,
    offset: Offset = 0,
    limit: int = Query(50, ge=1, le=INBOX_MAX_LIMIT),  # noqa: B008
) -> list[ReviewSummaryOut]:
    """The reviews you may read: your own once shared, those of the people you manage
    (planners: every one), newest period first."""
    require_scope(request, TokenScope.READ)
    found = queries.visible_reviews(request_user(request))[offset : offset + limit]
    return [ReviewSummaryOut(**ReviewSummaryOut.fields_of(review)) for review in found]


@router.post("/reviews", response={201: ReviewOut, **WRITE_ERRORS})
def open_review(request: HttpRequest, payload: ReviewOpenIn) -> Status:
    """Open a review of a rep you manage (or any, for planners), assembled now from the
    data of the period and kept as its snapshot."""
    require_scope(request, TokenScope.READ)
    _writer(request)
    user = request_user(request)
    person = person_for(viewer_scope(user), payload.person)
    cycle = None
    if payload.cycle is not None:
        cycle = PlanningCycle.objects.filter(pk=payload.cycle).first()
        if cycle is None or not can_view_cycle(user, cycle):
            raise NotFound("There is no such planning cycle.")
    made = actions.open_review(person, acting_user=user, period=payload.period, cycle=cycle)
    return Status(201, ReviewOut.of(made))


@router.get("/reviews/{review_id}", response={200: ReviewOut, **READ_ERRORS})
def get_review(request: HttpRequest, review_id: ObjectId) -> ReviewOut:
    """A review with its snapshot, ratings, texts and steps."""
    return ReviewOut.of(_visible_review(request, review_id)[1])


@router.patch("/reviews/{review_id}", response={200: ReviewOut, **WRITE_ERRORS})
def update_review(request: HttpRequest, review_id: ObjectId, payload: ReviewUpdateIn) -> ReviewOut:
    """Rate goals and the whole, write strengths, areas to improve and agreed actions
    (the reviewer, until the review is final)."""
    user, review = _visible_review(request, review_id)
    _writer(request)
    given = payload.model_fields_set
    overall = payload.overall_rating if "overall_rating" in given else review.overall_rating
    updated = actions.update_review(
        review,
        acting_user=user,
        expected_version=payload.expected_version,
        goal_ratings=payload.goal_ratings,
        overall_rating=overall,
        strengths=payload.strengths,
        improvements=payload.improvements,
        agreed_actions=payload.agreed_actions,
    )
    return ReviewOut.of(updated)


@router.post("/reviews/{review_id}/self-assessment", response={200: ReviewOut, **WRITE_ERRORS})
def self_assess(request: HttpRequest, review_id: ObjectId, payload: SelfAssessmentIn) -> ReviewOut:
    """The rep writes their self-assessment of a review shared with them; the reviewer
    is told."""
    user, review = _visible_review(request, review_id)
    _writer(request)
    return ReviewOut.of(
        actions.submit_self_assessment(
            review, acting_user=user, expected_version=payload.expected_version, text=payload.text
        )
    )


def _step_operation(step: str, summary: str) -> None:
    def operation(request: HttpRequest, review_id: ObjectId, payload: ReviewStepIn) -> ReviewOut:
        user, review = _visible_review(request, review_id)
        _writer(request)
        action = review_actions.STEPS[step]
        return ReviewOut.of(
            action(review, acting_user=user, expected_version=payload.expected_version)
        )

    operation.__doc__ = summary
    operation.__name__ = f"review_{step}"
    router.post(
        f"/reviews/{{review_id}}/{step}",
        response={200: ReviewOut, **WRITE_ERRORS},
        operation_id=f"review_{step}",
    )(operation)


for _step, _summary in (
    ("refresh", "Assemble a draft review again from today's data (the reviewer)."),
    ("share", "Share a draft with the rep, who is asked for a self-assessment (the reviewer)."),
    ("finalise", "Finalise a self-assessed review; every goal and the whole rated (the reviewer)."),
    ("acknowledge", "Acknowledge your final review; the date is kept (the rep)."),
):
    _step_operation(_step, _summary)


@router.get("/reviews/{review_id}/pdf", response={200: None, **READ_ERRORS})
def review_document(request: HttpRequest, review_id: ObjectId) -> HttpResponse:
    """The review as a PDF to file (application/pdf)."""
    _, review = _visible_review(request, review_id)
    response = HttpResponse(review_pdf(review), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="review-{review.pk}.pdf"'
    return response
