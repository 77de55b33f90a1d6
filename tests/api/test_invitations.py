"""Invitations: a login created through the API or the command line gets a one-time,
expiring link to set its own password (Django's password-reset tokens), e-mailed after
commit, or printed by ``quotaflow users invite --print-link`` for a trial without e-mail."""

from __future__ import annotations

import datetime as dt
import re
import shlex

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import mail
from django.test import Client

from quotaflow import cli
from quotaflow.accounts import actions
from quotaflow.accounts.models import User
from quotaflow.core.errors import InvalidInput, NotAllowed
from quotaflow.core.models import AuditEvent
from tests.conftest import SmallOrg

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a-Long-chosen-passphrase-42"
LINK = re.compile(r"https?://\S+/password/set/\S+/")


def _invite_by_api(api_as, capture, username: str = "rep_ria", who: str = "admin_ada"):
    with capture(execute=True):
        return api_as(who).call("POST", f"/users/{username}/invite", {"reason": "Welcome"})


def _link_in_mail() -> str:
    assert len(mail.outbox) == 1
    found = LINK.search(mail.outbox[0].body)
    assert found is not None, mail.outbox[0].body
    return found.group(0)


def _set_password(client: Client, link: str, password: str = NEW_PASSWORD, again: str = ""):
    path = link.split("://", 1)[1].split("/", 1)[1]
    form_page = client.get("/" + path, follow=True)
    return form_page, client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else "/" + path,
        {"new_password1": password, "new_password2": again or password},
    )


@pytest.fixture
def ria_with_email(small_org: SmallOrg) -> User:
    ria = small_org.users["rep_ria"]
    User.objects.filter(pk=ria.pk).update(email="ria@acme.example")
    return User.objects.get(pk=ria.pk)


def test_an_invited_login_sets_its_password_from_the_link_once(
    api_as, ria_with_email, django_capture_on_commit_callbacks
) -> None:
    answer = _invite_by_api(api_as, django_capture_on_commit_callbacks)

    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["emailed_to"] == "ria@acme.example" and "link" not in body
    assert mail.outbox[0].to == ["ria@acme.example"]
    assert mail.outbox[0].subject == "Set your Quotaflow password"
    link = _link_in_mail()
    assert link.startswith("http://testserver/password/set/")
    event = AuditEvent.objects.get(action="accounts.user.invited")
    assert event.reason == "Welcome" and "password/set" not in str(event.changes)

    client = Client()
    form_page, done = _set_password(client, link)
    assert "Choose the password for the login <strong>rep_ria</strong>" in (
        form_page.content.decode()
    )
    assert done.status_code == 302 and done["Location"] == "/password/set/done/"
    assert authenticate(username="rep_ria", password=NEW_PASSWORD) is not None
    assert AuditEvent.objects.filter(action="accounts.user.password_set").count() == 1
    # One time only: the same link now says it no longer works.
    again = Client().get("/" + link.split("/", 3)[3], follow=True)
    assert "This link no longer works." in again.content.decode()


def test_the_link_expires_and_signing_in_makes_it_stale(small_org: SmallOrg, monkeypatch) -> None:
    ria = small_org.users["rep_ria"]
    invitation = actions.invite_user(
        ria, acting_user=small_org.users["admin_ada"], base_url="http://x", send_email=False
    )
    assert invitation.emailed_to == "" and mail.outbox == []
    later = dt.datetime.now() + dt.timedelta(hours=73)  # noqa: DTZ005 - as Django's tokens count
    monkeypatch.setattr(PasswordResetTokenGenerator, "_now", lambda self: later)
    expired = Client().get("/" + invitation.link.split("/", 3)[3], follow=True)
    assert "This link no longer works." in expired.content.decode()
    monkeypatch.undo()

    fresh = actions.invite_user(
        ria, acting_user=small_org.users["admin_ada"], base_url="http://x", send_email=False
    )
    client = Client()
    assert client.login(username="rep_ria", password="correct-horse-battery-staple")
    stale = Client().get("/" + fresh.link.split("/", 3)[3], follow=True)
    assert "This link no longer works." in stale.content.decode()


@pytest.mark.parametrize(
    ("password", "again", "message"),
    [
        ("short", "short", "This password is too short"),
        (NEW_PASSWORD, NEW_PASSWORD + "x", "The two password fields didn"),
        ("x" * 129 + "Aa1", "x" * 129 + "Aa1", "at most 128 characters"),
    ],
)
def test_a_bad_password_is_refused_with_nothing_written(
    small_org: SmallOrg, password: str, again: str, message: str
) -> None:
    ria = small_org.users["rep_ria"]
    invitation = actions.invite_user(
        ria, acting_user=small_org.users["admin_ada"], base_url="http://x", send_email=False
    )
    before = User.objects.get(pk=ria.pk).password
    _, answer = _set_password(Client(), invitation.link, password, again)
    assert answer.status_code == 200
    assert message in answer.content.decode().replace("&#x27;", "'")
    assert User.objects.get(pk=ria.pk).password == before
    assert not AuditEvent.objects.filter(action="accounts.user.password_set").exists()


def test_refusals_send_nothing_and_write_nothing(
    api_as, small_org: SmallOrg, ria_with_email, django_capture_on_commit_callbacks
) -> None:
    events = AuditEvent.objects.count()
    assert (
        _invite_by_api(api_as, django_capture_on_commit_callbacks, who="ops_olga").status_code
        == 403
    )
    assert _invite_by_api(api_as, django_capture_on_commit_callbacks, "rep_rob").status_code == 404
    no_mail = _invite_by_api(api_as, django_capture_on_commit_callbacks, "manager_max")
    assert no_mail.status_code == 400 and "has no e-mail address" in no_mail.json()["detail"]
    User.objects.filter(username="rep_ria").update(is_active=False)
    gone = _invite_by_api(api_as, django_capture_on_commit_callbacks)
    assert gone.status_code == 400 and "deactivated" in gone.json()["detail"]
    assert mail.outbox == [] and AuditEvent.objects.count() == events
    with pytest.raises(NotAllowed):
        actions.invite_user(
            small_org.users["manager_max"],
            acting_user=small_org.users["ops_olga"],
            base_url="http://x",
        )
    with pytest.raises(InvalidInput):
        actions.set_password_from_link(small_org.users["rep_ria"], password="x" * 200)


def test_a_token_cannot_invite_an_administrator(
    api_as, small_org: SmallOrg, django_capture_on_commit_callbacks
) -> None:
    User.objects.filter(username="admin_ada").update(email="ada@acme.example")
    _, raw = actions.create_token(
        small_org.users["admin_ada"],
        name="sync",
        scopes=["read", "manage"],
        acting_user=small_org.users["admin_ada"],
    )
    with django_capture_on_commit_callbacks(execute=True):
        answer = api_as("admin_ada", token=raw).call("POST", "/users/admin_ada/invite", {})
    assert answer.status_code == 403 and mail.outbox == []


def test_the_command_line_prints_the_link_for_a_trial_without_email(
    small_org: SmallOrg, capsys
) -> None:
    code = cli.main(shlex.split("users invite rep_ria --print-link --reason Trial"))
    out = capsys.readouterr().out
    assert code == 0 and "Set-password link for rep_ria (works once, until" in out
    link = LINK.search(out)
    assert link is not None and link.group(0).startswith("http://127.0.0.1:8000/password/set/")
    _, done = _set_password(Client(), link.group(0))
    assert done.status_code == 302
    assert authenticate(username="rep_ria", password=NEW_PASSWORD) is not None
    # Without --print-link the login needs an address to send it to.
    code = cli.main(shlex.split("users invite manager_max"))
    assert code == 1 and "has no e-mail address" in capsys.readouterr().err
