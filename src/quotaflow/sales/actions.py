"""The single write path for sales data: transactions (with split credit) and activities.

Callers hand over validated plain rows (the dataclasses below); these functions compare
them with what is stored, a chunk of external ids at a time, and write only the
difference with ``bulk_create`` / ``bulk_update``. Sending the same rows again changes
nothing, so a retried import or API batch never double-counts.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from typing import Any, TypeVar

from django.db import transaction
from django.utils import timezone

from quotaflow.core.audit import record
from quotaflow.core.errors import InvalidInput
from quotaflow.sales.models import Activity, Transaction, TransactionCredit
from quotaflow.sales.queries import (
    StoredActivity,
    StoredTransaction,
    stored_activities,
    stored_transactions,
)

DEFAULT_SOURCE = "import"
CHUNK_SIZE = 5_000

Progress = Callable[[int], None]
# Called inside the writing transaction with the ids of the rows a chunk created or changed.
WrittenHook = Callable[[list[int]], object]


@dataclass(frozen=True)
class CreditShare:
    """``percent`` of a transaction credited to the person with database id ``person_id``."""

    person_id: int
    percent: Decimal


@dataclass(frozen=True)
class TransactionRow:
    """One validated transaction. ``amount_minor`` is in minor units of ``currency``;
    ``credits`` sum to 100 percent; ``source`` empty means the caller's default source."""

    external_id: str
    date: dt.date
    amount_minor: int
    currency: str
    credits: tuple[CreditShare, ...]
    quantity: Decimal = Decimal(1)
    product: str = ""
    product_group: str = ""
    account: str = ""
    deal_type: str = ""
    is_cancelled: bool = False
    attributes: dict[str, Any] = field(default_factory=dict)
    source: str = ""


@dataclass(frozen=True)
class ActivityRow:
    """One validated activity done by the person with database id ``person_id``."""

    external_id: str
    date: dt.date
    person_id: int
    activity_type: str
    quantity: int = 1
    account: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)
    source: str = ""


_Row = TypeVar("_Row", TransactionRow, ActivityRow)


@dataclass
class UpsertResult:
    """How many incoming rows were new, changed, or identical to what was stored."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    def add(self, other: UpsertResult) -> None:
        """Accumulate another chunk's counts into this one."""
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged


_TRANSACTION_FIELDS = (
    "date", "amount_minor", "currency", "quantity", "product", "product_group",
    "account", "deal_type", "is_cancelled", "attributes",
)  # fmt: skip
_ACTIVITY_FIELDS = ("date", "person_id", "activity_type", "quantity", "account", "attributes")


def _chunks(rows: Iterable[_Row], size: int) -> Iterator[list[_Row]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _by_source(rows: list[_Row], default: str) -> dict[str, list[_Row]]:
    """Rows grouped by their idempotency namespace, keeping their order.

    Two rows with the same (source, external_id) in one batch would make the outcome
    depend on their order, so the batch is refused.
    """
    groups: dict[str, list[_Row]] = defaultdict(list)
    for row in rows:
        groups[row.source or default].append(row)
    for group_source, group in groups.items():
        counts = Counter(row.external_id for row in group)
        if len(counts) != len(group):
            repeated = sorted(external_id for external_id, count in counts.items() if count > 1)
            raise InvalidInput(
                f"External id {', '.join(repeated[:5])} appears more than once for source "
                f"'{group_source}'; send each record once per batch."
            )
    return groups


def _same_transaction(row: TransactionRow, stored: StoredTransaction) -> bool:
    incoming_credits = {share.person_id: share.percent for share in row.credits}
    return incoming_credits == stored.credits and all(
        getattr(row, name) == getattr(stored, name) for name in _TRANSACTION_FIELDS
    )


def _transaction_values(row: TransactionRow) -> dict[str, Any]:
    return {name: getattr(row, name) for name in _TRANSACTION_FIELDS}


def _upsert_transaction_chunk(
    source: str, rows: list[TransactionRow]
) -> tuple[UpsertResult, list[int]]:
    stored = stored_transactions(source, [row.external_id for row in rows])
    result = UpsertResult()
    new: list[tuple[Transaction, TransactionRow]] = []
    changed: list[tuple[Transaction, TransactionRow]] = []
    now = timezone.now()
    for row in rows:
        existing = stored.get(row.external_id)
        if existing is None:
            new.append(
                (
                    Transaction(
                        source=source, external_id=row.external_id, **_transaction_values(row)
                    ),
                    row,
                )
            )
        elif _same_transaction(row, existing):
            result.unchanged += 1
        else:
            instance = Transaction(
                pk=existing.pk, source=source, external_id=row.external_id, updated_at=now
            )
            for name, value in _transaction_values(row).items():
                setattr(instance, name, value)
            changed.append((instance, row))
    if new:
        Transaction.objects.bulk_create([instance for instance, _ in new])
    if changed:
        Transaction.objects.bulk_update(
            [instance for instance, _ in changed], [*_TRANSACTION_FIELDS, "updated_at"]
        )
        # Credits of a changed transaction are replaced wholesale: a split is one fact.
        TransactionCredit.objects.filter(
            transaction_id__in=[instance.pk for instance, _ in changed]
        ).delete()
    TransactionCredit.objects.bulk_create(
        TransactionCredit(
            transaction_id=instance.pk, person_id=share.person_id, percent=share.percent
        )
        for instance, row in (*new, *changed)
        for share in row.credits
    )
    result.created, result.updated = len(new), len(changed)
    return result, [instance.pk for instance, _ in (*new, *changed)]


@transaction.atomic
def upsert_transactions(
    rows: Iterable[TransactionRow],
    *,
    acting_user: Any,
    source: str = DEFAULT_SOURCE,
    progress: Progress | None = None,
    on_written: WrittenHook | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> UpsertResult:
    """Create, update or leave alone each transaction, keyed by (source, external_id).

    ``rows`` may be a generator: it is consumed ``chunk_size`` rows at a time, and each
    chunk costs a fixed number of queries. A changed transaction gets its credits
    replaced. Rows without their own ``source`` use ``source``. ``progress`` is called
    with the number of rows handled so far after each chunk; ``on_written`` with the ids
    of the rows each chunk created or changed (to re-credit them in the same database
    transaction). One audit event records the counts of the whole call.
    """
    result = UpsertResult()
    for chunk in _chunks(rows, chunk_size):
        for group_source, group in _by_source(chunk, source).items():
            counts, written_ids = _upsert_transaction_chunk(group_source, group)
            result.add(counts)
            if on_written is not None and written_ids:
                on_written(written_ids)
        if progress is not None:
            progress(result.total)
    record(
        actor=acting_user,
        action="sales.transactions.upserted",
        object_type="sales.transaction",
        object_id=source,
        changes={
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
        },
    )
    return result


def _same_activity(row: ActivityRow, stored: StoredActivity) -> bool:
    return all(getattr(row, name) == getattr(stored, name) for name in _ACTIVITY_FIELDS)


def _upsert_activity_chunk(source: str, rows: list[ActivityRow]) -> tuple[UpsertResult, list[int]]:
    stored = stored_activities(source, [row.external_id for row in rows])
    result = UpsertResult()
    new: list[Activity] = []
    changed: list[Activity] = []
    now = timezone.now()
    for row in rows:
        existing = stored.get(row.external_id)
        values = {name: getattr(row, name) for name in _ACTIVITY_FIELDS}
        if existing is None:
            new.append(Activity(source=source, external_id=row.external_id, **values))
        elif _same_activity(row, existing):
            result.unchanged += 1
        else:
            changed.append(
                Activity(
                    pk=existing.pk,
                    source=source,
                    external_id=row.external_id,
                    updated_at=now,
                    **values,
                )
            )
    Activity.objects.bulk_create(new)
    if changed:
        Activity.objects.bulk_update(changed, [*_ACTIVITY_FIELDS, "updated_at"])
    result.created, result.updated = len(new), len(changed)
    return result, [activity.pk for activity in (*new, *changed)]


@transaction.atomic
def upsert_activities(
    rows: Iterable[ActivityRow],
    *,
    acting_user: Any,
    source: str = DEFAULT_SOURCE,
    progress: Progress | None = None,
    on_written: WrittenHook | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> UpsertResult:
    """Create, update or leave alone each activity, keyed by (source, external_id).

    Same contract as :func:`upsert_transactions`: streamed in chunks, a fixed number of
    queries per chunk, one audit event with the counts.
    """
    result = UpsertResult()
    for chunk in _chunks(rows, chunk_size):
        for group_source, group in _by_source(chunk, source).items():
            counts, written_ids = _upsert_activity_chunk(group_source, group)
            result.add(counts)
            if on_written is not None and written_ids:
                on_written(written_ids)
        if progress is not None:
            progress(result.total)
    record(
        actor=acting_user,
        action="sales.activities.upserted",
        object_type="sales.activity",
        object_id=source,
        changes={
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
        },
    )
    return result
