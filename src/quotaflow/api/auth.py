"""Who is calling the API: a bearer token (integrations) or the browser session.

``api_auth`` is the authentication list every router uses. A token authenticates as its
user, limited further by the token's scopes (:func:`require_scope`); a session user is
limited only by their role and place in the tree.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer, django_auth

from quotaflow.accounts import permissions as roles
from quotaflow.accounts.actions import authenticate_token
from quotaflow.accounts.models import ApiToken, User
from quotaflow.accounts.throttling import count_wrong_token, token_guessing_locked
from quotaflow.core.errors import NotAllowed, TooManyAttempts


class TokenAuth(HttpBearer):
    """``Authorization: Bearer qf_…``: sets ``request.user`` and ``request.token``.

    Wrong tokens are counted against the client's address like wrong passwords, and a
    client over the limit is refused (429) until the cool-off has passed."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        if token_guessing_locked(request):
            raise TooManyAttempts(
                "Too many requests with a wrong API token came from this address; wait "
                f"{cool_off_minutes()} minutes, then use an active token."
            )
        api_token = authenticate_token(token.strip())
        if api_token is None:
            count_wrong_token(request)
            return None
        request.user = api_token.user
        request.token = api_token  # type: ignore[attr-defined]
        return api_token


api_auth: list[Any] = [TokenAuth(), django_auth]


def cool_off_minutes() -> int:
    """How long a locked-out client waits, in whole minutes."""
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def request_token(request: HttpRequest) -> ApiToken | None:
    """The token the request authenticated with, or None for a session."""
    return getattr(request, "token", None)


def request_user(request: HttpRequest) -> User:
    """The authenticated user (only call behind ``api_auth``)."""
    user = request.user
    if not isinstance(user, User):
        raise AuthenticationError()
    return user


def require_scope(request: HttpRequest, scope: str) -> None:
    """Refuse a token that lacks ``scope``; session users are governed by their role alone."""
    token = request_token(request)
    if token is not None and scope not in token.scopes:
        raise NotAllowed(
            f"This API token does not have the '{scope}' scope; create a token that has it."
        )


def require_any_scope(request: HttpRequest, *scopes: str) -> None:
    """Refuse a token that holds none of ``scopes``; session users are governed by their
    role alone. The scope only opens the door: what the user may do stays their role's."""
    token = request_token(request)
    if token is not None and not set(scopes) & set(token.scopes):
        names = " or ".join(f"'{scope}'" for scope in scopes)
        raise NotAllowed(f"This API token has no {names} scope; create a token that has one.")


def require_session(request: HttpRequest, what: str) -> None:
    """Refuse a token-authenticated request for things only a signed-in person may do."""
    if request_token(request) is not None:
        raise NotAllowed(f"An API token cannot {what}; sign in to do it.")


#: The API's refusal of a write the caller's role does not allow.
PLANNERS_ONLY = "Only administrators and sales operations can make this change."


def require_allowed(
    request: HttpRequest,
    allowed: Callable[[User], bool],
    *,
    scope: str | None = None,
    refusal: str = PLANNERS_ONLY,
) -> User:
    """The acting user, whom the app's predicate ``allowed`` (from its ``permissions``
    module, the rule its action also keeps) lets through, calling with ``scope`` if given
    (a token holds it, or a signed-in session)."""
    user = request_user(request)
    if not allowed(user):
        raise NotAllowed(refusal)
    if scope is not None:
        require_scope(request, scope)
    return user


def require_planner(request: HttpRequest) -> User:
    """The acting user, who must be an administrator or in sales operations."""
    return require_allowed(request, roles.is_planner)
