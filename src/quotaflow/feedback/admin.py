"""Admin for check-ins, replies and reminders: audited records, shown read-only."""

from __future__ import annotations

from django.contrib import admin

from quotaflow.core.admin_mixins import ReadOnlyMixin
from quotaflow.feedback.models import CheckIn, CheckInReminder, CheckInReply


class ReplyInline(ReadOnlyMixin, admin.TabularInline):
    model = CheckInReply
    fields = ("created_at", "author", "body")
    readonly_fields = fields
    extra = 0


@admin.register(CheckIn)
class CheckInAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Owners' check-ins as they were written; history is never edited."""

    list_display = ("day", "goal", "author", "confidence", "value")
    list_filter = ("confidence", "day")
    search_fields = ("note", "blockers", "next_step", "author__username")
    date_hierarchy = "day"
    list_select_related = ("goal__metric", "goal__owner_unit", "goal__owner_person", "author")
    readonly_fields = (
        "goal", "author", "day", "note", "confidence", "blockers", "next_step", "value", "created_at"
    )  # fmt: skip
    inlines = (ReplyInline,)


@admin.register(CheckInReply)
class CheckInReplyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Replies in check-in threads, read-only."""

    list_display = ("created_at", "check_in", "author")
    search_fields = ("body", "author__username")
    list_select_related = ("check_in__goal__metric", "check_in__goal__owner_person", "author")
    readonly_fields = ("check_in", "author", "body", "created_at")


@admin.register(CheckInReminder)
class CheckInReminderAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Which owner was reminded of which due date: the record that keeps reminders once."""

    list_display = ("due_on", "user", "goals", "sent_at")
    list_filter = ("due_on",)
    list_select_related = ("user",)
    readonly_fields = ("user", "due_on", "goals", "sent_at")
