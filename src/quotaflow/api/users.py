"""``/users``: logins and their roles (administrators only; tokens need the ``read`` scope
to read and ``manage`` to write).

Passwords never travel in: a new login gets a generated password, returned once in the
answer that created it (or by ``POST /users/{username}/password``, which replaces it).
Two things need a signed-in administrator rather than a token, so that a leaked token
cannot turn itself into a session with more power: making someone an administrator and
issuing a new password for an existing login.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from quotaflow.accounts import actions, permissions
from quotaflow.accounts.models import Role, TokenScope, User
from quotaflow.api.auth import request_token, request_user, require_scope, require_session
from quotaflow.api.schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
    Code,
    ExpectedVersion,
    FieldErrorOut,
    Input,
    Offset,
    Search,
    ValidationErrorOut,
    versioned_changes,
)
from quotaflow.core import limits
from quotaflow.core.errors import InvalidInput, NotAllowed, NotFound
from quotaflow.org.models import Person

router = Router(tags=["users"])

BATCH_MAX_ROWS = 5000
Limit = Annotated[int, Query(ge=1, le=5000, description="At most this many rows.")]
Username = Annotated[
    str, Field(min_length=1, max_length=150, description="Letters, digits and @.+-_")
]


class UserOut(Schema):
    """A login: never its password."""

    username: str
    first_name: str
    last_name: str
    email: str
    role: Role
    is_active: bool
    person: str | None = Field(description="Employee id of the person this login belongs to.")
    last_login: dt.datetime | None = Field(description="When they last signed in (null: never).")
    version: int = Field(description="Send it back as expected_version when changing the login.")

    @staticmethod
    def of(user: User, person: str | None) -> UserOut:
        """The schema for ``user`` linked to the person with employee id ``person``."""
        return UserOut(
            username=user.username,
            first_name=user.first_name,
            last_name=user.last_name,
            email=user.email,
            role=Role(user.role),
            is_active=user.is_active,
            person=person,
            last_login=user.last_login,
            version=user.version,
        )


class NewUserOut(UserOut):
    """A login just created, with its generated password: shown this once."""

    initial_password: str = Field(description="Hand it to the user; it cannot be shown again.")


class PasswordOut(Schema):
    """A newly issued password: shown this once."""

    username: str
    initial_password: str


class LoginIn(Input):
    """A login as it is described to create it (its password is generated)."""

    username: Username
    role: Role = Role.REP
    email: str = Field("", max_length=254)
    first_name: str = Field("", max_length=150)
    last_name: str = Field("", max_length=150)
    person: str = Field(
        "", max_length=64, description="Employee id of the person whose login this is."
    )


class UserIn(LoginIn):
    """A new login (its password is generated)."""

    reason: str = Field("", max_length=limits.COMMENT_MAX_LENGTH)


class DeactivateIn(Input):
    """Stop a login from signing in or using its tokens."""

    expected_version: ExpectedVersion
    reason: str = Field("", max_length=limits.COMMENT_MAX_LENGTH)


class UserPatch(DeactivateIn):
    """Changes to a login; only the fields sent change."""

    role: Role | None = None
    email: str | None = Field(None, max_length=254)
    first_name: str | None = Field(None, max_length=150)
    last_name: str | None = Field(None, max_length=150)
    is_active: bool | None = Field(None, description="false: cannot sign in or use tokens.")


class ReasonIn(Input):
    """Why, for the audit trail."""

    reason: str = Field("", max_length=limits.COMMENT_MAX_LENGTH)


class BatchUserIn(LoginIn):
    """One login of a batch, matched to an existing one by username; ``person`` links a
    login that has none yet."""

    is_active: bool | None = Field(None, description="Left as it is when omitted.")


class BatchIn(Input):
    """Logins to create or update, all or nothing."""

    users: list[BatchUserIn] = Field(min_length=1, max_length=BATCH_MAX_ROWS)


class BatchRowOut(Schema):
    """What one row did."""

    index: int = Field(description="Position of the row in the request, from 0.")
    username: str
    outcome: str = Field(description="created, updated or unchanged.")
    changes: dict[str, list[Any]] = Field(description="{field: [old, new]}.")
    initial_password: str | None = Field(description="A new login's password, shown this once.")


class BatchOut(Schema):
    """The batch's result: every row, in the order sent."""

    created: int
    updated: int
    unchanged: int
    rows: list[BatchRowOut]


# Helpers --------------------------------------------------------------------------------


def _require_admin(request: HttpRequest, scope: str) -> User:
    user = request_user(request)
    if not permissions.can_manage_users(user):
        raise NotAllowed("Only administrators can manage users and roles.")
    require_scope(request, scope)
    return user


def _no_admins_by_token(request: HttpRequest, roles: list[str]) -> None:
    if request_token(request) is not None and not all(map(permissions.may_grant_by_token, roles)):
        raise NotAllowed(
            "An API token cannot make anyone an administrator; sign in as an administrator, "
            "or use 'quotaflow users' on the server.",
            field="role",
        )


def _user(username: str) -> User:
    user = User.objects.filter(username__iexact=username).first()
    if user is None:
        raise NotFound(f"There is no user called {username!r}.")
    return user


def _people_of(users: list[User]) -> dict[int, str]:
    rows = Person.objects.filter(user__in=users).values_list("user_id", "external_id")
    return {user_id: external_id for user_id, external_id in rows if user_id is not None}


def _out(user: User) -> UserOut:
    return UserOut.of(user, _people_of([user]).get(user.pk))


def _person(external_id: str) -> Person | None:
    if not external_id.strip():
        return None
    person = Person.objects.filter(external_id=external_id.strip()).first()
    if person is None:
        raise InvalidInput(
            f"There is no person with the employee id {external_id!r}.", field="person"
        )
    return person


# Operations -----------------------------------------------------------------------------


@router.get("/users", response={200: list[UserOut], **READ_ERRORS}, summary="List users")
def list_users(
    request: HttpRequest,
    q: Search = None,
    role: Annotated[Role | None, Query(description="Only logins with this role.")] = None,
    active: Annotated[
        bool | None, Query(description="Only active (true) or inactive (false).")
    ] = None,
    limit: Limit = 500,
    offset: Offset = 0,
) -> list[UserOut]:
    """Every login with its role, by username (administrators)."""
    _require_admin(request, TokenScope.READ)
    users = User.objects.order_by("username")
    if q:
        users = users.filter(
            Q(username__icontains=q)
            | Q(email__icontains=q)
            | Q(first_name__icontains=q)
            | Q(last_name__icontains=q)
        )
    if role is not None:
        users = users.filter(role=role)
    if active is not None:
        users = users.filter(is_active=active)
    page = list(users[offset : offset + limit])
    people = _people_of(page)
    return [UserOut.of(user, people.get(user.pk)) for user in page]


# Declared before the '{username}' routes, which would otherwise take 'batch' for a name.
@router.post(
    "/users/batch",
    response={200: BatchOut, **WRITE_ERRORS, 400: ValidationErrorOut},
    summary="Create or update many users",
)
def batch_users(request: HttpRequest, payload: BatchIn) -> Any:
    """Create or update logins by username, all or nothing (administrators).

    Sending the same batch again changes nothing. A bad row refuses the whole batch: the
    answer is 400 with every row's problem in ``errors`` (``users[3].email`` …)."""
    acting = _require_admin(request, TokenScope.MANAGE)
    _no_admins_by_token(request, [row.role for row in payload.users])
    rows = [
        actions.UserRow(
            line=index,
            username=row.username,
            role=row.role,
            email=row.email,
            first_name=row.first_name,
            last_name=row.last_name,
            person=row.person,
            is_active=row.is_active,
        )
        for index, row in enumerate(payload.users)
    ]
    wanted = {row.person.strip() for row in rows if row.person.strip()}
    people = {
        person.external_id: person for person in Person.objects.filter(external_id__in=wanted)
    }
    try:
        result = actions.import_users(rows, acting_user=acting, people=people)
    except actions.UsersRefused as refused:
        errors = [
            FieldErrorOut(
                field=f"users[{error.line}].{error.field}".rstrip("."), message=error.message
            )
            for error in refused.errors
        ]
        detail = (
            f"{len(errors)} problem{'s' if len(errors) != 1 else ''} in the batch; nothing was "
            f"written. {errors[0].field}: {errors[0].message}"
        )
        return Status(400, ValidationErrorOut(detail=detail, field=errors[0].field, errors=errors))
    return BatchOut(
        created=result.count("created"),
        updated=result.count("updated"),
        unchanged=result.count("unchanged"),
        rows=[
            BatchRowOut(
                index=row.line,
                username=row.username,
                outcome=row.outcome,
                changes=row.changes,
                initial_password=row.initial_password,
            )
            for row in result.rows
        ],
    )


@router.get("/users/{username}", response={200: UserOut, **READ_ERRORS}, summary="One user")
def get_user(request: HttpRequest, username: Code) -> UserOut:
    """One login (administrators)."""
    _require_admin(request, TokenScope.READ)
    return _out(_user(username))


@router.post("/users", response={201: NewUserOut, **WRITE_ERRORS}, summary="Create a user")
def create_user(request: HttpRequest, payload: UserIn) -> Status[NewUserOut]:
    """Create a login with a generated password, returned this once (administrators)."""
    acting = _require_admin(request, TokenScope.MANAGE)
    _no_admins_by_token(request, [payload.role])
    password = actions.generate_password()
    user = actions.create_user(
        payload.username,
        role=payload.role,
        password=password,
        acting_user=acting,
        person=_person(payload.person),
        email=payload.email,
        first_name=payload.first_name,
        last_name=payload.last_name,
        reason=payload.reason,
    )
    out = _out(user)
    return Status(201, NewUserOut(**out.model_dump(), initial_password=password))


@router.patch("/users/{username}", response={200: UserOut, **WRITE_ERRORS}, summary="Change a user")
def update_user(request: HttpRequest, username: Code, payload: UserPatch) -> UserOut:
    """Change a login's names, e-mail, role or whether it is active (administrators)."""
    return _changed(request, username, payload, **versioned_changes(payload))


def _changed(request: HttpRequest, username: str, payload: DeactivateIn, **changes: Any) -> UserOut:
    """Apply ``changes`` (those sent, not null) to the login, for an administrator."""
    acting = _require_admin(request, TokenScope.MANAGE)
    changes = {field: value for field, value in changes.items() if value is not None}
    _no_admins_by_token(request, [changes.get("role", "")])
    user = actions.update_user(
        _user(username),
        acting_user=acting,
        expected_version=payload.expected_version,
        reason=payload.reason,
        **changes,
    )
    return _out(user)


@router.post(
    "/users/{username}/deactivate",
    response={200: UserOut, **WRITE_ERRORS},
    summary="Deactivate a user",
)
def deactivate_user(request: HttpRequest, username: Code, payload: DeactivateIn) -> UserOut:
    """Stop a login from signing in or using its tokens; its history stays (administrators)."""
    return _changed(request, username, payload, is_active=False)


@router.post(
    "/users/{username}/password",
    response={200: PasswordOut, **WRITE_ERRORS},
    summary="Issue a new password",
)
def issue_password(request: HttpRequest, username: Code, payload: ReasonIn) -> PasswordOut:
    """Replace a login's password with a generated one, returned this once (a signed-in
    administrator)."""
    acting = _require_admin(request, TokenScope.MANAGE)
    require_session(request, "issue passwords")
    user = _user(username)
    password = actions.issue_password(user, acting_user=acting, reason=payload.reason)
    return PasswordOut(username=user.username, initial_password=password)


class InvitationOut(Schema):
    """An invitation sent: the link went to the login's e-mail address (never in this
    answer), works once, and until ``expires_at``."""

    username: str
    emailed_to: str
    expires_at: dt.datetime


def _public_url(request: HttpRequest) -> str:
    """Where links in e-mails point: ``QUOTAFLOW_PUBLIC_URL``, else this request's site."""
    return settings.PUBLIC_URL or request.build_absolute_uri("/")


@router.post(
    "/users/{username}/invite",
    response={200: InvitationOut, **WRITE_ERRORS},
    summary="E-mail a set-password link",
)
def invite_user(request: HttpRequest, username: Code, payload: ReasonIn) -> InvitationOut:
    """E-mail the login a one-time link to set its own password (sent after commit; the
    link expires after ``QUOTAFLOW_INVITE_HOURS``, 72 by default). Inviting an
    administrator's login needs a signed-in administrator, not a token."""
    acting = _require_admin(request, TokenScope.MANAGE)
    user = _user(username)
    if permissions.is_admin(user):
        require_session(request, "invite an administrator")
    invitation = actions.invite_user(
        user, acting_user=acting, base_url=_public_url(request), reason=payload.reason
    )
    return InvitationOut(
        username=invitation.username,
        emailed_to=invitation.emailed_to,
        expires_at=invitation.expires_at,
    )
