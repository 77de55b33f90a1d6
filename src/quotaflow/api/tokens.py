"""``/tokens``: your own API tokens. Creating and revoking needs a signed-in session, so a
leaked token cannot mint or cancel tokens."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from quotaflow.accounts import actions, permissions
from quotaflow.accounts.models import ApiToken, TokenScope
from quotaflow.api.auth import request_user, require_session
from quotaflow.api.schemas import READ_ERRORS, WRITE_ERRORS, Code, Input
from quotaflow.core.errors import NotFound

router = Router(tags=["tokens"])


class TokenOut(Schema):
    """An API token as listed: never the secret itself."""

    prefix: str = Field(description="The start of the token (qf_<prefix>_…), to recognise it.")
    name: str
    scopes: list[TokenScope]
    created_at: dt.datetime
    last_used_at: dt.datetime | None = Field(description="Accurate to about a minute.")
    revoked_at: dt.datetime | None
    is_active: bool

    @staticmethod
    def of(token: ApiToken) -> TokenOut:
        """The schema for ``token`` (without any secret): its fields read by name."""
        return TokenOut.from_orm(token)


class NewTokenOut(TokenOut):
    """A token just created, with its secret: shown this once, store it now."""

    token: str = Field(
        description="Send as 'Authorization: Bearer <token>'. It cannot be shown again."
    )


class TokenIn(Input):
    """A new token for yourself."""

    name: str = Field(max_length=100, description="What uses the token, e.g. 'CRM sync'.")
    scopes: list[TokenScope] = Field(min_length=1, description="What the token may do.")


@router.get("/tokens", response={200: list[TokenOut], **READ_ERRORS}, summary="Your tokens")
def list_tokens(request: HttpRequest) -> list[TokenOut]:
    """Your API tokens, newest first, including revoked ones."""
    return [TokenOut.of(token) for token in ApiToken.objects.filter(user=request_user(request))]


@router.post("/tokens", response={201: NewTokenOut, **WRITE_ERRORS}, summary="Create a token")
def create_token(request: HttpRequest, payload: TokenIn) -> Status[NewTokenOut]:
    """Create a token for yourself; the response holds the secret, shown only this once."""
    require_session(request, "create tokens")
    user = request_user(request)
    token, raw = actions.create_token(
        user, name=payload.name, scopes=payload.scopes, acting_user=user
    )
    return Status(201, NewTokenOut(**TokenOut.of(token).model_dump(), token=raw))


@router.delete(
    "/tokens/{prefix}", response={200: TokenOut, **WRITE_ERRORS}, summary="Revoke a token"
)
def revoke_token(request: HttpRequest, prefix: Code) -> TokenOut:
    """Revoke one of your tokens (administrators may revoke anyone's)."""
    require_session(request, "revoke tokens")
    user = request_user(request)
    tokens = ApiToken.objects.select_related("user").filter(prefix=prefix)
    if not permissions.can_manage_users(user):
        tokens = tokens.filter(user=user)
    token = tokens.first()
    if token is None:
        raise NotFound(f"You have no token starting qf_{prefix}.")
    return TokenOut.of(actions.revoke_token(token, acting_user=user))
