"""``/company``: the settings that every amount and period depend on, through the API."""

from __future__ import annotations

import datetime as dt

import pytest

from quotaflow.accounts import actions as account_actions
from quotaflow.core.models import AuditEvent, Company
from quotaflow.metrics.models import Metric
from quotaflow.plans import actions as plan_actions
from quotaflow.sales.models import Transaction

pytestmark = pytest.mark.django_db


def _settings() -> tuple[object, ...]:
    company = Company.current()
    return (
        company.name,
        company.currency,
        company.fiscal_year_start_month,
        company.version,
        AuditEvent.objects.filter(action="core.company.changed").count(),
    )


def test_everyone_signed_in_reads_the_settings(api_as) -> None:
    response = api_as("rep_ria").call("GET", "/company")
    assert response.status_code == 200
    assert response.json() == {
        "name": "Acme",
        "currency": "EUR",
        "currency_decimals": 2,
        "fiscal_year_start_month": 1,
        "version": 0,
    }


def test_a_planner_changes_name_currency_and_fiscal_start_audited(api_as, small_org) -> None:
    response = api_as("ops_olga").call(
        "PATCH",
        "/company",
        {
            "expected_version": 0,
            "name": "Acme GmbH",
            "currency": "JPY",
            "fiscal_year_start_month": 4,
            "reason": "Setting up",
        },
    )
    assert response.status_code == 200, response.json()
    assert response.json() == {
        "name": "Acme GmbH",
        "currency": "JPY",
        "currency_decimals": 0,
        "fiscal_year_start_month": 4,
        "version": 1,
    }
    event = AuditEvent.objects.get(action="core.company.changed")
    assert event.actor == small_org.users["ops_olga"]
    assert event.reason == "Setting up"
    assert event.changes == {
        "currency": ["EUR", "JPY"],
        "fiscal_year_start_month": [1, 4],
        "name": ["Acme", "Acme GmbH"],
    }
    calendar = api_as("rep_ria").call("GET", "/fiscal-calendar?fiscal_year=2027").json()
    assert calendar["year"]["start"] == "2026-04-01"


def test_sending_the_current_values_changes_nothing(api_as) -> None:
    before = _settings()
    response = api_as("ops_olga").call("PATCH", "/company", {"expected_version": 0, "name": "Acme"})
    assert response.status_code == 200
    assert _settings() == before


def test_a_stale_version_is_a_conflict_and_writes_nothing(api_as) -> None:
    client = api_as("ops_olga")
    assert (
        client.call("PATCH", "/company", {"expected_version": 0, "name": "One"}).status_code == 200
    )
    before = _settings()
    response = client.call("PATCH", "/company", {"expected_version": 0, "name": "Two"})
    assert response.status_code == 409
    assert "now version 1, you had 0" in response.json()["detail"]
    assert _settings() == before


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"name": "x"}, 422, "expected_version"),
        ({"expected_version": 0, "currency": "eur"}, 422, "currency"),
        ({"expected_version": 0, "currency": "XXQ"}, 400, "currency"),
        ({"expected_version": 0, "fiscal_year_start_month": 13}, 422, "fiscal_year_start_month"),
        ({"expected_version": 0, "fiscal_year_start_month": "4"}, 422, "fiscal_year_start_month"),
        ({"expected_version": 0, "name": ""}, 422, "name"),
        ({"expected_version": 0, "name": "a" * 201}, 422, "name"),
        ({"expected_version": 0, "name": "Acme\x00"}, 422, "name"),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(api_as, body, status, field) -> None:
    before = _settings()
    response = api_as("ops_olga").call("PATCH", "/company", body)
    assert response.status_code == status, response.json()
    assert response.json()["field"] == field
    assert _settings() == before


def test_the_currency_cannot_change_after_sales_were_converted(api_as, small_org) -> None:
    Transaction.objects.create(
        source="crm",
        external_id="T1",
        date=dt.date(2026, 3, 1),
        amount_minor=10_000,
        currency="EUR",
        company_amount_minor=10_000,
    )
    before = _settings()
    response = api_as("ops_olga").call(
        "PATCH", "/company", {"expected_version": 0, "currency": "USD"}
    )
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert "cannot change from EUR to USD: 1 sale was converted into EUR" in detail
    assert "Changing the currency after sales were converted is not supported" in detail
    assert _settings() == before
    # The name still changes: only the settings that data depends on are held.
    response = api_as("ops_olga").call("PATCH", "/company", {"expected_version": 0, "name": "N"})
    assert response.status_code == 200


def test_the_fiscal_start_cannot_change_once_a_cycle_exists(api_as, small_org) -> None:
    revenue = Metric.objects.create(code="revenue", name="Revenue")
    plan_actions.create_cycle(
        acting_user=small_org.users["ops_olga"],
        name="FY2027 revenue",
        metric=revenue,
        period_start=dt.date(2027, 1, 1),
        period_end=dt.date(2027, 12, 31),
        period_label="FY2027",
    )
    before = _settings()
    response = api_as("ops_olga").call(
        "PATCH", "/company", {"expected_version": 0, "fiscal_year_start_month": 4}
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith(
        "The fiscal year cannot start in April instead of January: 1 planning cycle was set"
    )
    assert _settings() == before


def test_only_planners_with_the_manage_scope_change_settings(api_as, small_org) -> None:
    before = _settings()
    body = {"expected_version": 0, "name": "Taken over"}
    assert api_as("manager_max").call("PATCH", "/company", body).status_code == 403
    assert api_as("finance_fay").call("PATCH", "/company", body).status_code == 403
    assert api_as("anonymous").call("PATCH", "/company", body).status_code == 401
    olga = small_org.users["ops_olga"]
    _, raw = account_actions.create_token(olga, name="t", scopes=["read"], acting_user=olga)
    assert api_as("ops_olga", token=raw).call("PATCH", "/company", body).status_code == 403
    assert _settings() == before
