"""Admin for the metrics catalogue; saves go through ``metrics.actions`` (validated, audited)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin

from quotaflow.accounts.admin_mixins import SavedThroughActionsMixin
from quotaflow.core.admin_mixins import NoDeleteMixin, ReadOnlyMixin
from quotaflow.core.errors import InvalidInput
from quotaflow.metrics import actions
from quotaflow.metrics.models import Metric, MetricRecompute


class MetricAdminForm(forms.ModelForm):
    """Runs the definition rules of ``metrics.actions`` and shows refusals on the field."""

    class Meta:
        model = Metric
        fields = actions.METRIC_FIELDS

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            actions.check_definition({name: data.get(name) for name in actions.METRIC_FIELDS})
        except InvalidInput as error:
            field = (error.field or "").split(".")[0]
            self.add_error(field if field in self.fields else None, error.message)
        return data


@admin.register(Metric)
class MetricAdmin(SavedThroughActionsMixin, NoDeleteMixin, admin.ModelAdmin):
    """Metrics with their definition in plain words. Goals refer to metrics, so a metric
    is retired (``is_active``), never deleted."""

    form = MetricAdminForm
    action_fields = actions.METRIC_FIELDS
    create_action = staticmethod(actions.create_metric)
    update_action = staticmethod(actions.update_metric)
    list_display = ("name", "code", "unit", "source", "aggregation", "is_active")
    list_filter = ("unit", "source", "aggregation", "direction", "is_active")
    search_fields = ("code", "name", "description")
    readonly_fields = ("definition",)

    @admin.display(description="Definition")
    def definition(self, obj: Metric) -> str:
        return obj.definition() if obj.pk else ""

    def changed_values(self, changes: dict[str, Any], form: forms.ModelForm) -> dict[str, Any]:
        # The admin saves what its form shows without a version check (as the company
        # settings' admin); the version still rises, so an API write that read before is stale.
        return {**changes, "expected_version": None}

    def creation_values(self, values: dict[str, Any], form: forms.ModelForm) -> dict[str, Any]:
        # A new metric is active; retiring one is a change.
        return {name: value for name, value in values.items() if name != "is_active"}


@admin.register(MetricRecompute)
class MetricRecomputeAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """The background recomputes of metrics, read only: the worker writes them, and a
    planner asks for another from the metric's page or the API."""

    list_display = ("metric", "status", "percent", "requested_by", "requested_at", "finished_at")
    list_filter = ("status",)
    search_fields = ("metric__code", "metric__name", "reason")
