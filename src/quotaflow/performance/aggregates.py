"""Writing aggregate deltas set-based: one multi-row upsert per batch of cells.

``INSERT … ON CONFLICT … DO UPDATE SET value = value + excluded.value`` is understood
by both PostgreSQL and SQLite (3.24+), so concurrent ingests add to the same cells
without reading them first, and inside the caller's database transaction.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

from django.db import connection

from quotaflow.performance.crediting import Cells
from quotaflow.performance.models import (
    ChangeMarker,
    DailyAggregate,
    DistinctKeyDay,
    MonthlyAggregate,
    OwnerType,
)

BATCH_ROWS = 1_000
BATCH_ROWS_ARRAY = 50_000


def _batches(rows: Iterable[Sequence[Any]], size: int) -> Iterator[list[Sequence[Any]]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def upsert_adding(
    table: str,
    key_columns: Sequence[str],
    add_columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    types: Sequence[str],
) -> None:
    """Insert ``rows`` (key columns then added columns, of PostgreSQL ``types``) or add
    them onto existing rows.

    On PostgreSQL a batch travels as one array per column (``unnest``), so a batch of any
    size is one statement with a handful of parameters; elsewhere as multi-row VALUES.
    """
    quote = connection.ops.quote_name
    columns = [*key_columns, *add_columns]
    updates = ", ".join(
        f"{quote(name)} = {quote(table)}.{quote(name)} + excluded.{quote(name)}"
        for name in add_columns
    )
    # Only model table and column names are interpolated (quoted); values are parameters.
    head = f"INSERT INTO {quote(table)} ({', '.join(quote(name) for name in columns)}) "  # noqa: S608
    tail = (
        f" ON CONFLICT ({', '.join(quote(name) for name in key_columns)}) DO UPDATE SET {updates}"
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            arrays = ", ".join(f"%s::{kind}[]" for kind in types)
            for batch in _batches(rows, BATCH_ROWS_ARRAY):
                columns_of_batch = [list(column) for column in zip(*batch, strict=True)]
                statement = f"{head}SELECT * FROM unnest({arrays}){tail}"  # noqa: S608
                cursor.execute(statement, columns_of_batch)
            return
        placeholder = "(" + ", ".join(["%s"] * len(columns)) + ")"
        for batch in _batches(rows, BATCH_ROWS):
            values = ", ".join([placeholder] * len(batch))
            cursor.execute(
                f"{head}VALUES {values}{tail}", [value for row in batch for value in row]
            )


def insert_rows(
    table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], types: Sequence[str]
) -> None:
    """Plain set-based INSERT of ``rows`` (PostgreSQL: one array per column; elsewhere
    multi-row VALUES), for tables written in bulk by the tracking side only."""
    quote = connection.ops.quote_name
    head = f"INSERT INTO {quote(table)} ({', '.join(quote(name) for name in columns)}) "  # noqa: S608
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            arrays = ", ".join(f"%s::{kind}[]" for kind in types)
            for batch in _batches(rows, BATCH_ROWS_ARRAY):
                statement = f"{head}SELECT * FROM unnest({arrays})"  # noqa: S608
                cursor.execute(statement, [list(column) for column in zip(*batch, strict=True)])
            return
        placeholder = "(" + ", ".join(["%s"] * len(columns)) + ")"
        for batch in _batches(rows, BATCH_ROWS):
            values = ", ".join([placeholder] * len(batch))
            cursor.execute(f"{head}VALUES {values}", [value for row in batch for value in row])


def lock_markers(metric_ids: Iterable[int]) -> None:
    """Take the change-marker rows of ``metric_ids`` (creating them if missing) until the
    end of the database transaction, in id order, without changing them.

    Every ingest takes them before it writes any aggregate, so concurrent ingests of the
    same metrics queue here instead of locking aggregate cells in different orders across
    their chunks and deadlocking. Dashboards keep reading: readers take no locks.
    """
    upsert_adding(
        ChangeMarker._meta.db_table,
        ["metric_id"],
        ["version"],
        ([metric_id, 0] for metric_id in sorted(set(metric_ids))),
        ["bigint", "bigint"],
    )


def bump_markers(metric_ids: Iterable[int]) -> None:
    """Move the change markers of ``metric_ids`` on, in id order, so that open dashboards
    of those metrics refresh."""
    upsert_adding(
        ChangeMarker._meta.db_table,
        ["metric_id"],
        ["version"],
        ([metric_id, 1] for metric_id in sorted(set(metric_ids))),
        ["bigint", "bigint"],
    )


def apply_cells(cells: Cells) -> set[int]:
    """Add the deltas in ``cells`` to the stored aggregates; returns the touched metric ids
    (their change markers are bumped so open dashboards refresh)."""
    values = cells.nonzero_values()
    keys = cells.nonzero_keys()
    upsert_adding(
        DailyAggregate._meta.db_table,
        ["metric_id", "owner_type", "owner_id", "day"],
        ["value", "count"],
        ([*key, value, count] for key, value, count in values),
        ["bigint", "text", "bigint", "date", "bigint", "bigint"],
    )
    months: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0])
    for (metric_id, owner_type, owner_id, day), value, count in values:
        month = months[(metric_id, owner_type, owner_id, day.replace(day=1))]
        month[0] += value
        month[1] += count
    upsert_adding(
        MonthlyAggregate._meta.db_table,
        ["metric_id", "owner_type", "owner_id", "month"],
        ["value", "count"],
        ([*key, value, count] for key, (value, count) in sorted(months.items()) if value or count),
        ["bigint", "text", "bigint", "date", "bigint", "bigint"],
    )
    upsert_adding(
        DistinctKeyDay._meta.db_table,
        ["metric_id", "owner_type", "owner_id", "day", "key"],
        ["refs"],
        ([*key, refs] for key, refs in keys),
        ["bigint", "text", "bigint", "date", "text", "bigint"],
    )
    metric_ids = {key[0] for key, _, _ in values} | {key[0] for key, _ in keys}
    bump_markers(metric_ids)
    return metric_ids


def manual_cells(rows: Iterable[tuple[int | None, int | None, int, dt.date, int, int]]) -> Cells:
    """Aggregate deltas of manual values: rows of ``(unit_id, person_id, metric_id, day,
    value, count)``, each counted for its one owner (a unit or a person)."""
    cells = Cells()
    for unit_id, person_id, metric_id, day, value, count in rows:
        owner = (
            (OwnerType.UNIT.value, unit_id)
            if unit_id is not None
            else (OwnerType.PERSON.value, person_id)
        )
        cell = cells.values[(metric_id, owner[0], int(owner[1] or 0), day)]
        cell[0] += value
        cell[1] += count
    return cells
