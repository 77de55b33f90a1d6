"""Throttling password logins and API-token guessing, with django-axes.

Failed attempts are counted in the database (so every web process sees the same count)
per pair of account and client address: after ``AXES_FAILURE_LIMIT`` failures in a row
that pair is refused, even with the right password, until ``AXES_COOLOFF_TIME`` has
passed without another try. Counting by the pair, not by the account alone, means that
someone guessing from one machine cannot lock a colleague out of their own account from
another. A lockout is an audit event.

API tokens are 32 random bytes, so they cannot be guessed in practice; all the same, a
client that keeps sending wrong tokens is counted the same way (as the pseudo-account
:data:`GUESSES_ACCOUNT` at its address) and refused after the same number of failures.
"""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest

from quotaflow.core.audit import record

# The name wrong API tokens are counted under (not a possible username: it has spaces).
GUESSES_ACCOUNT = "wrong API token"


class LoginThrottleBackend(AxesStandaloneBackend):
    """Refuses a login from an account and address that are locked out; authenticates
    nobody itself (the next backend checks the password).

    Authentication without a request (a management command, a test client's ``login``)
    does not come over the network, so there is nothing to throttle.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


def client_address(request: HttpRequest) -> str:
    """The address the request came from: the connection's, or behind a trusted reverse
    proxy (``QUOTAFLOW_BEHIND_PROXY``) the last address it appended to X-Forwarded-For,
    which the client cannot forge."""
    if getattr(settings, "QUOTAFLOW_BEHIND_PROXY", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1]
    return str(request.META.get("REMOTE_ADDR", ""))


def token_guessing_locked(request: HttpRequest) -> bool:
    """Whether this client sent too many wrong API tokens lately."""
    return not AxesProxyHandler.is_allowed(request, {"username": GUESSES_ACCOUNT})


def count_wrong_token(request: HttpRequest) -> None:
    """Count one wrong API token against this client's address."""
    user_login_failed.send(
        sender=__name__, credentials={"username": GUESSES_ACCOUNT}, request=request
    )


def record_lockout(*, username: str, ip_address: str) -> None:
    """The audit event of a lockout (no actor: nobody is signed in)."""
    from quotaflow.accounts.models import User

    user = User.objects.filter(username=username).first()
    record(
        actor=None,
        action="accounts.login.locked_out",
        obj=user,
        object_type="accounts.user" if user is None else "",
        object_id=username[:64] if user is None else "",
        changes={
            "username": username,
            "address": ip_address,
            "failures": settings.AXES_FAILURE_LIMIT,
            "cool_off_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        },
    )
