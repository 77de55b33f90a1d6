"""Admin for the organisation. Saves go through ``org.actions`` so that paths, depths and
the audit trail stay right; the forms run the same checks first, so a refusal shows as a
form error rather than a failed request."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from quotaflow.accounts.admin_mixins import SavedThroughActionsMixin, staff_user
from quotaflow.core.admin_mixins import AuditedDeleteMixin, NoAddMixin
from quotaflow.org import actions
from quotaflow.org.models import Assignment, AssignmentRole, Person, Unit
from quotaflow.org.queries import overlapping_assignment


@admin.register(Unit)
class UnitAdmin(SavedThroughActionsMixin, AuditedDeleteMixin, admin.ModelAdmin):
    """Units: creating and moving keep every path in the subtree right."""

    list_display = ("code", "name", "kind", "parent", "depth", "territory")
    list_filter = ("kind", "depth")
    search_fields = ("code", "name", "territory")
    autocomplete_fields = ("parent",)
    readonly_fields = ("path", "depth", "created_at")
    fields = ("code", "name", "kind", "parent", "territory", "path", "depth", "created_at")
    action_fields = actions.UNIT_FIELDS
    create_action = staticmethod(actions.create_unit)
    update_action = staticmethod(actions.update_unit)
    list_select_related = ("parent",)

    def creation_values(self, values: dict[str, Any], form: forms.ModelForm) -> dict[str, Any]:
        return {**values, "parent": form.cleaned_data["parent"]}

    def changed_values(self, changes: dict[str, Any], form: forms.ModelForm) -> dict[str, Any]:
        if "parent" in form.changed_data:
            changes["parent"] = form.cleaned_data["parent"]
        return changes

    def take_saved(self, obj: Unit, saved: Unit) -> None:
        obj.pk, obj.path, obj.depth, obj.parent_id = (
            saved.pk,
            saved.path,
            saved.depth,
            saved.parent_id,
        )


class PersonAdminForm(forms.ModelForm):
    """Person form with the employment-date check of ``org.actions``."""

    class Meta:
        model = Person
        fields = (
            "external_id",
            "full_name",
            "email",
            "title",
            "user",
            "hire_date",
            "termination_date",
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        hired, left = data.get("hire_date"), data.get("termination_date")
        if hired and left and left < hired:
            self.add_error(
                "termination_date", f"The termination date {left} is before the hire date {hired}."
            )
        return data


class AssignmentInline(NoAddMixin, admin.TabularInline):
    """A person's assignment history, read-only (add or end assignments on their own page)."""

    model = Assignment
    fields = ("unit", "role", "valid_from", "valid_to")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    ordering = ("valid_from",)


@admin.register(Person)
class PersonAdmin(SavedThroughActionsMixin, AuditedDeleteMixin, admin.ModelAdmin):
    """People, with their assignment history."""

    form = PersonAdminForm
    action_fields = actions.PERSON_FIELDS
    create_action = staticmethod(actions.create_person)
    update_action = staticmethod(actions.update_person)
    list_display = (
        "full_name",
        "external_id",
        "email",
        "title",
        "user",
        "hire_date",
        "termination_date",
    )
    search_fields = ("full_name", "external_id", "email")
    list_filter = ("hire_date", "termination_date")
    autocomplete_fields = ("user",)
    inlines = (AssignmentInline,)
    list_select_related = ("user",)

    def save_model(
        self, request: HttpRequest, obj: Person, form: forms.ModelForm, change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        if "user" in form.changed_data:
            actions.link_user(obj, form.cleaned_data["user"], acting_user=staff_user(request))


class AssignmentAdminForm(forms.ModelForm):
    """New assignments are checked for overlaps; existing ones may only be ended earlier."""

    class Meta:
        model = Assignment
        fields = ("person", "unit", "role", "valid_from", "valid_to")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("valid_from"), data.get("valid_to")
        if self.instance.pk is not None:
            start = self.instance.valid_from
            if end is None or (self.instance.valid_to is not None and end > self.instance.valid_to):
                self.add_error(
                    "valid_to", "An assignment can be ended earlier, not extended or reopened."
                )
            return data
        person, unit, role = data.get("person"), data.get("unit"), data.get("role")
        if start and end and end < start:
            self.add_error("valid_to", "The assignment ends before it starts.")
        elif person and unit and role and start:
            clash = overlapping_assignment(
                person, start, end, role=role, unit=unit if role == AssignmentRole.MANAGER else None
            )
            if clash is not None:
                self.add_error("valid_from", f"This overlaps {clash}; end that assignment first.")
        return data


@admin.register(Assignment)
class AssignmentAdmin(AuditedDeleteMixin, admin.ModelAdmin):
    """Effective-dated placements; history is kept, so existing rows can only be ended."""

    form = AssignmentAdminForm
    list_display = ("person", "unit", "role", "valid_from", "valid_to")
    list_filter = ("role", "valid_from")
    search_fields = ("person__full_name", "person__external_id", "unit__code", "unit__name")
    autocomplete_fields = ("person", "unit")
    date_hierarchy = "valid_from"
    list_select_related = ("person", "unit")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("person", "unit", "role", "valid_from") if obj is not None else ()

    def save_model(
        self, request: HttpRequest, obj: Assignment, form: forms.ModelForm, change: bool
    ) -> None:
        data = form.cleaned_data
        if change:
            saved = actions.end_assignment(
                obj,
                valid_to=data["valid_to"],
                acting_user=staff_user(request),
                reason="Ended in the admin",
            )
        else:
            saved = actions.assign_person(
                data["person"],
                data["unit"],
                role=data["role"],
                valid_from=data["valid_from"],
                valid_to=data["valid_to"],
                acting_user=staff_user(request),
            )
        obj.pk = saved.pk
