"""Tracking settings are changed in the admin, and every change is audited."""

from __future__ import annotations

from django.test import Client

from quotaflow.core.models import AuditEvent
from quotaflow.performance.models import PerformanceSettings
from tests.conftest import PASSWORD, SmallOrg


def test_admin_changes_thresholds_and_the_change_is_audited(
    small_org: SmallOrg, client: Client
) -> None:
    settings = PerformanceSettings.current()
    client.login(username="admin_ada", password=PASSWORD)
    form = {
        "status_basis": "projection", "at_risk_below": "90", "off_track_below": "70",
        "leaderboard_visibility": "everyone", "digest_cadence": "weekly",
    }  # fmt: skip

    answer = client.post(f"/admin/performance/performancesettings/{settings.pk}/change/", form)

    assert answer.status_code == 302
    settings.refresh_from_db()
    assert (settings.status_basis, settings.at_risk_below) == ("projection", 90)
    event = AuditEvent.objects.get(action="performance.performancesettings.changed")
    assert event.changes["status_basis"] == ["pacing", "projection"]
    assert client.get("/admin/performance/overlayrule/").status_code == 200
    assert client.get("/admin/performance/goalresult/").status_code == 200


def test_people_without_staff_rights_cannot_open_it(small_org: SmallOrg, client: Client) -> None:
    client.login(username="ops_olga", password=PASSWORD)
    assert client.get("/admin/performance/performancesettings/").status_code == 302
