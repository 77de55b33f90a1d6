"""``/users``: logins and roles through the API, administrators only, passwords shown once."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import authenticate

from quotaflow.accounts import actions as account_actions
from quotaflow.accounts.models import User
from quotaflow.core.models import AuditEvent
from quotaflow.org.models import Person

pytestmark = pytest.mark.django_db


def _logins() -> list[tuple[object, ...]]:
    """Every login and its audit trail, to prove a refused write changed nothing."""
    users = User.objects.order_by("pk").values_list(
        "username", "role", "email", "first_name", "last_name", "is_active", "password", "version"
    )
    links = Person.objects.order_by("pk").values_list("external_id", "user_id")
    return [*users, *links, AuditEvent.objects.count()]


def test_an_administrator_creates_a_login_with_a_password_shown_once(api_as, small_org) -> None:
    response = api_as("admin_ada").call(
        "POST",
        "/users",
        {
            "username": "rep_sue",
            "role": "rep",
            "email": "sue@acme.example",
            "first_name": "Sue",
            "last_name": "Seller",
            "person": "E006",
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    password = body.pop("initial_password")
    assert body == {
        "username": "rep_sue",
        "first_name": "Sue",
        "last_name": "Seller",
        "email": "sue@acme.example",
        "role": "rep",
        "is_active": True,
        "person": "E006",
        "last_login": None,
        "version": 0,
    }
    assert authenticate(username="rep_sue", password=password) is not None
    event = AuditEvent.objects.get(action="accounts.user.created", object_repr="rep_sue")
    assert password not in json.dumps(event.changes)
    # Never again: reads carry no password of any kind.
    listed = api_as("admin_ada").call("GET", "/users").content.decode()
    assert password not in listed and "password" not in listed
    one = api_as("admin_ada").call("GET", "/users/rep_sue").json()
    assert one["person"] == "E006" and "initial_password" not in one


def test_users_are_listed_and_filtered(api_as) -> None:
    client = api_as("admin_ada")
    names = [row["username"] for row in client.call("GET", "/users").json()]
    assert names == sorted(names) and "rep_ria" in names
    managers = client.call("GET", "/users?role=manager").json()
    assert {row["username"] for row in managers} == {"ceo_cora", "manager_max", "manager_sam"}
    assert [row["username"] for row in client.call("GET", "/users?q=ria").json()] == ["rep_ria"]
    assert client.call("GET", "/users/nobody").status_code == 404


def test_update_changes_names_email_and_role_with_the_version_read(api_as, small_org) -> None:
    client = api_as("admin_ada")
    response = client.call(
        "PATCH",
        "/users/rep_ria",
        {
            "expected_version": 0,
            "role": "manager",
            "email": "ria@acme.example",
            "reason": "Promoted",
        },
    )
    assert response.status_code == 200, response.json()
    assert response.json()["role"] == "manager" and response.json()["version"] == 1
    event = AuditEvent.objects.get(action="accounts.user.changed")
    assert event.changes == {"email": ["", "ria@acme.example"], "role": ["rep", "manager"]}
    assert event.reason == "Promoted"
    before = _logins()
    stale = client.call("PATCH", "/users/rep_ria", {"expected_version": 0, "first_name": "R"})
    assert stale.status_code == 409
    assert _logins() == before


def test_deactivate_stops_sign_in_and_tokens(api_as, small_org) -> None:
    ria = small_org.users["rep_ria"]
    _, raw = account_actions.create_token(ria, name="t", scopes=["read"], acting_user=ria)
    assert api_as("rep_ria", token=raw).call("GET", "/me").status_code == 200
    response = api_as("admin_ada").call(
        "POST", "/users/rep_ria/deactivate", {"expected_version": 0, "reason": "Left"}
    )
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert AuditEvent.objects.filter(action="accounts.user.deactivated").count() == 1
    assert api_as("rep_ria", token=raw).call("GET", "/me").status_code == 401


@pytest.mark.parametrize(
    ("path", "body", "status", "field"),
    [
        ("/users/admin_ada", {"expected_version": 0, "role": "rep"}, 403, None),
        ("/users/admin_ada", {"expected_version": 0, "is_active": False}, 403, None),
        ("/users/rep_ria", {"expected_version": 0, "email": "a@"}, 400, "email"),
        ("/users/rep_ria", {"expected_version": 0, "role": "boss"}, 422, "role"),
        ("/users/rep_ria", {"expected_version": 0, "first_name": "x" * 151}, 422, "first_name"),
        ("/users/rep_ria", {"role": "rep"}, 422, "expected_version"),
    ],
)
def test_bad_changes_are_refused_and_write_nothing(api_as, path, body, status, field) -> None:
    before = _logins()
    response = api_as("admin_ada").call("PATCH", path, body)
    assert response.status_code == status, response.json()
    assert response.json()["field"] == field
    assert _logins() == before


@pytest.mark.parametrize(
    "body",
    [
        {"username": "rep_ria", "role": "rep"},  # taken
        {"username": "REP_RIA", "role": "rep"},  # taken, whatever the letter case
        {"username": "new one", "role": "rep"},  # a space
        {"username": "nina", "role": "rep", "email": "nope"},
        {"username": "nina", "role": "rep", "person": "E999"},
        {"username": "nina", "role": "rep", "person": "E004"},  # Ria's person already
    ],
)
def test_bad_new_logins_are_refused_and_write_nothing(api_as, body) -> None:
    before = _logins()
    response = api_as("admin_ada").call("POST", "/users", body)
    assert response.status_code in {400, 422}, response.json()
    assert response.json()["detail"]
    assert _logins() == before


def test_only_administrators_manage_users(api_as, small_org) -> None:
    before = _logins()
    for username in ("ops_olga", "manager_max", "rep_ria", "finance_fay"):
        client = api_as(username)
        assert client.call("GET", "/users").status_code == 403
        assert client.call("POST", "/users", {"username": "x1", "role": "rep"}).status_code == 403
    assert _logins() == before


def test_a_token_cannot_make_administrators_or_issue_passwords(api_as, small_org) -> None:
    ada = small_org.users["admin_ada"]
    _, raw = account_actions.create_token(ada, name="t", scopes=["read", "manage"], acting_user=ada)
    client = api_as("admin_ada", token=raw)
    before = _logins()
    made = client.call("POST", "/users", {"username": "boss", "role": "admin"})
    assert made.status_code == 403 and made.json()["field"] == "role"
    assert client.call("POST", "/users/rep_ria/password", {}).status_code == 403
    batch = client.call("POST", "/users/batch", {"users": [{"username": "b", "role": "admin"}]})
    assert batch.status_code == 403
    assert _logins() == before
    # Other logins it may create, and the password comes back once.
    created = client.call("POST", "/users", {"username": "ops_oscar", "role": "sales_ops"})
    assert created.status_code == 201 and created.json()["initial_password"]


def test_issue_password_replaces_the_old_one(api_as, small_org) -> None:
    response = api_as("admin_ada").call("POST", "/users/rep_ria/password", {"reason": "Forgot"})
    assert response.status_code == 200
    password = response.json()["initial_password"]
    assert authenticate(username="rep_ria", password=password) is not None
    event = AuditEvent.objects.get(action="accounts.user.password_issued")
    assert password not in json.dumps(event.changes)


BATCH = [
    {"username": "rep_sue", "role": "rep", "email": "sue@acme.example", "person": "E006"},
    {"username": "ops_oscar", "role": "sales_ops", "first_name": "Oscar"},
    {"username": "rep_ria", "role": "rep", "last_name": "Rep"},
]


def test_a_batch_creates_and_updates_and_sending_it_again_changes_nothing(api_as) -> None:
    client = api_as("admin_ada")
    response = client.call("POST", "/users/batch", {"users": BATCH})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["created"], body["updated"], body["unchanged"]) == (2, 1, 0)
    assert [row["outcome"] for row in body["rows"]] == ["created", "created", "updated"]
    assert body["rows"][2]["changes"] == {"last_name": ["", "Rep"]}
    assert body["rows"][2]["initial_password"] is None
    sue_password = body["rows"][0]["initial_password"]
    assert authenticate(username="rep_sue", password=sue_password) is not None
    assert Person.objects.get(external_id="E006").user.username == "rep_sue"
    before = _logins()
    again = client.call("POST", "/users/batch", {"users": BATCH}).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)
    assert _logins() == before


def test_a_batch_with_bad_rows_names_each_and_writes_nothing(api_as) -> None:
    rows = [
        *BATCH,
        {"username": "rep_sue", "role": "rep"},  # twice in the batch
        {"username": "nina", "role": "rep", "email": "a@"},
        {"username": "nora", "role": "rep", "person": "E999"},
        {"username": "admin_ada", "role": "rep"},  # the caller's own role
    ]
    before = _logins()
    response = api_as("admin_ada").call("POST", "/users/batch", {"users": rows})
    assert response.status_code == 400
    errors = {(error["field"], error["message"]) for error in response.json()["errors"]}
    assert errors == {
        ("users[3].username", "The username 'rep_sue' is also on row 0."),
        ("users[4].email", "'a@' is not a valid e-mail address."),
        ("users[5].person", "There is no person with the employee id 'E999'."),
        ("users[6]", "You cannot change your own role; ask another administrator."),
    }
    assert _logins() == before
