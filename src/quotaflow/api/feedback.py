"""Check-ins, their replies, the inbox and notification settings, and a cycle's check-in
cadence.

Reading needs the ``read`` scope on a token; writing a check-in, a reply or the inbox needs
``workflow`` (any role) or ``manage``. Who may do what is the feedback app's rule
(``feedback.permissions``), the same as on the goal page: a goal you may not see, or a
notification that is not yours, answers 404.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from quotaflow.accounts.models import TokenScope, User
from quotaflow.api.auth import request_user, require_any_scope, require_scope
from quotaflow.api.plans import CycleOut, _cycle
from quotaflow.api.schemas import READ_ERRORS, WRITE_ERRORS, Input, ObjectId, Offset
from quotaflow.core.errors import NotFound
from quotaflow.core.models import KINDS, Notification
from quotaflow.feedback import actions, queries
from quotaflow.feedback.actions.inbox import preferences
from quotaflow.feedback.models import (
    CONFIDENCE_MAX,
    CONFIDENCE_MIN,
    NOTE_MAX_LENGTH,
    CheckIn,
    CheckInReply,
)
from quotaflow.plans import actions as plan_actions
from quotaflow.plans.loaders import goal_for
from quotaflow.plans.models import CheckinCadence, Goal

router = Router(tags=["feedback"])

INBOX_MAX_LIMIT = 200


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
