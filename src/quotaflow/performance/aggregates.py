"""Writing aggregate deltas set-based: one multi-row upsert per batch of cells.

``INSERT … ON CONFLICT … DO UPDATE SET value = value + excluded.value`` is understood
by both PostgreSQL and SQLite (3.24+), so concurrent ingests add to the same cells
without reading them first, and inside the caller's database transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

from django.db import connection

from quotaflow.performance.crediting import Cells
from quotaflow.performance.models import ChangeMarker, DailyAggregate, DistinctKeyDay

BATCH_ROWS = 1_000


def _batches(rows: Iterable[Sequence[Any]], size: int) -> Iterator[list[Sequence[Any]]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def upsert_adding(
    table: str,
    key_columns: Sequence[str],
    add_columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
) -> None:
    """Insert ``rows`` (key columns then added columns) or add them onto existing rows."""
    quote = connection.ops.quote_name
    columns = [*key_columns, *add_columns]
    placeholder = "(" + ", ".join(["%s"] * len(columns)) + ")"
    updates = ", ".join(
        f"{quote(name)} = {quote(table)}.{quote(name)} + excluded.{quote(name)}"
        for name in add_columns
    )
    # Only model table and column names are interpolated (quoted); values are parameters.
    head = f"INSERT INTO {quote(table)} ({', '.join(quote(name) for name in columns)}) VALUES "  # noqa: S608
    tail = (
        f" ON CONFLICT ({', '.join(quote(name) for name in key_columns)}) DO UPDATE SET {updates}"
    )
    with connection.cursor() as cursor:
        for batch in _batches(rows, BATCH_ROWS):
            cursor.execute(
                head + ", ".join([placeholder] * len(batch)) + tail,
                [value for row in batch for value in row],
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
    )
    upsert_adding(
        DistinctKeyDay._meta.db_table,
        ["metric_id", "owner_type", "owner_id", "day", "key"],
        ["refs"],
        ([*key, refs] for key, refs in keys),
    )
    metric_ids = {key[0] for key, _, _ in values} | {key[0] for key, _ in keys}
    upsert_adding(
        ChangeMarker._meta.db_table,
        ["metric_id"],
        ["version"],
        ([metric_id, 1] for metric_id in sorted(metric_ids)),
    )
    return metric_ids
