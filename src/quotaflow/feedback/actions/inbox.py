"""The inbox: marking notifications read, and choosing per kind whether they come by
e-mail too. A person acts only on their own notifications and preferences."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone

from quotaflow.accounts.models import User
from quotaflow.core.audit import record
from quotaflow.core.errors import InvalidInput, NotFound
from quotaflow.core.models import KINDS, Notification, NotificationPreference


def mark_read(notification_id: int, *, acting_user: User) -> Notification:
    """Mark one of the user's notifications read (again reading one changes nothing)."""
    with transaction.atomic():
        found = (
            Notification.objects.select_for_update()
            .filter(pk=notification_id, user=acting_user)
            .first()
        )
        if found is None:
            raise NotFound("You have no such notification.")
        if found.read_at is None:
            found.read_at = timezone.now()
            found.save(update_fields=["read_at"])
            record(actor=acting_user, action="core.notification.read", obj=found)
    return found


def mark_all_read(*, acting_user: User) -> int:
    """Mark every unread notification of the user read; returns how many."""
    with transaction.atomic():
        count = Notification.objects.filter(user=acting_user, read_at__isnull=True).update(
            read_at=timezone.now()
        )
        if count:
            record(
                actor=acting_user,
                action="core.notification.all_read",
                object_type="core.notification",
                object_id=str(acting_user.pk),
                changes={"read": [0, count]},
            )
    return count


def preferences(user: User) -> dict[str, bool]:
    """Whether each kind reaches ``user`` by e-mail too (their choice, else the default)."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "email"))
    return {kind: chosen.get(kind, spec.email_by_default) for kind, spec in KINDS.items()}


def set_preferences(*, acting_user: User, email: Mapping[str, bool]) -> dict[str, bool]:
    """Choose, per kind, e-mail too (True) or in the app only (False); kinds not named keep
    their setting. Unknown kinds are refused and nothing is written."""
    unknown = sorted(set(email) - set(KINDS))
    if unknown:
        raise InvalidInput(
            f"Unknown notification kind {', '.join(unknown)[:200]}; the kinds are "
            f"{', '.join(KINDS)}.",
            field="email",
        )
    with transaction.atomic():
        before = preferences(acting_user)
        for kind, wanted in email.items():
            NotificationPreference.objects.update_or_create(
                user=acting_user, kind=kind, defaults={"email": bool(wanted)}
            )
        after = preferences(acting_user)
        changes = {
            kind: [before[kind], after[kind]] for kind in KINDS if before[kind] != after[kind]
        }
        if changes:
            record(
                actor=acting_user,
                action="core.notification.preferences",
                object_type="accounts.user",
                object_id=str(acting_user.pk),
                changes=changes,
            )
    return after
