"""Forms of the web pages: the organisation browser's filters and API-token creation, and
how any page shows a form's errors as messages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.forms import SetPasswordForm
from django.core.validators import MaxLengthValidator
from django.http import HttpRequest

from quotaflow.accounts.actions import PASSWORD_MAX_LENGTH
from quotaflow.accounts.models import TokenScope, User
from quotaflow.accounts.permissions import may_hold_scope
from quotaflow.core import limits
from quotaflow.core.errors import DomainError


class OrgFilterForm(forms.Form):
    """The organisation browser's "as of" date and search text (both optional)."""

    as_of = forms.DateField(
        required=False,
        label="As of",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter a date as YYYY-MM-DD; showing today instead."},
        validators=[limits.validate_business_date],
    )
    q = forms.CharField(required=False, max_length=100, label="Search", strip=True)


class TokenForm(forms.Form):
    """Name and scopes of a new API token; only planners are offered the 'manage' scope."""

    name = forms.CharField(
        max_length=100,
        label="Name",
        help_text="What will use the token, e.g. 'CRM sync'.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    scopes = forms.MultipleChoiceField(
        label="Scopes",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one scope."},
    )

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [
            (scope.value, scope.label) for scope in TokenScope if may_hold_scope(user, scope)
        ]
        self.fields["scopes"].choices = choices  # type: ignore[attr-defined]
        self.fields["scopes"].initial = [TokenScope.READ.value]


class InvitedPasswordForm(SetPasswordForm):
    """The set-password page's form: Django's rules, and at most
    ``accounts.actions.PASSWORD_MAX_LENGTH`` characters."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("new_password1", "new_password2"):
            field = self.fields[name]
            field.validators.append(MaxLengthValidator(PASSWORD_MAX_LENGTH))
            field.widget.attrs["maxlength"] = str(PASSWORD_MAX_LENGTH)


def show_form_errors(request: HttpRequest, form: forms.Form) -> None:
    """Each of ``form``'s errors as a message, named by its field's label."""
    for field, errors in form.errors.items():
        label = (
            form.fields[field].label if field in form.fields and form.fields[field].label else field
        )
        text = " ".join(str(error) for error in errors)
        messages.error(request, f"{label}: {text}" if field != "__all__" else text)


def run_action(request: HttpRequest, success: str, action: Callable[[], Any]) -> bool:
    """Run one action: ``success`` as a message if it went through, its refusal (a domain
    error, in words) as an error message otherwise; whether it went through."""
    try:
        action()
    except DomainError as error:
        messages.error(request, error.message)
        return False
    messages.success(request, success)
    return True
