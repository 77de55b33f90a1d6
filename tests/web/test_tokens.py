"""The API tokens page: the plaintext is shown once and never stored."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

from django.test import Client

from quotaflow.accounts.actions import authenticate_token
from quotaflow.accounts.models import ApiToken
from quotaflow.core.models import AuditEvent
from tests.conftest import SmallOrg

TOKEN_PATTERN = re.compile(r"qf_[a-z0-9]{8}_[A-Za-z0-9_\-]{20,}")


def test_creating_a_token_shows_the_plaintext_once_and_stores_only_a_digest(
    small_org: SmallOrg, client_for: Callable[[str | None], Client]
) -> None:
    client = client_for("ops_olga")

    response = client.post("/tokens/", {"name": "CRM sync", "scopes": ["read", "ingest"]})

    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    match = TOKEN_PATTERN.search(response.content.decode())
    assert match is not None
    plaintext = match.group(0)
    token = ApiToken.objects.get(user=small_org.users["ops_olga"])
    assert token.name == "CRM sync" and token.scopes == ["read", "ingest"]
    assert token.digest != plaintext
    assert plaintext not in token.digest and plaintext not in token.prefix
    assert token.digest == hashlib.sha256(plaintext.encode()).hexdigest()
    assert authenticate_token(plaintext) == token
    assert AuditEvent.objects.filter(
        action="accounts.token.created", object_id=str(token.pk)
    ).exists()

    later = client.get("/tokens/").content.decode()
    assert plaintext not in later
    assert "CRM sync" in later and f"qf_{token.prefix}_" in later


def test_a_token_needs_a_name_and_a_scope(
    small_org: SmallOrg, client_for: Callable[[str | None], Client]
) -> None:
    client = client_for("rep_ria")

    no_scope = client.post("/tokens/", {"name": "Script"})
    no_name = client.post("/tokens/", {"name": "  ", "scopes": ["read"]})

    assert no_scope.status_code == 400
    assert "Choose at least one scope." in no_scope.content.decode()
    assert no_name.status_code == 400
    assert "This field is required." in no_name.content.decode()
    assert not ApiToken.objects.exists()


def test_only_planners_are_offered_the_manage_scope(
    small_org: SmallOrg, client_for: Callable[[str | None], Client]
) -> None:
    assert 'value="manage"' in client_for("ops_olga").get("/tokens/").content.decode()
    rep = client_for("rep_ria")
    assert 'value="manage"' not in rep.get("/tokens/").content.decode()

    response = rep.post("/tokens/", {"name": "Sneaky", "scopes": ["manage"]})

    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_revoking_asks_first_then_refuses_the_token(
    small_org: SmallOrg, client_for: Callable[[str | None], Client]
) -> None:
    client = client_for("manager_max")
    created = client.post("/tokens/", {"name": "Forecast sheet", "scopes": ["read"]})
    match = TOKEN_PATTERN.search(created.content.decode())
    assert match is not None
    plaintext = match.group(0)
    token = ApiToken.objects.get(name="Forecast sheet")

    confirm = client.get(f"/tokens/{token.pk}/revoke/")
    assert confirm.status_code == 200
    assert "Revoke “Forecast sheet”?" in confirm.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None  # a GET changes nothing

    response = client.post(f"/tokens/{token.pk}/revoke/", follow=True)

    token.refresh_from_db()
    assert token.revoked_at is not None
    assert authenticate_token(plaintext) is None
    page = response.content.decode()
    assert "is revoked" in page
    assert "Revoked" in page
    assert f'href="/tokens/{token.pk}/revoke/"' not in page


def test_token_list_is_empty_with_guidance(client_for: Callable[[str | None], Client]) -> None:
    assert "You have no API tokens." in client_for("finance_fay").get("/tokens/").content.decode()
