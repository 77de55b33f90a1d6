"""``record`` and ``record_many`` write the same audit row for the same object and change."""

from __future__ import annotations

import datetime as dt

from quotaflow.core.audit import record, record_many
from quotaflow.core.models import AuditEvent
from tests.conftest import SmallOrg


def _row(event: AuditEvent) -> tuple[object, ...]:
    return (
        event.actor_id,
        event.action,
        event.object_type,
        event.object_id,
        event.object_repr,
        event.changes,
        event.reason,
    )


def test_a_bulk_row_is_the_row_record_writes(small_org: SmallOrg) -> None:
    olga = small_org.users["ops_olga"]
    units = [small_org.north, small_org.south]
    changes = {"name": ["Old", "New"], "valid_from": [None, dt.date(2027, 1, 1)]}
    one = [
        record(actor=olga, action="org.unit.renamed", obj=u, changes=changes, reason="why")
        for u in units
    ]
    many = record_many(
        actor=olga, action="org.unit.renamed", entries=((u, changes, "why") for u in units)
    )
    stored = AuditEvent.objects.filter(pk__in=[e.pk for e in many]).order_by("pk")
    assert [_row(e) for e in stored] == [_row(e) for e in one]
    assert [e.object_repr for e in stored] == ["North", "South"]
    assert stored[0].changes["valid_from"] == [None, "2027-01-01"]


def test_an_anonymous_actor_is_stored_as_nobody(small_org: SmallOrg) -> None:
    from django.contrib.auth.models import AnonymousUser

    (event,) = record_many(
        actor=AnonymousUser(), action="org.unit.renamed", entries=[(small_org.north, {}, "")]
    )
    assert AuditEvent.objects.get(pk=event.pk).actor_id is None
