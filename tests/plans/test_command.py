"""``quotaflow manage plans``: list, reminders before the deadline, export."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks

from quotaflow.core.models import Notification
from quotaflow.plans.models import PlanningCycle
from tests.conftest import SmallOrg


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("plans", *args, stdout=out)
    return out.getvalue()


def test_reminders_go_out_only_for_deadlines_coming_up(
    small_org: SmallOrg,
    make_cycle: Callable[..., PlanningCycle],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    today = timezone.localdate()
    soon = make_cycle("bottom_up", name="Soon", submissions_due=today + dt.timedelta(days=2))
    make_cycle("bottom_up", name="Later", submissions_due=today + dt.timedelta(days=30))
    with django_capture_on_commit_callbacks(execute=True):
        output = run("remind", "--within-days", "3")
    assert "Soon: reminded 1 people" in output and "Later" not in output
    assert (
        Notification.objects.filter(user=small_org.users["rep_ria"], kind="plan.reminder").count()
        == 1
    )
    assert str(soon.pk) in run("list")


def test_export_writes_csv_and_xlsx(
    small_org: SmallOrg, make_cycle: Callable[..., PlanningCycle], tmp_path: Path
) -> None:
    cycle = make_cycle()
    run("export", str(cycle.pk), str(tmp_path / "plan.csv"))
    assert (tmp_path / "plan.csv").read_text().startswith("owner_type,owner_code,owner")
    run("export", str(cycle.pk), str(tmp_path / "plan.xlsx"))
    assert (tmp_path / "plan.xlsx").read_bytes()[:2] == b"PK"
    with pytest.raises(CommandError, match="no planning cycle"):
        run("export", "999999", str(tmp_path / "x.csv"))
