"""Admin for incentive plans, payout runs and statements: shown read-only.

Plans are defined, published and assigned through ``incentives.actions`` (the plan editor
pages and the API), and runs are computed, approved and locked there; a published version,
a locked run and an acknowledgement are records of what was, so the admin never edits them.
"""

from __future__ import annotations

from django.contrib import admin

from quotaflow.core.admin_mixins import ReadOnlyMixin
from quotaflow.incentives.models import (
    Acknowledgement,
    IncentivePlan,
    Inquiry,
    PayoutRun,
    PlanAssignment,
    PlanVersion,
    Statement,
    StatementLine,
)


class VersionInline(ReadOnlyMixin, admin.TabularInline):
    model = PlanVersion
    fields = ("number", "status", "published_at", "published_by", "change_reason")
    readonly_fields = fields
    extra = 0


@admin.register(IncentivePlan)
class IncentivePlanAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Plans with their versions; changed through the plan editor or the API."""

    list_display = ("name", "period_label", "period_start", "period_end", "version")
    search_fields = ("name", "period_label")
    date_hierarchy = "period_start"
    readonly_fields = (
        "name", "period_start", "period_end", "period_label", "created_by", "created_at", "version"
    )  # fmt: skip
    inlines = (VersionInline,)


@admin.register(PlanVersion)
class PlanVersionAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Each version's plan document as it was saved (a published one never changes)."""

    list_display = ("__str__", "status", "created_at", "published_at")
    list_filter = ("status",)
    search_fields = ("plan__name",)
    list_select_related = ("plan",)
    readonly_fields = (
        "plan", "number", "document", "status", "change_reason", "created_at", "published_at",
        "published_by",
    )  # fmt: skip


@admin.register(PlanAssignment)
class PlanAssignmentAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Who is paid under which plan."""

    list_display = ("person", "plan", "assigned_at")
    search_fields = ("person__full_name", "plan__name")
    list_select_related = ("person", "plan")
    readonly_fields = ("plan", "person", "assigned_at")


@admin.register(Acknowledgement)
class AcknowledgementAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Which rep acknowledged which published version, and when."""

    list_display = ("person", "plan_version", "acknowledged_at")
    search_fields = ("person__full_name", "plan_version__plan__name")
    list_select_related = ("person", "plan_version__plan")
    readonly_fields = ("plan_version", "person", "acknowledged_at", "acknowledged_by")


@admin.register(PayoutRun)
class PayoutRunAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Payout runs with the fingerprint of the inputs they were computed from."""

    list_display = ("__str__", "status", "plan_version", "computed_at", "fingerprint")
    list_filter = ("status",)
    search_fields = ("plan__name", "fingerprint")
    list_select_related = ("plan", "plan_version__plan")
    readonly_fields = (
        "plan", "plan_version", "period_start", "period_end", "status", "fingerprint",
        "previous_run", "computed_at", "computed_by", "approved_at", "approved_by", "locked_at",
        "locked_by", "version", "inputs",
    )  # fmt: skip


class LineInline(ReadOnlyMixin, admin.TabularInline):
    model = StatementLine
    fields = ("position", "kind", "component", "amount_minor", "words")
    readonly_fields = fields
    extra = 0


@admin.register(Statement)
class StatementAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Statements line by line, in minor units of the run's currency."""

    list_display = ("person", "run", "total_minor", "earned_minor", "balance_minor")
    search_fields = ("person__full_name", "run__plan__name")
    list_select_related = ("person", "run__plan")
    readonly_fields = (
        "run", "person", "total_minor", "earned_minor", "balance_minor", "counted_refs", "excluded"
    )  # fmt: skip
    inlines = (LineInline,)


@admin.register(StatementLine)
class StatementLineAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """One statement line: its amount (minor units), its sentence and the data behind it."""

    list_display = ("statement", "position", "kind", "component", "amount_minor")
    list_filter = ("kind",)
    search_fields = ("statement__person__full_name", "component", "words")
    list_select_related = ("statement__person", "statement__run__plan")
    readonly_fields = (
        "statement",
        "position",
        "kind",
        "component",
        "amount_minor",
        "words",
        "detail",
    )


@admin.register(Inquiry)
class InquiryAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Reps' questions about statement lines and how sales operations resolved them;
    raised and resolved through ``incentives.actions.inquiries``."""

    list_display = ("pk", "statement", "status", "raised_at", "adjustment_minor", "applied_run")
    list_filter = ("status",)
    search_fields = ("statement__person__full_name", "question", "answer")
    list_select_related = ("statement__person", "statement__run__plan", "applied_run__plan")
    readonly_fields = (
        "line", "statement", "question", "raised_by", "raised_at", "status", "answer",
        "adjustment_minor", "resolved_by", "resolved_at", "read_at", "applied_run", "version",
    )  # fmt: skip
