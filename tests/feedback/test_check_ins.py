"""Check-ins and replies, per role: who may write them, what they write, whom they notify
(after the commit only), and the bad input refused with nothing written."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.db import transaction

from quotaflow.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from quotaflow.core.models import AuditEvent, Notification
from quotaflow.feedback import actions, permissions
from quotaflow.feedback.models import CheckIn, CheckInReply
from quotaflow.metrics.models import Metric
from quotaflow.performance.models import ManualValue
from quotaflow.plans.models import Goal, GoalStatus
from tests.conftest import SmallOrg

pytestmark = pytest.mark.django_db


def _check_in(goal: Goal, user: Any, **fields: Any) -> CheckIn:
    values = {"note": "Two deals slipped to February.", "confidence": 2, **fields}
    return actions.check_in(goal, acting_user=user, **values)


def _written() -> tuple[int, int, int, int]:
    return (
        CheckIn.objects.count(),
        CheckInReply.objects.count(),
        AuditEvent.objects.count(),
        Notification.objects.count(),
    )


def test_the_owner_checks_in_and_the_manager_is_notified_after_commit(
    small_org: SmallOrg, ria_goal: Goal, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        made = _check_in(
            ria_goal, small_org.users["rep_ria"], blockers="Legal review", next_step="Call CFO"
        )
    assert len(callbacks) == 1  # one delivery, queued for after the commit
    made.refresh_from_db()
    assert (made.confidence, made.blockers, made.next_step) == (2, "Legal review", "Call CFO")
    assert made.day.isoformat() == "2027-01-20"
    note = Notification.objects.get()
    assert note.user == small_org.users["manager_max"]  # North Team A has none; North's
    assert note.kind == "checkin.created"
    assert "confidence 2/5" in note.title
    assert note.url == f"/performance/goals/{ria_goal.pk}/#check-in-{made.pk}"
    event = AuditEvent.objects.get(action="feedback.check_in.created")
    assert event.changes == {"confidence": [None, 2], "value": [None, None]}
    assert mail.outbox == []  # a check-in notification is in the app only by default


@pytest.mark.django_db(transaction=True)
def test_nothing_is_notified_or_mailed_when_the_transaction_rolls_back(
    small_org: SmallOrg, ria_goal: Goal
) -> None:
    from quotaflow.core.models import NotificationPreference

    NotificationPreference.objects.create(
        user=small_org.users["manager_max"], kind="checkin.created", email=True
    )
    small_org.users["manager_max"].email = "max@example.com"
    small_org.users["manager_max"].save()
    with pytest.raises(RuntimeError), transaction.atomic():
        _check_in(ria_goal, small_org.users["rep_ria"])
        raise RuntimeError("something later in the request failed")
    assert CheckIn.objects.count() == 0
    assert Notification.objects.count() == 0
    assert mail.outbox == []
    # The same check-in committed is delivered, in the app and by e-mail as chosen.
    _check_in(ria_goal, small_org.users["rep_ria"])
    assert Notification.objects.filter(user=small_org.users["manager_max"]).count() == 1
    assert [message.to for message in mail.outbox] == [["max@example.com"]]


@pytest.mark.parametrize(
    ("username", "error"),
    [
        ("manager_max", NotAllowed),  # sees it, replies, does not check in for Ria
        ("ops_olga", NotAllowed),
        ("manager_sam", NotFound),  # another subtree: the goal is not there for him
        ("outsider_otto", NotFound),
    ],
)
def test_only_the_owner_checks_in(
    small_org: SmallOrg, ria_goal: Goal, username: str, error: type[Exception]
) -> None:
    before = _written()
    with pytest.raises(error):
        _check_in(ria_goal, small_org.users[username])
    assert _written() == before


def test_a_units_manager_checks_in_on_the_units_goal(small_org: SmallOrg, plan: Any) -> None:
    north = Goal.objects.get(cycle=plan, owner_unit=small_org.north)
    made = _check_in(north, small_org.users["manager_max"], confidence=4)
    assert made.goal == north
    assert permissions.can_check_in(small_org.users["manager_max"], north)
    assert not permissions.can_check_in(small_org.users["rep_ria"], north)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"note": "   "}, "note"),
        ({"note": "x" * 4_001}, "note"),
        ({"note": "bad \x00 byte"}, "note"),
        ({"confidence": 0}, "confidence"),
        ({"confidence": 6}, "confidence"),
        ({"confidence": True}, "confidence"),
        ({"blockers": "y" * 4_001}, "blockers"),
        ({"next_step": "\x1b[31m"}, "next_step"),
        ({"value": "12"}, "value"),  # revenue is computed from transactions
    ],
)
def test_bad_input_is_refused_with_nothing_written(
    small_org: SmallOrg, ria_goal: Goal, fields: dict[str, Any], field: str
) -> None:
    before = _written()
    with pytest.raises(InvalidInput) as refused:
        _check_in(ria_goal, small_org.users["rep_ria"], **fields)
    assert refused.value.field == field
    assert refused.value.message
    assert _written() == before


def test_a_manual_metrics_value_is_entered_with_the_check_in(
    small_org: SmallOrg, ria_goal: Goal
) -> None:
    csat = Metric.objects.create(
        code="csat", name="Customer satisfaction", unit="score", source="manual"
    )
    Goal.objects.filter(pk=ria_goal.pk).update(metric=csat)
    made = _check_in(ria_goal, small_org.users["rep_ria"], value="87.5")
    assert made.value == 8750  # hundredths
    stored = ManualValue.objects.get(metric=csat, owner_person=small_org.people["ria"])
    assert (stored.value, stored.day) == (8750, made.day)
    with pytest.raises(InvalidInput) as refused:
        _check_in(ria_goal, small_org.users["rep_ria"], value="lots")
    assert refused.value.field == "value"


def test_a_closed_goal_takes_no_check_in(small_org: SmallOrg, ria_goal: Goal) -> None:
    Goal.objects.filter(pk=ria_goal.pk).update(status=GoalStatus.CLOSED)
    with pytest.raises(Conflict):
        _check_in(ria_goal, small_org.users["rep_ria"])
    assert CheckIn.objects.count() == 0


def test_the_manager_replies_and_the_owner_is_notified(
    small_org: SmallOrg, ria_goal: Goal, django_capture_on_commit_callbacks: Any
) -> None:
    made = _check_in(ria_goal, small_org.users["rep_ria"])
    with django_capture_on_commit_callbacks(execute=True):
        actions.reply_to_check_in(
            made, acting_user=small_org.users["manager_max"], body="Let us call the CFO together."
        )
    note = Notification.objects.get(kind="checkin.replied")
    assert note.user == small_org.users["rep_ria"]
    assert note.body == "Let us call the CFO together."
    # The owner answers back: the manager in the thread hears of it.
    with django_capture_on_commit_callbacks(execute=True):
        actions.reply_to_check_in(made, acting_user=small_org.users["rep_ria"], body="Thursday?")
    assert (
        Notification.objects.filter(
            kind="checkin.replied", user=small_org.users["manager_max"]
        ).count()
        == 1
    )
    assert list(made.replies.values_list("body", flat=True)) == [
        "Let us call the CFO together.",
        "Thursday?",
    ]


@pytest.mark.parametrize(
    ("username", "error"),
    [
        ("manager_sam", NotFound),
        ("outsider_otto", NotFound),
        ("ceo_cora", None),
        ("ops_olga", None),
    ],
)
def test_who_may_reply(
    small_org: SmallOrg, ria_goal: Goal, username: str, error: type[Exception] | None
) -> None:
    made = _check_in(ria_goal, small_org.users["rep_ria"])
    if error is None:
        actions.reply_to_check_in(made, acting_user=small_org.users[username], body="Noted.")
        assert made.replies.count() == 1
        return
    with pytest.raises(error):
        actions.reply_to_check_in(made, acting_user=small_org.users[username], body="Noted.")
    assert made.replies.count() == 0


def test_an_empty_or_overlong_reply_is_refused(small_org: SmallOrg, ria_goal: Goal) -> None:
    made = _check_in(ria_goal, small_org.users["rep_ria"])
    for body in ("  ", "z" * 4_001):
        with pytest.raises(InvalidInput):
            actions.reply_to_check_in(made, acting_user=small_org.users["manager_max"], body=body)
    assert made.replies.count() == 0
