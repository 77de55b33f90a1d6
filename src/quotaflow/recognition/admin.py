"""Admin for recognition: rules, awards and kudos are shown, never written here (rules
change through the rules page, awards only by evaluation, kudos by their giver)."""

from __future__ import annotations

from django.contrib import admin

from quotaflow.core.admin_mixins import ReadOnlyMixin
from quotaflow.recognition.models import Award, Kudos, RecognitionRule


@admin.register(RecognitionRule)
class RecognitionRuleAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("name", "kind", "metric", "period_kind", "threshold_pct", "is_active")
    list_filter = ("kind", "is_active")


@admin.register(Award)
class AwardAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("rule", "person", "period_label", "earned_at", "revoked_at")
    list_filter = ("rule",)
    list_select_related = ("rule", "person")


@admin.register(Kudos)
class KudosAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("person", "giver", "created_at")
    list_select_related = ("person", "giver")
