"""What the apps' admin pages share about the signed-in staff user: who acts, and saving
through the app's actions as them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.http import HttpRequest

from quotaflow.accounts.models import User


def staff_user(request: HttpRequest) -> User:
    """The signed-in staff user acting in the admin (the admin lets nobody else in)."""
    return cast(User, request.user)


class SavedThroughActionsMixin:
    """Admin saves go through the app's actions (validated, audited) as the signed-in
    staff user, never through ``obj.save()``: ``create_action`` gets every field named in
    ``action_fields``, ``update_action`` only those the form changed.

    The admin then goes on to log and redirect with ``obj``, which :meth:`take_saved`
    gives the saved state.
    """

    action_fields: tuple[str, ...] = ()
    create_action: Callable[..., Any]
    update_action: Callable[..., Any]

    def creation_values(self, values: dict[str, Any], form: forms.ModelForm) -> dict[str, Any]:
        """What ``create_action`` is called with, besides the acting user."""
        return values

    def changed_values(self, changes: dict[str, Any], form: forms.ModelForm) -> dict[str, Any]:
        """What ``update_action`` is called with, besides the row, user and reason."""
        return changes

    def take_saved(self, obj: Any, saved: Any) -> None:
        """Copy what the action decided onto the admin's own instance."""
        obj.pk = saved.pk

    def save_model(
        self, request: HttpRequest, obj: Any, form: forms.ModelForm, change: bool
    ) -> None:
        staff = staff_user(request)
        values = {name: form.cleaned_data[name] for name in self.action_fields}
        if change:
            changes = {name: value for name, value in values.items() if name in form.changed_data}
            saved = self.update_action(
                obj,
                acting_user=staff,
                reason="Changed in the admin",
                **self.changed_values(changes, form),
            )
        else:
            saved = self.create_action(acting_user=staff, **self.creation_values(values, form))
        self.take_saved(obj, saved)
