"""The metric admin applies the definition rules and saves through the actions."""

from __future__ import annotations

import pytest
from django.test import Client

from quotaflow.core.models import AuditEvent
from quotaflow.metrics.models import Metric

pytestmark = pytest.mark.django_db

FORM = {
    "code": "revenue",
    "name": "Revenue",
    "description": "",
    "unit": "currency",
    "direction": "higher",
    "source": "transactions",
    "aggregation": "sum",
    "value_field": "amount",
    "filters": "{}",
    "activity_type": "",
    "is_active": "on",
}


@pytest.fixture
def ada(small_org):
    client = Client()
    client.force_login(small_org.users["admin_ada"])
    return client


def test_admin_refuses_a_bad_filter_on_the_form(ada):
    response = ada.post("/admin/metrics/metric/add/", {**FORM, "filters": '{"region": ["North"]}'})
    assert response.status_code == 200
    assert "Metrics cannot filter on &#x27;region&#x27;" in response.content.decode()
    assert not Metric.objects.exists()


def test_admin_creates_and_changes_through_the_actions(ada, small_org):
    assert ada.post("/admin/metrics/metric/add/", FORM).status_code == 302
    metric = Metric.objects.get(code="revenue")
    response = ada.post(
        f"/admin/metrics/metric/{metric.pk}/change/", {**FORM, "name": "Net revenue"}
    )
    assert response.status_code == 302
    assert list(AuditEvent.objects.order_by("pk").values_list("action", flat=True)) == [
        "metrics.metric.created",
        "metrics.metric.updated",
    ]
    page = ada.get(f"/admin/metrics/metric/{metric.pk}/change/").content.decode()
    assert "Sum of amount of transactions" in page
