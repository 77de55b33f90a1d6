"""Keeping credits and aggregates in line with sales data, set-based.

For a chunk of changed transactions (or activities) this loads the rows, their split
shares, the assignments of the people involved and the stored credits in a fixed number
of queries, computes the new credits in memory, and writes only the difference — old
credits folded out, new ones folded in — as one batch of upserts. Applying the same
change twice therefore changes nothing the second time.

This module imports no other app's actions, so the sales write path can call
:func:`apply_transaction_changes` inside its own database transaction.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import QuerySet

from quotaflow.core.audit import record
from quotaflow.metrics.models import Metric, Source
from quotaflow.org.models import Assignment, Unit, UnitKind
from quotaflow.performance.aggregates import (
    apply_cells,
    bump_markers,
    insert_rows,
    lock_markers,
    manual_cells,
)
from quotaflow.performance.crediting import (
    Cells,
    CreditFact,
    MetricSpec,
    Overlay,
    Placement,
    SaleFacts,
    credits_for,
    placement_on,
    split_largest_remainder,
)
from quotaflow.performance.models import (
    Credit,
    DailyAggregate,
    DistinctKeyDay,
    ManualValue,
    MonthlyAggregate,
    OverlayRule,
)
from quotaflow.sales.models import Activity, Transaction, TransactionCredit

CHUNK = 5_000
T = TypeVar("T")
TRANSACTION = "transaction"
ACTIVITY = "activity"
_TRANSACTION_FIELDS = (
    "pk", "date", "amount_minor", "currency", "company_amount_minor", "quantity", "product",
    "product_group", "account", "deal_type", "is_cancelled", "attributes", "source",
)  # fmt: skip
_ACTIVITY_FIELDS = (
    "pk",
    "date",
    "person_id",
    "activity_type",
    "quantity",
    "account",
    "attributes",
    "source",
)
_CREDIT_FIELDS = (
    "person_id",
    "metric_id",
    "kind",
    "day",
    "value",
    "distinct_key",
    "unit_id",
    "unit_path",
)


def chunked(items: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    """``items`` in lists of at most ``size``."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _metric_specs(source: str, metric_id: int | None = None) -> list[MetricSpec]:
    """The active metrics on ``source`` (only ``metric_id``, when given)."""
    metrics = Metric.objects.filter(is_active=True, source=source)
    if metric_id is not None:
        metrics = metrics.filter(pk=metric_id)
    rows = metrics.values_list(
        "pk", "source", "aggregation", "value_field", "filters", "activity_type"
    )
    return [
        MetricSpec(pk, src, agg, field, filters or {}, activity_type)
        for pk, src, agg, field, filters, activity_type in rows
    ]


def _placements(person_ids: Iterable[int]) -> dict[int, list[Placement]]:
    placements: dict[int, list[Placement]] = defaultdict(list)
    rows = Assignment.objects.filter(person_id__in=list(set(person_ids))).values_list(
        "person_id", "unit_id", "unit__path", "role", "valid_from", "valid_to"
    )
    for person_id, unit_id, path, role, valid_from, valid_to in rows:
        placements[person_id].append(Placement(unit_id, path, role, valid_from, valid_to))
    return placements


UNPLACED_CODE = "UNPLACED"
UNPLACED_NAME = "Unplaced"


def company_root() -> Unit | None:
    """The top of the organisation (the lowest-numbered unit without a parent)."""
    return Unit.objects.filter(parent__isnull=True).order_by("pk").first()


def unplaced_unit(*, create: bool = False) -> Unit | None:
    """The company's Unplaced unit, where the credits of people with no placement on a
    sale's date roll up; with ``create``, made under the company if it is not there yet
    (None when there is no organisation at all)."""
    found = Unit.objects.filter(kind=UnitKind.UNPLACED).order_by("pk").first()
    if found is not None or not create:
        return found
    root = company_root()
    if root is None:
        return None
    # Locking the company row makes concurrent ingests create the unit once.
    root = Unit.objects.select_for_update().get(pk=root.pk)
    found = Unit.objects.filter(kind=UnitKind.UNPLACED).order_by("pk").first()
    if found is not None:
        return found
    taken = set(Unit.objects.filter(code__startswith=UNPLACED_CODE).values_list("code", flat=True))
    code = next(
        candidate
        for candidate in (UNPLACED_CODE, *(f"{UNPLACED_CODE}-{n}" for n in range(2, 10_000)))
        if candidate not in taken
    )
    unit = Unit.objects.create(code=code, name=UNPLACED_NAME, kind=UnitKind.UNPLACED, parent=root)
    unit.path, unit.depth = f"{root.path}{unit.pk}/", root.depth + 1
    unit.save(update_fields=["path", "depth"])
    record(
        actor=None,
        action="org.unit.created",
        obj=unit,
        changes={"kind": [None, UnitKind.UNPLACED], "parent": [None, root.code]},
        reason="Credits of people with no placement on a sale's date are counted here.",
    )
    return unit


def as_placement(unit: Unit | None) -> Placement | None:
    """The Unplaced unit as the placement an unplaced person's credit rolls up through."""
    if unit is None:
        return None
    return Placement(unit.pk, unit.path, "member", dt.date.min, None)


def _unplaced_for(
    facts: list[SaleFacts], placements: dict[int, list[Placement]]
) -> Placement | None:
    """The Unplaced unit's placement if any credited share of ``facts`` lacks a placement
    on its date (creating the unit then), else None."""
    for item in facts:
        if item.fields.get("is_cancelled"):
            continue
        for person_id, _ in item.shares:
            if placement_on(placements.get(person_id, ()), item.day) is None:
                return as_placement(unplaced_unit(create=True))
    return None


@dataclass
class UnplacedShares:
    """Shares of a batch credited to people with no placement on the sale's date:
    how many, their amount in company minor units, and the first few as
    ``(external_id, person_id, date)`` to name in a message."""

    credits: int = 0
    amount_minor: int = 0
    examples: list[tuple[str, int, dt.date]] = field(default_factory=list)

    def add(self, other: UnplacedShares) -> None:
        self.credits += other.credits
        self.amount_minor += other.amount_minor
        self.examples += other.examples[: max(0, 5 - len(self.examples))]


def unplaced_shares(rows: Sequence[Any]) -> UnplacedShares:
    """The shares of ``rows`` (converted ``TransactionRow``) that no placement holds on
    the sale's date; each share's amount is its largest-remainder part of the company
    amount, as crediting splits it. Cancelled rows credit nothing and are left out."""
    live = [row for row in rows if not row.is_cancelled]
    placements = _placements(share.person_id for row in live for share in row.credits)
    found = UnplacedShares()
    for row in live:
        parts = split_largest_remainder(
            row.company_amount_minor or 0, [share.percent for share in row.credits]
        )
        for share, part in zip(row.credits, parts, strict=True):
            if placement_on(placements.get(share.person_id, ()), row.date) is None:
                found.credits += 1
                found.amount_minor += part
                if len(found.examples) < 5:
                    found.examples.append((row.external_id, share.person_id, row.date))
    return found


def _overlays() -> list[Overlay]:
    rows = OverlayRule.objects.values_list(
        "person_id", "product_group", "percent", "valid_from", "valid_to"
    )
    return [Overlay(*row) for row in rows]


def _id_filter(field: str, ids: list[int]) -> dict[str, object]:
    """``field`` in ``ids``, as a range when the ids are consecutive (a rebuild walks the
    table in order), which spares the database a list of thousands of parameters."""
    if ids and ids[-1] - ids[0] + 1 == len(ids) and ids == sorted(ids):
        return {f"{field}__range": (ids[0], ids[-1])}
    return {f"{field}__in": ids}


def _transaction_facts(ids: list[int]) -> list[SaleFacts]:
    shares: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
    share_rows = TransactionCredit.objects.filter(**_id_filter("transaction__pk", ids)).order_by(
        "transaction_id", "person_id"
    )
    for transaction_id, person_id, percent in share_rows.values_list(
        "transaction_id", "person_id", "percent"
    ):
        shares[transaction_id].append((person_id, percent))
    facts = []
    for row in Transaction.objects.filter(**_id_filter("pk", ids)).values(*_TRANSACTION_FIELDS):
        facts.append(SaleFacts(row["pk"], TRANSACTION, row["date"], row, tuple(shares[row["pk"]])))
    return facts


def _activity_facts(ids: list[int]) -> list[SaleFacts]:
    return [
        SaleFacts(row["pk"], ACTIVITY, row["date"], row, ((row["person_id"], Decimal(100)),))
        for row in Activity.objects.filter(**_id_filter("pk", ids)).values(*_ACTIVITY_FIELDS)
    ]


def _stored_credits(
    kind: str, ids: list[int], metric_id: int | None = None
) -> dict[int, list[CreditFact]]:
    column = f"{kind}_id"
    stored: dict[int, list[CreditFact]] = defaultdict(list)
    credits = Credit.objects.filter(**{f"{column}__in": ids})
    if metric_id is not None:
        credits = credits.filter(metric_id=metric_id)
    for row in credits.values_list(column, *_CREDIT_FIELDS):
        stored[row[0]].append(CreditFact(*row))
    return stored


_CREDIT_COLUMNS = (
    "transaction_id", "activity_id", "person_id", "metric_id", "kind", "day", "value",
    "distinct_key", "unit_id", "unit_path",
)  # fmt: skip
_CREDIT_TYPES = (
    "bigint",
    "bigint",
    "bigint",
    "bigint",
    "text",
    "date",
    "bigint",
    "text",
    "bigint",
    "text",
)


def _credit_row(kind: str, credit: CreditFact) -> tuple[object, ...]:
    return (
        credit.source_id if kind == TRANSACTION else None,
        credit.source_id if kind == ACTIVITY else None,
        credit.person_id,
        credit.metric_id,
        credit.kind,
        credit.day,
        credit.value,
        credit.distinct_key,
        credit.unit_id,
        credit.unit_path,
    )


def _aggregations(metrics: list[MetricSpec], credits: list[CreditFact]) -> dict[int, str]:
    """Aggregation per metric id for the given credits; asks the database only about
    metrics that are no longer active (old credits may still refer to them)."""
    known = {metric.id: metric.aggregation for metric in metrics}
    missing = {credit.metric_id for credit in credits} - set(known)
    if missing:
        known.update(Metric.objects.filter(pk__in=missing).values_list("pk", "aggregation"))
    return known


def recredit(kind: str, ids: list[int], *, none_stored: bool = False) -> int:
    """Bring the credits and aggregates of ``ids`` (transactions or activities, by
    ``kind``) in line with their current state; returns how many changed credits.

    ``none_stored`` says the caller knows these ids have no credits yet (a rebuild that
    has just emptied the table), which saves looking them up."""
    facts = _transaction_facts(ids) if kind == TRANSACTION else _activity_facts(ids)
    metrics = _metric_specs(Source.TRANSACTIONS if kind == TRANSACTION else Source.ACTIVITIES)
    placements = _placements(person_id for item in facts for person_id, _ in item.shares)
    overlays = _overlays() if kind == TRANSACTION else []
    stored = {} if none_stored else _stored_credits(kind, ids)
    unplaced = _unplaced_for(facts, placements)
    new_by_source = {
        item.id: sorted(credits_for(item, metrics, placements, overlays, unplaced))
        for item in facts
    }
    changed = [
        source_id
        for source_id in set(ids)
        if sorted(stored.get(source_id, [])) != new_by_source.get(source_id, [])
    ]
    if not changed:
        return 0
    lock_markers(metric.id for metric in metrics)
    old_credits = [credit for source_id in changed for credit in stored.get(source_id, [])]
    new_credits = [credit for source_id in changed for credit in new_by_source.get(source_id, [])]
    aggregations = _aggregations(metrics, old_credits)
    cells = Cells()
    cells.fold(old_credits, aggregations, sign=-1)
    cells.fold(new_credits, aggregations)
    previously_credited = [source_id for source_id in changed if source_id in stored]
    if previously_credited:
        Credit.objects.filter(**{f"{kind}_id__in": previously_credited}).delete()
    insert_rows(
        Credit._meta.db_table,
        _CREDIT_COLUMNS,
        [_credit_row(kind, credit) for credit in new_credits],
        _CREDIT_TYPES,
    )
    apply_cells(cells)
    return len(changed)


def apply_transaction_changes(transaction_ids: Iterable[int]) -> int:
    """Re-credit the given transactions (created, changed, cancelled or deleted) and
    update the aggregates by the difference; returns how many changed their credits.

    Call it inside the database transaction that wrote the sales data, so dashboards
    never see one without the other. Idempotent.
    """
    with transaction.atomic():
        return sum(recredit(TRANSACTION, chunk) for chunk in chunked(transaction_ids))


def apply_activity_changes(activity_ids: Iterable[int]) -> int:
    """Like :func:`apply_transaction_changes`, for activities."""
    with transaction.atomic():
        return sum(recredit(ACTIVITY, chunk) for chunk in chunked(activity_ids))


def apply_assignment_changes(person_ids: Iterable[int], *, since: dt.date) -> int:
    """Re-credit every sale and activity of ``person_ids`` dated ``since`` or later, after
    their assignments changed (a transfer, a back-dated move, an ended assignment), so the
    roll-up follows the organisation as it now reads on each sale's date. Set-based;
    call it inside the organisation change's database transaction."""
    people = list(set(person_ids))
    with transaction.atomic():
        transaction_ids = TransactionCredit.objects.filter(
            person_id__in=people, transaction__date__gte=since
        ).values_list("transaction_id", flat=True)
        activity_ids = Activity.objects.filter(person_id__in=people, date__gte=since).values_list(
            "pk", flat=True
        )
        changed = apply_transaction_changes(transaction_ids.distinct().iterator(chunk_size=CHUNK))
        return changed + apply_activity_changes(activity_ids.iterator(chunk_size=CHUNK))


def apply_unit_move(old_path: str) -> int:
    """Re-credit everything that rolled up through the unit whose path was ``old_path``
    before it moved in the tree, so its new ancestors receive it and its old ones lose
    it. Call it inside the move's database transaction, after the paths are updated."""
    with transaction.atomic():
        credited = Credit.objects.filter(unit_path__startswith=old_path)
        transaction_ids = credited.filter(transaction__isnull=False).values_list(
            "transaction_id", flat=True
        )
        activity_ids = credited.filter(activity__isnull=False).values_list("activity_id", flat=True)
        changed = apply_transaction_changes(list(transaction_ids.distinct()))
        return changed + apply_activity_changes(list(activity_ids.distinct()))


# Recomputing one metric ------------------------------------------------------------------
#
# After a metric is created or its definition changes, its credits are brought in line
# chunk by chunk (each chunk its own database transaction, so a long recompute neither
# blocks ingest nor loses its progress), then its aggregates are added up again from its
# credits and manual values in one transaction. Both steps take the metric's change marker
# first, which every ingest takes before it writes credits of the metric, so an ingest
# running meanwhile is applied either before or after a step, never half inside it; and
# both compare with what is stored, so running them again changes nothing.


def _source_of(kind: str) -> str:
    return Source.TRANSACTIONS if kind == TRANSACTION else Source.ACTIVITIES


def _credited_ids(kind: str, metric_id: int) -> tuple[QuerySet[Any], str]:
    column = f"{kind}_id"
    credited = Credit.objects.filter(metric_id=metric_id, **{f"{column}__isnull": False})
    return credited.values_list(column, flat=True).distinct(), column


def metric_source_ids(kind: str, metric_id: int) -> tuple[QuerySet[Any], str]:
    """The transactions or activities (by ``kind``) a recompute of the metric must look
    at, as a queryset of ids and the field it orders by: every row of the table when the
    metric counts rows of that kind, else only those that still hold a credit of it (to
    take the credit away)."""
    if _metric_specs(_source_of(kind), metric_id):
        model = Transaction if kind == TRANSACTION else Activity
        return model.objects.values_list("pk", flat=True), "pk"
    return _credited_ids(kind, metric_id)


def id_chunks(ids: QuerySet[Any], field: str, size: int | None = None) -> Iterator[list[int]]:
    """The ids of ``ids`` (a flat ``values_list`` of ``field``) in ascending lists of at
    most ``size`` (default ``CHUNK``), each read with a fresh keyset query: rows added meanwhile with a higher
    id are met too, and no cursor stays open across transactions."""
    size = size or CHUNK
    last = 0
    while chunk := list(ids.filter(**{f"{field}__gt": last}).order_by(field)[:size]):
        yield chunk
        last = chunk[-1]


def recredit_metric(kind: str, ids: list[int], metric_id: int) -> int:
    """Bring the credits of one metric on ``ids`` (transactions or activities, by
    ``kind``) in line with its definition; returns how many rows changed credits.

    The metric's aggregates are left alone: :func:`rebuild_metric_aggregates` adds them
    up again once every chunk is done (folding old credits out would need the
    aggregation they were folded in with, which a change of definition has replaced)."""
    with transaction.atomic():
        lock_markers([metric_id])
        facts = _transaction_facts(ids) if kind == TRANSACTION else _activity_facts(ids)
        metrics = _metric_specs(_source_of(kind), metric_id)
        placements = _placements(person_id for item in facts for person_id, _ in item.shares)
        overlays = _overlays() if kind == TRANSACTION and metrics else []
        unplaced = _unplaced_for(facts, placements) if metrics else None
        stored = _stored_credits(kind, ids, metric_id)
        new_by_source = {
            item.id: sorted(credits_for(item, metrics, placements, overlays, unplaced))
            for item in facts
        }
        changed = [
            source_id
            for source_id in ids
            if sorted(stored.get(source_id, [])) != new_by_source.get(source_id, [])
        ]
        if not changed:
            return 0
        Credit.objects.filter(metric_id=metric_id, **{f"{kind}_id__in": changed}).delete()
        new_credits = [
            credit for source_id in changed for credit in new_by_source.get(source_id, [])
        ]
        insert_rows(
            Credit._meta.db_table,
            _CREDIT_COLUMNS,
            [_credit_row(kind, credit) for credit in new_credits],
            _CREDIT_TYPES,
        )
        return len(changed)


def rebuild_metric_aggregates(metric_id: int) -> int:
    """Replace one metric's aggregates by the sum of its stored credits and (when the
    metric is active) its manual values, exactly as a full rebuild adds them up; returns
    how many credits were added up. Open dashboards of the metric refresh."""
    with transaction.atomic():
        lock_markers([metric_id])
        for model in (DailyAggregate, MonthlyAggregate, DistinctKeyDay):
            model.objects.filter(metric_id=metric_id).delete()
        metric = Metric.objects.filter(pk=metric_id).values("aggregation", "is_active").first()
        if metric is None:
            return 0
        aggregations = {metric_id: metric["aggregation"]}
        counted = 0
        for kind in (TRANSACTION, ACTIVITY):
            for chunk in id_chunks(*_credited_ids(kind, metric_id)):
                credits = [
                    credit
                    for stored in _stored_credits(kind, chunk, metric_id).values()
                    for credit in stored
                ]
                cells = Cells()
                cells.fold(credits, aggregations)
                apply_cells(cells)
                counted += len(credits)
        if metric["is_active"]:
            manual = ManualValue.objects.filter(metric_id=metric_id).values_list(
                "owner_unit_id", "owner_person_id", "metric_id", "day", "value"
            )
            apply_cells(manual_cells((*row, 1) for row in manual))
        bump_markers([metric_id])
        return counted
