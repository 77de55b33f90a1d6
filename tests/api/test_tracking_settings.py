"""``/tracking-settings``: status thresholds, leaderboard visibility, digests and unplaced
credit, through the API and the action behind it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from quotaflow.core.errors import Conflict, InvalidInput, NotAllowed
from quotaflow.core.models import AuditEvent
from quotaflow.performance.actions import update_tracking_settings
from quotaflow.performance.models import PerformanceSettings

pytestmark = pytest.mark.django_db
EVENT = "performance.performancesettings.changed"


def _stored() -> tuple[object, ...]:
    settings = PerformanceSettings.current()
    return (
        settings.status_basis,
        Decimal(settings.at_risk_below),
        Decimal(settings.off_track_below),
        settings.leaderboard_visibility,
        settings.digest_cadence,
        settings.unplaced_credit,
        settings.version,
        AuditEvent.objects.filter(action=EVENT).count(),
    )


def test_everyone_signed_in_reads_them(api_as) -> None:
    response = api_as("rep_ria").call("GET", "/tracking-settings")
    assert response.status_code == 200
    assert response.json() == {
        "status_basis": "pacing",
        "at_risk_below": "95.00",
        "off_track_below": "80.00",
        "leaderboard_visibility": "managers",
        "digest_cadence": "daily",
        "unplaced_credit": "bucket",
        "version": 0,
    }
    assert api_as("anonymous").call("GET", "/tracking-settings").status_code == 401


def test_sales_ops_change_them_audited_and_versioned(api_as, small_org) -> None:
    olga = api_as("ops_olga")
    answer = olga.call(
        "PATCH",
        "/tracking-settings",
        {
            "expected_version": 0,
            "status_basis": "projection",
            "at_risk_below": "90",
            "off_track_below": 72.5,
            "digest_cadence": "weekly",
            "unplaced_credit": "refuse",
            "reason": "Q3 review",
        },
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["status_basis"], body["at_risk_below"], body["off_track_below"]) == (
        "projection",
        "90.00",
        "72.50",
    )
    assert (body["digest_cadence"], body["unplaced_credit"], body["version"]) == (
        "weekly",
        "refuse",
        1,
    )
    event = AuditEvent.objects.get(action=EVENT)
    assert event.actor == small_org.users["ops_olga"] and event.reason == "Q3 review"
    assert event.changes["at_risk_below"] == ["95.00", "90.00"]
    assert event.changes["status_basis"] == ["pacing", "projection"]
    assert "leaderboard_visibility" not in event.changes
    # The same values again change nothing: no event, no new version.
    again = olga.call(
        "PATCH", "/tracking-settings", {"expected_version": 1, "at_risk_below": "90.00"}
    )
    assert again.json()["version"] == 1
    assert AuditEvent.objects.filter(action=EVENT).count() == 1


def test_a_stale_version_is_refused_with_nothing_written(api_as) -> None:
    olga = api_as("ops_olga")
    olga.call("PATCH", "/tracking-settings", {"expected_version": 0, "digest_cadence": "off"})
    before = _stored()

    stale = olga.call(
        "PATCH", "/tracking-settings", {"expected_version": 0, "status_basis": "projection"}
    )

    assert stale.status_code == 409
    assert (
        "tracking settings changed meanwhile (now version 1, you had 0)" in (stale.json()["detail"])
    )
    assert _stored() == before


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"off_track_below": "96"}, 400, "cannot be above at risk below (95.00%)"),
        ({"at_risk_below": "70"}, 400, "Off track below (80.00%) cannot be above"),
        ({"at_risk_below": "201"}, 422, ""),
        ({"at_risk_below": "-1"}, 422, ""),
        ({"at_risk_below": "90.555"}, 422, ""),
        ({"status_basis": "gut feeling"}, 422, ""),
        ({"unplaced_credit": "ignore"}, 422, ""),
        ({"reason": "x" * 10_001}, 422, ""),
        ({}, 422, ""),  # no expected_version
    ],
)
def test_bad_values_are_refused_with_nothing_written(api_as, body, status, message) -> None:
    before = _stored()
    payload = body if body == {} else {"expected_version": 0, **body}
    answer = api_as("ops_olga").call("PATCH", "/tracking-settings", payload)
    assert answer.status_code == status, answer.content
    assert message in answer.json()["detail"] if message else True
    assert _stored() == before


@pytest.mark.parametrize("username", ["rep_ria", "manager_max", "finance_fay"])
def test_only_planners_change_them(api_as, username) -> None:
    before = _stored()
    answer = api_as(username).call(
        "PATCH", "/tracking-settings", {"expected_version": 0, "digest_cadence": "off"}
    )
    assert answer.status_code == 403
    assert _stored() == before


def test_the_action_checks_its_inputs_itself(small_org) -> None:
    olga, ria = small_org.users["ops_olga"], small_org.users["rep_ria"]
    before = _stored()
    with pytest.raises(NotAllowed):
        update_tracking_settings(acting_user=ria, expected_version=0, digest_cadence="off")
    with pytest.raises(InvalidInput, match="Unknown tracking setting colour"):
        update_tracking_settings(acting_user=olga, expected_version=0, colour="green")
    with pytest.raises(InvalidInput, match="Digest cadence is one of off, daily, weekly"):
        update_tracking_settings(acting_user=olga, expected_version=0, digest_cadence="hourly")
    with pytest.raises(InvalidInput, match="percentage from 0 to 200"):
        update_tracking_settings(acting_user=olga, expected_version=0, at_risk_below="NaN")
    with pytest.raises(InvalidInput, match="at most two decimals"):
        update_tracking_settings(acting_user=olga, expected_version=0, at_risk_below="90.001")
    with pytest.raises(Conflict):
        update_tracking_settings(acting_user=olga, expected_version=3, digest_cadence="off")
    assert _stored() == before


def test_new_thresholds_decide_the_status_at_once(small_org) -> None:
    """The status pages read the settings row each time, so a change takes effect at once."""
    update_tracking_settings(
        acting_user=small_org.users["ops_olga"],
        expected_version=0,
        at_risk_below="50",
        off_track_below="25",
    )
    settings = PerformanceSettings.current()
    assert (settings.at_risk_below, settings.off_track_below) == (50, 25)
