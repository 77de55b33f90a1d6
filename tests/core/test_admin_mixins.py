"""Which admin pages allow add, change and delete: history is shown, never rewritten."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import RequestFactory

from quotaflow.accounts.models import ApiToken
from quotaflow.core.models import AuditEvent, Notification
from quotaflow.imports.models import ImportRun
from quotaflow.metrics.models import Metric
from quotaflow.org.models import Person
from quotaflow.performance.models import GoalResult
from quotaflow.sales.models import Activity, ExchangeRate, Transaction, TransactionCredit

pytestmark = pytest.mark.django_db

#: model → (may add, may change, may delete) for a superuser in the admin.
ALLOWED = {
    AuditEvent: (False, False, False),
    ImportRun: (False, False, False),
    Transaction: (False, False, False),
    TransactionCredit: (False, False, False),
    Activity: (False, False, False),
    ExchangeRate: (False, False, False),
    Notification: (False, False, True),
    GoalResult: (False, False, True),
    ApiToken: (False, True, False),
    Metric: (True, True, False),
}


@pytest.fixture
def as_admin(small_org):
    request = RequestFactory().get("/admin/")
    request.user = small_org.users["admin_ada"]
    return request


@pytest.mark.parametrize("model", list(ALLOWED), ids=lambda model: model.__name__)
def test_each_page_allows_what_it_says(model, as_admin):
    page = admin.site._registry[model]
    allowed = (
        page.has_add_permission(as_admin),
        page.has_change_permission(as_admin),
        page.has_delete_permission(as_admin),
    )
    assert allowed == ALLOWED[model]


def test_read_only_inlines_refuse_every_write(as_admin):
    credits = admin.site._registry[Transaction].get_inline_instances(as_admin)[0]
    assert not credits.has_add_permission(as_admin, None)
    assert not credits.has_change_permission(as_admin, None)
    assert not credits.has_delete_permission(as_admin, None)
    history = admin.site._registry[Person].get_inline_instances(as_admin)[0]
    assert not history.has_add_permission(as_admin, None)


def test_organisation_pages_audit_deletes_and_have_no_bulk_delete(as_admin):
    page = admin.site._registry[Person]
    assert "delete_selected" not in page.get_actions(as_admin)
