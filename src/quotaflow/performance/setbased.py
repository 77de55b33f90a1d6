"""Set-based ingest of transactions on PostgreSQL: the rows travel once, by ``COPY``,
into a session-local staging table, and everything else — telling new, changed and
unchanged rows apart, writing the transactions and their split shares, crediting, the
roll-up through the effective-dated organisation and overlay credits — is a fixed
number of SQL statements per chunk, whatever its size. The aggregate deltas of all the
chunks of one load are summed per cell and upserted once, at the end of the load
(:class:`Load`).

It computes exactly what :mod:`quotaflow.performance.crediting` computes row by row (the
same largest-remainder split, placement rule and fold); a property test feeds random
batches to both and compares every credit and aggregate. SQLite, and metrics defined
outside the validated catalogue (e.g. through raw database edits), keep the row-by-row
path: :func:`available` says which applies.

The SQL is put together from model table names, fixed scratch-table names and metric
columns checked against a fixed list; every value (filter choices, timestamps, ids) is a
bound parameter.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.utils import timezone
from psycopg.types.json import Jsonb

from quotaflow.metrics.models import Metric, Source
from quotaflow.org.models import Assignment, Unit
from quotaflow.performance.aggregates import bump_markers, lock_markers
from quotaflow.performance.crediting import Placement
from quotaflow.performance.models import (
    Credit,
    DailyAggregate,
    DistinctKeyDay,
    MonthlyAggregate,
    OverlayRule,
)
from quotaflow.performance.recrediting import (
    UnplacedShares,
    as_placement,
    unplaced_shares,
    unplaced_unit,
)
from quotaflow.sales.actions import by_source, with_company_amounts
from quotaflow.sales.models import Transaction, TransactionCredit

# Columns a metric may filter on or count distinct values of: all text on the row itself.
TEXT_COLUMNS = ("product", "product_group", "account", "deal_type", "source", "currency")
COUNTED = ("count", "distinct_count")
AGGREGATIONS = ("sum", "average", *COUNTED)
WORK_MEM = "256MB"

_STAGE = "qf_stage_transaction"
_MATCH = "qf_match_transaction"
_NEW = "qf_new_credit"
_OLD = "qf_old_credit"
_STAGE_COLUMNS = (
    ("source", "text"),
    ("external_id", "text"),
    ("date", "date"),
    ("amount_minor", "bigint"),
    ("currency", "text"),
    ("company_amount_minor", "bigint"),
    ("exchange_rate", "numeric"),
    ("rate_date", "date"),
    ("quantity", "numeric"),
    ("product", "text"),
    ("product_group", "text"),
    ("account", "text"),
    ("deal_type", "text"),
    ("is_cancelled", "boolean"),
    ("attributes", "jsonb"),
    ("people", "bigint[]"),
    ("percents", "numeric[]"),
)
# Most rows carry no attributes: their text form, without a JSON dump per row.
_NO_ATTRIBUTES = "{}"
_FIELDS = (
    "date", "amount_minor", "currency", "company_amount_minor", "exchange_rate", "rate_date",
    "quantity", "product", "product_group", "account", "deal_type", "is_cancelled", "attributes",
)  # fmt: skip
# Columns that may be empty: compared with IS NOT DISTINCT FROM, for which two empties match.
_NULLABLE = {"company_amount_minor", "exchange_rate", "rate_date"}


@dataclass(frozen=True)
class _MetricSql:
    id: int
    aggregation: str
    filter_sql: str
    filter_params: tuple[Any, ...]
    whole_sql: str
    key_sql: str


@dataclass(frozen=True)
class ChunkResult:
    """What one chunk did: upsert counts, how many transactions changed credits, and
    the shares of people with no placement on the sale's date (counted under Unplaced)."""

    created: int
    updated: int
    unchanged: int
    recredited: int
    unplaced: UnplacedShares = field(default_factory=UnplacedShares)


def _translate(pk: int, aggregation: str, value_field: str, filters: Any) -> _MetricSql | None:
    """The SQL form of one transaction metric, or None if it uses something that only the
    row-by-row path understands."""
    if not isinstance(filters, dict) or aggregation not in AGGREGATIONS:
        return None
    clauses, params = [], []
    for name, allowed in filters.items():
        choices = allowed if isinstance(allowed, list | tuple) else [allowed]
        if name not in TEXT_COLUMNS or not all(isinstance(choice, str) for choice in choices):
            return None
        clauses.append(f"m.{name} = ANY(%s::text[])")
        params.append(list(choices))
    if aggregation in COUNTED:
        whole = "1::bigint"
    elif value_field == "amount":
        # The amount in the company currency, converted at ingest.
        whole = "m.company_amount_minor"
        clauses.append("m.company_amount_minor IS NOT NULL")
    elif value_field == "quantity":
        whole = "round(m.quantity)::bigint"
    else:
        return None
    key = "''"
    if aggregation == "distinct_count":
        if value_field not in TEXT_COLUMNS:
            return None
        key = f"m.{value_field}"
        clauses.append(f"m.{value_field} <> ''")
    return _MetricSql(pk, aggregation, " AND ".join(clauses) or "TRUE", tuple(params), whole, key)


def _metrics() -> list[_MetricSql] | None:
    # A transaction metric restricted to an activity type matches no transaction.
    rows = Metric.objects.filter(
        is_active=True, source=Source.TRANSACTIONS, activity_type=""
    ).values_list("pk", "aggregation", "value_field", "filters")
    translated = [_translate(pk, agg, field, filters or {}) for pk, agg, field, filters in rows]
    if any(metric is None for metric in translated):
        return None
    return [metric for metric in translated if metric is not None]


def available() -> bool:
    """Whether transactions can be ingested set-based here (PostgreSQL, and every active
    transaction metric expressible in SQL)."""
    return connection.vendor == "postgresql" and _metrics() is not None


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _table(model: Any) -> str:
    return _quote(model._meta.db_table)


def _stage(cursor: Any, rows: Sequence[Any], default_source: str) -> None:
    columns = ", ".join(f"{name} {kind}" for name, kind in _STAGE_COLUMNS)
    cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {_STAGE} ({columns}) ON COMMIT DELETE ROWS")
    cursor.execute(f"TRUNCATE {_STAGE}")
    names = ", ".join(name for name, _ in _STAGE_COLUMNS)
    with cursor.copy(f"COPY {_STAGE} ({names}) FROM STDIN") as copy:
        for row in rows:
            shares = sorted((share.person_id, share.percent) for share in row.credits)
            copy.write_row(
                (
                    row.source or default_source,
                    row.external_id,
                    row.date,
                    row.amount_minor,
                    row.currency,
                    row.company_amount_minor,
                    row.exchange_rate,
                    row.rate_date,
                    row.quantity,
                    row.product,
                    row.product_group,
                    row.account,
                    row.deal_type,
                    row.is_cancelled,
                    Jsonb(row.attributes) if row.attributes else _NO_ATTRIBUTES,
                    [person_id for person_id, _ in shares],
                    [percent for _, percent in shares],
                )
            )


def _temp(cursor: Any, name: str, select: str, params: Sequence[Any] = ()) -> None:
    cursor.execute(f"DROP TABLE IF EXISTS {name}")
    cursor.execute(f"CREATE TEMP TABLE {name} ON COMMIT DROP AS {select}", params)


@contextmanager
def _planner(cursor: Any, **settings: str) -> Iterator[None]:
    """Planner settings for the statements inside, then back to what they were."""
    before = {}
    for name, value in settings.items():
        cursor.execute("SELECT current_setting(%s), set_config(%s, %s, true)", [name, name, value])
        before[name] = cursor.fetchone()[0]
    try:
        yield
    finally:
        for name, value in before.items():
            cursor.execute("SELECT set_config(%s, %s, true)", [name, value])


def _match(cursor: Any) -> None:
    """Stage rows joined to what is stored: state n(ew), c(hanged) or u(nchanged), and
    the id each row has or will have.

    The join probes the unique (source, external_id) index once per staged row. The
    planner would otherwise often hash the whole transaction table: inside a long load
    its statistics still describe the table as it was before the load, so a scan of a
    table that has grown by millions of rows looks cheap, and each chunk would read
    everything stored so far."""
    with _planner(cursor, enable_hashjoin="off", enable_mergejoin="off"):
        _match_by_index(cursor)


def _match_by_index(cursor: Any) -> None:
    sequence = f"pg_get_serial_sequence('{Transaction._meta.db_table}', 'id')"
    same = " AND ".join(
        f"t.{name} IS NOT DISTINCT FROM s.{name}" if name in _NULLABLE else f"t.{name} = s.{name}"
        for name in _FIELDS
    )
    # The shares are compared in a subquery of the CASE, not a join: it runs only for
    # stored rows whose fields are unchanged, and cannot reorder the join above.
    same_shares = (
        "(SELECT coalesce(array_agg(person_id ORDER BY person_id), '{}') = s.people "
        "AND coalesce(array_agg(percent ORDER BY person_id), '{}') = s.percents "
        f"FROM {_table(TransactionCredit)} WHERE transaction_id = t.id)"
    )
    _temp(
        cursor,
        _MATCH,
        f"""
        SELECT s.*, coalesce(t.id, nextval({sequence})) AS id,
          CASE WHEN t.id IS NULL THEN 'n'
               WHEN {same} AND {same_shares} THEN 'u'
               ELSE 'c' END AS state
        FROM {_STAGE} s
        LEFT JOIN {_table(Transaction)} t
          ON t.source = s.source AND t.external_id = s.external_id
        """,
    )


def _matched_states(cursor: Any) -> dict[str, int]:
    """Match the staged rows with what is stored now; how many are in each state."""
    _match(cursor)
    cursor.execute(f"SELECT state, count(*) FROM {_MATCH} GROUP BY state")
    return dict(cursor.fetchall())


def _write_sales(cursor: Any) -> None:
    now = timezone.now()
    assignments = ", ".join(f"{name} = m.{name}" for name in _FIELDS)
    cursor.execute(
        f"UPDATE {_table(Transaction)} t SET {assignments}, updated_at = %s "
        f"FROM {_MATCH} m WHERE m.state = 'c' AND t.id = m.id",
        [now],
    )
    columns = ", ".join(_FIELDS)
    cursor.execute(
        f"INSERT INTO {_table(Transaction)} (id, source, external_id, {columns}, created_at, updated_at) "
        f"SELECT id, source, external_id, {columns}, %s, %s FROM {_MATCH} WHERE state = 'n' ORDER BY id",
        [now, now],
    )
    cursor.execute(
        f"DELETE FROM {_table(TransactionCredit)} WHERE transaction_id IN "
        f"(SELECT id FROM {_MATCH} WHERE state = 'c')"
    )
    cursor.execute(
        f"INSERT INTO {_table(TransactionCredit)} (transaction_id, person_id, percent) "
        f"SELECT m.id, u.person_id, u.percent FROM {_MATCH} m, "
        "unnest(m.people, m.percents) WITH ORDINALITY AS u(person_id, percent, ord) "
        "WHERE m.state <> 'u' ORDER BY m.id, u.ord"
    )


_CREDIT_COLUMNS = "tx, person_id, metric_id, kind, day, value, distinct_key, unit_id, unit_path"


def _take_old_credits(cursor: Any) -> None:
    """Move the stored credits of changed transactions out of the credit table into a
    scratch table, from which they are folded out of the aggregates."""
    _temp(
        cursor,
        _OLD,
        f"SELECT transaction_id AS tx, person_id, metric_id, kind, day, value, distinct_key, "
        f"unit_id, unit_path FROM {_table(Credit)} WHERE false",
    )
    cursor.execute(
        f"WITH gone AS (DELETE FROM {_table(Credit)} WHERE transaction_id IN "
        f"(SELECT id FROM {_MATCH} WHERE state = 'c') RETURNING transaction_id, person_id, "
        f"metric_id, kind, day, value, distinct_key, unit_id, unit_path) "
        f"INSERT INTO {_OLD} SELECT * FROM gone"
    )


def _new_credits(cursor: Any, metrics: list[_MetricSql], unplaced: Placement | None) -> None:
    """Every credit of the written transactions, as the row-by-row rules give them; a
    share of someone with no placement on the day rolls up through ``unplaced``."""
    if not metrics:
        _temp(cursor, _NEW, f"SELECT * FROM {_OLD} WHERE false")
        return
    wholes: list[str] = []
    params: list[Any] = []
    for metric in metrics:
        wholes.append(
            f"SELECT m.id AS tx, {metric.id}::bigint AS metric_id, '{metric.aggregation}'::text AS agg, "
            f"{metric.whole_sql} AS whole, {metric.key_sql}::text AS key "
            f"FROM {_MATCH} m WHERE m.state <> 'u' AND NOT m.is_cancelled AND {metric.filter_sql}"
        )
        params.extend(metric.filter_params)
    counted = ", ".join(f"'{name}'" for name in COUNTED)
    _temp(
        cursor,
        _NEW,
        f"""
        WITH wholes AS ({" UNION ALL ".join(wholes)}),
        shares AS (
          SELECT m.id AS tx, m.date AS day, u.person_id, u.percent, u.ord,
                 cardinality(m.people) AS n,
                 sum(u.percent) OVER (PARTITION BY m.id) AS total_percent
          FROM {_MATCH} m, unnest(m.people, m.percents) WITH ORDINALITY AS u(person_id, percent, ord)
          WHERE m.state <> 'u' AND NOT m.is_cancelled
        ),
        placed AS (
          SELECT DISTINCT ON (s.tx, s.person_id) s.*,
                 coalesce(a.unit_id, %s::bigint) AS unit_id,
                 coalesce(un.path, %s::text, '') AS unit_path
          FROM shares s
          LEFT JOIN {_table(Assignment)} a ON a.person_id = s.person_id
            AND a.valid_from <= s.day AND (a.valid_to IS NULL OR s.day <= a.valid_to)
          LEFT JOIN {_table(Unit)} un ON un.id = a.unit_id
          ORDER BY s.tx, s.person_id, (a.role <> 'member'), a.valid_from DESC, a.unit_id
        ),
        split AS (
          SELECT p.*, w.metric_id, w.agg, w.whole, w.key,
                 abs(w.whole)::numeric * p.percent / 100 AS exact
          FROM placed p JOIN wholes w ON w.tx = p.tx
        ),
        single AS (
          SELECT tx, person_id, metric_id, 'direct'::text AS kind, day,
                 CASE WHEN agg IN ({counted}) THEN whole
                      ELSE (sign(whole::numeric) * round(exact))::bigint END AS value,
                 key AS distinct_key, unit_id, unit_path
          FROM split WHERE n = 1
        ),
        ranked AS (
          SELECT split.*,
                 round(abs(whole)::numeric * total_percent / 100)
                   - sum(floor(exact)) OVER (PARTITION BY tx, metric_id) AS leftover,
                 row_number() OVER (PARTITION BY tx, metric_id
                                    ORDER BY exact - floor(exact) DESC, ord) AS place
          FROM split WHERE n > 1
        ),
        several AS (
          SELECT tx, person_id, metric_id, 'direct'::text AS kind, day,
                 CASE WHEN agg IN ({counted}) THEN whole
                      ELSE (sign(whole::numeric) * (floor(exact) + CASE WHEN place <= leftover
                                                               THEN 1 ELSE 0 END))::bigint
                 END AS value,
                 key AS distinct_key, unit_id, unit_path
          FROM ranked
        ),
        overlays AS (
          SELECT w.tx, o.person_id, w.metric_id, 'overlay'::text AS kind, m.date AS day,
                 CASE WHEN w.agg IN ({counted}) THEN w.whole
                      ELSE (sign(w.whole::numeric) * round(abs(w.whole)::numeric * o.percent / 100))::bigint
                 END AS value,
                 w.key AS distinct_key, NULL::bigint AS unit_id, ''::text AS unit_path
          FROM wholes w
          JOIN {_MATCH} m ON m.id = w.tx
          JOIN {_table(OverlayRule)} o ON o.product_group = m.product_group
            AND o.valid_from <= m.date AND (o.valid_to IS NULL OR m.date <= o.valid_to)
          WHERE NOT (o.person_id = ANY(m.people))
        )
        SELECT * FROM single UNION ALL SELECT * FROM several UNION ALL SELECT * FROM overlays
        """,
        [
            *params,
            unplaced.unit_id if unplaced else None,
            unplaced.path if unplaced else None,
        ],
    )
    cursor.execute(f"ANALYZE {_NEW}")
    cursor.execute(
        f"INSERT INTO {_table(Credit)} (transaction_id, person_id, metric_id, kind, day, value, "
        f"distinct_key, unit_id, unit_path) SELECT {_CREDIT_COLUMNS} FROM {_NEW}"
    )


_CELLS = "qf_cell_delta"
_SUMS = "qf_cell_sum"
_KEYS = "qf_key_delta"


def _collect(cursor: Any) -> None:
    """Add the chunk's deltas — its new credits, less the old ones it replaced — per
    aggregate cell and per distinct key to the load's running tables, which
    :func:`_fold` writes into the aggregates once per load."""
    counted = ", ".join(f"'{name}'" for name in COUNTED)
    deltas = (
        f"deltas AS (SELECT *, 1 AS sgn FROM {_NEW} UNION ALL SELECT *, -1 FROM {_OLD}), "
        "per_unit AS (SELECT d.tx, d.metric_id, d.day, r.unit_id, d.sgn, d.distinct_key, "
        "  sum(d.value) AS value "
        "  FROM deltas d CROSS JOIN LATERAL "
        "    unnest(string_to_array(trim(both '/' from d.unit_path), '/')::bigint[]) AS r(unit_id) "
        "  WHERE d.kind = 'direct' AND d.unit_path <> '' "
        "  GROUP BY d.tx, d.metric_id, d.day, r.unit_id, d.sgn, d.distinct_key)"
    )
    cursor.execute(
        f"""
        WITH {deltas}
        INSERT INTO {_CELLS}
        SELECT metric_id, 'person'::text, person_id, day, sum(sgn * value), sum(sgn)
        FROM deltas GROUP BY metric_id, person_id, day
        UNION ALL
        SELECT p.metric_id, 'unit', p.unit_id, p.day,
               sum(p.sgn * CASE WHEN mt.aggregation IN ({counted}) THEN 1 ELSE p.value END),
               sum(p.sgn)
        FROM per_unit p JOIN {_table(Metric)} mt ON mt.id = p.metric_id
        GROUP BY p.metric_id, p.unit_id, p.day
        """
    )
    cursor.execute(
        f"""
        WITH {deltas}
        INSERT INTO {_KEYS}
        SELECT metric_id, 'person'::text, person_id, day, distinct_key, sum(sgn)
        FROM deltas WHERE distinct_key <> '' GROUP BY metric_id, person_id, day, distinct_key
        UNION ALL
        SELECT metric_id, 'unit', unit_id, day, distinct_key, sum(sgn)
        FROM per_unit WHERE distinct_key <> '' GROUP BY metric_id, unit_id, day, distinct_key
        """
    )


def _fold(cursor: Any) -> set[int]:
    """Write the load's deltas into the aggregates, each cell once and in key order (the
    same lock order as the row-by-row path); returns the touched metric ids.

    Folding once per load rather than per chunk writes a cell that many chunks touch
    (a region's or the company's day) once, and the upserts walk the aggregate index in
    order instead of revisiting all of it for every chunk. The deltas are summed per day
    once; the monthly cells are summed from those daily sums."""
    touched: set[int] = set()
    _temp(
        cursor,
        _SUMS,
        f"SELECT metric_id, owner_type, owner_id, day, sum(value) AS value, sum(count) AS count "
        f"FROM {_CELLS} GROUP BY metric_id, owner_type, owner_id, day "
        "HAVING sum(value) <> 0 OR sum(count) <> 0",
    )
    cursor.execute(
        f"""
        WITH written AS (
          INSERT INTO {_table(DailyAggregate)} AS t (metric_id, owner_type, owner_id, day, value, count)
          SELECT metric_id, owner_type, owner_id, day, value, count FROM {_SUMS}
          ORDER BY metric_id, owner_type, owner_id, day
          ON CONFLICT (metric_id, owner_type, owner_id, day)
          DO UPDATE SET value = t.value + excluded.value, count = t.count + excluded.count
          RETURNING metric_id
        )
        SELECT DISTINCT metric_id FROM written
        """
    )
    touched.update(row[0] for row in cursor.fetchall())
    cursor.execute(
        f"""
        INSERT INTO {_table(MonthlyAggregate)} AS t (metric_id, owner_type, owner_id, month, value, count)
        SELECT metric_id, owner_type, owner_id, date_trunc('month', day)::date, sum(value), sum(count)
        FROM {_SUMS}
        GROUP BY 1, 2, 3, 4
        HAVING sum(value) <> 0 OR sum(count) <> 0
        ORDER BY 1, 2, 3, 4
        ON CONFLICT (metric_id, owner_type, owner_id, month)
        DO UPDATE SET value = t.value + excluded.value, count = t.count + excluded.count
        """
    )
    cursor.execute(
        f"""
        WITH written AS (
          INSERT INTO {_table(DistinctKeyDay)} AS t (metric_id, owner_type, owner_id, day, key, refs)
          SELECT metric_id, owner_type, owner_id, day, key, sum(refs) FROM {_KEYS}
          GROUP BY metric_id, owner_type, owner_id, day, key
          HAVING sum(refs) <> 0
          ORDER BY metric_id, owner_type, owner_id, day, key
          ON CONFLICT (metric_id, owner_type, owner_id, day, key)
          DO UPDATE SET refs = t.refs + excluded.refs
          RETURNING metric_id
        )
        SELECT DISTINCT metric_id FROM written
        """
    )
    touched.update(row[0] for row in cursor.fetchall())
    cursor.execute(f"TRUNCATE {_CELLS}, {_KEYS}")
    return touched


def _recredited(cursor: Any) -> int:
    """Transactions whose credits differ from before: new ones with any credit, and
    changed ones whose set of credits is not the same as the one they replaced."""
    cursor.execute(
        f"""
        SELECT count(*) FROM (
          SELECT DISTINCT n.tx FROM {_NEW} n JOIN {_MATCH} m ON m.id = n.tx AND m.state = 'n'
          UNION ALL
          SELECT tx FROM (
            (SELECT {_CREDIT_COLUMNS} FROM {_NEW} n WHERE n.tx IN
               (SELECT id FROM {_MATCH} WHERE state = 'c')
             EXCEPT ALL SELECT {_CREDIT_COLUMNS} FROM {_OLD})
            UNION
            (SELECT {_CREDIT_COLUMNS} FROM {_OLD}
             EXCEPT ALL SELECT {_CREDIT_COLUMNS} FROM {_NEW})
          ) differing GROUP BY tx
        ) recredited
        """
    )
    return int(cursor.fetchone()[0])


def _session(cursor: Any) -> None:
    """Settings for the rest of the database transaction."""
    # Sorts and hash aggregates over a whole chunk: room to do them in memory.
    cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
    # Compiling these statements to machine code (JIT) costs up to a second each, far
    # more than running them: the planner's cost estimates for scratch tables are what
    # trigger it, not the work.
    cursor.execute("SET LOCAL jit = off")


class Load:
    """One set-based load: any number of chunks, then :meth:`finish`, all inside one
    database transaction (the caller's).

    Each chunk stores its transactions, shares and credits at once; the aggregate deltas
    of all chunks are summed per cell and written by :meth:`finish`, so every dashboard
    number changes at commit together with the sales behind it, never in part. Call
    only when :func:`available` is true.
    """

    def __init__(self, *, source: str) -> None:
        if not connection.in_atomic_block:
            raise RuntimeError("a set-based load runs inside a database transaction")
        metrics = _metrics()
        if metrics is None:
            raise RuntimeError("a transaction metric cannot be credited set-based; use recredit")
        self.metrics = metrics
        self.source = source
        self.changed = False
        with connection.cursor() as cursor:
            _session(cursor)
            for name, key in (
                (_CELLS, "value numeric, count bigint"),
                (_KEYS, "key text, refs bigint"),
            ):
                cursor.execute(
                    f"CREATE TEMP TABLE IF NOT EXISTS {name} (metric_id bigint, owner_type text, "
                    f"owner_id bigint, day date, {key}) ON COMMIT DROP"
                )
                cursor.execute(f"TRUNCATE {name}")

    def add(self, rows: Sequence[Any]) -> ChunkResult:
        """Store ``rows`` (``TransactionRow``) and their credits; their aggregate deltas
        wait for :meth:`finish`."""
        by_source(rows, self.source)  # refuses an external id twice in one chunk
        if not rows:
            return ChunkResult(0, 0, 0, 0)
        if any(row.company_amount_minor is None for row in rows):
            rows = with_company_amounts(rows)
        unplaced = unplaced_shares(rows)
        with connection.cursor() as cursor:
            _stage(cursor, rows, self.source)
            cursor.execute(f"ANALYZE {_STAGE}")  # row counts for the planner's join choices
            states = _matched_states(cursor)
            if not states.get("n") and not states.get("c"):
                return ChunkResult(0, 0, states.get("u", 0), 0, unplaced)
            if not self.changed:
                # Concurrent loads of the same metrics queue here, before either writes a
                # credit, rather than deadlocking over aggregate cells later.
                lock_markers(metric.id for metric in self.metrics)
                self.changed = True
                # A load that held the lock may have stored some of these rows meanwhile;
                # matched again now, they are known rows, not inserts that would collide.
                states = _matched_states(cursor)
            _write_sales(cursor)
            _take_old_credits(cursor)
            bucket = as_placement(unplaced_unit(create=True)) if unplaced.credits else None
            _new_credits(cursor, self.metrics, bucket)
            _collect(cursor)
            recredited = _recredited(cursor)
        return ChunkResult(
            states.get("n", 0), states.get("c", 0), states.get("u", 0), recredited, unplaced
        )

    def finish(self) -> None:
        """Fold every chunk's deltas into the aggregates and tell open dashboards."""
        if not self.changed:
            return
        with connection.cursor() as cursor:
            touched = _fold(cursor)
        bump_markers(touched)
