"""History for the attainability model: per-person actuals by fiscal period, from the
sales data, in one aggregate query.

Credits (``TransactionCredit``) are summed per person and calendar month in the database
(the credited share of each transaction's amount, quantity or count, according to the
metric), then folded into fiscal quarters or years in Python — a few rows per person and
month, whatever the number of transactions. Activity metrics sum activities the same way.

A person is *in seat* for a period if hired on or before its last day and not gone before
it ends; other periods are ``NaN`` in the panel, so that absence is never read as a zero.
A person without a hire date counts as in seat from the first period with a credit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

import numpy as np
from django.db import connection
from django.db.models import (
    Aggregate,
    CharField,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Func,
    Max,
    Min,
    Q,
    Sum,
)
from django.db.models.functions import Cast, Substr, TruncMonth
from django.utils import timezone

from quotaflow.core.fiscal import FiscalCalendar, FiscalPeriod
from quotaflow.core.models import Company
from quotaflow.metrics.models import Metric
from quotaflow.org.models import Person
from quotaflow.sales.models import Activity, Transaction, TransactionCredit
from quotaflow.smart.attainability import LONG_TENURED, Panel

PeriodKind = Literal["quarter", "year"]
# Transaction fields a metric's ``filters`` may restrict on.
FILTERABLE = {"product", "product_group", "account", "deal_type", "currency"}
DEFAULT_PERIODS = {"quarter": 16, "year": 5}


@dataclass(frozen=True)
class HistoryPanel:
    """A :class:`Panel` with the people and fiscal periods behind its rows and columns."""

    panel: Panel
    person_ids: tuple[int, ...]
    columns: tuple[FiscalPeriod, ...]

    def row_of(self, person_id: int) -> int | None:
        """Row index of ``person_id`` (None if not in the panel)."""
        try:
            return self.person_ids.index(person_id)
        except ValueError:
            return None


def _transaction_filters(metric: Metric | None) -> Q:
    condition = Q(transaction__is_cancelled=False)
    for name, values in ((metric.filters or {}) if metric else {}).items():
        if name in FILTERABLE:
            condition &= Q(
                **{
                    f"transaction__{name}__in": list(values)
                    if isinstance(values, list)
                    else [values]
                }
            )
    return condition


def monthly_actuals(
    metric: Metric | None, start: dt.date, end: dt.date, person_ids: Collection[int] | None = None
) -> list[tuple[int, dt.date, float]]:
    """``(person_id, first day of month, actual)`` for every person and month with data
    in [start, end]. One query. ``metric=None`` means credited revenue (amounts)."""
    source = metric.source if metric else "transactions"
    if source == "activities":
        assert metric is not None  # noqa: S101 - activities only come from a metric
        activities = Activity.objects.filter(date__gte=start, date__lte=end)
        if metric.activity_type:
            activities = activities.filter(activity_type=metric.activity_type)
        if person_ids is not None:
            activities = activities.filter(person_id__in=list(person_ids))
        value = Count("pk") if metric.aggregation == "count" else Sum("quantity")
        rows = (
            activities.annotate(month=_month_of("date"))
            .values("person_id", "month")
            .annotate(total=value)
        )
        return [
            (row["person_id"], _as_date(row["month"]), float(row["total"] or 0))
            for row in rows.order_by()
        ]
    if source != "transactions":
        return []
    credits = TransactionCredit.objects.filter(
        _transaction_filters(metric), transaction__date__gte=start, transaction__date__lte=end
    )
    if person_ids is not None:
        credits = credits.filter(person_id__in=list(person_ids))
    share = DecimalField(max_digits=30, decimal_places=6)
    aggregation = metric.aggregation if metric else "sum"
    field = metric.value_field if metric else "amount"
    total: Aggregate
    if aggregation == "distinct_count":
        total = Count(f"transaction__{field if field in FILTERABLE else 'account'}", distinct=True)
    elif aggregation == "count":
        total = Sum(ExpressionWrapper(F("percent") / Decimal(100), output_field=share))
    elif field == "quantity":
        total = Sum(
            ExpressionWrapper(
                F("transaction__quantity") * F("percent") / Decimal(100), output_field=share
            )
        )
    else:
        total = Sum(
            ExpressionWrapper(
                F("transaction__company_amount_minor") * F("percent") / Decimal(100),
                output_field=share,
            )
        )
    credit_rows = (
        credits.annotate(month=_month_of("transaction__date"))
        .values("person_id", "month")
        .annotate(total=total)
        .order_by()
    )
    return [
        (row["person_id"], _as_date(row["month"]), float(row["total"] or 0)) for row in credit_rows
    ]


def _month_of(field: str) -> Func:
    """The month of a date column, computed in SQL.

    SQLite runs Django's TruncMonth as a Python function per row (about a second per
    quarter-million rows); its dates are ISO text, so the first seven characters are the
    month, natively. Other databases truncate natively.
    """
    if connection.vendor == "sqlite":
        return Substr(Cast(field, CharField()), 1, 7)
    return TruncMonth(field)


def _as_date(value: dt.date | dt.datetime | str) -> dt.date:
    """A month from :func:`_month_of` as the date of its first day."""
    if isinstance(value, str):
        return dt.date.fromisoformat(f"{value}-01")
    return value.date() if isinstance(value, dt.datetime) else value


def period_kind_of(start: dt.date, end: dt.date) -> PeriodKind:
    """Quarterly history for goals of up to a quarter, annual history for longer ones."""
    return "quarter" if (end - start).days <= 93 else "year"


def comparable_periods(
    calendar: FiscalCalendar, kind: PeriodKind, before: dt.date, count: int
) -> list[FiscalPeriod]:
    """The ``count`` fiscal periods of ``kind`` that end before ``before``, oldest first."""
    periods: list[FiscalPeriod] = []
    cursor = before - dt.timedelta(days=1)
    while len(periods) < count:
        period = calendar.period_containing(cursor, kind)
        periods.append(period)
        cursor = period.start - dt.timedelta(days=1)
    return periods[::-1]


def load_panel(
    metric: Metric | None,
    *,
    kind: PeriodKind,
    before: dt.date,
    periods: int | None = None,
    include_people: Collection[int] = (),
    calendar: FiscalCalendar | None = None,
) -> HistoryPanel:
    """Actuals of everyone credited in the ``periods`` comparable periods before ``before``
    (plus ``include_people``, e.g. a new hire with no history), as a panel.

    Two queries: the monthly aggregate and the people's hire and leave dates.
    """
    calendar = calendar or Company.current().fiscal_calendar
    columns = comparable_periods(calendar, kind, before, periods or DEFAULT_PERIODS[kind])
    month_rows = monthly_actuals(metric, columns[0].start, columns[-1].end)
    column_of_month: dict[dt.date, int] = {}
    for index, period in enumerate(columns):
        month = period.start
        while month <= period.end:
            column_of_month[month] = index
            month = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    ids = sorted({person_id for person_id, _, _ in month_rows} | set(include_people))
    people = {
        pk: (hired, left)
        for pk, hired, left in Person.objects.filter(pk__in=ids).values_list(
            "pk", "hire_date", "termination_date"
        )
    }
    ids = [pk for pk in ids if pk in people]
    row_of = {pk: row for row, pk in enumerate(ids)}
    totals = np.zeros((len(ids), len(columns)))
    seen = np.zeros((len(ids), len(columns)), dtype=bool)
    for person_id, month, value in month_rows:
        if person_id in row_of and month in column_of_month:
            totals[row_of[person_id], column_of_month[month]] += value
            seen[row_of[person_id], column_of_month[month]] = True
    in_seat, hire_index = _seats(ids, people, columns, seen, calendar, kind)
    # Periods that began before the first month of data anyone has are only partly recorded
    # (the data set starts mid-period): they are missing, not small.
    if month_rows:
        first_month = min(month for _, month, _ in month_rows)
        in_seat[
            :, [index for index, period in enumerate(columns) if period.start < first_month]
        ] = False
    season = np.array(
        [period.index - 1 if kind == "quarter" else 0 for period in columns], dtype=np.int64
    )
    panel = Panel(
        actuals=np.where(in_seat, totals, np.nan),
        season=season,
        seasons=4 if kind == "quarter" else 1,
        hire_index=hire_index,
    )
    return HistoryPanel(panel=panel, person_ids=tuple(ids), columns=tuple(columns))


def _seats(
    ids: list[int],
    people: dict[int, tuple[dt.date | None, dt.date | None]],
    columns: list[FiscalPeriod],
    seen: np.ndarray,
    calendar: FiscalCalendar,
    kind: PeriodKind,
) -> tuple[np.ndarray, np.ndarray]:
    """Which periods each person was in seat for, and the column of their first period."""
    ends = np.array([period.end.toordinal() for period in columns])
    in_seat = np.zeros((len(ids), len(columns)), dtype=bool)
    hire_index = np.full(len(ids), LONG_TENURED, dtype=np.int64)
    for row, pk in enumerate(ids):
        hired, left = people[pk]
        if hired is not None:
            hire_index[row] = column_offset(columns, calendar.period_containing(hired, kind))
            started = ends >= hired.toordinal()
        else:
            first = np.flatnonzero(seen[row])
            started = np.arange(len(columns)) >= (first[0] if first.size else len(columns))
        stayed = ends <= left.toordinal() if left is not None else np.ones(len(columns), dtype=bool)
        in_seat[row] = started & stayed
    return in_seat, hire_index


def column_offset(
    columns: list[FiscalPeriod] | tuple[FiscalPeriod, ...], period: FiscalPeriod
) -> int:
    """Column index of ``period`` relative to ``columns`` (may be negative or past the end)."""
    steps_per_year = 4 if period.kind == "quarter" else 1
    first = columns[0]
    return (period.fiscal_year - first.fiscal_year) * steps_per_year + (period.index - first.index)


def load_full_history(
    metric: Metric | None, *, kind: PeriodKind = "quarter"
) -> HistoryPanel | None:
    """Every finished fiscal period from the first to the last transaction, as a panel
    (None when there are no transactions). Three queries."""
    span = Transaction.objects.filter(is_cancelled=False).aggregate(
        first=Min("date"), last=Max("date")
    )
    first, last = span["first"], span["last"]
    if first is None or last is None:
        return None
    calendar = Company.current().fiscal_calendar
    current = calendar.period_containing(last, kind)
    # The period of the last sale counts once it is over; a period still running does not.
    before = (
        current.end + dt.timedelta(days=1) if current.end < timezone.localdate() else current.start
    )
    count = (
        column_offset(
            [calendar.period_containing(first, kind)],
            calendar.period_containing(before - dt.timedelta(days=1), kind),
        )
        + 1
    )
    if count < 2:
        return None
    return load_panel(metric, kind=kind, before=before, periods=count, calendar=calendar)
