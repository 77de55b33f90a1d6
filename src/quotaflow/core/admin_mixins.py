"""What the apps' admin pages share: which of add, change and delete they refuse, and an
audit event for every delete.

History (audit events, import runs, transactions arriving from a CRM) is shown but never
rewritten in the admin; each refusal is one small mixin, so a page says in its bases which
of the three it allows, and the read-only pages refuse all of them through
:class:`ReadOnlyMixin`. The mixins work for model admins and inlines alike.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from quotaflow.core.audit import record


class NoAddMixin:
    """Nothing is added in the admin (rows arrive through imports, the API or actions)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class NoChangeMixin:
    """Rows are shown, never edited, in the admin."""

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class NoDeleteMixin:
    """Rows are never deleted in the admin (a record of what was, or still referred to)."""

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyMixin(NoAddMixin, NoChangeMixin, NoDeleteMixin):
    """Lists and detail pages without add, change or delete."""


class AuditedDeleteMixin:
    """Deleting from the admin leaves an audit event (and bulk delete is switched off, as
    it would skip both the event and the per-object checks)."""

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        found = super().get_actions(request)  # type: ignore[misc]
        found.pop("delete_selected", None)
        return found

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        record(
            actor=request.user,
            action=f"{obj._meta.label_lower}.deleted",
            obj=obj,
            reason="Deleted in the admin",
        )
        super().delete_model(request, obj)  # type: ignore[misc]
