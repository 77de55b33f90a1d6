"""Logins throttled: wrong passwords and wrong API tokens are counted per account and
address, a locked-out client is refused even with the right credentials until the
cool-off has passed, and every lockout is an audit event. Also: the pages' security
headers and who may read the API docs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client

from quotaflow.accounts.actions import create_token
from quotaflow.accounts.throttling import GUESSES_ACCOUNT
from quotaflow.core.models import AuditEvent
from tests.conftest import PASSWORD, SmallOrg

LIMIT = settings.AXES_FAILURE_LIMIT


def _log_in(client: Client, username: str, password: str, address: str = "10.0.0.1") -> Any:
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_logins_throttled_thirty_wrong_passwords_then_the_right_one_is_refused(
    small_org: SmallOrg,
) -> None:
    client = Client()
    answers = [_log_in(client, "rep_ria", f"wrong-{n}").status_code for n in range(30)]

    final = _log_in(client, "rep_ria", PASSWORD)

    assert answers[: LIMIT - 1] == [200] * (LIMIT - 1)  # the form again, with its error
    assert set(answers[LIMIT - 1 :]) == {429}
    assert final.status_code == 429
    assert not _signed_in(client)
    body = final.content.decode()
    assert "Too many failed attempts" in body
    assert f"locked on this computer for {settings.AXES_COOLOFF_TIME.seconds // 60} minutes" in body


def test_a_lockout_is_audited_with_the_account_and_address(small_org: SmallOrg) -> None:
    client = Client()
    for n in range(LIMIT):
        _log_in(client, "rep_ria", f"wrong-{n}", address="10.0.0.7")

    event = AuditEvent.objects.get(action="accounts.login.locked_out")
    assert event.object_type == "accounts.user"
    assert event.object_id == str(small_org.users["rep_ria"].pk)
    assert event.changes["address"] == "10.0.0.7"
    assert event.changes["failures"] == LIMIT


def test_a_lockout_binds_the_account_and_address_together(small_org: SmallOrg) -> None:
    attacker = Client()
    for n in range(LIMIT):
        _log_in(attacker, "rep_ria", f"wrong-{n}", address="10.0.0.66")

    # Ria at her own desk, and another account from the attacker's address, still get in.
    ria = Client()
    assert _log_in(ria, "rep_ria", PASSWORD, address="10.0.0.5").status_code == 302
    assert _signed_in(ria)
    other = Client()
    assert _log_in(other, "manager_max", PASSWORD, address="10.0.0.66").status_code == 302


def test_the_right_password_works_again_after_the_cool_off(small_org: SmallOrg) -> None:
    client = Client()
    for n in range(LIMIT):
        _log_in(client, "rep_ria", f"wrong-{n}")
    assert _log_in(client, "rep_ria", PASSWORD).status_code == 429

    # Let the cool-off pass: move the recorded failures back in time.
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time
        - settings.AXES_COOLOFF_TIME
        - dt.timedelta(seconds=1)
    )

    assert _log_in(client, "rep_ria", PASSWORD).status_code == 302
    assert _signed_in(client)


def test_a_success_before_the_limit_forgets_earlier_failures(small_org: SmallOrg) -> None:
    client = Client()
    for n in range(LIMIT - 1):
        _log_in(client, "rep_ria", f"wrong-{n}")
    assert _log_in(client, "rep_ria", PASSWORD).status_code == 302
    assert not AccessAttempt.objects.exists()


def test_logins_throttled_for_api_tokens_too(small_org: SmallOrg) -> None:
    _, good = create_token(
        small_org.users["ops_olga"],
        name="CRM",
        scopes=["read"],
        acting_user=small_org.users["ops_olga"],
    )
    client = Client()

    def me(token: str, address: str = "10.0.0.9") -> Any:
        return client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}", REMOTE_ADDR=address)

    wrong = [me(f"qf_guess{n}_{'x' * 40}").status_code for n in range(LIMIT + 3)]

    assert wrong[: LIMIT - 1] == [401] * (LIMIT - 1)
    assert set(wrong[LIMIT - 1 :]) == {429}  # as with passwords, the failure at the limit locks
    refused = me(good)
    assert refused.status_code == 429
    assert "wrong API token" in refused.json()["detail"]
    assert refused.json()["field"] is None
    assert me(good, address="10.0.0.10").status_code == 200  # another client is not affected
    schema = Client().get("/api/v1/openapi.json").json()
    assert "429" in schema["paths"]["/api/v1/me"]["get"]["responses"]
    assert AuditEvent.objects.filter(
        action="accounts.login.locked_out", object_id=GUESSES_ACCOUNT
    ).exists()


def test_pages_carry_a_strict_content_security_policy(small_org: SmallOrg) -> None:
    client = Client()
    client.force_login(small_org.users["ops_olga"])

    policy = client.get("/").headers["Content-Security-Policy"]

    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert directives["style-src"].startswith("'self' 'sha256-")
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"


def test_api_docs_are_only_for_signed_in_users_and_load_nothing_from_a_cdn(
    small_org: SmallOrg,
) -> None:
    anonymous = Client().get("/api/v1/docs")
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"] == "/login/?next=/api/v1/docs"

    client = Client()
    client.force_login(small_org.users["rep_ria"])
    page = client.get("/api/v1/docs")

    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower() and "https://" not in html
    assert "<script>" not in html  # only external scripts and a JSON data block
    assert Client().get("/static/ninja/swagger-ui-bundle.js").status_code == 200
