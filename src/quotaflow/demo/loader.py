"""Writing a demo plan into the database, fast and in bounded memory.

Rows go in as plain tuples with ids chosen here (so that unit paths and credits can refer
to them before they exist): through ``COPY … FROM STDIN`` on PostgreSQL and ``executemany``
elsewhere, one month of sales at a time, all inside one database transaction. Id sequences
are reset afterwards so that later inserts through the ORM continue after the demo rows.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone
from tqdm import tqdm

from quotaflow.accounts.models import User
from quotaflow.core.audit import record
from quotaflow.core.errors import Conflict
from quotaflow.core.models import Company
from quotaflow.demo import generator as gen
from quotaflow.demo import names
from quotaflow.metrics.models import Metric
from quotaflow.org.models import Assignment, AssignmentRole, Person, Unit
from quotaflow.sales.models import Activity, Transaction, TransactionCredit


@dataclass(frozen=True)
class LoginRow:
    """A printed demo login."""

    username: str
    role: str
    name: str
    description: str


@dataclass
class DemoSummary:
    """What a demo build wrote, for the command line and the tests."""

    seed: int
    size: str
    first_day: str
    last_day: str
    units: int = 0
    teams: int = 0
    people: int = 0
    reps: int = 0
    transactions: int = 0
    credit_notes: int = 0
    credits: int = 0
    activities: int = 0
    amount_minor_total: int = 0
    seconds: float = 0.0
    logins: list[LoginRow] = field(default_factory=list)
    password: str = gen.DEMO_PASSWORD


def demo_present() -> bool:
    """Whether the demo company's root unit exists."""
    return Unit.objects.filter(code=gen.ROOT_CODE).exists()


def _iso(day_numbers: np.ndarray) -> list[str | None]:
    """ISO dates for day numbers; ``NEVER`` becomes None (an open end)."""
    open_end = day_numbers == gen.NEVER
    text = np.where(open_end, 0, day_numbers).astype("datetime64[D]").astype(str).tolist()
    if not open_end.any():
        return text
    return [None if is_open else day for day, is_open in zip(text, open_end.tolist(), strict=True)]


class _TableWriter:
    """Inserts tuples into one model's table by COPY (PostgreSQL) or executemany."""

    def __init__(self, model: type[models.Model], fields: Sequence[str]) -> None:
        meta = model._meta
        quote = connection.ops.quote_name
        self.table = quote(meta.db_table)
        self.columns = ", ".join(quote(_column(model, name)) for name in fields)
        self.placeholders = ", ".join(["%s"] * len(fields))

    def write(self, rows: Iterable[tuple[Any, ...]]) -> None:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {self.table} ({self.columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                cursor.executemany(
                    f"INSERT INTO {self.table} ({self.columns}) VALUES ({self.placeholders})",  # noqa: S608 - names from model meta
                    list(rows),
                )

    def write_columns(self, columns: Sequence[Sequence[Any]]) -> None:
        """Insert rows given column by column (every column equally long)."""
        if connection.vendor != "postgresql":
            self.write(zip(*columns, strict=True))
            return
        if not columns or not columns[0]:
            return
        # One text block per batch: formatting whole columns beats a Python call per row.
        text_columns = [_copy_text(column) for column in columns]
        payload = "\n".join(map("\t".join, zip(*text_columns, strict=True))) + "\n"
        with connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY {self.table} ({self.columns}) FROM STDIN") as copy:
                copy.write(payload)


_COPY_SPECIALS = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(values: Sequence[Any]) -> list[str]:
    """One column in COPY's text format: NULL as \\N, booleans as t/f, specials escaped."""
    if None in values:
        return ["\\N" if value is None else _copy_text([value])[0] for value in values]
    first = values[0]
    if isinstance(first, bool):
        return ["t" if value else "f" for value in values]
    if isinstance(first, str):
        texts = list(values)
        joined = "".join(texts)
        if any(special in joined for special in "\\\t\n\r"):
            return [text.translate(_COPY_SPECIALS) for text in texts]
        return texts
    return list(map(str, values))


def _column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or not field.column:
        raise ValueError(f"{model.__name__}.{name} is not a database column")
    return field.column


def _next_id(model: type[models.Model]) -> int:
    return int(model._default_manager.aggregate(top=Max("pk"))["top"] or 0) + 1


def write_plan(
    plan: gen.CompanyPlan,
    *,
    progress: bool = False,
    after_insert: Callable[[range], None] | None = None,
) -> DemoSummary:
    """Write the company, its organisation, logins, metrics and sales history in one
    database transaction. Refuses when the demo company is already there."""
    started = time.perf_counter()
    summary = DemoSummary(
        seed=plan.seed,
        size=plan.size.name,
        first_day=gen.to_date(plan.first_day).isoformat(),
        last_day=gen.to_date(plan.last_day).isoformat(),
    )
    with transaction.atomic():
        if demo_present():
            raise Conflict(
                "The demo company is already in this database; rebuild it with 'quotaflow demo --rebuild'."
            )
        # One timestamp, as text, for every row written (COPY and executemany both take it).
        now = str(connection.ops.adapt_datetimefield_value(timezone.now()))
        with tqdm(
            total=5, desc="Organisation", unit="step", disable=not progress, leave=False
        ) as bar:
            _write_company()
            bar.update(1)
            unit_ids = _write_units(plan, now, summary)
            bar.set_description("Logins")
            bar.update(1)
            users = _write_users(plan)
            bar.set_description("People")
            bar.update(1)
            person_ids = _write_people(plan, users, summary)
            bar.set_description("Assignments")
            bar.update(1)
            _write_assignments(plan, person_ids, unit_ids)
            _write_metrics()
            bar.update(1)
        _write_sales(plan, person_ids, now, summary, progress=progress, after_insert=after_insert)
        _reset_sequences()
        summary.seconds = time.perf_counter() - started
        summary.logins = [
            LoginRow(
                login.username,
                login.role,
                f"{login.first_name} {login.last_name}",
                login.description,
            )
            for login in plan.logins
        ]
        record(
            actor=None,
            action="demo.built",
            object_type="demo",
            object_id=str(plan.seed),
            changes={
                "size": plan.size.name,
                "transactions": summary.transactions,
                "activities": summary.activities,
            },
            reason="Demo company generated by 'quotaflow demo'.",
        )
    return summary


def _write_company() -> None:
    # An empty installation may already hold the default settings row (Company.current()).
    Company.objects.all().delete()
    Company.objects.create(
        name=gen.COMPANY_NAME,
        currency=gen.CURRENCY,
        fiscal_year_start_month=gen.FISCAL_YEAR_START_MONTH,
    )


def _write_units(plan: gen.CompanyPlan, now: Any, summary: DemoSummary) -> np.ndarray:
    first_id = _next_id(Unit)
    ids = np.arange(first_id, first_id + len(plan.units), dtype=np.int64)
    paths: list[str] = []
    depths: list[int] = []
    rows = []
    for index, unit in enumerate(plan.units):
        parent_path = paths[unit.parent] if unit.parent >= 0 else "/"
        paths.append(f"{parent_path}{ids[index]}/")
        depths.append(depths[unit.parent] + 1 if unit.parent >= 0 else 0)
        parent_id = int(ids[unit.parent]) if unit.parent >= 0 else None
        rows.append(
            (
                int(ids[index]),
                unit.code,
                unit.name,
                unit.kind,
                parent_id,
                unit.territory,
                paths[-1],
                depths[-1],
                now,
            )
        )
    _TableWriter(
        Unit, ["id", "code", "name", "kind", "parent", "territory", "path", "depth", "created_at"]
    ).write(rows)
    summary.units = len(rows)
    summary.teams = sum(1 for unit in plan.units if unit.kind == "team")
    return ids


def _write_users(plan: gen.CompanyPlan) -> dict[int, int]:
    """Create the demo logins (one password hash shared by all); map person index → user id."""
    password = make_password(gen.DEMO_PASSWORD)
    existing = set(
        User.objects.filter(username__in=[login.username for login in plan.logins]).values_list(
            "username", flat=True
        )
    )
    if existing:
        raise Conflict(
            f"Users {', '.join(sorted(existing))} already exist; the demo needs an empty database."
        )
    users = User.objects.bulk_create(
        User(
            username=login.username,
            role=login.role,
            first_name=login.first_name,
            last_name=login.last_name,
            password=password,
            is_staff=login.role == "admin",
            is_superuser=login.role == "admin",
        )
        for login in plan.logins
    )
    by_name = {user.username: user.pk for user in users}
    if any(pk is None for pk in by_name.values()):
        by_name = dict(
            User.objects.filter(username__in=list(by_name)).values_list("username", "pk")
        )
    return {
        login.person: by_name[login.username] for login in plan.logins if login.person is not None
    }


def _write_people(plan: gen.CompanyPlan, users: dict[int, int], summary: DemoSummary) -> np.ndarray:
    first_id = _next_id(Person)
    count = len(plan.people_names)
    ids = np.arange(first_id, first_id + count, dtype=np.int64)
    hired, left = _iso(plan.people_hired), _iso(plan.people_left)
    rows = (
        (
            int(ids[i]),
            f"DEMO-E{i + 1:06d}",
            plan.people_names[i],
            _email(plan.people_names[i], i),
            plan.people_titles[i],
            users.get(i),
            hired[i],
            left[i],
        )
        for i in range(count)
    )
    _TableWriter(
        Person,
        [
            "id",
            "external_id",
            "full_name",
            "email",
            "title",
            "user",
            "hire_date",
            "termination_date",
        ],
    ).write(rows)
    summary.people = count
    summary.reps = len(plan.rep_person)
    return ids


def _email(full_name: str, index: int) -> str:
    local = ".".join(part.lower().replace("'", "") for part in full_name.split())
    return f"{local}.{index + 1}@northwind-analytics.example"


def _write_assignments(plan: gen.CompanyPlan, person_ids: np.ndarray, unit_ids: np.ndarray) -> None:
    first_id = _next_id(Assignment)
    count = len(plan.assignment_person)
    persons = person_ids[plan.assignment_person].tolist()
    units = unit_ids[plan.assignment_unit].tolist()
    roles = np.where(
        plan.assignment_is_manager, AssignmentRole.MANAGER.value, AssignmentRole.MEMBER.value
    ).tolist()
    rows = zip(
        range(first_id, first_id + count),
        persons,
        units,
        roles,
        _iso(plan.assignment_from),
        _iso(plan.assignment_to),
        strict=True,
    )
    _TableWriter(Assignment, ["id", "person", "unit", "role", "valid_from", "valid_to"]).write(rows)


METRICS = [
    # code, name, description, unit, source, aggregation, value_field, filters, activity_type
    (
        "revenue",
        "Revenue",
        "Booked revenue, net of credit notes; cancelled deals do not count.",
        "currency",
        "transactions",
        "sum",
        "amount",
        {},
        "",
    ),
    (
        "new-business-revenue",
        "New-business revenue",
        "Revenue from deals with new customers.",
        "currency",
        "transactions",
        "sum",
        "amount",
        {"deal_type": ["new_business"]},
        "",
    ),
    (
        "software-revenue",
        "Software revenue",
        "Revenue from the Software product group.",
        "currency",
        "transactions",
        "sum",
        "amount",
        {"product_group": ["Software"]},
        "",
    ),
    (
        "units",
        "Units sold",
        "Licences, service days, appliances and contracts sold.",
        "count",
        "transactions",
        "sum",
        "quantity",
        {},
        "",
    ),
    (
        "new-logos",
        "New logos",
        "Distinct customer accounts won on new-business deals.",
        "count",
        "transactions",
        "distinct_count",
        "account",
        {"deal_type": ["new_business"]},
        "",
    ),
    (
        "calls",
        "Calls",
        "Customer calls made.",
        "count",
        "activities",
        "sum",
        "quantity",
        {},
        "call",
    ),
    (
        "meetings",
        "Meetings",
        "Customer meetings held.",
        "count",
        "activities",
        "sum",
        "quantity",
        {},
        "meeting",
    ),
    (
        "demos",
        "Product demos",
        "Product demonstrations given.",
        "count",
        "activities",
        "sum",
        "quantity",
        {},
        "demo",
    ),
    (
        "customer-satisfaction",
        "Customer satisfaction",
        "Survey score from 0 to 10, entered by sales ops.",
        "score",
        "manual",
        "average",
        "value",
        {},
        "",
    ),
]


def _write_metrics() -> None:
    existing = set(Metric.objects.values_list("code", flat=True))
    Metric.objects.bulk_create(
        Metric(
            code=code,
            name=name,
            description=description,
            unit=unit,
            source=source,
            aggregation=aggregation,
            value_field=value_field,
            filters=filters,
            activity_type=activity_type,
        )
        for code, name, description, unit, source, aggregation, value_field, filters, activity_type in METRICS
        if code not in existing
    )


TRANSACTION_FIELDS = [
    "id",
    "source",
    "external_id",
    "date",
    "amount_minor",
    "currency",
    "company_amount_minor",
    "quantity",
    "product",
    "product_group",
    "account",
    "deal_type",
    "is_cancelled",
    "attributes",
    "created_at",
    "updated_at",
]
CREDIT_FIELDS = ["id", "transaction", "person", "percent"]
ACTIVITY_FIELDS = [
    "id",
    "source",
    "external_id",
    "date",
    "person",
    "activity_type",
    "quantity",
    "account",
    "attributes",
    "created_at",
    "updated_at",
]


def _write_sales(
    plan: gen.CompanyPlan,
    person_ids: np.ndarray,
    now: Any,
    summary: DemoSummary,
    *,
    progress: bool,
    after_insert: Callable[[range], None] | None,
) -> None:
    writers = (
        _TableWriter(Transaction, TRANSACTION_FIELDS),
        _TableWriter(TransactionCredit, CREDIT_FIELDS),
        _TableWriter(Activity, ACTIVITY_FIELDS),
    )
    next_ids = [_next_id(Transaction), _next_id(TransactionCredit), _next_id(Activity)]
    rep_person_ids = person_ids[plan.rep_person]
    months = gen.month_ranges(plan)
    with tqdm(
        total=len(months), desc="Sales history", unit="month", disable=not progress, leave=False
    ) as bar:
        for chunk in gen.sales_chunks(plan):
            first_txn = next_ids[0]
            for writer, columns in zip(
                writers, _chunk_columns(chunk, next_ids, rep_person_ids, now), strict=True
            ):
                writer.write_columns(columns)
            if after_insert is not None:
                after_insert(range(first_txn, next_ids[0]))
            summary.transactions += len(chunk.day)
            summary.credit_notes += int((chunk.credit_note_of >= 0).sum())
            summary.credits += len(chunk.day) + int((chunk.partner >= 0).sum())
            summary.activities += len(chunk.activity_day)
            summary.amount_minor_total += int(chunk.amount_minor.sum())
            bar.update(1)
            bar.set_postfix(transactions=f"{summary.transactions:,}")


def _chunk_columns(
    chunk: gen.SalesChunk, next_ids: list[int], rep_person_ids: np.ndarray, now: Any
) -> tuple[list[list[Any]], list[list[Any]], list[list[Any]]]:
    """Columns of one month's rows for the three tables; advances ``next_ids`` past them."""
    count = len(chunk.day)
    txn_ids = np.arange(next_ids[0], next_ids[0] + count, dtype=np.int64)
    external = [f"DEMO-T{i:010d}" for i in txn_ids.tolist()]
    attributes = [
        json.dumps({"credit_note_for": external[origin]}) if origin >= 0 else "{}"
        for origin in chunk.credit_note_of.tolist()
    ]
    products = [gen.PRODUCTS[p] for p in chunk.product.tolist()]
    txn_columns: list[list[Any]] = [
        txn_ids.tolist(),
        [gen.SOURCE] * count,
        external,
        _iso(chunk.day),
        chunk.amount_minor.tolist(),
        [gen.CURRENCY] * count,
        # The demo company books in its own currency: no rate, the amount as it is.
        chunk.amount_minor.tolist(),
        chunk.quantity.tolist(),
        [p[1] for p in products],
        [p[0] for p in products],
        gen.account_names(chunk.account),
        [names.DEAL_TYPES[t] for t in chunk.deal_type.tolist()],
        chunk.is_cancelled.tolist(),
        attributes,
        [now] * count,
        [now] * count,
    ]

    split = chunk.partner >= 0
    credit_txn = np.concatenate([txn_ids, txn_ids[split]])
    credit_person = np.concatenate(
        [rep_person_ids[chunk.rep], rep_person_ids[chunk.partner[split]]]
    )
    percent = np.concatenate([np.where(split, 60, 100), np.full(int(split.sum()), 40)])
    credit_count = len(credit_txn)
    credit_columns: list[list[Any]] = [
        list(range(next_ids[1], next_ids[1] + credit_count)),
        credit_txn.tolist(),
        credit_person.tolist(),
        percent.tolist(),
    ]

    activity_count = len(chunk.activity_day)
    activity_ids = range(next_ids[2], next_ids[2] + activity_count)
    activity_columns: list[list[Any]] = [
        list(activity_ids),
        [gen.SOURCE] * activity_count,
        [f"DEMO-A{i:011d}" for i in activity_ids],
        _iso(chunk.activity_day),
        rep_person_ids[chunk.activity_rep].tolist(),
        [names.ACTIVITY_TYPES[t] for t in chunk.activity_type.tolist()],
        chunk.activity_quantity.tolist(),
        [""] * activity_count,
        ["{}"] * activity_count,
        [now] * activity_count,
        [now] * activity_count,
    ]
    next_ids[0] += count
    next_ids[1] += credit_count
    next_ids[2] += activity_count
    return txn_columns, credit_columns, activity_columns


def _reset_sequences() -> None:
    """Let the ORM's next inserts continue after the ids chosen here (PostgreSQL sequences)."""
    statements = connection.ops.sequence_reset_sql(
        no_style(), [Unit, Person, Assignment, Transaction, TransactionCredit, Activity]
    )
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
