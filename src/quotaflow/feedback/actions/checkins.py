"""Checking in on a goal, and replying in a check-in's thread."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from quotaflow.accounts.models import User
from quotaflow.core.actions import written_text
from quotaflow.core.audit import record
from quotaflow.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from quotaflow.core.models import Company
from quotaflow.core.money import AmountError, metric_amounts
from quotaflow.core.notify import notify
from quotaflow.feedback import permissions
from quotaflow.feedback.mentions import notify_message, resolve_mentions
from quotaflow.feedback.models import (
    CONFIDENCE_MAX,
    CONFIDENCE_MIN,
    NOTE_MAX_LENGTH,
    CheckIn,
    CheckInReply,
    Mention,
)
from quotaflow.metrics.models import Source
from quotaflow.performance.actions import set_manual_value
from quotaflow.plans.loaders import goal_for_action
from quotaflow.plans.models import Goal
from quotaflow.plans.permissions import comments_open
from quotaflow.plans.queries import goal_managers, goal_owner_users

NOT_OPEN = "{goal} takes no more check-ins: the goal or its plan is closed or superseded."


def _text(value: str, field: str, label: str, *, required: bool = False) -> str:
    return written_text(
        value, field=field, label=label, max_length=NOTE_MAX_LENGTH, required=required
    )


def _confidence(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput("Confidence is a whole number from 1 to 5.", field="confidence")
    if not CONFIDENCE_MIN <= value <= CONFIDENCE_MAX:
        raise InvalidInput(
            f"Confidence is from {CONFIDENCE_MIN} (will miss) to {CONFIDENCE_MAX} (certain); "
            f"{value} is outside that.",
            field="confidence",
        )
    return value


def _manual_value(goal: Goal, text: str) -> int | None:
    """The typed value of a manual metric in its stored units (None when left empty);
    refused on a metric computed from transactions or activities."""
    if not text.strip():
        return None
    metric = goal.metric
    if metric.source != Source.MANUAL:
        raise InvalidInput(
            f"{metric.name} is computed from {metric.get_source_display().lower()}; a check-in "
            "reports a value only for a manual metric.",
            field="value",
        )
    try:
        return metric_amounts(metric.unit, Company.current().currency).parse(text)
    except AmountError as error:
        raise InvalidInput(error.message, field="value") from None


def check_in(
    goal: Goal,
    *,
    acting_user: User,
    note: str,
    confidence: int,
    blockers: str = "",
    next_step: str = "",
    value: str = "",
) -> CheckIn:
    """The owner reports on ``goal`` today: progress note, confidence 1–5, blockers, next
    step, and for a manual metric its value (typed as shown, e.g. "87.5"). Notifies the
    owner's manager(s) after the commit."""
    goal = goal_for_action(goal)
    if not permissions.can_see_goal(acting_user, goal):
        raise NotFound("There is no such goal, or it is outside your part of the organisation.")
    if not permissions.owns_goal(acting_user, goal):
        raise NotAllowed("Only the goal's owner checks in on it; managers reply in the thread.")
    if not comments_open(goal):
        raise Conflict(NOT_OPEN.format(goal=goal))
    fields = {
        "note": _text(note, "note", "progress note", required=True),
        "confidence": _confidence(confidence),
        "blockers": _text(blockers, "blockers", "blockers"),
        "next_step": _text(next_step, "next_step", "next step"),
        "value": _manual_value(goal, value),
    }
    today = timezone.localdate()
    with transaction.atomic():
        made = CheckIn.objects.create(goal=goal, author=acting_user, day=today, **fields)
        if made.value is not None:
            owner = goal.owner_unit or goal.owner_person
            assert owner is not None  # noqa: S101 - every goal has exactly one owner
            set_manual_value(
                metric=goal.metric,
                owner=owner,
                day=today,
                value=made.value,
                acting_user=acting_user,
                note=f"Check-in {made.pk}",
            )
        record(
            actor=acting_user,
            action="feedback.check_in.created",
            obj=made,
            changes={"confidence": [None, made.confidence], "value": [None, made.value]},
            reason=made.note,
        )
        who = acting_user.get_full_name() or acting_user.username
        notify(
            goal_managers(goal, today),
            kind="checkin.created",
            title=f"{who} checked in on {goal}: confidence {made.confidence}/5"[:200],
            body=made.note[:500],
            url=f"/performance/goals/{goal.pk}/#check-in-{made.pk}",
        )
    return made


def reply_to_check_in(check_in: CheckIn, *, acting_user: User, body: str) -> CheckInReply:
    """Answer in a check-in's thread (a manager above the goal, a planner, or the owner).
    Notifies the goal's owner(s) and those in the thread, after the commit; when the owner
    answers, their manager(s) too. People named with ``@username`` (each must be able to
    see the goal, or nothing is written) hear that they were mentioned instead."""
    goal = goal_for_action(check_in.goal_id)
    if not permissions.can_see_goal(acting_user, goal):
        raise NotFound("There is no such check-in, or it is outside your part of the organisation.")
    if not permissions.may_reply(acting_user, goal):
        raise NotAllowed(
            "Only the goal's owner, the managers above it and sales operations reply here."
        )
    if not comments_open(goal):
        raise Conflict(NOT_OPEN.format(goal=goal))
    text = _text(body, "body", "reply", required=True)
    mentioned = {user.pk: user for user in resolve_mentions(text, goal)}
    mentioned.pop(acting_user.pk, None)
    today = timezone.localdate()
    with transaction.atomic():
        reply = CheckInReply.objects.create(check_in=check_in, author=acting_user, body=text)
        Mention.objects.bulk_create(Mention(reply=reply, user=user) for user in mentioned.values())
        record(actor=acting_user, action="feedback.check_in.replied", obj=check_in, reason=text)
        owners = goal_owner_users([goal], today).get(goal.pk, [])
        in_thread = {
            user.pk: user
            for user in User.objects.filter(
                pk__in=[check_in.author_id, *check_in.replies.values_list("author_id", flat=True)]
            )
        }
        recipients = {user.pk: user for user in owners} | in_thread
        if any(user.pk == acting_user.pk for user in owners):
            recipients |= {user.pk: user for user in goal_managers(goal, today)}
        recipients.pop(acting_user.pk, None)
        for user_id in mentioned:
            recipients.pop(user_id, None)
        who = acting_user.get_full_name() or acting_user.username
        notify_message(
            mentioned.values(),
            recipients.values(),
            text=text,
            url=f"/performance/goals/{goal.pk}/#check-in-{check_in.pk}",
            mentioned_title=f"{who} mentioned you in a check-in's thread on {goal}",
            kind="checkin.replied",
            title=f"{who} replied to the check-in on {goal}",
        )
    return reply
