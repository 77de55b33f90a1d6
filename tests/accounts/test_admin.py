"""Every model is in the admin; history is read-only; only staff get in."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import Client

from quotaflow.accounts.actions import create_token
from quotaflow.accounts.models import User
from quotaflow.core.audit import record
from quotaflow.core.models import AuditEvent
from quotaflow.imports.models import ImportRun

pytestmark = pytest.mark.django_db

APPS = ("core", "accounts", "org", "metrics", "sales", "imports", "incentives")


def registered_models():
    return sorted(
        (model._meta.app_label, model._meta.model_name)
        for model in admin.site._registry
        if model._meta.app_label in APPS
    )


def test_every_model_of_the_domain_apps_is_registered():
    expected = sorted(
        (model._meta.app_label, model._meta.model_name)
        for label in APPS
        for model in apps.get_app_config(label).get_models()
    )
    assert registered_models() == expected


def test_every_changelist_and_add_page_renders_for_the_admin(small_org):
    client = Client()
    client.force_login(small_org.users["admin_ada"])
    ria = small_org.users["rep_ria"]
    create_token(ria, name="CRM", scopes=["read"], acting_user=ria)
    record(actor=ria, action="test.event", obj=small_org.north)
    ImportRun.objects.create(kind="org", file_name="org.csv", status="succeeded")
    for app_label, model_name in registered_models():
        response = client.get(f"/admin/{app_label}/{model_name}/")
        assert response.status_code == 200, (app_label, model_name)


@pytest.mark.parametrize(
    "url",
    [
        "/admin/core/auditevent/add/",
        "/admin/imports/importrun/add/",
        "/admin/accounts/apitoken/add/",
    ],
)
def test_history_and_tokens_cannot_be_added_in_the_admin(small_org, url):
    client = Client()
    client.force_login(small_org.users["admin_ada"])
    assert client.get(url).status_code == 403


def test_audit_event_cannot_be_changed(small_org):
    event = record(actor=None, action="test.event", obj=small_org.north)
    client = Client()
    client.force_login(small_org.users["admin_ada"])
    response = client.post(f"/admin/core/auditevent/{event.pk}/change/", {"action": "forged"})
    assert response.status_code == 403
    event.refresh_from_db()
    assert event.action == "test.event"


@pytest.mark.parametrize("username", ["ops_olga", "manager_max", "rep_ria", "outsider_otto"])
def test_non_staff_are_sent_to_the_admin_login(small_org, username):
    client = Client()
    client.force_login(small_org.users[username])
    response = client.get("/admin/org/unit/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_admin_user_creation_and_role_change_are_audited(small_org):
    client = Client()
    client.force_login(small_org.users["admin_ada"])
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "username": "rep_rex",
            "password1": "a-long-secret-phrase",
            "password2": "a-long-secret-phrase",
            "usable_password": "true",
            "role": "rep",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    rex = User.objects.get(username="rep_rex")
    assert AuditEvent.objects.filter(action="accounts.user.created", object_id=str(rex.pk)).exists()
    page = client.get(f"/admin/accounts/user/{rex.pk}/change/")
    form = page.context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name != "password"
    }
    data.update(role="manager", date_joined_0="2026-01-01", date_joined_1="00:00:00")
    data.pop("date_joined", None)
    data.pop("groups", None)
    data.pop("user_permissions", None)
    data.pop("last_login", None)
    response = client.post(f"/admin/accounts/user/{rex.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    rex.refresh_from_db()
    assert rex.role == "manager"
    assert AuditEvent.objects.get(action="accounts.user.role_changed").changes == {
        "role": ["rep", "manager"]
    }
