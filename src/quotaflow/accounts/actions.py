"""The only code that writes users and API tokens.

A token looks like ``qf_ab12cd34_<43 random characters>``. Only its SHA-256 digest and its
short ``prefix`` (for recognition in lists) are stored; the full token is returned once, by
:func:`create_token`, and cannot be recovered afterwards.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import string
from collections.abc import Iterable
from typing import Protocol

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from quotaflow.accounts.models import ApiToken, Role, TokenScope, User
from quotaflow.core.audit import record
from quotaflow.core.errors import InvalidInput, NotAllowed

TOKEN_PREFIX_LENGTH = 8
_PREFIX_ALPHABET = string.ascii_lowercase + string.digits
# Writing last_used_at on every request would turn every API read into a write.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


class LoginHolder(Protocol):
    """Someone a new login can be linked to (an organisation ``Person``).

    Described by what is used rather than imported: the organisation depends on accounts
    (a person has a login), so accounts must not depend on the organisation.
    """

    user: User | None
    user_id: int | None
    external_id: str

    def save(self, *, update_fields: list[str]) -> None: ...


def is_admin(user: User) -> bool:
    """Administrators (and Django superusers) manage users and everybody's tokens."""
    return bool(user.is_superuser or user.role == Role.ADMIN)


def token_digest(raw: str) -> str:
    """The SHA-256 hex digest under which a token is stored."""
    return hashlib.sha256(raw.encode()).hexdigest()


def _clean_scopes(scopes: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(scopes))
    unknown = [scope for scope in chosen if scope not in TokenScope.values]
    if unknown:
        raise InvalidInput(
            f"Unknown token scope {', '.join(map(repr, unknown))}; choose from {', '.join(TokenScope.values)}.",
            field="scopes",
        )
    if not chosen:
        raise InvalidInput("Give the token at least one scope.", field="scopes")
    return chosen


def _require_self_or_admin(user: User, acting_user: User, what: str) -> None:
    if acting_user.pk != user.pk and not is_admin(acting_user):
        raise NotAllowed(f"Only an administrator can {what} for another user.")


@transaction.atomic
def create_token(
    user: User, *, name: str, scopes: Iterable[str], acting_user: User
) -> tuple[ApiToken, str]:
    """Create an API token for ``user`` and return it with its plaintext (shown once).

    Users create their own tokens; administrators may create them for anyone.
    """
    _require_self_or_admin(user, acting_user, "create a token")
    name = name.strip()
    if not name:
        raise InvalidInput("Name the token after what will use it, e.g. 'CRM sync'.", field="name")
    if len(name) > ApiToken._meta.get_field("name").max_length:  # type: ignore[operator]
        raise InvalidInput("The token name is too long (at most 100 characters).", field="name")
    chosen = _clean_scopes(scopes)
    if TokenScope.MANAGE in chosen and not user.is_planner:
        raise InvalidInput(
            "Only administrators and sales operations can have a token with the 'manage' scope.",
            field="scopes",
        )
    prefix = "".join(secrets.choice(_PREFIX_ALPHABET) for _ in range(TOKEN_PREFIX_LENGTH))
    raw = f"qf_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=user, name=name, prefix=prefix, digest=token_digest(raw), scopes=chosen
    )
    record(
        actor=acting_user,
        action="accounts.token.created",
        obj=token,
        changes={"user": [None, user.username], "name": [None, name], "scopes": [None, chosen]},
    )
    return token, raw


@transaction.atomic
def revoke_token(token: ApiToken, *, acting_user: User, reason: str = "") -> ApiToken:
    """Revoke ``token`` so that it is refused from now on (idempotent)."""
    _require_self_or_admin(token.user, acting_user, "revoke a token")
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record(
        actor=acting_user,
        action="accounts.token.revoked",
        obj=token,
        changes={"revoked_at": [None, token.revoked_at]},
        reason=reason,
    )
    return token


def authenticate_token(raw: str) -> ApiToken | None:
    """The active token matching ``raw``, or None.

    The lookup is by digest, so the comparison never runs over the secret itself. Revoked
    tokens and tokens of deactivated users are refused. ``last_used_at`` is refreshed at
    most once a minute.
    """
    if not raw.startswith("qf_") or len(raw) > 200:
        return None
    digest = token_digest(raw)
    token = ApiToken.objects.select_related("user").filter(digest=digest).first()
    if token is None or not hmac.compare_digest(token.digest, digest):
        return None
    if token.revoked_at is not None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def _require_admin(acting_user: User, what: str) -> None:
    if not is_admin(acting_user):
        raise NotAllowed(f"Only an administrator can {what}.")


def _check_role(role: str) -> None:
    if role not in Role.values:
        raise InvalidInput(
            f"Unknown role {role!r}; choose from {', '.join(Role.values)}.", field="role"
        )


@transaction.atomic
def create_user(
    username: str,
    *,
    role: str,
    password: str,
    acting_user: User,
    person: LoginHolder | None = None,
    email: str = "",
) -> User:
    """Create a login with ``role``, optionally linked to ``person`` (administrators only)."""
    _require_admin(acting_user, "create users")
    username = username.strip()
    if not username:
        raise InvalidInput("Give the user a username.", field="username")
    try:
        User._meta.get_field("username").run_validators(username)
    except ValidationError as error:
        raise InvalidInput(" ".join(error.messages), field="username") from None
    if User.objects.filter(username__iexact=username).exists():
        raise InvalidInput(f"The username {username!r} is already taken.", field="username")
    _check_role(role)
    candidate = User(username=username, role=role, email=email)
    try:
        validate_password(password, candidate)
    except ValidationError as error:
        raise InvalidInput(" ".join(error.messages), field="password") from None
    if person is not None and person.user_id is not None:
        raise InvalidInput(f"{person} already has a login.", field="person")
    user = User.objects.create_user(username=username, password=password, role=role, email=email)
    if person is not None:
        person.user = user
        person.save(update_fields=["user"])
    record(
        actor=acting_user,
        action="accounts.user.created",
        obj=user,
        changes={"role": [None, role], "person": [None, person.external_id if person else None]},
    )
    return user


@transaction.atomic
def set_role(user: User, *, role: str, acting_user: User, reason: str = "") -> User:
    """Change ``user``'s role (administrators only; nobody can demote themselves)."""
    _require_admin(acting_user, "change roles")
    _check_role(role)
    if user.pk == acting_user.pk and role != user.role:
        raise NotAllowed("You cannot change your own role; ask another administrator.")
    if role == user.role:
        return user
    old = user.role
    user.role = role
    user.save(update_fields=["role"])
    record(
        actor=acting_user,
        action="accounts.user.role_changed",
        obj=user,
        changes={"role": [old, role]},
        reason=reason,
    )
    return user
