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
from dataclasses import dataclass, field, replace
from decimal import Decimal
from itertools import islice
from typing import Any, TypeVar, cast

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Field, Model, Q
from django.utils import timezone

from quotaflow.core.audit import record
from quotaflow.core.errors import InvalidInput
from quotaflow.core.limits import business_date_problem
from quotaflow.core.models import Company
from quotaflow.core.money import MissingRate, RateBook, minor_unit_decimals, rate_problem
from quotaflow.sales.models import Activity, ExchangeRate, Transaction, TransactionCredit
from quotaflow.sales.queries import (
    StoredActivity,
    StoredTransaction,
    rate_book,
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
    ``credits`` sum to 100 percent; ``source`` empty means the caller's default source.

    The company-currency amount and the rate behind it are filled in at ingest
    (:func:`with_company_amounts`); callers leave them empty."""

    external_id: str
    date: dt.date
    amount_minor: int
    currency: str
    credits: tuple[CreditShare, ...]
    company_amount_minor: int | None = None
    exchange_rate: Decimal | None = None
    rate_date: dt.date | None = None
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
    "date", "amount_minor", "currency", "company_amount_minor", "exchange_rate", "rate_date",
    "quantity", "product", "product_group", "account", "deal_type", "is_cancelled", "attributes",
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


def with_company_amounts(
    rows: Sequence[TransactionRow], book: RateBook | None = None
) -> list[TransactionRow]:
    """``rows`` with their amounts converted to the company currency at the rate in force
    on each sale's date (``book``: the stored rates, loaded if not given).

    A foreign sale with no rate in force is refused with every such row named, so
    nothing is written without its converted amount; a cancelled one, which credits
    nothing, is stored unconverted and converted when it is sent again uncancelled."""
    if book is None:
        book = rate_book({row.currency for row in rows})
    converted, missing = [], []
    for row in rows:
        try:
            conversion = book.convert(row.amount_minor, row.currency, row.date)
        except MissingRate as gap:
            if row.is_cancelled:  # counts for nothing, so needs no rate until revived
                converted.append(row)
            else:
                missing.append(f"{row.external_id} ({gap.currency} on {gap.day.isoformat()})")
            continue
        converted.append(
            replace(
                row,
                company_amount_minor=conversion.company_amount_minor,
                exchange_rate=conversion.rate,
                rate_date=conversion.rate_date,
            )
        )
    if missing:
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise InvalidInput(
            f"No exchange rate into {book.company_currency} is in force for transaction "
            f"{', '.join(missing[:5])}{more}. Import the rates first (a rate valid from the "
            "sale's date or earlier), then send the transactions again.",
            field="currency",
        )
    return converted


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
    if any(row.company_amount_minor is None for row in rows):
        rows = with_company_amounts(rows)
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
    return _upsert_in_chunks(
        "transaction",
        _upsert_transaction_chunk,
        rows,
        acting_user=acting_user,
        source=source,
        progress=progress,
        on_written=on_written,
        chunk_size=chunk_size,
    )


def _upsert_in_chunks(
    kind: str,
    upsert_chunk: Callable[[str, list[_Row]], tuple[UpsertResult, list[int]]],
    rows: Iterable[_Row],
    *,
    acting_user: Any,
    source: str,
    progress: Progress | None,
    on_written: WrittenHook | None,
    chunk_size: int,
) -> UpsertResult:
    """The loop both upserts share: ``chunk_size`` rows at a time, each chunk split by its
    rows' source, the written ids handed to ``on_written``, one audit event at the end."""
    result = UpsertResult()
    for chunk in _chunks(rows, chunk_size):
        for group_source, group in by_source(chunk, source).items():
            counts, written_ids = upsert_chunk(group_source, group)
            result.add(counts)
            if on_written is not None and written_ids:
                on_written(written_ids)
        if progress is not None:
            progress(result.total)
    record_upsert(kind, result, acting_user=acting_user, source=source)
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
    return _upsert_in_chunks(
        "activity",
        _upsert_activity_chunk,
        rows,
        acting_user=acting_user,
        source=source,
        progress=progress,
        on_written=on_written,
        chunk_size=chunk_size,
    )


@dataclass(frozen=True)
class RateRow:
    """One exchange rate: ``rate`` company-currency major units per major unit of
    ``currency``, in force from ``valid_from`` until the next rate of that currency."""

    currency: str
    valid_from: dt.date
    rate: Decimal


@dataclass
class RateResult:
    """What a rate upsert did: new, changed and identical rates, and how many stored
    sales were converted again because the rate in force on their date changed."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    reconverted: int = 0


def rate_row_problem(row: RateRow, company_currency: str) -> tuple[str, str] | None:
    """``(field, reason)`` if ``row`` cannot be stored as an exchange rate, else None."""
    if minor_unit_decimals(row.currency) is None:
        return "currency", f"'{row.currency}' is not an ISO 4217 currency in circulation"
    if row.currency == company_currency:
        return "currency", f"{row.currency} is the company currency; it needs no rate"
    if (problem := business_date_problem(row.valid_from)) is not None:
        return "valid_from", problem
    if (problem := rate_problem(row.rate)) is not None:
        return "rate", problem
    return None


def _check_rate_rows(rows: Sequence[RateRow], company_currency: str) -> None:
    seen: set[tuple[str, dt.date]] = set()
    for index, row in enumerate(rows, start=1):
        if (problem := rate_row_problem(row, company_currency)) is not None:
            raise InvalidInput(f"Rate {index}: {problem[1]}.", field=problem[0])
        key = (row.currency, row.valid_from)
        if key in seen:
            raise InvalidInput(
                f"Rate {index}: {row.currency} from {row.valid_from.isoformat()} appears more "
                "than once; send each rate once.",
                field="valid_from",
            )
        seen.add(key)


def _reconvert(earliest: dict[str, dt.date], on_reconverted: WrittenHook | None) -> int:
    """Convert again every stored sale of a currency in ``earliest`` dated on or after
    its day, at the rates now stored; write those whose result differs and hand their
    ids to ``on_reconverted``. Returns how many changed."""
    if not earliest:
        return 0
    book = rate_book(earliest)
    condition = Q()
    for currency, day in earliest.items():
        condition |= Q(currency=currency, date__gte=day)
    rows = (
        Transaction.objects.filter(condition)
        .order_by("pk")
        .values_list(
            "pk",
            "amount_minor",
            "currency",
            "date",
            "company_amount_minor",
            "exchange_rate",
            "rate_date",
            "is_cancelled",
        )  # fmt: skip
        .iterator(chunk_size=CHUNK_SIZE)
    )
    now, changed = timezone.now(), 0
    while chunk := list(islice(rows, CHUNK_SIZE)):
        updates = []
        for pk, amount, currency, day, stored, stored_rate, stored_date, cancelled in chunk:
            try:
                conversion = book.convert(amount, currency, day)
            except MissingRate:
                if not cancelled:
                    raise  # rates are only added or changed here, never removed
                continue
            if (conversion.company_amount_minor, conversion.rate, conversion.rate_date) != (
                stored, stored_rate, stored_date,
            ):  # fmt: skip
                updates.append(
                    Transaction(
                        pk=pk,
                        company_amount_minor=conversion.company_amount_minor,
                        exchange_rate=conversion.rate,
                        rate_date=conversion.rate_date,
                        updated_at=now,
                    )
                )
        if updates:
            Transaction.objects.bulk_update(
                updates, ["company_amount_minor", "exchange_rate", "rate_date", "updated_at"]
            )
            changed += len(updates)
            if on_reconverted is not None:
                on_reconverted([item.pk for item in updates])
    return changed


@transaction.atomic
def upsert_exchange_rates(
    rows: Sequence[RateRow], *, acting_user: Any, on_reconverted: WrittenHook | None = None
) -> RateResult:
    """Create, correct or leave alone each rate, keyed by (currency, valid_from), then
    convert again the stored sales whose rate in force changed — every sale of that
    currency dated on or after the earliest new or corrected rate — in the same database
    transaction, handing their ids to ``on_reconverted`` (to re-credit them). A batch
    with any bad rate writes nothing. One audit event lists every corrected rate."""
    company_currency = Company.current().currency
    _check_rate_rows(rows, company_currency)
    stored = {
        (currency, valid_from): (pk, rate)
        for pk, currency, valid_from, rate in ExchangeRate.objects.select_for_update()
        .filter(currency__in={row.currency for row in rows})
        .values_list("pk", "currency", "valid_from", "rate")
    }
    result = RateResult()
    new, corrected = [], []
    corrections: dict[str, list[str]] = {}
    earliest: dict[str, dt.date] = {}
    for row in rows:
        existing = stored.get((row.currency, row.valid_from))
        if existing is not None and existing[1] == row.rate:
            result.unchanged += 1
            continue
        if existing is None:
            new.append(
                ExchangeRate(currency=row.currency, valid_from=row.valid_from, rate=row.rate)
            )
        else:
            corrected.append(ExchangeRate(pk=existing[0], rate=row.rate, updated_at=timezone.now()))
            key = f"{row.currency} {row.valid_from.isoformat()}"
            corrections[key] = [str(existing[1].normalize()), str(row.rate.normalize())]
        earliest[row.currency] = min(earliest.get(row.currency, row.valid_from), row.valid_from)
    ExchangeRate.objects.bulk_create(new)
    ExchangeRate.objects.bulk_update(corrected, ["rate", "updated_at"])
    result.created, result.updated = len(new), len(corrected)
    result.reconverted = _reconvert(earliest, on_reconverted)
    record(
        actor=acting_user,
        action="sales.exchange_rates.upserted",
        object_type="sales.exchangerate",
        object_id=",".join(sorted(earliest))[:64] or "-",
        changes={
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "reconverted": result.reconverted,
            "corrected": corrections,
        },
    )
    return result
