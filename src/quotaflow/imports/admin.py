"""Admin view of import runs: a read-only record of what came in and what was rejected."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from quotaflow.core.admin_mixins import ReadOnlyMixin
from quotaflow.imports.models import ImportRun


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Every import with its counts and errors; nobody edits history."""

    list_display = (
        "started_at",
        "kind",
        "file_name",
        "status",
        "via",
        "started_by",
        "total_rows",
        "rejected",
    )
    list_filter = ("kind", "status", "via")
    search_fields = ("file_name", "started_by__username")
    date_hierarchy = "started_at"
    list_select_related = ("started_by",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in ImportRun._meta.fields]
