"""The single write path for sales data: transactions (with split credit) and activities.

Callers hand over validated plain rows (the dataclasses below); these functions compare
them with what is stored, a chunk of external ids at a time, and write only the
difference with ``bulk_create`` / ``bulk_update``. Sending the same rows again changes
nothing, so a retried import or API batch never double-counts.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from typing import Any, TypeVar, cast

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Field, Model
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


def by_source(rows: Sequence[_Row], default: str) -> dict[str, list[_Row]]:
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


# Field types whose Python values need converting for the database driver; text, whole
# numbers, booleans and foreign-key ids go through as they are.
_CONVERTED_TYPES = {"DateField", "DateTimeField", "DecimalField", "JSONField"}


def _insert_plain(model: type[Model], names: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """INSERT many rows of plain values with one prepared statement.

    ``bulk_create`` builds a model instance and compiles SQL for every row, which makes
    it the bottleneck of a million-row import; this converts the values that need it
    exactly as Django would (dates, decimals, JSON) and hands them all to executemany.
    """
    database = connections[DEFAULT_DB_ALIAS]
    fields = [cast(Field, model._meta.get_field(name)) for name in names]
    converters = [
        field.get_db_prep_save if field.get_internal_type() in _CONVERTED_TYPES else None
        for field in fields
    ]
    params = [
        [
            value if convert is None else convert(value, database)
            for convert, value in zip(converters, row, strict=True)
        ]
        for row in rows
    ]
    if not params:
        return
    quote = database.ops.quote_name
    columns = ", ".join(quote(field.column or field.name) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    with database.cursor() as cursor:
        # Identifiers come from the model's metadata; every value is a bound parameter.
        cursor.executemany(
            f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({placeholders})",  # noqa: S608
            params,
        )


def _insert_transactions(
    source: str, rows: list[TransactionRow], now: dt.datetime
) -> dict[str, int]:
    """Insert new transactions; their ids by external id (read back in one query)."""
    names = ("source", "external_id", *_TRANSACTION_FIELDS, "created_at", "updated_at")
    _insert_plain(
        Transaction,
        names,
        (
            (
                source,
                row.external_id,
                *(getattr(row, name) for name in _TRANSACTION_FIELDS),
                now,
                now,
            )
            for row in rows
        ),
    )
    return dict(
        Transaction.objects.filter(
            source=source, external_id__in=[row.external_id for row in rows]
        ).values_list("external_id", "pk")
    )


def _upsert_transaction_chunk(
    source: str, rows: list[TransactionRow]
) -> tuple[UpsertResult, list[int]]:
    stored = stored_transactions(source, [row.external_id for row in rows])
    now = timezone.now()
    new: list[TransactionRow] = []
    changed: list[tuple[Transaction, TransactionRow]] = []
    unchanged = 0
    for row in rows:
        existing = stored.get(row.external_id)
        if existing is None:
            new.append(row)
        elif _same_transaction(row, existing):
            unchanged += 1
        else:
            instance = Transaction(
                pk=existing.pk, source=source, external_id=row.external_id, updated_at=now
            )
            for name, value in _transaction_values(row).items():
                setattr(instance, name, value)
            changed.append((instance, row))
    # Rows go in key order, so two writers storing overlapping rows meet them in the same
    # order: the second waits for the first instead of deadlocking with it.
    new.sort(key=lambda row: row.external_id)
    changed.sort(key=lambda pair: pair[0].pk)
    new_ids = _insert_transactions(source, new, now) if new else {}
    if changed:
        Transaction.objects.bulk_update(
            [instance for instance, _ in changed], [*_TRANSACTION_FIELDS, "updated_at"]
        )
        # Credits of a changed transaction are replaced wholesale: a split is one fact.
        TransactionCredit.objects.filter(
            transaction_id__in=[instance.pk for instance, _ in changed]
        ).delete()
    written = [(new_ids[row.external_id], row) for row in new] + [
        (instance.pk, row) for instance, row in changed
    ]
    _insert_plain(
        TransactionCredit,
        ("transaction_id", "person_id", "percent"),
        ((pk, share.person_id, share.percent) for pk, row in written for share in row.credits),
    )
    return UpsertResult(len(new), len(changed), unchanged), [pk for pk, _ in written]


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
        for group_source, group in by_source(chunk, source).items():
            counts, written_ids = _upsert_transaction_chunk(group_source, group)
            result.add(counts)
            if on_written is not None and written_ids:
                on_written(written_ids)
        if progress is not None:
            progress(result.total)
    record_upsert("transaction", result, acting_user=acting_user, source=source)
    return result


def record_upsert(kind: str, result: UpsertResult, *, acting_user: Any, source: str) -> None:
    """The one audit event of a whole upsert call (``kind`` transaction or activity)."""
    plural = "activities" if kind == "activity" else "transactions"
    record(
        actor=acting_user,
        action=f"sales.{plural}.upserted",
        object_type=f"sales.{kind}",
        object_id=source,
        changes={
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
        },
    )


def _same_activity(row: ActivityRow, stored: StoredActivity) -> bool:
    return all(getattr(row, name) == getattr(stored, name) for name in _ACTIVITY_FIELDS)


def _upsert_activity_chunk(source: str, rows: list[ActivityRow]) -> tuple[UpsertResult, list[int]]:
    stored = stored_activities(source, [row.external_id for row in rows])
    now = timezone.now()
    new: list[ActivityRow] = []
    changed: list[Activity] = []
    unchanged = 0
    for row in rows:
        existing = stored.get(row.external_id)
        if existing is None:
            new.append(row)
        elif _same_activity(row, existing):
            unchanged += 1
        else:
            values = {name: getattr(row, name) for name in _ACTIVITY_FIELDS}
            changed.append(
                Activity(
                    pk=existing.pk,
                    source=source,
                    external_id=row.external_id,
                    updated_at=now,
                    **values,
                )
            )
    new.sort(key=lambda row: row.external_id)  # key order, as for transactions
    changed.sort(key=lambda activity: activity.pk)
    written: list[int] = []
    if new:
        _insert_plain(
            Activity,
            ("source", "external_id", *_ACTIVITY_FIELDS, "created_at", "updated_at"),
            (
                (
                    source,
                    row.external_id,
                    *(getattr(row, name) for name in _ACTIVITY_FIELDS),
                    now,
                    now,
                )
                for row in new
            ),
        )
        written += Activity.objects.filter(
            source=source, external_id__in=[row.external_id for row in new]
        ).values_list("pk", flat=True)
    if changed:
        Activity.objects.bulk_update(changed, [*_ACTIVITY_FIELDS, "updated_at"])
        written += [activity.pk for activity in changed]
    return UpsertResult(len(new), len(changed), unchanged), written


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
        for group_source, group in by_source(chunk, source).items():
            counts, written_ids = _upsert_activity_chunk(group_source, group)
            result.add(counts)
            if on_written is not None and written_ids:
                on_written(written_ids)
        if progress is not None:
            progress(result.total)
    record_upsert("activity", result, acting_user=acting_user, source=source)
    return result
