"""API behaviour beyond permissions: tokens and their scopes, bad input, content, OpenAPI."""

from __future__ import annotations

import pytest
from django.test import Client

from quotaflow.accounts.actions import create_token, revoke_token
from quotaflow.core.models import AuditEvent, Company
from quotaflow.metrics.models import Metric, MetricRecompute
from quotaflow.org.models import Unit
from tests.api.conftest import API, fingerprint

pytestmark = pytest.mark.django_db


def token_for(small_org, username, scopes):
    user = small_org.users[username]
    return create_token(user, name="test", scopes=scopes, acting_user=user)


# Tokens -----------------------------------------------------------------------------------


def test_read_token_reads_within_its_users_scope(api_as, small_org):
    _, raw = token_for(small_org, "manager_max", ["read"])
    client = api_as("anonymous", token=raw)
    assert {row["code"] for row in client.call("GET", "/org/units").json()} == {"NORTH", "NORTH-A"}
    assert client.call("GET", "/org/units/SOUTH").status_code == 404
    me = client.call("GET", "/me").json()
    assert (me["username"], me["authenticated_by"], me["token_scopes"]) == (
        "manager_max",
        "token",
        ["read"],
    )
    assert me["scope"] == {"everything": False, "units": ["NORTH"], "own_record": True}


def test_token_without_the_scope_is_refused(api_as, small_org):
    _, raw = token_for(small_org, "ops_olga", ["ingest"])
    client = api_as("anonymous", token=raw)
    response = client.call("GET", "/org/units")
    assert response.status_code == 403
    assert response.json()["detail"] == (
        "This API token does not have the 'read' scope; create a token that has it."
    )
    before = fingerprint()
    response = client.call("POST", "/org/units", {"code": "X", "name": "X"})
    assert response.status_code == 403
    assert "'manage' scope" in response.json()["detail"]
    assert fingerprint() == before


def test_manage_token_of_a_planner_writes_and_a_rep_token_does_not(api_as, small_org):
    _, olga_raw = token_for(small_org, "ops_olga", ["read", "manage"])
    response = api_as("anonymous", token=olga_raw).call(
        "POST", "/org/units", {"code": "X", "name": "Team X"}
    )
    assert response.status_code == 201
    _, ria_raw = token_for(small_org, "rep_ria", ["read", "ingest", "import"])
    before = fingerprint()
    response = api_as("anonymous", token=ria_raw).call(
        "POST", "/org/units", {"code": "Y", "name": "Team Y"}
    )
    assert response.status_code == 403
    assert fingerprint() == before


def test_revoked_and_unknown_tokens_are_401(api_as, small_org):
    token, raw = token_for(small_org, "ops_olga", ["read"])
    assert api_as("anonymous", token=raw).call("GET", "/me").status_code == 200
    revoke_token(token, acting_user=small_org.users["ops_olga"])
    assert api_as("anonymous", token=raw).call("GET", "/me").status_code == 401
    assert api_as("anonymous", token="qf_nothing_here").call("GET", "/me").status_code == 401


def test_a_token_cannot_create_or_revoke_tokens(api_as, small_org):
    token, raw = token_for(small_org, "admin_ada", ["read", "manage"])
    client = api_as("anonymous", token=raw)
    before = fingerprint()
    response = client.call("POST", "/tokens", {"name": "More", "scopes": ["read"]})
    assert response.status_code == 403
    assert response.json()["detail"] == "An API token cannot create tokens; sign in to do it."
    assert client.call("DELETE", f"/tokens/{token.prefix}").status_code == 403
    assert fingerprint() == before


def test_created_token_is_shown_once_and_works(api_as, small_org):
    session = api_as("rep_ria")
    created = session.call("POST", "/tokens", {"name": "Laptop", "scopes": ["read"]}).json()
    raw = created["token"]
    assert raw.startswith(f"qf_{created['prefix']}_")
    listed = session.call("GET", "/tokens").json()
    assert "token" not in listed[0]
    assert raw not in str(listed)
    assert api_as("anonymous", token=raw).call("GET", "/me").json()["username"] == "rep_ria"


def test_session_writes_need_the_csrf_token(small_org):
    client = Client(enforce_csrf_checks=True)
    client.force_login(small_org.users["ops_olga"])
    before = fingerprint()
    response = client.post(
        f"{API}/org/units", data={"code": "X", "name": "X"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert fingerprint() == before


# Bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "field", "message"),
    [
        ("POST", "/org/units", {"code": "X"}, 422, "name", "name: Field required"),
        (
            "POST",
            "/org/units",
            {"code": "X", "name": "X", "kind": "galaxy"},
            422,
            "kind",
            "kind: Input should be",
        ),
        (
            "POST",
            "/org/units",
            {"code": "NORTH", "name": "X"},
            400,
            "code",
            "already used by unit North",
        ),
        (
            "POST",
            "/org/units",
            {"code": "X", "name": "X", "parent": "NOPE"},
            400,
            "parent",
            "no unit with the code",
        ),
        (
            "PATCH",
            "/org/units/NORTH",
            {"parent": "NORTH-A"},
            400,
            "parent",
            "Cannot move North under North Team A: North Team A is inside North's subtree",
        ),
        ("PATCH", "/org/units/NORTH", {"name": None}, 400, "name", "cannot be empty"),
        (
            "POST",
            "/org/assignments",
            {"person": "E004", "unit": "SOUTH-A", "valid_from": "2026-01-01"},
            400,
            "valid_from",
            "Ria Rep is a member of North Team A from 2025-01-01 to open-ended",
        ),
        (
            "POST",
            "/org/assignments",
            {"person": "E004", "unit": "SOUTH-A", "valid_from": "first of May"},
            422,
            "valid_from",
            "valid_from: Input should be a valid date",
        ),
        (
            "POST",
            "/org/people",
            {"external_id": "E001", "full_name": "X"},
            400,
            "external_id",
            "already belongs",
        ),
        (
            "POST",
            "/org/people/E004/transfer",
            {"to_unit": "NORTH-A", "on": "2026-02-01"},
            400,
            "to_unit",
            "already",
        ),
        (
            "POST",
            "/metrics",
            {"code": "rev", "name": "Revenue", "filters": {"region": ["North"]}},
            400,
            "filters.region",
            "Metrics cannot filter on 'region'",
        ),
        (
            "POST",
            "/metrics",
            {"code": "rev", "name": "Revenue", "unit": "litres"},
            422,
            "unit",
            "unit: Input should",
        ),
        (
            "POST",
            "/tokens",
            {"name": "X", "scopes": ["root"]},
            422,
            "scopes[0]",
            "scopes[0]: Input should be",
        ),
        (
            "GET",
            "/fiscal-calendar?fiscal_year=twenty",
            None,
            422,
            "fiscal_year",
            "fiscal_year: Input should be",
        ),
    ],
)
def test_bad_input_gets_a_clear_error_and_writes_nothing(
    api_as, method, path, body, status, field, message
):
    before = fingerprint()
    response = api_as("ops_olga").call(method, path, body)
    assert response.status_code == status, response.content
    payload = response.json()
    assert message in payload["detail"]
    assert payload["field"] == field
    assert fingerprint() == before


def test_unreadable_body_and_anonymous_calls_get_plain_messages(api_as):
    client = api_as("ops_olga").client
    before = fingerprint()
    response = client.post(f"{API}/org/units", data="{not json", content_type="application/json")
    assert (response.status_code, response.json()["detail"]) == (
        400,
        "The request body is not valid JSON.",
    )
    anonymous = api_as("anonymous").call("GET", "/org/units")
    assert anonymous.status_code == 401
    assert anonymous.json()["detail"].startswith(
        "Sign in, or send the header 'Authorization: Bearer"
    )
    assert anonymous["WWW-Authenticate"].startswith("Bearer")
    assert fingerprint() == before


# Content ----------------------------------------------------------------------------------


def test_unit_detail_as_of_a_date(api_as, small_org):
    client = api_as("manager_max")
    client_olga = api_as("ops_olga")
    client_olga.call(
        "POST", "/org/people/E004/transfer", {"to_unit": "SOUTH-A", "on": "2026-04-01"}
    )

    before = client.call("GET", "/org/units/NORTH-A?as_of=2026-03-31").json()
    after = client.call("GET", "/org/units/NORTH-A?as_of=2026-04-01").json()

    assert [row["code"] for row in before["ancestors"]] == ["NORTH"]  # ACME is outside Max's scope
    assert [row["full_name"] for row in before["people"]] == ["Ria Rep", "Rob Rep"]
    assert [row["full_name"] for row in after["people"]] == ["Rob Rep"]
    assert (before["people_in_subtree"], after["people_in_subtree"]) == (2, 1)
    full = client_olga.call("GET", "/org/units/NORTH").json()
    assert [row["code"] for row in full["ancestors"]] == ["ACME"]
    assert [row["code"] for row in full["children"]] == ["NORTH-A"]
    assert full["people"][0]["role"] == "manager"


def test_person_history_and_list_placement(api_as, small_org):
    olga = api_as("ops_olga")
    olga.call("POST", "/org/people/E004/transfer", {"to_unit": "SOUTH-A", "on": "2026-04-01"})
    history = olga.call("GET", "/org/people/E004").json()["assignments"]
    assert [(row["unit"], row["valid_from"], row["valid_to"]) for row in history] == [
        ("NORTH-A", "2025-01-01", "2026-03-31"),
        ("SOUTH-A", "2026-04-01", None),
    ]
    listed = olga.call("GET", "/org/people?q=ria&as_of=2026-03-01").json()
    assert [(row["external_id"], row["unit"], row["role"]) for row in listed] == [
        ("E004", "NORTH-A", "member")
    ]
    # Who sees Ria follows the tree of today: Max, whose team she has left, sees her on no
    # date, not even one before her move; Sam, her manager now, sees her on every date.
    max_ = api_as("manager_max")
    assert max_.call("GET", "/org/people/E004?as_of=2026-03-31").status_code == 404
    assert max_.call("GET", "/org/people/E004?as_of=2026-04-01").status_code == 404
    sam = api_as("manager_sam")
    assert sam.call("GET", "/org/people/E004?as_of=2026-03-31").status_code == 200
    assert sam.call("GET", "/org/people/E004?as_of=2026-04-01").status_code == 200


def test_move_through_patch_rewrites_paths(api_as, small_org):
    response = api_as("ops_olga").call(
        "PATCH", "/org/units/NORTH-A", {"parent": "SOUTH", "reason": "Reorg"}
    )
    assert response.json()["parent"] == "SOUTH"
    assert response.json()["depth"] == 2
    assert (
        Unit.objects.get(code="NORTH-A").path == f"{small_org.south.path}{small_org.north_team.pk}/"
    )


def test_metric_round_trip(api_as):
    olga = api_as("ops_olga")
    created = olga.call(
        "POST",
        "/metrics",
        {
            "code": "sw",
            "name": "Software revenue",
            "filters": {"product_group": ["Software", "Services"]},
        },
    )
    assert created.status_code == 201
    assert created.json()["definition"] == (
        "Sum of amount of transactions where product group is Software or Services"
    )
    version = created.json()["version"]
    patched = olga.call(
        "PATCH",
        "/metrics/sw",
        {"expected_version": version, "is_active": False, "reason": "Retired"},
    ).json()
    assert patched["is_active"] is False
    assert patched["version"] == version + 1
    assert api_as("rep_ria").call("GET", "/metrics?active=true").json() == []


def test_a_metric_change_on_a_stale_version_is_refused_and_writes_nothing(api_as):
    olga = api_as("ops_olga")
    read = olga.call("POST", "/metrics", {"code": "sw", "name": "Software revenue"}).json()
    # Someone else renames it after we read it.
    renamed = olga.call(
        "PATCH", "/metrics/sw", {"expected_version": read["version"], "name": "Software"}
    )
    assert renamed.status_code == 200
    events, runs = AuditEvent.objects.count(), MetricRecompute.objects.count()

    stale = olga.call(
        "PATCH",
        "/metrics/sw",
        {"expected_version": read["version"], "filters": {"product_group": ["Software"]}},
    )

    assert stale.status_code == 409
    assert "changed meanwhile (now version 1, you had 0)" in stale.json()["detail"]
    metric = Metric.objects.get(code="sw")
    assert (metric.name, metric.filters, metric.version) == ("Software", {}, 1)
    assert (AuditEvent.objects.count(), MetricRecompute.objects.count()) == (events, runs)
    missing = olga.call("PATCH", "/metrics/sw", {"name": "No version"})
    assert missing.status_code == 422
    assert Metric.objects.get(code="sw").name == "Software"


def test_fiscal_calendar_follows_the_company_start_month(api_as, small_org):
    Company.objects.update(fiscal_year_start_month=2)
    body = api_as("rep_ria").call("GET", "/fiscal-calendar?fiscal_year=2027").json()
    assert (body["year"]["start"], body["year"]["end"]) == ("2026-02-01", "2027-01-31")
    assert [row["label"] for row in body["quarters"]] == [
        "FY2027-Q1",
        "FY2027-Q2",
        "FY2027-Q3",
        "FY2027-Q4",
    ]
    assert len(body["months"]) == 12 and body["halves"][1]["start"] == "2026-08-01"


def test_openapi_schema_and_docs_are_served(client, small_org):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in [
        "/api/v1/org/units",
        "/api/v1/org/units/{code}",
        "/api/v1/org/people",
        "/api/v1/org/people/{external_id}",
        "/api/v1/org/people/{external_id}/transfer",
        "/api/v1/org/assignments",
        "/api/v1/metrics",
        "/api/v1/metrics/{code}",
        "/api/v1/tokens",
        "/api/v1/tokens/{prefix}",
        "/api/v1/me",
        "/api/v1/fiscal-calendar",
    ]:
        assert path in paths, path
    assert "401" in paths["/api/v1/org/units"]["get"]["responses"]
    # The schema is public; the interactive docs are for signed-in people.
    assert client.get(f"{API}/docs").status_code == 302
    client.force_login(small_org.users["rep_ria"])
    assert client.get(f"{API}/docs").status_code == 200
