"""The worker's schedule thread: it ticks until told to stop, and a failing tick is
logged and retried instead of ending the thread."""

from __future__ import annotations

import threading

import pytest

from quotaflow.core import schedule


def test_the_scheduler_ticks_until_stopped_and_survives_a_failing_tick(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stop = threading.Event()
    ticks: list[int] = []

    def tick() -> list[str]:
        ticks.append(len(ticks))
        if len(ticks) == 1:
            raise RuntimeError("database away")
        stop.set()
        return ["checkin-reminders"]

    monkeypatch.setattr(schedule, "enqueue_due", tick)
    monkeypatch.setattr(schedule, "close_old_connections", lambda: None)
    logged: list[str] = []
    monkeypatch.setattr(schedule.log, "exception", lambda message, *args: logged.append(message))
    schedule.run_scheduler(stop, interval=0)
    assert ticks == [0, 1]
    assert logged == ["The scheduler's tick failed; it retries in %s s."]


def test_the_schedule_reads_the_settings() -> None:
    jobs = schedule.scheduled_jobs()
    assert [(job.name, job.at.isoformat(), job.task) for job in jobs] == [
        ("period-close", "01:00:00", "quotaflow.performance.tasks.close_periods_task"),
        ("recognition", "02:00:00", "quotaflow.recognition.tasks.evaluate_recognition_task"),
        ("alerts-and-digests", "07:00:00", "quotaflow.performance.tasks.alerts_and_digests_task"),
        ("checkin-reminders", "08:00:00", "quotaflow.feedback.tasks.send_checkin_reminders_task"),
    ]
