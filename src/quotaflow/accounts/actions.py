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
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any, Protocol

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from quotaflow.accounts import permissions
from quotaflow.accounts.models import ApiToken, Role, TokenScope, User
from quotaflow.core import notify
from quotaflow.core.audit import diff, record, record_many
from quotaflow.core.concurrency import require_version
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
    if not permissions.can_manage_tokens_of(acting_user, user):
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
    if not all(permissions.may_hold_scope(user, scope) for scope in chosen):
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
    if not permissions.can_manage_users(acting_user):
        raise NotAllowed(f"Only an administrator can {what}.")


def _check_role(role: str) -> None:
    if role not in Role.values:
        raise InvalidInput(
            f"Unknown role {role!r}; choose from {', '.join(Role.values)}.", field="role"
        )


def generate_password() -> str:
    """A random initial password (about 96 bits), shown once to whoever creates the login."""
    return secrets.token_urlsafe(12)


def _valid_username(username: str) -> str:
    """``username`` without surrounding spaces, if Django's username rules accept it."""
    username = username.strip()
    if not username:
        raise InvalidInput("Give the user a username.", field="username")
    try:
        User._meta.get_field("username").run_validators(username)
    except ValidationError as error:
        raise InvalidInput(" ".join(error.messages), field="username") from None
    return username


def _clean_username(username: str, *, exclude_pk: int | None = None) -> str:
    username = _valid_username(username)
    taken = User.objects.filter(username__iexact=username)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise InvalidInput(f"The username {username!r} is already taken.", field="username")
    return username


def _clean_email(email: str, *, exclude_pk: int | None = None) -> str:
    """A valid e-mail address not used by another login, or empty."""
    email = email.strip()
    if not email:
        return ""
    limit = EMAIL_MAX_LENGTH
    if len(email) > limit:
        raise InvalidInput(
            f"The e-mail address is too long (at most {limit} characters).", field="email"
        )
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidInput(f"{email!r} is not a valid e-mail address.", field="email") from None
    holders = User.objects.filter(email__iexact=email)
    holder = (holders.exclude(pk=exclude_pk) if exclude_pk is not None else holders).first()
    if holder is not None:
        raise InvalidInput(
            f"The e-mail address {email} already belongs to the login {holder.username}.",
            field="email",
        )
    return email


NAME_MAX_LENGTH = 150  # Django's first_name and last_name
EMAIL_MAX_LENGTH = 254  # Django's EmailField


def _clean_name_part(value: str, field: str) -> str:
    value = value.strip()
    limit = NAME_MAX_LENGTH
    if len(value) > limit:
        label = field.replace("_", " ")
        raise InvalidInput(f"The {label} is too long (at most {limit} characters).", field=field)
    return value


@transaction.atomic
def create_user(
    username: str,
    *,
    role: str,
    password: str,
    acting_user: User,
    person: LoginHolder | None = None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    reason: str = "",
) -> User:
    """Create a login with ``role``, optionally linked to ``person`` (administrators only).

    The e-mail address must be valid and not belong to another login; the password must
    pass the installation's password validators. The audit event names the role, person
    and e-mail, never the password."""
    _require_admin(acting_user, "create users")
    username = _clean_username(username)
    _check_role(role)
    email = _clean_email(email)
    first_name = _clean_name_part(first_name, "first_name")
    last_name = _clean_name_part(last_name, "last_name")
    candidate = User(username=username, role=role, email=email)
    try:
        validate_password(password, candidate)
    except ValidationError as error:
        raise InvalidInput(" ".join(error.messages), field="password") from None
    if person is not None and person.user_id is not None:
        raise InvalidInput(f"{person} already has a login.", field="person")
    user = User.objects.create_user(
        username=username,
        password=password,
        role=role,
        email=email,
        first_name=first_name,
        last_name=last_name,
    )
    if person is not None:
        person.user = user
        person.save(update_fields=["user"])
    record(
        actor=acting_user,
        action="accounts.user.created",
        obj=user,
        changes={
            "role": [None, role],
            "person": [None, person.external_id if person else None],
            "email": [None, email],
            "first_name": [None, first_name],
            "last_name": [None, last_name],
        },
        reason=reason,
    )
    return user


def active_administrators() -> models.QuerySet[User]:
    """Active logins that administer the installation (superusers first, then by id)."""
    return (
        User.objects.filter(is_active=True)
        .filter(models.Q(is_superuser=True) | models.Q(role=Role.ADMIN))
        .order_by("-is_superuser", "pk")
    )


@transaction.atomic
def create_first_administrator(
    username: str, *, email: str = "", first_name: str = "", last_name: str = ""
) -> tuple[User, str]:
    """The installation's first administrator, with a generated password (returned once).

    Only while no active administrator exists: this is how the command line starts a fresh
    installation (run on the server, so it acts for nobody); every later login is created by
    an administrator. The login may also use the Django admin site."""
    if active_administrators().exists():
        raise NotAllowed(
            "An administrator exists already; new logins are created by an administrator."
        )
    username = _clean_username(username)
    email = _clean_email(email)
    password = generate_password()
    user = User.objects.create_user(
        username=username,
        password=password,
        role=Role.ADMIN,
        email=email,
        first_name=_clean_name_part(first_name, "first_name"),
        last_name=_clean_name_part(last_name, "last_name"),
        is_staff=True,
        is_superuser=True,
    )
    record(
        actor=None,
        action="accounts.user.created",
        obj=user,
        changes={"role": [None, Role.ADMIN], "email": [None, email]},
        reason="The installation's first administrator, created on the command line.",
    )
    return user, password


@transaction.atomic
def set_role(user: User, *, role: str, acting_user: User, reason: str = "") -> User:
    """Change ``user``'s role (administrators only; nobody can demote themselves)."""
    _require_admin(acting_user, "change roles")
    _check_role(role)
    if user.pk == acting_user.pk and role != user.role:
        raise NotAllowed("You cannot change your own role; ask another administrator.")
    _save_user_changes(
        user,
        {"role": role},
        acting_user=acting_user,
        reason=reason,
        action="accounts.user.role_changed",
    )
    return user


USER_FIELDS = ("first_name", "last_name", "email", "role", "is_active")


def _require_keeps_an_administrator(user: User, new_role: str, active: bool) -> None:
    """Refuse a change that would leave no active administrator."""
    if not permissions.is_admin(user) or (active and (user.is_superuser or new_role == Role.ADMIN)):
        return
    if not active_administrators().exclude(pk=user.pk).exists():
        raise NotAllowed(
            f"{user.username} is the last active administrator; make someone else an "
            "administrator first."
        )


def _clean_user_changes(user: User, acting_user: User, changes: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(changes) - set(USER_FIELDS))
    if unknown:
        raise InvalidInput(f"Unknown user field {', '.join(unknown)}.", field=unknown[0])
    cleaned = dict(changes)
    if "email" in cleaned:
        cleaned["email"] = _clean_email(str(cleaned["email"]), exclude_pk=user.pk)
    for field in ("first_name", "last_name"):
        if field in cleaned:
            cleaned[field] = _clean_name_part(str(cleaned[field]), field)
    _check_own_and_last_admin(user, acting_user, cleaned)
    return cleaned


def _check_own_and_last_admin(user: User, acting_user: User, changes: dict[str, Any]) -> None:
    """Nobody changes their own role or deactivates themselves; an administrator stays."""
    role = changes.get("role", user.role)
    active = bool(changes.get("is_active", user.is_active))
    _check_role(role)
    if user.pk == acting_user.pk and role != user.role:
        raise NotAllowed("You cannot change your own role; ask another administrator.")
    if user.pk == acting_user.pk and not active:
        raise NotAllowed("You cannot deactivate yourself; ask another administrator.")
    _require_keeps_an_administrator(user, role, active)


def _locked_user(user: User) -> User:
    return User.objects.select_for_update().get(pk=user.pk)


def _save_user_changes(
    user: User,
    cleaned: dict[str, Any],
    *,
    acting_user: User,
    reason: str,
    action: str | None = None,
) -> dict[str, list[Any]]:
    """Apply ``cleaned`` to ``user``, raise its version and audit it (as ``action``, or by
    what changed); the changes made."""
    changed = diff({field: getattr(user, field) for field in cleaned}, cleaned)
    if not changed:
        return {}
    for field in changed:
        setattr(user, field, cleaned[field])
    user.version += 1
    user.save(update_fields=[*changed, "version"])
    if action is None:
        action = "accounts.user.changed"
        if set(changed) == {"is_active"}:
            action = "accounts.user.activated" if user.is_active else "accounts.user.deactivated"
    record(actor=acting_user, action=action, obj=user, changes=changed, reason=reason)
    return changed


@transaction.atomic
def update_user(
    user: User,
    *,
    acting_user: User,
    expected_version: int | None,
    reason: str = "",
    **changes: Any,
) -> User:
    """Change a login's names, e-mail, role or whether it is active (administrators only).

    Nobody changes their own role or deactivates themselves, and the last active
    administrator stays one. A deactivated user can no longer sign in, and their API tokens
    are refused; their history stays. A stale ``expected_version`` is refused (409)."""
    _require_admin(acting_user, "change users")
    user = _locked_user(user)
    require_version(user, expected_version, what=f"The user {user.username}")
    cleaned = _clean_user_changes(user, acting_user, changes)
    _save_user_changes(user, cleaned, acting_user=acting_user, reason=reason)
    return user


def deactivate_user(
    user: User, *, acting_user: User, expected_version: int | None, reason: str = ""
) -> User:
    """Stop ``user`` from signing in or using tokens (idempotent; see :func:`update_user`)."""
    return update_user(
        user,
        acting_user=acting_user,
        expected_version=expected_version,
        reason=reason,
        is_active=False,
    )


@transaction.atomic
def issue_password(user: User, *, acting_user: User, reason: str = "") -> str:
    """Give ``user`` a new generated password and return it (shown once, never stored in
    clear or audited). Administrators only; the old password stops working."""
    _require_admin(acting_user, "issue passwords")
    password = generate_password()
    _store_password(
        user,
        password,
        actor=acting_user,
        action="accounts.user.password_issued",
        how="(a new generated password)",
        reason=reason,
    )
    return password


def _store_password(
    user: User, password: str, *, actor: User, action: str, how: str, reason: str
) -> User:
    """Set ``user``'s password under a row lock, raise the version, and audit ``action``
    (the password itself never: ``how`` says where it came from)."""
    user = _locked_user(user)
    user.set_password(password)
    user.version += 1
    user.save(update_fields=["password", "version"])
    record(
        actor=actor, action=action, obj=user, changes={"password": ["(hidden)", how]}, reason=reason
    )
    return user


# Many users at once ----------------------------------------------------------------------


@dataclass(frozen=True)
class UserRow:
    """One login as a file or a batch describes it; ``line`` names it in errors."""

    line: int
    username: str
    role: str
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    person: str = ""
    is_active: bool | None = None


@dataclass(frozen=True)
class RowError:
    """Why one row was refused."""

    line: int
    field: str
    message: str


@dataclass(frozen=True)
class UserRowResult:
    """What one row did: ``created``, ``updated`` or ``unchanged``; a new login's generated
    password is given once, here."""

    line: int
    username: str
    outcome: str
    changes: dict[str, list[Any]] = dataclass_field(default_factory=dict)
    initial_password: str | None = None


@dataclass(frozen=True)
class UserImportResult:
    """Every row's result, in the order given; empty if anything was refused."""

    rows: list[UserRowResult]
    errors: list[RowError]

    def count(self, outcome: str) -> int:
        """How many rows had ``outcome``."""
        return sum(1 for row in self.rows if row.outcome == outcome)


class UsersRefused(InvalidInput):
    """A batch with at least one bad row: every problem, and nothing written."""

    def __init__(self, errors: list[RowError]) -> None:
        first = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(f"Row {first.line}: {first.message}{more}", field=first.field)
        self.errors = errors


def _first_seen(
    rows: Sequence[UserRow], key: Callable[[UserRow], str], label: str
) -> list[RowError]:
    seen: dict[str, int] = {}
    errors = []
    for row in rows:
        value = key(row).strip().lower()
        if not value:
            continue
        if value in seen:
            errors.append(
                RowError(row.line, label, f"The {label} {key(row)!r} is also on row {seen[value]}.")
            )
        else:
            seen[value] = row.line
    return errors


def _by_lower(field_name: str, values: set[str]) -> dict[str, User]:
    found = User.objects.annotate(key=Lower(field_name)).filter(key__in=values)
    return {getattr(user, field_name).lower(): user for user in found}


def _check_email_format(email: str) -> None:
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidInput(f"{email!r} is not a valid e-mail address.", field="email") from None


def _check_user_row(
    row: UserRow,
    existing: User | None,
    email_holders: dict[str, User],
    people: Mapping[str, LoginHolder],
    acting_user: User,
) -> dict[str, Any]:
    """The values ``row`` gives ``existing`` (or the new login); raises InvalidInput or
    NotAllowed naming the field. Reads nothing from the database but an administrator
    check when the row would demote one."""
    values: dict[str, Any] = {
        "role": row.role.strip(),
        "email": row.email.strip(),
        "first_name": _clean_name_part(row.first_name, "first_name"),
        "last_name": _clean_name_part(row.last_name, "last_name"),
    }
    if row.is_active is not None:
        values["is_active"] = row.is_active
    if existing is None:
        _valid_username(row.username)
    _check_role(values["role"])
    email = values["email"]
    if len(email) > EMAIL_MAX_LENGTH:
        raise InvalidInput(
            f"The e-mail address is too long (at most {EMAIL_MAX_LENGTH} characters).",
            field="email",
        )
    if email:
        _check_email_format(email)
        holder = email_holders.get(email.lower())
        if holder is not None and (existing is None or holder.pk != existing.pk):
            raise InvalidInput(
                f"The e-mail address {email} already belongs to the login {holder.username}.",
                field="email",
            )
    key = row.person.strip()
    person = people.get(key) if key else None
    if key and person is None:
        raise InvalidInput(f"There is no person with the employee id {key!r}.", field="person")
    if person is not None and person.user_id is not None:
        if existing is None or person.user_id != existing.pk:
            raise InvalidInput(f"{person} already has another login.", field="person")
    if existing is not None:
        _check_own_and_last_admin(existing, acting_user, values)
    return values


@transaction.atomic
def import_users(
    rows: Sequence[UserRow],
    *,
    acting_user: User,
    people: Mapping[str, LoginHolder],
    read_errors: Sequence[RowError] = (),
) -> UserImportResult:
    """Create or update many logins at once, all or nothing (administrators only).

    A row is matched to an existing login by its username (letter case ignored): an
    unknown username creates a login with a generated password (given once in the
    result), a known one is updated to the row's role, names, e-mail and, when the row
    says, whether it is active — so sending the same rows again changes nothing. An
    e-mail address that belongs to another login is refused. ``person`` links a new
    login (or one without a person yet) to the person with that employee id; ``people``
    holds those persons, looked up by the caller; ``read_errors`` are problems the file's
    reader found in cells, reported with the rest. Any bad row refuses the whole batch with
    every row's problem (:class:`UsersRefused`) and writes nothing. The writes are bulk:
    a fixed number of queries whatever the number of rows.
    """
    _require_admin(acting_user, "create users")
    errors = [*read_errors, *_first_seen(rows, lambda row: row.username, "username")]
    errors += _first_seen(rows, lambda row: row.email, "email")
    existing = _by_lower("username", {row.username.strip().lower() for row in rows})
    email_holders = _by_lower("email", {row.email.strip().lower() for row in rows if row.email})
    planned: list[tuple[UserRow, User | None, dict[str, Any]]] = []
    for row in rows:
        found = existing.get(row.username.strip().lower())
        try:
            values = _check_user_row(row, found, email_holders, people, acting_user)
        except (InvalidInput, NotAllowed) as error:
            errors.append(RowError(row.line, error.field or "", error.message))
            continue
        planned.append((row, found, values))
    if errors:
        raise UsersRefused(sorted(errors, key=lambda error: (error.line, error.field)))
    return _write_user_rows(planned, people, acting_user)


def _new_login(row: UserRow, values: dict[str, Any]) -> tuple[User, str]:
    password = generate_password()
    user = User(
        username=row.username.strip(),
        role=values["role"],
        email=values["email"],
        first_name=values["first_name"],
        last_name=values["last_name"],
        is_active=values.get("is_active", True),
    )
    user.set_password(password)
    return user, password


def _write_user_rows(
    planned: list[tuple[UserRow, User | None, dict[str, Any]]],
    people: Mapping[str, LoginHolder],
    acting_user: User,
) -> UserImportResult:
    created = {row.line: _new_login(row, values) for row, found, values in planned if found is None}
    User.objects.bulk_create([user for user, _ in created.values()], batch_size=500)
    results: list[UserRowResult] = []
    audits: list[tuple[models.Model, dict[str, Any], str]] = []
    changed_users: list[User] = []
    linked: list[Any] = []
    for row, found, values in planned:
        user = found if found is not None else created[row.line][0]
        old = {name: getattr(user, name) for name in values} if found is not None else {}
        changes = diff(old, {**values, "is_active": user.is_active} if found is None else values)
        person = people.get(row.person.strip()) if row.person.strip() else None
        if person is not None and person.user_id is None:
            person.user, person.user_id = user, user.pk
            linked.append(person)
            changes["person"] = [None, person.external_id]
        if found is not None and changes:
            for name in values:
                setattr(user, name, values[name])
            user.version += 1
            changed_users.append(user)
        outcome = "created" if found is None else ("updated" if changes else "unchanged")
        password = created[row.line][1] if found is None else None
        results.append(UserRowResult(row.line, user.username, outcome, changes, password))
        if changes:
            audits.append((user, changes, ""))
    if changed_users:
        User.objects.bulk_update(changed_users, [*USER_FIELDS, "version"], batch_size=500)
    if linked:
        # The persons are the organisation's (see LoginHolder); their own manager saves them.
        type(linked[0])._default_manager.bulk_update(linked, ["user"], batch_size=500)
    _record_imported(results, audits, acting_user)
    return UserImportResult(rows=results, errors=[])


def _record_imported(
    results: list[UserRowResult],
    audits: list[tuple[models.Model, dict[str, Any], str]],
    acting_user: User,
) -> None:
    created = {row.username for row in results if row.outcome == "created"}
    record_many(
        actor=acting_user,
        action="accounts.user.created",
        entries=[entry for entry in audits if str(entry[0]) in created],
    )
    record_many(
        actor=acting_user,
        action="accounts.user.changed",
        entries=[entry for entry in audits if str(entry[0]) not in created],
    )


# Invitations: a one-time link to set one's own password ----------------------------------

#: The longest password the set-password page accepts (hashing is slow by design, so an
#: unbounded one would be a way to keep the server busy).
PASSWORD_MAX_LENGTH = 128
INVITATION_PATH = "/password/set/{uid}/{token}/"  # noqa: S105 - a URL pattern, not a password


@dataclass(frozen=True)
class Invitation:
    """A set-password link for one login: ``link`` works once (setting a password, or
    signing in, makes it stale) and until ``expires_at``; ``emailed_to`` is the address it
    was sent to after commit, or empty when it was only handed back (the command line's
    trial without e-mail)."""

    username: str
    link: str
    expires_at: dt.datetime
    emailed_to: str


def set_password_link(user: User, *, base_url: str) -> str:
    """A one-time link to set ``user``'s password, by Django's password-reset tokens: the
    token is signed with the secret key over the user's password hash and last login, so
    it stops working once either changes, and after ``PASSWORD_RESET_TIMEOUT``."""
    path = INVITATION_PATH.format(
        uid=urlsafe_base64_encode(force_bytes(user.pk)),
        token=default_token_generator.make_token(user),
    )
    return base_url.rstrip("/") + path


def _invitation_email(user: User, link: str, expires_at: dt.datetime) -> dict[str, Any]:
    name = user.get_full_name() or user.username
    until = timezone.localtime(expires_at).strftime("%d %b %Y %H:%M %Z")
    body = (
        f"Hello {name},\n\n"
        f"A Quotaflow login '{user.username}' is waiting for you. Choose your password here:\n\n"
        f"{link}\n\n"
        f"The link works once, until {until}. If you did not expect this, ignore it: "
        "nothing changes until the link is used.\n"
    )
    return {"subject": "Set your Quotaflow password", "body": body, "to": [user.email]}


@transaction.atomic
def invite_user(
    user: User, *, acting_user: User, base_url: str, send_email: bool = True, reason: str = ""
) -> Invitation:
    """Make a one-time set-password link for ``user`` and, with ``send_email``, e-mail it
    to the login's address after commit. Administrators only; refused for a deactivated
    login and, when e-mailing, for a login with no e-mail address. Audited as
    ``accounts.user.invited`` (never with the link)."""
    _require_admin(acting_user, "invite users")
    user = _locked_user(user)
    if not user.is_active:
        raise InvalidInput(
            f"The login {user.username!r} is deactivated; activate it before inviting it.",
            field="username",
        )
    if send_email and not user.email:
        raise InvalidInput(
            f"The login {user.username!r} has no e-mail address to send the link to; set one "
            "first (or, for a trial without e-mail, print the link with "
            f"'quotaflow users invite {user.username} --print-link').",
            field="email",
        )
    link = set_password_link(user, base_url=base_url)
    expires_at = timezone.now() + dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)
    sent_to = user.email if send_email else ""
    record(
        actor=acting_user,
        action="accounts.user.invited",
        obj=user,
        changes={"invitation": ["", f"e-mailed to {sent_to}" if sent_to else "link handed out"]},
        reason=reason,
    )
    if send_email:
        notify.email([_invitation_email(user, link, expires_at)])
    return Invitation(user.username, link, expires_at, sent_to)


@transaction.atomic
def set_password_from_link(user: User, *, password: str) -> User:
    """Set the password ``user`` chose on the set-password page (the page checked the
    link's token and Django's password rules). The change makes the link stale; audited as
    ``accounts.user.password_set`` by the user themselves."""
    if len(password) > PASSWORD_MAX_LENGTH:
        raise InvalidInput(
            f"A password has at most {PASSWORD_MAX_LENGTH} characters.", field="new_password1"
        )
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise InvalidInput(" ".join(error.messages), field="new_password1") from None
    return _store_password(
        user,
        password,
        actor=user,
        action="accounts.user.password_set",
        how="(chosen by the user)",
        reason="Set from a one-time link",
    )
