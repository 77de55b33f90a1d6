"""Admin for tracking settings and overlay rules (audited), and read-only results.

Credits and aggregates are not in the admin: they are derived data, changed only by
ingest and ``rebuild_aggregates``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from quotaflow.accounts.admin_mixins import staff_user
from quotaflow.core.admin_mixins import NoAddMixin, NoChangeMixin, NoDeleteMixin
from quotaflow.core.audit import diff, record
from quotaflow.performance.actions import update_tracking_settings
from quotaflow.performance.models import GoalResult, OverlayRule, PerformanceSettings

SETTINGS_FIELDS = (
    "status_basis", "at_risk_below", "off_track_below", "leaderboard_visibility", "digest_cadence",
)  # fmt: skip
OVERLAY_FIELDS = ("person", "product_group", "percent", "valid_from", "valid_to")


class AuditedAdmin(admin.ModelAdmin):
    """Records every save and delete as an audit event with old → new values."""

    audited_fields: tuple[str, ...] = ()

    def save_model(
        self, request: HttpRequest, obj: Any, form: forms.ModelForm, change: bool
    ) -> None:
        old = {name: form.initial.get(name) for name in self.audited_fields} if change else {}
        super().save_model(request, obj, form, change)
        changes = diff(
            old,
            {name: getattr(obj, f"{name}_id", getattr(obj, name)) for name in self.audited_fields},
        )
        if changes:
            record(
                actor=request.user,
                action=f"{obj._meta.label_lower}.changed",
                obj=obj,
                changes=changes,
            )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        record(actor=request.user, action=f"{obj._meta.label_lower}.deleted", obj=obj)
        super().delete_model(request, obj)


@admin.register(PerformanceSettings)
class PerformanceSettingsAdmin(NoDeleteMixin, admin.ModelAdmin):
    """Status thresholds, leaderboard visibility and digest cadence (one row). Saves go
    through :func:`~quotaflow.performance.actions.update_tracking_settings` (validated,
    audited, the version raised), as the API's and the command line's do."""

    list_display = SETTINGS_FIELDS
    fields = SETTINGS_FIELDS

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not PerformanceSettings.objects.exists()

    def save_model(
        self, request: HttpRequest, obj: PerformanceSettings, form: forms.ModelForm, change: bool
    ) -> None:
        changes = {name: form.cleaned_data[name] for name in SETTINGS_FIELDS}
        if change:
            changes = {name: value for name, value in changes.items() if name in form.changed_data}
        saved = update_tracking_settings(
            acting_user=staff_user(request),
            expected_version=None,  # what the form shows is what is saved, as for the company
            reason="Changed in the admin",
            **changes,
        )
        obj.pk = saved.pk


@admin.register(OverlayRule)
class OverlayRuleAdmin(AuditedAdmin):
    """Overlay credit for specialists. Existing sales keep their credits until
    ``rebuild_aggregates`` runs; new and changed sales use the rules at once."""

    audited_fields = OVERLAY_FIELDS
    list_display = OVERLAY_FIELDS
    fields = OVERLAY_FIELDS
    autocomplete_fields = ("person",)


@admin.register(GoalResult)
class GoalResultAdmin(NoAddMixin, NoChangeMixin, admin.ModelAdmin):
    """Final outcomes fixed at period close (read-only)."""

    list_display = ("goal", "outcome", "actual", "target", "closed_at")
    list_filter = ("outcome",)
