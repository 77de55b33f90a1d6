"""Admin for the company settings and the (read-only) audit trail."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from quotaflow.core.admin_mixins import NoAddMixin, NoChangeMixin, NoDeleteMixin, ReadOnlyMixin
from quotaflow.core.audit import diff, record
from quotaflow.core.models import (
    AuditEvent,
    Company,
    Notification,
    NotificationPreference,
    ScheduledRun,
)

COMPANY_FIELDS = ("name", "currency", "fiscal_year_start_month")


@admin.register(Company)
class CompanyAdmin(NoDeleteMixin, admin.ModelAdmin):
    """The single settings row: name, reporting currency, fiscal-year start."""

    list_display = COMPANY_FIELDS
    fields = COMPANY_FIELDS
    readonly_fields = ("updated_at",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not Company.objects.exists()

    def save_model(
        self, request: HttpRequest, obj: Company, form: forms.ModelForm, change: bool
    ) -> None:
        old = {name: form.initial.get(name) for name in COMPANY_FIELDS} if change else {}
        if change:
            obj.version += 1  # a write through the API that read the old settings is stale
        super().save_model(request, obj, form, change)
        changes = diff(old, {name: getattr(obj, name) for name in COMPANY_FIELDS})
        if changes:
            record(actor=request.user, action="core.company.changed", obj=obj, changes=changes)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Who changed what, when and why. Nobody edits or deletes history."""

    list_display = ("at", "actor", "action", "object_type", "object_repr", "reason")
    list_filter = ("action", "object_type")
    search_fields = ("object_repr", "object_id", "reason", "actor__username")
    date_hierarchy = "at"
    list_select_related = ("actor",)
    readonly_fields = (
        "at",
        "actor",
        "action",
        "object_type",
        "object_id",
        "object_repr",
        "changes",
        "reason",
    )


@admin.register(Notification)
class NotificationAdmin(NoAddMixin, NoChangeMixin, admin.ModelAdmin):
    """In-app messages as sent; viewable (and deletable) for support, never rewritten."""

    list_display = ("created_at", "user", "kind", "title", "read_at", "emailed_at")
    list_filter = ("kind", "read_at", "emailed_at")
    search_fields = ("title", "body", "user__username")
    date_hierarchy = "created_at"
    raw_id_fields = ("user",)
    list_select_related = ("user",)


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """How each person chose to receive each kind; they change it on their inbox page."""

    list_display = ("user", "kind", "email", "updated_at")
    list_filter = ("kind", "email")
    search_fields = ("user__username",)
    list_select_related = ("user",)
    readonly_fields = ("user", "kind", "email", "updated_at")


@admin.register(ScheduledRun)
class ScheduledRunAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Which scheduled job was queued for which day (by ``quotaflow worker``)."""

    list_display = ("day", "job", "queued_at")
    list_filter = ("job",)
    date_hierarchy = "day"
    readonly_fields = ("job", "day", "queued_at")
