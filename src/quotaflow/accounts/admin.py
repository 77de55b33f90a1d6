"""Admin for logins and API tokens. Tokens are created by their owners (the secret is shown
only then), so the admin lists and revokes them but never adds one."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from quotaflow.accounts import actions, permissions
from quotaflow.accounts.admin_mixins import staff_user
from quotaflow.accounts.models import ApiToken, User
from quotaflow.core.admin_mixins import NoAddMixin, NoDeleteMixin
from quotaflow.core.audit import record


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Django's user admin with the Quotaflow role."""

    list_display = ("username", "email", "first_name", "last_name", "role", "is_active", "is_staff")
    list_filter = ("role", "is_active", "is_staff", "is_superuser")
    fieldsets = (*(DjangoUserAdmin.fieldsets or ()), ("Quotaflow", {"fields": ("role",)}))
    add_fieldsets = (*DjangoUserAdmin.add_fieldsets, ("Quotaflow", {"fields": ("role",)}))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # Only administrators set roles, and nobody their own (see accounts.actions.set_role).
        readonly = tuple(super().get_readonly_fields(request, obj))
        editing_self = obj is not None and obj.pk == request.user.pk
        if editing_self or not permissions.can_manage_users(staff_user(request)):
            return (*readonly, "role")
        return readonly

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        # Logins and roles decide who may see what, so both are audited.
        if not change:
            super().save_model(request, obj, form, change)
            record(
                actor=request.user,
                action="accounts.user.created",
                obj=obj,
                changes={"role": [None, obj.role]},
                reason="Created in the admin",
            )
            return
        if "role" in form.changed_data:
            new_role = obj.role
            obj.role = User.objects.only("role").get(pk=obj.pk).role
            super().save_model(request, obj, form, change)
            actions.set_role(
                obj, role=new_role, acting_user=staff_user(request), reason="Changed in the admin"
            )
            return
        super().save_model(request, obj, form, change)


@admin.register(ApiToken)
class ApiTokenAdmin(NoAddMixin, NoDeleteMixin, admin.ModelAdmin):
    """API tokens: who holds which, when they were last used; revoke from the list.
    Revoked tokens stay listed, so there is a record of what had access."""

    list_display = ("name", "prefix", "user", "scopes", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at", "created_at")
    search_fields = ("name", "prefix", "user__username")
    readonly_fields = (
        "user",
        "name",
        "prefix",
        "scopes",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    exclude = ("digest",)
    list_select_related = ("user",)
    actions = ("revoke",)

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        revoked = 0
        for token in queryset.select_related("user").filter(revoked_at__isnull=True):
            actions.revoke_token(
                token, acting_user=staff_user(request), reason="Revoked in the admin"
            )
            revoked += 1
        self.message_user(request, f"Revoked {revoked} token(s).", messages.SUCCESS)
