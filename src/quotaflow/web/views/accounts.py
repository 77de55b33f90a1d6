"""The API tokens page (list, create — the full token is shown once — and revoke own
tokens), the set-password page an invitation links to, and the answer to a login that
is locked out."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import INTERNAL_RESET_SESSION_TOKEN
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from quotaflow.accounts.actions import create_token, revoke_token, set_password_from_link
from quotaflow.accounts.models import ApiToken
from quotaflow.core.errors import DomainError
from quotaflow.web.forms import InvitedPasswordForm, TokenForm
from quotaflow.web.loading import signed_in_user


def _page(
    request: HttpRequest, form: TokenForm, new_token: tuple[ApiToken, str] | None = None
) -> HttpResponse:
    tokens = ApiToken.objects.filter(user=signed_in_user(request)).order_by("-created_at", "-pk")
    context = {"form": form, "tokens": tokens, "new_token": new_token}
    return render(request, "web/tokens/list.html", context, status=400 if form.errors else 200)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    """List the user's tokens; on POST create one and show its plaintext this once."""
    user = signed_in_user(request)
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
    user = signed_in_user(request)
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


def lockout_message() -> str:
    """What a locked-out person is told: why, and how long to wait."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return (
        f"Too many failed attempts: after {settings.AXES_FAILURE_LIMIT} wrong passwords in a row "
        f"this account is locked on this computer for {minutes} minutes, even with the right "
        f"password. Wait {minutes} minutes without trying, or ask an administrator to unlock it."
    )


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any = None
) -> HttpResponse:
    """The answer to a login (or API call with a wrong token) from a locked-out client:
    429 with the login page and its message, or the API's JSON error."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": lockout_message(), "field": None}, status=429)
    # Unbound: validating it would try the password once more.
    form = AuthenticationForm(request, initial={"username": request.POST.get("username", "")})
    context = {"form": form, "locked_out": lockout_message(), "next": request.POST.get("next", "")}
    return render(request, "registration/login.html", context, status=429)


class SetPasswordFromLink(auth_views.PasswordResetConfirmView):
    """The page a set-password invitation links to (``accounts.actions.invite_user``).

    Django checks the link's token (one-time: stale once the password changes or the user
    signs in; expiring after ``PASSWORD_RESET_TIMEOUT``) and the password rules; the new
    password is written by ``accounts.actions.set_password_from_link`` (audited). The user
    then logs in with it."""

    form_class = InvitedPasswordForm
    template_name = "registration/set_password.html"
    success_url = reverse_lazy("password_set_done")
    post_reset_login = False

    def form_valid(self, form: Any) -> HttpResponse:
        try:
            set_password_from_link(form.user, password=form.cleaned_data["new_password1"])
        except DomainError as error:
            form.add_error("new_password1", error.message)
            return self.form_invalid(form)
        self.request.session.pop(INTERNAL_RESET_SESSION_TOKEN, None)
        return HttpResponseRedirect(self.get_success_url())
