"""The API tokens page: list, create (the full token is shown once) and revoke own tokens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from quotaflow.accounts.actions import create_token, revoke_token
from quotaflow.accounts.models import ApiToken, User
from quotaflow.core.errors import DomainError
from quotaflow.web.forms import TokenForm


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - login_required guarantees it
    return user


def _page(
    request: HttpRequest, form: TokenForm, new_token: tuple[ApiToken, str] | None = None
) -> HttpResponse:
    tokens = ApiToken.objects.filter(user=_user(request)).order_by("-created_at", "-pk")
    context = {"form": form, "tokens": tokens, "new_token": new_token}
    return render(request, "web/tokens/list.html", context, status=400 if form.errors else 200)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    """List the user's tokens; on POST create one and show its plaintext this once."""
    user = _user(request)
    if request.method != "POST":
        return _page(request, TokenForm(user))
    form = TokenForm(user, request.POST)
    if not form.is_valid():
        return _page(request, form)
    try:
        created = create_token(
            user,
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
            acting_user=user,
        )
    except DomainError as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return _page(request, form)
    # Rendered straight from the POST (not stored for a redirect) so the plaintext never
    # touches the session; never_cache keeps it out of browser and proxy caches.
    return _page(request, TokenForm(user), new_token=created)


@login_required
@require_http_methods(["GET", "POST"])
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask for confirmation (GET), then revoke one of the user's own tokens (POST)."""
    user = _user(request)
    token = get_object_or_404(ApiToken, pk=pk, user=user)
    if request.method != "POST":
        return render(request, "web/tokens/revoke.html", {"token": token})
    try:
        revoke_token(token, acting_user=user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, f"Token “{token.name}” is revoked; requests using it are now refused."
        )
    return redirect("token-list")
