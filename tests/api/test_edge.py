"""No input is a server error: the API's edge refuses what the database or the date arithmetic
behind it cannot take, with a 422 in the documented JSON error format, and writes nothing.

Each test is named for an input that used to answer 500 (or was accepted and broke a later
request); every answer is also checked against the operation's OpenAPI response schema.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
import requests
import schemathesis
from django.test import Client
from schemathesis.core.transport import Response

from quotaflow.api.metrics import MetricOut
from quotaflow.api.root import api
from quotaflow.metrics.models import Metric
from quotaflow.plans.models import Goal, PlanningCycle
from quotaflow.sales.models import Transaction
from tests.api.conftest import fingerprint
from tests.conftest import SmallOrg

pytestmark = pytest.mark.django_db

BIGINT_MAX = 2**63 - 1
OPENAPI = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/v1"))
CYCLE = {
    "name": "FY2027 revenue",
    "metric": "revenue",
    "period_start": "2027-01-01",
    "period_end": "2027-12-31",
    "period_label": "FY2027",
}


@pytest.fixture
def ops(small_org: SmallOrg) -> Client:
    Metric.objects.create(code="revenue", name="Revenue")
    client = Client()
    client.force_login(small_org.users["ops_olga"])
    return client


def call(client: Client, method: str, path: str, body: Any = None, **query: Any) -> Any:
    kwargs: dict[str, Any] = {"QUERY_STRING": "&".join(f"{k}={v}" for k, v in query.items())}
    if body is not None:
        kwargs.update(data=json.dumps(body), content_type="application/json")
    return getattr(client, method.lower())(f"/api/v1{path}", **kwargs)


def assert_refused(response: Any, operation: str, status: int = 422, field: str | None = None):
    """``response`` has ``status``, the API's JSON error body, and matches the document."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    if field is not None:
        assert body["field"] == field, body
    method, path = operation.split(" ", 1)
    OPENAPI[f"/api/v1{path}"][method].validate_response(as_documented_response(response))
    return body


def as_documented_response(response: Any) -> Response:
    """The Django test response in the shape schemathesis validates."""
    return Response(
        status_code=response.status_code,
        headers={name: [value] for name, value in response.items()},
        content=response.content,
        request=requests.Request("GET", "http://testserver/").prepare(),
        elapsed=0.0,
        verify=True,
    )


# Text ---------------------------------------------------------------------------------------


def test_a_period_label_over_20_characters_is_a_422_and_no_cycle_is_created(ops):
    response = call(ops, "POST", "/cycles", {**CYCLE, "period_label": "FY2027-" + "x" * 30})
    body = assert_refused(response, "POST /cycles", field="period_label")
    assert "20" in body["detail"]
    assert not PlanningCycle.objects.exists()


def test_a_nul_byte_in_a_search_is_a_422(ops):
    response = call(ops, "GET", "/org/people", q="Ria%00Rep")
    body = assert_refused(response, "GET /org/people", field="q")
    assert "U+0000" in body["detail"]


def test_a_nul_byte_in_an_id_is_a_422(ops):
    response = call(ops, "GET", "/org/units/NORTH%00")
    body = assert_refused(response, "GET /org/units/{code}")
    assert "U+0000" in body["detail"]


def test_a_nul_byte_in_a_comment_is_a_422_and_no_comment_is_written(ops, small_org):
    cycle = call(ops, "POST", "/cycles", CYCLE).json()
    goal = Goal.objects.filter(cycle_id=cycle["id"]).order_by("pk").first()
    response = call(ops, "POST", f"/goals/{goal.pk}/comments", {"body": "Fine\x00print"})
    body = assert_refused(response, "POST /goals/{goal_id}/comments", field="body")
    assert "U+0000" in body["detail"]
    assert not goal.comments.exists()


def test_a_nul_byte_in_an_ingested_product_name_is_a_422_and_nothing_is_written(ops, small_org):
    before = Transaction.objects.count()
    sale = {
        "external_id": "S-1",
        "date": "2027-03-01",
        "amount": "100.00",
        "currency": "EUR",
        "credits": [{"person": "E004"}],
        "product": "Widget\x00Pro",
    }
    response = call(ops, "POST", "/ingest/transactions", {"source": "crm", "transactions": [sale]})
    body = assert_refused(response, "POST /ingest/transactions", field="transactions[0].product")
    assert "U+0000" in body["detail"]
    assert Transaction.objects.count() == before


def test_text_fields_keep_line_breaks_but_not_other_control_characters(ops):
    cycle = call(ops, "POST", "/cycles", CYCLE).json()
    goal = Goal.objects.filter(cycle_id=cycle["id"]).order_by("pk").first()
    ok = call(ops, "POST", f"/goals/{goal.pk}/comments", {"body": "Line one\nline two"})
    assert ok.status_code == 201, ok.content
    refused = call(ops, "POST", f"/goals/{goal.pk}/comments", {"body": "Bell\x07"})
    assert_refused(refused, "POST /goals/{goal_id}/comments", field="body")


# Whole numbers --------------------------------------------------------------------------


def test_an_offset_past_bigint_is_a_422(ops):
    response = call(ops, "GET", "/org/units", offset=BIGINT_MAX + 1)
    assert_refused(response, "GET /org/units", field="offset")
    assert call(ops, "GET", "/org/units", offset=BIGINT_MAX).status_code == 200


def test_an_id_past_bigint_is_a_422(ops):
    response = call(ops, "GET", f"/goals/{BIGINT_MAX + 1}")
    assert_refused(response, "GET /goals/{goal_id}", field="goal_id")
    assert call(ops, "GET", f"/goals/{BIGINT_MAX}").status_code == 404


def test_a_template_target_past_bigint_is_a_422_and_no_goal_is_created(ops, small_org):
    cycle = call(ops, "POST", "/cycles", CYCLE).json()
    goals_before = Goal.objects.count()
    response = call(
        ops,
        "POST",
        f"/cycles/{cycle['id']}/template-goals",
        {"metric": "revenue", "target": BIGINT_MAX + 1, "role": "rep"},
    )
    assert_refused(response, "POST /cycles/{cycle_id}/template-goals", field="target")
    assert Goal.objects.count() == goals_before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"targets": {"1": -5}}, "targets"),
        ({"targets": {"1": BIGINT_MAX + 1}}, "targets"),
        ({"targets": {"0": 100}}, "targets"),
        ({"targets": {str(goal): 100 for goal in range(1, 5_002)}}, "targets"),
        ({"moves": {str(goal): 1 for goal in range(1, 5_002)}}, "moves"),
    ],
    ids=["negative", "past-bigint", "goal-zero", "too-many-targets", "too-many-moves"],
)
def test_a_version_with_unbounded_changes_is_a_422_and_nothing_is_written(
    ops, small_org, body, field
):
    cycle = call(ops, "POST", "/cycles", CYCLE).json()
    goals_before = list(Goal.objects.order_by("pk").values_list("pk", "target"))
    response = call(
        ops,
        "POST",
        f"/cycles/{cycle['id']}/versions",
        {"effective_from": "2027-07-01", "reason": "Territory change", "expected_version": 1}
        | body,
    )
    refused = assert_refused(response, "POST /cycles/{cycle_id}/versions")
    assert refused["field"].startswith(field), refused
    assert list(Goal.objects.order_by("pk").values_list("pk", "target")) == goals_before


@pytest.mark.parametrize(
    "rubric",
    [
        [{"score": level, "meaning": f"Level {level}"} for level in range(21)],
        [{"score": 101, "meaning": "Off the scale"}],
        [{"score": 1, "meaning": ""}],
    ],
    ids=["21-levels", "score-past-100", "empty-meaning"],
)
def test_a_template_rubric_outside_its_shape_is_a_422_and_no_goal_is_created(
    ops, small_org, rubric
):
    cycle = call(ops, "POST", "/cycles", CYCLE).json()
    goals_before = Goal.objects.count()
    response = call(
        ops,
        "POST",
        f"/cycles/{cycle['id']}/template-goals",
        {"metric": "revenue", "target": 5, "role": "rep", "rubric": rubric},
    )
    refused = assert_refused(response, "POST /cycles/{cycle_id}/template-goals")
    assert refused["field"].startswith("rubric"), refused
    assert Goal.objects.count() == goals_before


def test_a_number_sent_as_text_or_a_flag_sent_as_a_number_is_a_422(ops, small_org):
    cycle = call(ops, "POST", "/cycles", CYCLE).json()
    goal = Goal.objects.filter(cycle_id=cycle["id"]).order_by("pk").first()
    response = call(
        ops, "POST", f"/goals/{goal.pk}/lock", {"locked": 0, "expected_version": goal.version}
    )
    assert_refused(response, "POST /goals/{goal_id}/lock", field="locked")
    response = call(
        ops,
        "POST",
        f"/cycles/{cycle['id']}/template-goals",
        {"metric": "revenue", "target": "600", "role": "rep"},
    )
    assert_refused(response, "POST /cycles/{cycle_id}/template-goals", field="target")


def test_a_body_that_is_not_a_json_object_is_a_422(ops, small_org):
    cycle = call(ops, "POST", "/cycles", CYCLE).json()
    response = call(ops, "POST", f"/cycles/{cycle['id']}/scenarios", [None, None])
    assert_refused(response, "POST /cycles/{cycle_id}/scenarios")


# Dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1899-12-31", "2201-01-01"])
def test_a_cycle_dated_outside_1900_to_2200_is_a_422_and_submissions_still_answer(ops, day):
    response = call(ops, "POST", "/cycles", {**CYCLE, "period_start": day})
    body = assert_refused(response, "POST /cycles", field="period_start")
    assert "1900-01-01" in body["detail"] and "2200-12-31" in body["detail"]
    assert not PlanningCycle.objects.exists()
    cycle = call(ops, "POST", "/cycles", CYCLE).json()
    assert call(ops, "GET", f"/cycles/{cycle['id']}/submissions").status_code == 200


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
@pytest.mark.parametrize("path", ["/org/units", "/org/people", "/org/units/NORTH"])
def test_as_of_year_one_or_9999_is_a_422(ops, day, path):
    response = call(ops, "GET", path, as_of=day)
    template = "/org/units/{code}" if path == "/org/units/NORTH" else path
    assert_refused(response, f"GET {template}", field="as_of")


def test_as_of_as_a_number_is_a_422_not_a_date_in_1970(ops):
    assert_refused(call(ops, "GET", "/org/units", as_of=0), "GET /org/units", field="as_of")


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_ingest_refuses_sales_dated_year_one_or_9999_and_writes_nothing(ops, small_org, day):
    before = fingerprint(), Transaction.objects.count()
    sale = {
        "external_id": "S-1",
        "date": day,
        "amount": "100.00",
        "currency": "EUR",
        "credits": [{"person": "E004"}],
    }
    response = call(ops, "POST", "/ingest/transactions", {"source": "crm", "transactions": [sale]})
    assert_refused(response, "POST /ingest/transactions", field="transactions[0].date")
    assert (fingerprint(), Transaction.objects.count()) == before


def test_ingest_refuses_activities_dated_year_one(ops, small_org):
    activity = {
        "external_id": "A-1",
        "date": "0001-01-01",
        "person": "E004",
        "activity_type": "call",
    }
    response = call(ops, "POST", "/ingest/activities", {"activities": [activity]})
    assert_refused(response, "POST /ingest/activities", field="activities[0].date")


def test_ingest_refuses_an_amount_too_large_for_minor_units(ops, small_org):
    sale = {
        "external_id": "S-1",
        "date": "2027-03-01",
        "amount": "1e30",
        "currency": "EUR",
        "credits": [{"person": "E004"}],
    }
    response = call(ops, "POST", "/ingest/transactions", {"source": "crm", "transactions": [sale]})
    assert_refused(response, "POST /ingest/transactions", field="transactions[0].amount")


# Errors are JSON and documented ---------------------------------------------------------


def test_an_unexpected_error_is_a_json_500_without_traceback_and_is_logged(
    ops, monkeypatch, caplog
):
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret internals: /srv/quotaflow/settings.py line 12")

    monkeypatch.setattr(MetricOut, "of", staticmethod(broken))
    with caplog.at_level(logging.ERROR, logger="quotaflow.api"):
        response = call(ops, "GET", "/metrics")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"detail", "field"}
    assert "secret" not in response.content.decode() and "Traceback" not in body["detail"]
    logged = [record for record in caplog.records if record.name == "quotaflow.api"]
    assert logged and logged[0].exc_info is not None
    assert "secret internals" in str(logged[0].exc_info[1])


def test_an_unknown_api_address_is_a_json_404(ops):
    response = call(ops, "GET", "/imports/7/nothing-here")
    assert response.status_code == 404
    assert response.json()["detail"].startswith("There is no API endpoint at")


def test_a_method_the_path_does_not_have_is_a_documented_json_405(ops):
    response = call(ops, "DELETE", "/org/units")
    assert "GET" in response["Allow"]
    assert_refused(response, "GET /org/units", status=405)


def test_every_operation_documents_its_refusals():
    document = api.get_openapi_schema(path_prefix="/api/v1")
    missing = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            codes = {str(code) for code in operation["responses"]}
            expected = {"400", "401", "403", "404", "405", "422"}
            if method != "get":
                expected.add("409")
            if not expected <= codes:
                missing.append((method.upper(), path, sorted(expected - codes)))
    assert missing == []


def test_the_422_of_an_import_without_a_file_matches_its_schema(ops):
    response = ops.post("/api/v1/imports/org")
    assert_refused(response, "POST /imports/{kind}", field="file")
