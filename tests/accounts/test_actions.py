"""API tokens and users: hashed at rest, shown once, revocable, scoped; admin-only user changes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from quotaflow.accounts.actions import (
    authenticate_token,
    create_token,
    create_user,
    revoke_token,
    set_role,
    token_digest,
)
from quotaflow.accounts.models import ApiToken, Role, User
from quotaflow.core.errors import InvalidInput, NotAllowed
from quotaflow.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_token_is_hashed_at_rest_and_shown_once(small_org):
    ria = small_org.users["rep_ria"]
    token, raw = create_token(ria, name="CRM sync", scopes=["read"], acting_user=ria)

    assert raw.startswith(f"qf_{token.prefix}_")
    assert len(token.prefix) == 8
    assert token.digest == token_digest(raw)
    # No column of any table holds the plaintext: read the raw rows back.
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_apitoken")
        token_rows = cursor.fetchall()
        cursor.execute("SELECT changes FROM core_auditevent")
        audit_rows = cursor.fetchall()
    assert token_rows and all(raw not in str(value) for row in token_rows for value in row)
    assert audit_rows and all(raw not in str(row) for row in audit_rows)
    # The stored object cannot give the token back.
    stored = ApiToken.objects.get(pk=token.pk)
    assert raw not in repr(vars(stored))


def test_authenticate_refuses_unknown_and_revoked_tokens(small_org):
    ria = small_org.users["rep_ria"]
    token, raw = create_token(ria, name="CRM", scopes=["read"], acting_user=ria)
    assert authenticate_token(raw) == token
    assert authenticate_token(raw + "x") is None
    assert authenticate_token("not-a-token") is None
    revoke_token(token, acting_user=ria)
    assert authenticate_token(raw) is None
    assert AuditEvent.objects.filter(
        action="accounts.token.revoked", object_id=str(token.pk)
    ).exists()


def test_token_of_deactivated_user_is_refused(small_org):
    ria = small_org.users["rep_ria"]
    _, raw = create_token(ria, name="CRM", scopes=["read"], acting_user=ria)
    User.objects.filter(pk=ria.pk).update(is_active=False)
    assert authenticate_token(raw) is None


def test_last_used_is_written_at_most_once_a_minute(small_org, django_assert_num_queries):
    ria = small_org.users["rep_ria"]
    token, raw = create_token(ria, name="CRM", scopes=["read"], acting_user=ria)
    with django_assert_num_queries(2):  # look-up + first stamp
        authenticate_token(raw)
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None
    with django_assert_num_queries(1):  # look-up only
        authenticate_token(raw)
    ApiToken.objects.filter(pk=token.pk).update(
        last_used_at=timezone.now() - dt.timedelta(minutes=2)
    )
    authenticate_token(raw)
    assert ApiToken.objects.get(pk=token.pk).last_used_at > first


def test_scopes_must_be_known_and_present(small_org):
    ria = small_org.users["rep_ria"]
    with pytest.raises(InvalidInput, match="Unknown token scope 'admin'") as error:
        create_token(ria, name="CRM", scopes=["read", "admin"], acting_user=ria)
    assert error.value.field == "scopes"
    with pytest.raises(InvalidInput, match="at least one scope"):
        create_token(ria, name="CRM", scopes=[], acting_user=ria)
    with pytest.raises(InvalidInput, match="Only administrators and sales operations can have"):
        create_token(ria, name="CRM", scopes=["read", "manage"], acting_user=ria)
    with pytest.raises(InvalidInput, match="Name the token"):
        create_token(ria, name=" ", scopes=["read"], acting_user=ria)
    assert not ApiToken.objects.exists()


def test_only_the_owner_or_an_admin_manages_a_token(small_org):
    ria, max_, ada = (small_org.users[name] for name in ("rep_ria", "manager_max", "admin_ada"))
    with pytest.raises(
        NotAllowed, match="Only an administrator can create a token for another user"
    ):
        create_token(ria, name="CRM", scopes=["read"], acting_user=max_)
    token, _ = create_token(ria, name="CRM", scopes=["read"], acting_user=ada)
    with pytest.raises(NotAllowed):
        revoke_token(token, acting_user=max_)
    revoke_token(token, acting_user=ada)
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None


def test_create_user_and_set_role_are_for_admins(small_org):
    ada, olga = small_org.users["admin_ada"], small_org.users["ops_olga"]
    rob = small_org.people["rob"]
    with pytest.raises(NotAllowed, match="Only an administrator can create users"):
        create_user("rep_rob", role=Role.REP, password="a-long-secret-phrase", acting_user=olga)
    with pytest.raises(InvalidInput, match="too short"):
        create_user("rep_rob", role=Role.REP, password="short", acting_user=ada)
    with pytest.raises(InvalidInput, match="already taken"):
        create_user("REP_RIA", role=Role.REP, password="a-long-secret-phrase", acting_user=ada)
    with pytest.raises(InvalidInput, match="Enter a valid username"):
        create_user("rep rob!", role=Role.REP, password="a-long-secret-phrase", acting_user=ada)
    with pytest.raises(InvalidInput, match="Unknown role 'boss'"):
        create_user("rep_rob", role="boss", password="a-long-secret-phrase", acting_user=ada)
    user = create_user(
        "rep_rob", role=Role.REP, password="a-long-secret-phrase", person=rob, acting_user=ada
    )
    rob.refresh_from_db()
    assert rob.user == user
    assert user.check_password("a-long-secret-phrase")

    set_role(user, role=Role.MANAGER, acting_user=ada, reason="Promoted")
    assert User.objects.get(pk=user.pk).role == Role.MANAGER
    event = AuditEvent.objects.get(action="accounts.user.role_changed")
    assert (event.changes, event.reason) == ({"role": ["rep", "manager"]}, "Promoted")
    with pytest.raises(NotAllowed, match="your own role"):
        set_role(ada, role=Role.REP, acting_user=ada)
