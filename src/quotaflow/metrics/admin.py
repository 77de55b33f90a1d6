"""Admin for the metrics catalogue; saves go through ``metrics.actions`` (validated, audited)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from quotaflow.accounts.models import User
from quotaflow.core.errors import InvalidInput
from quotaflow.metrics import actions
from quotaflow.metrics.models import Metric


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
class MetricAdmin(admin.ModelAdmin):
    """Metrics with their definition in plain words."""

    form = MetricAdminForm
    list_display = ("name", "code", "unit", "source", "aggregation", "is_active")
    list_filter = ("unit", "source", "aggregation", "direction", "is_active")
    search_fields = ("code", "name", "description")
    readonly_fields = ("definition",)

    @admin.display(description="Definition")
    def definition(self, obj: Metric) -> str:
        return obj.definition() if obj.pk else ""

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Goals refer to metrics; retire a metric (is_active) instead of deleting it.
        return False

    def save_model(
        self, request: HttpRequest, obj: Metric, form: forms.ModelForm, change: bool
    ) -> None:
        data = {name: form.cleaned_data[name] for name in actions.METRIC_FIELDS}
        if change:
            changes = {name: value for name, value in data.items() if name in form.changed_data}
            saved = actions.update_metric(
                obj, acting_user=_staff(request), reason="Changed in the admin", **changes
            )
        else:
            data.pop("is_active")
            saved = actions.create_metric(acting_user=_staff(request), **data)
        obj.pk = saved.pk


def _staff(request: HttpRequest) -> User:
    """The signed-in staff user acting in the admin (the admin lets nobody else in)."""
    return cast(User, request.user)
