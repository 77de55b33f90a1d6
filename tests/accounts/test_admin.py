"""Every model is in the admin; history is read-only; only staff get in."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client

from quotaflow.accounts.actions import create_token
from quotaflow.core.audit import record
from quotaflow.imports.models import ImportRun

pytestmark = pytest.mark.django_db

APPS = ("core", "accounts", "org", "metrics", "sales", "imports")


def registered_models():
    return sorted(
        (model._meta.app_label, model._meta.model_name)
        for model in admin.site._registry
        if model._meta.app_label in APPS
    )


def test_every_model_of_the_domain_apps_is_registered():
    from django.apps import apps

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
