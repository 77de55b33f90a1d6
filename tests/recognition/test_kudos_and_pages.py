"""Kudos (who may thank whom, the notification), a person's recognition and the wall
under the visibility setting, and the rules page with its preview."""

from __future__ import annotations

import pytest
from django.test import Client

from quotaflow.core.errors import InvalidInput, NotAllowed
from quotaflow.core.models import Notification
from quotaflow.metrics.models import Metric
from quotaflow.performance.actions import update_tracking_settings
from quotaflow.performance.models import PerformanceSettings
from quotaflow.recognition.actions import give_kudos
from quotaflow.recognition.models import Award, Kudos, RecognitionRule
from tests.conftest import SmallOrg
from tests.recognition.conftest import Sell

pytestmark = pytest.mark.django_db


def _as(small_org: SmallOrg, username: str) -> Client:
    client = Client()
    client.force_login(small_org.users[username])
    return client


def _set(small_org: SmallOrg, visibility: str) -> None:
    update_tracking_settings(
        acting_user=small_org.users["ops_olga"],
        expected_version=PerformanceSettings.current().version,
        leaderboard_visibility=visibility,
    )


def test_who_may_give_kudos(
    small_org: SmallOrg, rob: object, django_capture_on_commit_callbacks
) -> None:
    people, users = small_org.people, small_org.users
    with django_capture_on_commit_callbacks(execute=True):
        give_kudos(people["ria"], acting_user=users["manager_max"], message="Great quarter!")
    assert (
        Notification.objects.get(user=users["rep_ria"], kind="recognition.kudos").title
        == "Kudos from Max Manager"
    )
    give_kudos(
        people["ria"], acting_user=users["rep_rob"], message="Thanks for the demo"
    )  # a teammate
    give_kudos(people["sue"], acting_user=users["ops_olga"], message="Well done")
    for giver, person in (
        ("manager_sam", "ria"),
        ("rep_ria", "sue"),
        ("rep_ria", "ria"),
        ("finance_fay", "ria"),
    ):
        with pytest.raises(NotAllowed):
            give_kudos(people[person], acting_user=users[giver], message="Hi")
    with pytest.raises(InvalidInput) as refused:
        give_kudos(people["ria"], acting_user=users["manager_max"], message="   ")
    assert refused.value.field == "message"
    with pytest.raises(InvalidInput):
        give_kudos(people["ria"], acting_user=users["manager_max"], message="x" * 281)
    assert Kudos.objects.count() == 3


def test_the_kudos_form_and_the_person_page(small_org: SmallOrg) -> None:
    max_ = _as(small_org, "manager_max")
    response = max_.post("/recognition/people/E004/kudos", {"message": "Closed the big one"})
    assert response.status_code == 302
    page = _as(small_org, "rep_ria").get("/recognition/people/E004/").content.decode()
    assert "Closed the big one" in page and "from Max Manager" in page
    assert 'id="kudos-form"' not in page  # nobody thanks themselves
    assert (
        _as(small_org, "manager_sam")
        .post("/recognition/people/E004/kudos", {"message": "x"})
        .status_code
        == 404
    )
    assert _as(small_org, "manager_sam").get("/recognition/people/E004/").status_code == 404


def test_the_wall_follows_the_visibility_setting(small_org: SmallOrg, rob: object) -> None:
    give_kudos(
        small_org.people["sue"], acting_user=small_org.users["manager_sam"], message="South star"
    )
    give_kudos(
        small_org.people["rob"], acting_user=small_org.users["manager_max"], message="North star"
    )
    wall = lambda user: _as(small_org, user).get("/api/v1/recognition/wall").json()  # noqa: E731
    _set(small_org, "everyone")
    assert {k["message"] for k in wall("rep_ria")["kudos"]} == {"South star", "North star"}
    _set(small_org, "team")
    assert {k["message"] for k in wall("rep_ria")["kudos"]} == {"North star"}  # Rob is her teammate
    _set(small_org, "managers")
    assert wall("rep_ria")["kudos"] == []
    assert {k["message"] for k in wall("rep_rob")["kudos"]} == {"North star"}  # his own
    assert {k["message"] for k in wall("manager_max")["kudos"]} == {"North star"}
    assert len(wall("finance_fay")["kudos"]) == 2


def test_rules_page_previews_then_creates_and_evaluates(
    small_org: SmallOrg, revenue: Metric, annual_goals: dict, sell: Sell, frozen: object
) -> None:
    import datetime as dt

    sell("R1", "ria", 100_000_00, day=dt.date(2027, 1, 15))
    olga = _as(small_org, "ops_olga")
    values = {"name": "President's Club", "kind": "club", "metric": revenue.pk, "period_kind": "year",
              "threshold_pct": "100"}  # fmt: skip
    preview = olga.get("/recognition/rules/", {**values, "preview": "1"}).content.decode()
    assert "Ria Rep" in preview and "at least 100.00%" in preview
    assert RecognitionRule.objects.count() == 0  # a preview writes nothing
    created = olga.post("/recognition/rules/new", values)
    rule = RecognitionRule.objects.get()
    assert created["Location"] == f"/recognition/rules/{rule.pk}/"
    assert olga.get(created["Location"]).status_code == 200
    assert olga.post("/recognition/evaluate").status_code == 302
    assert Award.objects.get(rule=rule).person == small_org.people["ria"]
    assert _as(small_org, "manager_max").get("/recognition/rules/").status_code == 403
    assert _as(small_org, "manager_max").post("/recognition/rules/new", values).status_code == 403
    assert Award.objects.filter(revoked_at__isnull=False).count() == 0


def test_rules_api_preview_create_change_deactivate(
    small_org: SmallOrg, revenue: Metric, annual_goals: dict, sell: Sell
) -> None:
    sell("R1", "ria", 100_000_00)
    olga = _as(small_org, "ops_olga")
    body = {"name": "President's Club", "kind": "club", "metric": "revenue", "period_kind": "year",
            "threshold_pct": "100"}  # fmt: skip
    preview = olga.post(
        "/api/v1/recognition/rules/preview?as_of=2027-12-31", body, content_type="application/json"
    )
    assert preview.status_code == 200
    assert [(row["name"], row["period"]) for row in preview.json()] == [("Ria Rep", "FY2027")]
    created = olga.post("/api/v1/recognition/rules", body, content_type="application/json")
    assert created.status_code == 201
    rule = created.json()
    bad = olga.post(
        "/api/v1/recognition/rules", {**body, "metric": "nope"}, content_type="application/json"
    )
    assert bad.status_code in (400, 404) and bad.json()["detail"]
    changed = olga.put(
        f"/api/v1/recognition/rules/{rule['id']}",
        {**body, "threshold_pct": "110", "expected_version": rule["version"]},
        content_type="application/json",
    )
    assert changed.status_code == 200 and changed.json()["threshold_pct"] == "110.00"
    stale = olga.post(
        f"/api/v1/recognition/rules/{rule['id']}/deactivate",
        {"expected_version": 1},
        content_type="application/json",
    )
    assert stale.status_code == 409
    done = olga.post(
        f"/api/v1/recognition/rules/{rule['id']}/deactivate",
        {"expected_version": 2},
        content_type="application/json",
    )
    assert done.status_code == 200 and done.json()["is_active"] is False
    assert _as(small_org, "rep_ria").get("/api/v1/recognition/rules").status_code == 403
