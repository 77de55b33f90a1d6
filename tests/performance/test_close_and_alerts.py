"""Period close, at-risk alerts, digests, and the management commands around them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from io import StringIO
from typing import Any, ClassVar

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.core.mail.backends import locmem
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks

from quotaflow.core.models import AuditEvent, Notification, ScheduledRun
from quotaflow.core.schedule import enqueue_due
from quotaflow.metrics.models import Metric
from quotaflow.performance.actions import close_periods, send_at_risk_alerts, send_digests
from quotaflow.performance.models import GoalResult, PerformanceSettings
from quotaflow.performance.queries import aggregate_snapshot
from quotaflow.plans.models import Goal, PlanningCycle
from tests.conftest import SmallOrg
from tests.performance.conftest import Q1


def test_period_close_finalises_every_goal_as_reached_or_missed(
    small_org: SmallOrg, q1_goals: dict[str, Goal]
) -> None:
    assert (
        close_periods(as_of=dt.date(2025, 3, 31), acting_user=small_org.users["ops_olga"]) == 0
    )  # still running

    assert close_periods(as_of=dt.date(2025, 4, 1), acting_user=small_org.users["ops_olga"]) == 3

    results = {
        result.goal_id: (result.outcome, result.actual) for result in GoalResult.objects.all()
    }
    assert results == {
        q1_goals["ria"].pk: ("reached", 1_200_00),
        q1_goals["sue"].pk: ("missed", 300_00),
        q1_goals["north"].pk: ("missed", 1_200_00),
    }
    assert set(Goal.objects.values_list("status", flat=True)) == {"closed"}
    assert AuditEvent.objects.filter(action="performance.goal.closed").count() == 3
    assert close_periods(as_of=dt.date(2025, 4, 2)) == 0  # nothing left in progress


def test_period_close_leaves_drafts_and_what_if_scenarios_alone(
    small_org: SmallOrg, revenue: Metric
) -> None:
    draft = Goal.objects.create(
        owner_person=small_org.people["rob"], metric=revenue, target=500_00, status="draft", **Q1
    )
    scenario = PlanningCycle.objects.create(
        name="What if",
        metric=revenue,
        period_start=Q1["period_start"],
        period_end=Q1["period_end"],
        root_unit=small_org.company,
        is_scenario=True,
    )
    in_scenario = Goal.objects.create(
        owner_unit=small_org.south,
        metric=revenue,
        target=900_00,
        status="published",
        cycle=scenario,
        **Q1,
    )

    assert close_periods(as_of=dt.date(2025, 4, 1)) == 0
    assert not GoalResult.objects.exists()
    assert Goal.objects.get(pk=draft.pk).status == "draft"
    assert Goal.objects.get(pk=in_scenario.pk).status == "published"


def test_at_risk_goals_notify_owner_and_manager_once(
    small_org: SmallOrg,
    q1_goals: dict[str, Goal],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    small_org.people["sue"].email = "sue@example.com"
    small_org.people["sue"].save()
    sam = small_org.users["manager_sam"]
    sam.email = "sam@example.com"
    sam.save()
    sue_user = small_org.users["rep_ria"].__class__.objects.create_user(
        "rep_sue", email="sue@example.com", role="rep"
    )
    small_org.people["sue"].user = sue_user
    small_org.people["sue"].save()

    # 15 February: Sue has 300.00 of the 511.11 expected (58.7%) → off track; North is at
    # 1,200.00 of 1,022.22 → on track; Ria is ahead.
    with django_capture_on_commit_callbacks(execute=True):
        alerted = send_at_risk_alerts(as_of=dt.date(2025, 2, 15))

    assert alerted == 1
    recipients = set(
        Notification.objects.filter(kind="goal.at_risk").values_list("user__username", flat=True)
    )
    assert recipients == {"rep_sue", "manager_sam"}
    body = Notification.objects.filter(kind="goal.at_risk").values_list("body", flat=True)[0]
    assert body.startswith("Actual 300.00 EUR against 511.11 EUR expected by 15 Feb 2025")
    assert send_at_risk_alerts(as_of=dt.date(2025, 2, 16)) == 0  # already told

    settings = PerformanceSettings.current()
    settings.digest_cadence = "weekly"
    settings.save()
    assert send_digests(as_of=dt.date(2025, 2, 16)) == 0  # a Sunday: not due weekly
    with django_capture_on_commit_callbacks(execute=True):
        assert send_digests(as_of=dt.date(2025, 2, 17)) == 2  # Monday
    assert sorted(message.to[0] for message in mail.outbox) == [
        "sam@example.com",
        "sue@example.com",
    ]
    assert "South Team A" not in mail.outbox[0].body and "off track" in mail.outbox[0].body
    assert "Actual 300.00 EUR against 511.11 EUR expected" in mail.outbox[0].body
    # A week later no alert is new, but Sue is still off track: Sam's digest says so under
    # "What is due" (his action centre's items), with no alert section; Sue owes nothing.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert send_digests(as_of=dt.date(2025, 2, 24)) == 1
    (digest,) = mail.outbox
    assert digest.to == ["sam@example.com"] and digest.subject == "Quotaflow: 1 thing due"
    assert "These goals need attention" not in digest.body
    assert "What is due:\n\nWho is behind (1)\n- Sue Seller: Revenue is off track" in digest.body


def test_commands_rebuild_close_and_alert(small_org: SmallOrg, q1_goals: dict[str, Goal]) -> None:
    before = aggregate_snapshot()
    out = StringIO()
    call_command("rebuild_aggregates", stdout=out)
    assert "Rebuilt 2 credits" in out.getvalue()
    assert aggregate_snapshot() == before

    call_command("send_alerts", "--as-of", "2025-02-15", stdout=out)
    assert "Alerted on 1 goal(s)" in out.getvalue()
    call_command("close_periods", "--as-of", "2025-04-01", stdout=out)
    assert "Closed 3 goals." in out.getvalue()


def test_a_rolled_back_alert_run_and_digest_send_nothing(
    small_org: SmallOrg,
    q1_goals: dict[str, Goal],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    manager_sam = small_org.users["manager_sam"]
    manager_sam.email = "sam@example.com"
    manager_sam.save()
    with django_capture_on_commit_callbacks(execute=True) as scheduled:
        with pytest.raises(RuntimeError), transaction.atomic():
            assert send_at_risk_alerts(as_of=dt.date(2025, 2, 15)) == 1
            raise RuntimeError("the caller's transaction fails after the action")
    assert scheduled == []
    assert not Notification.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        assert send_at_risk_alerts(as_of=dt.date(2025, 2, 15)) == 1
    assert Notification.objects.filter(user=manager_sam, kind="goal.at_risk").exists()

    with django_capture_on_commit_callbacks(execute=True) as scheduled:
        with pytest.raises(RuntimeError), transaction.atomic():
            assert send_digests(as_of=dt.date(2025, 2, 15), force=True) == 1
            raise RuntimeError("the caller's transaction fails after the action")
    assert scheduled == []
    assert mail.outbox == []
    assert not Notification.objects.filter(emailed_at__isnull=False).exists()


class AtomicityRecordingBackend(locmem.EmailBackend):
    """The test mail server: notes whether a transaction was open while it was spoken to."""

    in_transaction: ClassVar[list[bool]] = []

    def send_messages(self, messages: Sequence[EmailMessage]) -> int:
        self.in_transaction.append(connection.in_atomic_block)
        return super().send_messages(messages)


@pytest.mark.django_db(transaction=True)
def test_digests_reach_the_mail_server_only_after_the_commit(
    small_org: SmallOrg, q1_goals: dict[str, Goal], settings: Any
) -> None:
    settings.EMAIL_BACKEND = f"{__name__}.AtomicityRecordingBackend"
    AtomicityRecordingBackend.in_transaction.clear()
    manager_sam = small_org.users["manager_sam"]
    manager_sam.email = "sam@example.com"
    manager_sam.save()

    out = StringIO()
    call_command("send_alerts", "--as-of", "2025-02-15", "--force-digest", stdout=out)

    assert "Alerted on 1 goal(s); sent 1 digest e-mail(s)." in out.getvalue()
    assert [message.to for message in mail.outbox] == [["sam@example.com"]]
    assert AtomicityRecordingBackend.in_transaction == [False]
    assert Notification.objects.get(user=manager_sam).emailed_at is not None


def test_enqueued_commands_run_their_tasks(
    small_org: SmallOrg,
    q1_goals: dict[str, Goal],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    manager_sam = small_org.users["manager_sam"]
    manager_sam.email = "sam@example.com"
    manager_sam.save()
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "send_alerts", "--as-of", "2025-02-15", "--force-digest", "--enqueue", stdout=out
        )
    assert "Queued the alerts and digests as task" in out.getvalue()
    assert Notification.objects.filter(user=manager_sam, kind="goal.at_risk").count() == 1
    assert [message.to for message in mail.outbox] == [["sam@example.com"]]

    call_command("close_periods", "--as-of", "2025-04-01", "--enqueue", stdout=out)
    assert "Queued the period close as task" in out.getvalue()
    assert set(Goal.objects.values_list("status", flat=True)) == {"closed"}
    call_command("rebuild_aggregates", "--enqueue", stdout=out)
    assert "Queued the rebuild as task" in out.getvalue()


def test_the_worker_schedule_runs_the_alerts_and_the_period_close_each_day(
    small_org: SmallOrg, q1_goals: dict[str, Goal]
) -> None:
    """The default schedule, ticked at frozen times: each job once a day after its time,
    and (on the tests' immediate task backend) run at once with its real effect."""

    def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))

    mid_quarter = dt.date(2025, 2, 15)
    assert enqueue_due(at(mid_quarter, 0, 30)) == []
    assert enqueue_due(at(mid_quarter, 7, 5)) == [
        "period-close",
        "recognition",
        "alerts-and-digests",
    ]
    # Sue is off track on 15 February: her goal has its alert; Q1 is not over.
    alerted = Goal.objects.filter(alert__isnull=False).values_list("pk", flat=True)
    assert list(alerted) == [q1_goals["sue"].pk]
    assert set(Goal.objects.values_list("status", flat=True)) == {"published"}
    assert enqueue_due(at(mid_quarter, 8, 5)) == ["checkin-reminders"]
    assert enqueue_due(at(mid_quarter, 23, 0)) == []  # once a day, however often it ticks

    after_quarter = dt.date(2025, 4, 1)
    assert enqueue_due(at(after_quarter, 1, 30)) == ["period-close"]
    assert set(Goal.objects.values_list("status", flat=True)) == {"closed"}
    assert ScheduledRun.objects.filter(day=after_quarter).count() == 1
