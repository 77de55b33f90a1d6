"""Writing a run's computed statements and their lines, in bulk.

A run of 100,000 reps writes 100,000 statements and several lines each, every line with
its sentence and the JSON that explains it. On PostgreSQL the rows are streamed with
``COPY`` (the statements' ids are drawn from their sequence first, so the lines can name
them): Django's bulk insert sends each text column as an array literal whose quoting alone
cost more than the rest of the run's writes. Elsewhere (SQLite) they go through
``bulk_create`` in batches. Both write the same values: each line's words and detail come
from ``incentives.explaining``, and the statements are written in person order.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import Any

from django.db import connection

from quotaflow.incentives.engine import Statement as ComputedStatement
from quotaflow.incentives.engine import describe
from quotaflow.incentives.explaining import line_detail, money_words
from quotaflow.incentives.models import PayoutRun, Statement, StatementLine

MoneyWriter = Callable[[Decimal], str]
BATCH_SIZE = 2_000
STATEMENT_COLUMNS = (
    "id", "run_id", "person_id", "total_minor", "earned_minor", "balance_minor",
    "counted_refs", "spif_paid", "excluded",
)  # fmt: skip
LINE_COLUMNS = (
    "statement_id", "position", "kind", "component", "amount_minor", "words", "detail",
)  # fmt: skip


def store_statements(
    run: PayoutRun, computed: Mapping[int, ComputedStatement], currency: str
) -> None:
    """Write ``computed`` (each rep's statement, by person id) as ``run``'s statements."""
    ordered = sorted(computed.items())
    write = money_words(currency)  # one writer for every line (as line_words would make)
    if connection.vendor == "postgresql":
        _copy(run, ordered, write)
    else:
        _bulk_create(run, ordered, write)


def _fields(result: ComputedStatement) -> dict[str, Any]:
    return {
        "total_minor": result.total_minor,
        "earned_minor": result.earned_minor,
        "balance_minor": result.balance_minor,
        "counted_refs": sorted(result.counted_refs),
        "spif_paid": {name: dict(paid) for name, paid in result.spif_paid.items()},
        "excluded": [
            {"ref": item.credit.ref, "metric": item.metric, "reason": item.reason}
            for item in result.excluded
        ],
    }


def _lines(result: ComputedStatement, write: MoneyWriter) -> Iterator[dict[str, Any]]:
    for position, line in enumerate(result.lines, start=1):
        yield {
            "position": position,
            "kind": line.kind.value,
            "component": line.component,
            "amount_minor": line.amount_minor,
            "words": describe(line, write),
            "detail": line_detail(line),
        }


def _bulk_create(
    run: PayoutRun, ordered: list[tuple[int, ComputedStatement]], write: MoneyWriter
) -> None:
    stored = Statement.objects.bulk_create(
        [
            Statement(run=run, person_id=person_id, **_fields(result))
            for person_id, result in ordered
        ],
        batch_size=BATCH_SIZE,
    )
    StatementLine.objects.bulk_create(
        (
            StatementLine(statement=statement, **values)
            for statement, (_, result) in zip(stored, ordered, strict=True)
            for values in _lines(result, write)
        ),
        batch_size=BATCH_SIZE,
    )


def _copy(run: PayoutRun, ordered: list[tuple[int, ComputedStatement]], write: MoneyWriter) -> None:
    quote = connection.ops.quote_name
    statements, lines = Statement._meta.db_table, StatementLine._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [statements, len(ordered)],
        )
        ids = sorted(row[0] for row in cursor.fetchall())
        raw = cursor.cursor
        with raw.copy(
            f"COPY {quote(statements)} ({', '.join(STATEMENT_COLUMNS)}) FROM STDIN"
        ) as copy:
            for statement_id, (person_id, result) in zip(ids, ordered, strict=True):
                fields = _fields(result)
                copy.write_row(
                    (
                        statement_id, run.pk, person_id, fields["total_minor"],
                        fields["earned_minor"], fields["balance_minor"],
                        json.dumps(fields["counted_refs"]), json.dumps(fields["spif_paid"]),
                        json.dumps(fields["excluded"]),
                    )
                )  # fmt: skip
        with raw.copy(f"COPY {quote(lines)} ({', '.join(LINE_COLUMNS)}) FROM STDIN") as copy:
            for statement_id, (_, result) in zip(ids, ordered, strict=True):
                for values in _lines(result, write):
                    copy.write_row(
                        (
                            statement_id, values["position"], values["kind"],
                            values["component"], values["amount_minor"], values["words"],
                            json.dumps(values["detail"]),
                        )
                    )  # fmt: skip
