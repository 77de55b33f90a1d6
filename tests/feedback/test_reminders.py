"""Overdue check-ins remind every owner — signed in lately or never — once per owner and
due date, from the management command and from the worker's daily schedule; and the
SMART Time-bound letter follows the cycle's cadence. Time is frozen (time-machine)."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command

from quotaflow.core.errors import Conflict, InvalidInput, NotAllowed
from quotaflow.core.models import Notification, NotificationPreference, ScheduledRun
from quotaflow.core.schedule import enqueue_due
from quotaflow.feedback import actions
from quotaflow.feedback.models import CheckInReminder
from quotaflow.plans.actions import set_checkin_cadence
from quotaflow.plans.models import Goal, PlanningCycle
from quotaflow.smart.facts import smart_report
from tests.conftest import SmallOrg, local
from tests.feedback.conftest import set_cadence

pytestmark = pytest.mark.django_db

# FY2027 starts Friday 1 Jan 2027; weekly windows are 1–7 Jan (due 7 Jan), 8–14 Jan (due
# 14 Jan), 15–21 Jan (due 21 Jan) …; the frozen "now" is Wednesday 20 Jan.


def _remind(day: str) -> int:
    return actions.send_checkin_reminders(as_of=dt.date.fromisoformat(day))


def test_no_cadence_no_reminder(small_org: SmallOrg, plan: PlanningCycle) -> None:
    assert _remind("2027-01-20") == 0
    assert Notification.objects.count() == 0


def test_every_owner_is_reminded_once_per_due_date(
    small_org: SmallOrg, plan: PlanningCycle, django_capture_on_commit_callbacks: Any
) -> None:
    set_cadence(plan, "weekly", small_org)
    ria = small_org.users["rep_ria"]
    ria.email = "ria@example.com"
    ria.save()
    assert ria.last_login is None  # never signed in: reminded all the same
    with django_capture_on_commit_callbacks(execute=True):
        reminded = _remind("2027-01-20")
    # Ria (her goal), Max (North), Sam (South), Cora (Acme): every owner with a login.
    assert reminded == 4
    assert sorted(CheckInReminder.objects.values_list("user__username", "due_on")) == sorted(
        (name, dt.date(2027, 1, 14))
        for name in ("rep_ria", "manager_max", "manager_sam", "ceo_cora")
    )
    note = Notification.objects.get(user=ria)
    assert note.kind == "checkin.reminder"
    assert "due 14 Jan 2027" in note.title
    assert [message.to for message in mail.outbox] == [["ria@example.com"]]  # e-mail by default
    # Again the same day, and the next day: the same due date reminds nobody twice.
    with django_capture_on_commit_callbacks(execute=True):
        assert _remind("2027-01-20") == 0
        assert _remind("2027-01-21") == 0
    assert Notification.objects.filter(user=ria).count() == 1
    # The next window ends unchecked: a new due date, a new reminder.
    with django_capture_on_commit_callbacks(execute=True):
        assert _remind("2027-01-22") == 4
    assert list(
        CheckInReminder.objects.filter(user=ria).order_by("due_on").values_list("due_on", flat=True)
    ) == [dt.date(2027, 1, 14), dt.date(2027, 1, 21)]


def test_a_check_in_stops_the_reminders(
    small_org: SmallOrg, plan: PlanningCycle, ria_goal: Goal, frozen: Any
) -> None:
    set_cadence(plan, "weekly", small_org)
    actions.check_in(ria_goal, acting_user=small_org.users["rep_ria"], note="On it.", confidence=4)
    assert _remind("2027-01-20") == 3
    assert not CheckInReminder.objects.filter(user=small_org.users["rep_ria"]).exists()
    # Two weeks later without a check-in, Ria is reminded of the window she missed.
    frozen.move_to(local(2027, 2, 1, 9, 0))
    _remind("2027-02-01")
    assert list(
        CheckInReminder.objects.filter(user=small_org.users["rep_ria"]).values_list(
            "due_on", flat=True
        )
    ) == [dt.date(2027, 1, 28)]


def test_a_person_who_wants_no_email_gets_the_reminder_in_the_app(
    small_org: SmallOrg, plan: PlanningCycle, django_capture_on_commit_callbacks: Any
) -> None:
    set_cadence(plan, "monthly", small_org)
    ria = small_org.users["rep_ria"]
    ria.email = "ria@example.com"
    ria.save()
    NotificationPreference.objects.create(user=ria, kind="checkin.reminder", email=False)
    assert _remind("2027-01-20") == 0  # the first month has not ended
    with django_capture_on_commit_callbacks(execute=True):
        assert _remind("2027-02-01") == 4
    assert Notification.objects.filter(user=ria, kind="checkin.reminder").count() == 1
    assert mail.outbox == []


def test_the_command_reminds_and_says_how_many(
    small_org: SmallOrg, plan: PlanningCycle, django_capture_on_commit_callbacks: Any
) -> None:
    set_cadence(plan, "biweekly", small_org)
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_checkin_reminders", "--as-of", "2027-01-20", stdout=out)
    assert "Reminded 4 owner(s)" in out.getvalue()
    assert Notification.objects.filter(kind="checkin.reminder").count() == 4
    out = StringIO()
    call_command("send_checkin_reminders", "--as-of", "2027-01-20", stdout=out)
    assert "Reminded 0 owner(s)" in out.getvalue()


def test_the_worker_schedule_queues_the_reminders_once_a_day(
    small_org: SmallOrg, plan: PlanningCycle, settings: Any
) -> None:
    set_cadence(plan, "weekly", small_org)
    settings.QUOTAFLOW_SCHEDULE = [
        {
            "job": "checkin-reminders",
            "task": "quotaflow.feedback.tasks.send_checkin_reminders_task",
            "at": "08:00",
        }
    ]
    early = local(2027, 1, 20, 7, 59)
    assert enqueue_due(early) == []  # before its time
    later = local(2027, 1, 20, 8, 5)
    assert enqueue_due(later) == ["checkin-reminders"]  # the immediate backend runs it
    assert enqueue_due(later + dt.timedelta(hours=3)) == []  # once a day, whoever ticks
    assert list(ScheduledRun.objects.values_list("job", "day")) == [
        ("checkin-reminders", dt.date(2027, 1, 20))
    ]
    assert CheckInReminder.objects.count() == 4
    assert enqueue_due(local(2027, 1, 21, 9, 0)) == ["checkin-reminders"]
    assert CheckInReminder.objects.count() == 4  # same due date: nobody twice


def test_the_time_bound_letter_reads_the_cycles_cadence(
    small_org: SmallOrg, plan: PlanningCycle, ria_goal: Goal
) -> None:
    PlanningCycle.objects.filter(pk=plan.pk).update(submissions_due=dt.date(2027, 1, 15))
    before = smart_report(ria_goal).time_bound
    assert before.status == "warn" and "check-in cadence" in before.reason
    set_cadence(plan, "biweekly", small_org)
    after = smart_report(ria_goal).time_bound
    assert after.status == "pass"
    assert "check-ins every two weeks" in after.reason


def test_setting_the_cadence_is_for_planners_with_a_known_cadence(
    small_org: SmallOrg, plan: PlanningCycle
) -> None:
    with pytest.raises(NotAllowed):
        set_checkin_cadence(plan, acting_user=small_org.users["manager_max"], cadence="weekly")
    with pytest.raises(InvalidInput):
        set_checkin_cadence(plan, acting_user=small_org.users["ops_olga"], cadence="hourly")
    with pytest.raises(Conflict):
        set_checkin_cadence(
            plan, acting_user=small_org.users["ops_olga"], cadence="weekly", expected_version=0
        )
    plan.refresh_from_db()
    assert plan.checkin_cadence == ""
    PlanningCycle.objects.filter(pk=plan.pk).update(status="closed")
    with pytest.raises(Conflict):
        set_checkin_cadence(plan, acting_user=small_org.users["ops_olga"], cadence="weekly")
