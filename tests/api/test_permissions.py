"""Who may call what: every endpoint × every role in small_org, plus anonymous.

Reads answer 200 inside the caller's scope and 404 outside it (never revealing what
exists); writes answer 201/200 for administrators and sales ops, 403 for everyone else
signed in, 401 for anonymous callers, and a refused write changes nothing.
"""

from __future__ import annotations

import pytest

from quotaflow.metrics.actions import create_metric
from quotaflow.org.models import Assignment
from tests.api.conftest import ROLE_USERS, fingerprint

pytestmark = pytest.mark.django_db

ALL = "200 for every signed-in user"
READS = {
    # path: {user: expected status}; users not named get the "default" status
    "/org/units": {"default": 200},
    "/org/units/NORTH-A": {"default": 200, "rep_ria": 404, "outsider_otto": 404},
    "/org/units/SOUTH": {"default": 200, "manager_max": 404, "rep_ria": 404, "outsider_otto": 404},
    "/org/units/NOPE": {"default": 404},
    "/org/people": {"default": 200},
    "/org/people/E004": {"default": 200, "outsider_otto": 404},  # Ria herself
    "/org/people/E006": {
        "default": 200,
        "manager_max": 404,
        "rep_ria": 404,
        "outsider_otto": 404,
    },  # Sue
    "/metrics": {"default": 200},
    "/metrics/revenue": {"default": 200},
    "/me": {"default": 200},
    "/fiscal-calendar?fiscal_year=2027": {"default": 200},
    "/tokens": {"default": 200},
}


@pytest.fixture
def revenue(small_org):
    return create_metric(code="revenue", name="Revenue", acting_user=small_org.users["ops_olga"])


@pytest.mark.parametrize("username", ROLE_USERS)
@pytest.mark.parametrize("path", list(READS))
def test_reads(api_as, revenue, path, username):
    expected = 401 if username == "anonymous" else READS[path].get(username, READS[path]["default"])
    before = fingerprint()
    response = api_as(username).call("GET", path)
    assert response.status_code == expected, response.content
    if expected == 404:
        assert "There is no" in response.json()["detail"]
    assert fingerprint() == before


VISIBLE_UNITS = {
    "admin_ada": {"ACME", "NORTH", "NORTH-A", "SOUTH", "SOUTH-A"},
    "ops_olga": {"ACME", "NORTH", "NORTH-A", "SOUTH", "SOUTH-A"},
    "finance_fay": {"ACME", "NORTH", "NORTH-A", "SOUTH", "SOUTH-A"},
    "manager_max": {"NORTH", "NORTH-A"},
    "rep_ria": set(),
    "outsider_otto": set(),
}
VISIBLE_PEOPLE = {
    "admin_ada": {"E001", "E002", "E003", "E004", "E005", "E006"},
    "ops_olga": {"E001", "E002", "E003", "E004", "E005", "E006"},
    "finance_fay": {"E001", "E002", "E003", "E004", "E005", "E006"},
    "manager_max": {"E002", "E004", "E005"},
    "rep_ria": {"E004"},
    "outsider_otto": set(),
}


@pytest.mark.parametrize("username", list(VISIBLE_UNITS))
def test_lists_are_scoped(api_as, username):
    client = api_as(username)
    assert {row["code"] for row in client.call("GET", "/org/units").json()} == VISIBLE_UNITS[
        username
    ]
    assert {
        row["external_id"] for row in client.call("GET", "/org/people").json()
    } == VISIBLE_PEOPLE[username]


def _writes(small_org):
    ria_assignment = Assignment.objects.get(person=small_org.people["ria"])
    return {
        "create unit": (
            "POST",
            "/org/units",
            {"code": "NORTH-B", "name": "North Team B", "parent": "NORTH"},
            201,
        ),
        "change unit": ("PATCH", "/org/units/NORTH-A", {"name": "North Hunters"}, 200),
        "move unit": ("PATCH", "/org/units/NORTH-A", {"parent": "SOUTH", "reason": "Reorg"}, 200),
        "create person": (
            "POST",
            "/org/people",
            {"external_id": "E100", "full_name": "Nia New"},
            201,
        ),
        "change person": ("PATCH", "/org/people/E004", {"title": "Senior rep"}, 200),
        "assign": (
            "POST",
            "/org/assignments",
            {"person": "E001", "unit": "SOUTH-A", "role": "manager", "valid_from": "2026-01-01"},
            201,
        ),
        "end assignment": (
            "POST",
            f"/org/assignments/{ria_assignment.pk}/end",
            {"valid_to": "2026-06-30"},
            200,
        ),
        "transfer": (
            "POST",
            "/org/people/E004/transfer",
            {"to_unit": "SOUTH-A", "on": "2026-04-01"},
            201,
        ),
        "create metric": (
            "POST",
            "/metrics",
            {"code": "units", "name": "Units", "unit": "count", "value_field": "quantity"},
            201,
        ),
        "change metric": (
            "PATCH",
            "/metrics/revenue",
            {"expected_version": 0, "name": "Net revenue"},
            200,
        ),
    }


WRITE_NAMES = [
    "create unit",
    "change unit",
    "move unit",
    "create person",
    "change person",
    "assign",
    "end assignment",
    "transfer",
    "create metric",
    "change metric",
]
PLANNERS = {"admin_ada", "ops_olga"}


@pytest.mark.parametrize("username", ROLE_USERS)
@pytest.mark.parametrize("write", WRITE_NAMES)
def test_writes(api_as, small_org, revenue, write, username):
    method, path, body, success = _writes(small_org)[write]
    before = fingerprint()
    response = api_as(username).call(method, path, body)
    if username in PLANNERS:
        assert response.status_code == success, response.content
        assert fingerprint() != before
    else:
        expected = 401 if username == "anonymous" else 403
        assert response.status_code == expected, response.content
        if expected == 403:
            assert (
                response.json()["detail"]
                == "Only administrators and sales operations can make this change."
            )
        assert fingerprint() == before


@pytest.mark.parametrize("username", ROLE_USERS)
def test_everyone_signed_in_manages_their_own_tokens(api_as, small_org, username):
    client = api_as(username)
    before = fingerprint()
    created = client.call("POST", "/tokens", {"name": "CRM sync", "scopes": ["read"]})
    if username == "anonymous":
        assert created.status_code == 401
        assert fingerprint() == before
        return
    assert created.status_code == 201, created.content
    prefix = created.json()["prefix"]
    assert [row["prefix"] for row in client.call("GET", "/tokens").json()] == [prefix]
    revoked = client.call("DELETE", f"/tokens/{prefix}")
    assert revoked.status_code == 200
    assert revoked.json()["is_active"] is False


@pytest.mark.parametrize("username", ["ops_olga", "manager_max", "rep_ria", "admin_ada"])
def test_other_peoples_tokens(api_as, username):
    owner = api_as("outsider_otto")
    prefix = owner.call("POST", "/tokens", {"name": "Otto's", "scopes": ["read"]}).json()["prefix"]
    client = api_as(username)
    assert client.call("GET", "/tokens").json() == []
    before = fingerprint()
    response = client.call("DELETE", f"/tokens/{prefix}")
    if username == "admin_ada":
        assert response.status_code == 200
    else:
        assert response.status_code == 404
        assert fingerprint() == before
