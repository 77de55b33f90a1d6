"""The check-ins and the inbox through the API and the pages: what each answers, with the
header's unread count on every page."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from quotaflow.core.models import Notification, NotificationPreference
from quotaflow.feedback import actions
from quotaflow.feedback.models import CheckIn
from quotaflow.plans.models import Goal, PlanningCycle
from tests.conftest import SmallOrg
from tests.feedback.conftest import client_for

pytestmark = pytest.mark.django_db

A = "/api/v1"
_client = client_for


def test_the_api_lists_creates_and_replies(
    small_org: SmallOrg, ria_goal: Goal, django_capture_on_commit_callbacks: Any
) -> None:
    ria, max_ = _client(small_org, "rep_ria"), _client(small_org, "manager_max")
    with django_capture_on_commit_callbacks(execute=True):
        made = ria.post(
            f"{A}/goals/{ria_goal.pk}/check-ins",
            {"note": "Slipping", "confidence": 2, "next_step": "Call CFO"},
            content_type="application/json",
        )
    assert made.status_code == 201, made.content
    body = made.json()
    assert (body["confidence"], body["next_step"], body["replies"]) == (2, "Call CFO", [])
    with django_capture_on_commit_callbacks(execute=True):
        answer = max_.post(
            f"{A}/check-ins/{body['id']}/replies",
            {"body": "Thursday"},
            content_type="application/json",
        )
    assert answer.status_code == 201
    listed = ria.get(f"{A}/goals/{ria_goal.pk}/check-ins").json()
    assert [reply["body"] for reply in listed[0]["replies"]] == ["Thursday"]
    inbox = ria.get(f"{A}/inbox?unread=true").json()
    assert [item["kind"] for item in inbox] == ["checkin.replied"]
    read = ria.post(f"{A}/inbox/{inbox[0]['id']}/read", content_type="application/json")
    assert read.json()["read_at"] is not None
    assert ria.get(f"{A}/inbox?unread=true").json() == []
    assert max_.post(f"{A}/inbox/read", content_type="application/json").json() == {"count": 1}


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({"note": "x", "confidence": 9}, 422),
        ({"note": "x" * 4_001, "confidence": 3}, 422),
        ({"note": "  ", "confidence": 3}, 400),
        ({"note": "x", "confidence": 3, "value": "5"}, 400),
    ],
)
def test_the_api_refuses_bad_check_ins_and_writes_nothing(
    small_org: SmallOrg, ria_goal: Goal, payload: dict[str, Any], status: int
) -> None:
    response = _client(small_org, "rep_ria").post(
        f"{A}/goals/{ria_goal.pk}/check-ins", payload, content_type="application/json"
    )
    assert response.status_code == status, response.content
    assert response.json()["detail"]
    assert CheckIn.objects.count() == 0


def test_preferences_through_the_api_send_email_copies(
    small_org: SmallOrg, ria_goal: Goal, django_capture_on_commit_callbacks: Any
) -> None:
    max_ = _client(small_org, "manager_max")
    small_org.users["manager_max"].email = "max@example.com"
    small_org.users["manager_max"].save()
    chosen = max_.put(
        f"{A}/inbox/preferences",
        {"email": {"checkin.created": True}},
        content_type="application/json",
    ).json()
    assert {row["kind"]: row["email"] for row in chosen}["checkin.created"] is True
    refused = max_.put(
        f"{A}/inbox/preferences", {"email": {"nonsense": True}}, content_type="application/json"
    )
    assert refused.status_code == 400
    assert NotificationPreference.objects.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        actions.check_in(ria_goal, acting_user=small_org.users["rep_ria"], note="Hi", confidence=3)
    assert [message.to for message in mail.outbox] == [["max@example.com"]]
    assert Notification.objects.get().emailed_at is not None


def test_the_cadence_is_set_through_the_api(small_org: SmallOrg, plan: PlanningCycle) -> None:
    ops = _client(small_org, "ops_olga")
    answer = ops.put(
        f"{A}/cycles/{plan.pk}/check-in-cadence",
        {"cadence": "monthly", "expected_version": plan.version},
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["checkin_cadence"] == "monthly"
    stale = ops.put(
        f"{A}/cycles/{plan.pk}/check-in-cadence",
        {"cadence": "weekly", "expected_version": plan.version},
        content_type="application/json",
    )
    assert stale.status_code == 409
    assert (
        ops.put(
            f"{A}/cycles/{plan.pk}/check-in-cadence",
            {"cadence": "hourly"},
            content_type="application/json",
        ).status_code
        == 422
    )


def test_the_goal_page_offers_the_form_to_the_owner_and_replies_to_the_manager(
    small_org: SmallOrg, ria_goal: Goal
) -> None:
    url = f"/performance/goals/{ria_goal.pk}/"
    ria_page = _client(small_org, "rep_ria").get(url).content.decode()
    assert 'id="check-in-form"' in ria_page and "No check-ins yet." in ria_page
    made = actions.check_in(
        ria_goal, acting_user=small_org.users["rep_ria"], note="Hi", confidence=1
    )
    max_page = _client(small_org, "manager_max").get(url).content.decode()
    assert 'id="check-in-form"' not in max_page
    assert f'action="/check-ins/{made.pk}/replies/"' in max_page
    assert 'data-testid="confidence-chart"' in max_page
    fay_page = _client(small_org, "finance_fay").get(url).content.decode()
    assert "confidence 1/5" in fay_page and "/replies/" not in fay_page


def test_the_header_counts_unread_notifications_and_the_inbox_marks_them(
    small_org: SmallOrg, ria_goal: Goal
) -> None:
    ria = small_org.users["rep_ria"]
    first, _ = (
        Notification.objects.create(user=ria, kind="checkin.replied", title=title, url="/plans/")
        for title in ("One", "Two")
    )
    client = _client(small_org, "rep_ria")
    home = client.get("/").content.decode()
    assert 'data-testid="unread-count" aria-label="2 unread">2<' in home
    opened = client.post(f"/inbox/{first.pk}/read/", {"open": "1"})
    assert (opened.status_code, opened["Location"]) == (302, "/plans/")
    assert 'aria-label="1 unread"' in client.get("/inbox/").content.decode()
    client.post("/inbox/read-all/")
    assert 'data-testid="unread-count"' not in client.get("/inbox/").content.decode()
    other = _client(small_org, "manager_max").post(f"/inbox/{first.pk}/read/")
    assert other.status_code == 404


def test_the_settings_page_saves_per_kind(small_org: SmallOrg, ria_goal: Goal) -> None:
    client = _client(small_org, "rep_ria")
    assert client.get("/inbox/settings/").status_code == 200
    client.post("/inbox/settings/", {"checkin.replied": "on"})
    chosen = dict(NotificationPreference.objects.values_list("kind", "email"))
    assert chosen["checkin.replied"] is True
    assert chosen.get("checkin.reminder", True) is False  # unticked: in the app only
