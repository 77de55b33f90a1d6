"""Writing audit events. Every action calls :func:`record` (or :func:`record_many` for many
objects at once) inside its transaction; nothing else builds an audit row."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models

from quotaflow.core.models import AuditEvent


def _plain(value: Any) -> Any:
    """Make a value JSON-safe without losing exactness (dates and decimals become strings)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return str(value)


def diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, list[Any]]:
    """Fields whose value changed, as ``{field: [old, new]}``."""
    return {
        field: [_plain(old.get(field)), _plain(new.get(field))]
        for field in sorted(set(old) | set(new))
        if old.get(field) != new.get(field)
    }


def record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    changes: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEvent:
    """Store one audit event; pass ``obj`` or an explicit type and id."""
    event = _event(actor, action, obj, object_type, object_id, changes, reason)
    event.save()
    return event


def record_many(
    *,
    actor: Any,
    action: str,
    entries: Iterable[tuple[models.Model, Mapping[str, Any], str]],
) -> list[AuditEvent]:
    """Store one audit event per ``(object, changes, reason)`` entry, in one bulk insert.

    Each event names its object by ``str(obj)`` as :func:`record` does, so load what that
    string reads (``select_related``) before calling, or the names cost a query each.
    """
    events = [
        _event(actor, action, obj, "", "", changes, reason) for obj, changes, reason in entries
    ]
    return AuditEvent.objects.bulk_create(events, batch_size=500)


def _event(
    actor: Any,
    action: str,
    obj: models.Model | None,
    object_type: str,
    object_id: str,
    changes: Mapping[str, Any] | None,
    reason: str,
) -> AuditEvent:
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    return AuditEvent(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=str(obj)[:200] if obj is not None else "",
        changes=_plain(dict(changes or {})),
        reason=reason,
    )
