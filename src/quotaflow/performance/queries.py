"""Read side of tracking: actuals from the maintained aggregates, attainment of goals,
the credits behind a number, and the change marker that open dashboards poll.

Nothing here reads raw transactions. Actuals for any number of owners on one metric and
period are one grouped query over ``MonthlyAggregate`` for the whole months of the period
and, when it does not start or end on a month boundary, one over ``DailyAggregate`` for
each ragged edge (``DistinctKeyDay`` for distinct counts); a goal page's chart is one
more query for the daily series.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Q, Sum

from quotaflow.core.fiscal import month_spans, whole_months
from quotaflow.core.money import currency_amounts
from quotaflow.metrics.models import Aggregation, Metric
from quotaflow.org.models import Person, Unit
from quotaflow.performance.attainment import Attainment, PhaseSlice, Thresholds, compute_attainment
from quotaflow.performance.models import (
    ChangeMarker,
    Credit,
    DailyAggregate,
    DistinctKeyDay,
    MonthlyAggregate,
    OwnerType,
    PerformanceSettings,
)
from quotaflow.plans.models import Goal

OwnerKey = tuple[str, int]


def owner_of(goal: Goal) -> OwnerKey:
    """``("unit", id)`` or ``("person", id)`` for the goal's owner."""
    if goal.owner_unit_id is not None:
        return (OwnerType.UNIT.value, goal.owner_unit_id)
    return (OwnerType.PERSON.value, int(goal.owner_person_id or 0))


def _owner_filter(owners: Iterable[OwnerKey]) -> Q:
    by_type: dict[str, list[int]] = defaultdict(list)
    for owner_type, owner_id in owners:
        by_type[owner_type].append(owner_id)
    condition = Q(pk__in=[])
    for owner_type, ids in by_type.items():
        condition |= Q(owner_type=owner_type, owner_id__in=ids)
    return condition


def _summed_cells(
    metric: Metric, owners: Q, start: dt.date, end: dt.date
) -> dict[OwnerKey, tuple[int, int]]:
    """Summed value and count per owner over [start, end]: monthly cells for the whole
    months inside, daily cells for the days before and after them (one query each)."""
    months = whole_months(start, end)
    spans: list[tuple[type[DailyAggregate] | type[MonthlyAggregate], str, dt.date, dt.date]] = []
    if months is None:
        spans.append((DailyAggregate, "day", start, end))
    else:
        first, last = months
        after = month_spans(last, end)[0][1] + dt.timedelta(days=1)  # the day after it
        if start < first:
            spans.append((DailyAggregate, "day", start, first - dt.timedelta(days=1)))
        spans.append((MonthlyAggregate, "month", first, last))
        if after <= end:
            spans.append((DailyAggregate, "day", after, end))
    found: dict[OwnerKey, tuple[int, int]] = {}
    for model, column, low, high in spans:
        rows = (
            model.objects.filter(owners, metric=metric, **{f"{column}__range": (low, high)})
            .values_list("owner_type", "owner_id")
            .annotate(total=Sum("value"), count=Sum("count"))
        )
        for owner_type, owner_id, total, count in rows:
            value, number = found.get((owner_type, owner_id), (0, 0))
            found[(owner_type, owner_id)] = (value + int(total or 0), number + int(count or 0))
    return found


def counted_until(end: dt.date, as_of: dt.date | None) -> dt.date:
    """The last day whose credits count in an actual "as of" ``as_of``: the period's
    end, or ``as_of`` when that comes first (a sale dated after it has not happened yet on
    that day, so it counts in neither the actual nor the pacing against expected to date)."""
    return end if as_of is None else min(end, as_of)


def actuals_where(
    metric: Metric, owners: Q, start: dt.date, end: dt.date, *, as_of: dt.date | None = None
) -> dict[OwnerKey, int]:
    """The actual of every owner matching the filter ``owners`` (on owner_type and
    owner_id; it may hold a subquery) on ``metric`` over [start, end] — up to ``as_of``
    when given (:func:`counted_until`) — in one query per span of :func:`_summed_cells`
    (one for a month-aligned period). Owners without data are absent.

    Sums add up; averages divide the summed value by the summed count; distinct counts
    count the distinct keys seen on any day of the period.
    """
    end = counted_until(end, as_of)
    if end < start:  # asked about a day before the period began: nothing counted yet
        return {}
    if metric.aggregation == Aggregation.DISTINCT_COUNT:
        rows = (
            DistinctKeyDay.objects.filter(
                owners, metric=metric, day__range=(start, end), refs__gt=0
            )
            .values_list("owner_type", "owner_id")
            .annotate(total=Count("key", distinct=True))
        )
        return {(owner_type, owner_id): int(total) for owner_type, owner_id, total in rows}
    sums = _summed_cells(metric, owners, start, end)
    found = {}
    for (owner_type, owner_id), (total, count) in sums.items():
        if metric.aggregation == Aggregation.AVERAGE:
            value = Decimal(total or 0) / count if count else Decimal(0)
            found[(owner_type, owner_id)] = int(value.quantize(Decimal(1), ROUND_HALF_UP))
        else:
            found[(owner_type, owner_id)] = int(total or 0)
    return found


def actuals(
    metric: Metric,
    owners: Iterable[OwnerKey],
    start: dt.date,
    end: dt.date,
    *,
    as_of: dt.date | None = None,
) -> dict[OwnerKey, int]:
    """The actual of each of ``owners`` on ``metric`` over [start, end], up to ``as_of``
    when given (one query); zero for owners without data."""
    owners = list(owners)
    found = actuals_where(metric, _owner_filter(owners), start, end, as_of=as_of)
    return {owner: found.get(owner, 0) for owner in owners}


def daily_values(
    metric: Metric, owner: OwnerKey, start: dt.date, end: dt.date
) -> list[tuple[dt.date, int]]:
    """``(day, value)`` for each day with data, for charts (one query). For distinct
    counts, a key counts on the first day it was seen, so the running total is exact."""
    condition = Q(owner_type=owner[0], owner_id=owner[1], metric=metric, day__range=(start, end))
    if metric.aggregation == Aggregation.DISTINCT_COUNT:
        first_seen: dict[str, dt.date] = {}
        for key, day in (
            DistinctKeyDay.objects.filter(condition, refs__gt=0)
            .order_by("day")
            .values_list("key", "day")
        ):
            first_seen.setdefault(key, day)
        per_day: dict[dt.date, int] = defaultdict(int)
        for day in first_seen.values():
            per_day[day] += 1
        return sorted(per_day.items())
    rows = DailyAggregate.objects.filter(condition).order_by("day").values_list("day", "value")
    return [(day, int(value)) for day, value in rows if value]


def thresholds_from(settings: PerformanceSettings) -> Thresholds:
    """The pure-engine thresholds from the stored settings."""
    return Thresholds(settings.at_risk_below, settings.off_track_below, settings.status_basis)


def phasing_from(phasing: list[dict[str, Any]] | None) -> list[PhaseSlice]:
    """A goal's stored ``phasing`` JSON as engine values (empty when unphased)."""
    return [
        PhaseSlice(
            dt.date.fromisoformat(piece["start"]),
            dt.date.fromisoformat(piece["end"]),
            int(piece["target"]),
        )
        for piece in phasing or []
    ]


def phasing_of(goal: Goal) -> list[PhaseSlice]:
    """The goal's phased slices as engine values (empty when unphased)."""
    return phasing_from(goal.phasing)


def attainment_of(goal: Goal, actual: int, *, as_of: dt.date, thresholds: Thresholds) -> Attainment:
    """Attainment of ``goal`` given its ``actual``."""
    return compute_attainment(
        target=goal.target,
        actual=actual,
        period_start=goal.period_start,
        period_end=goal.period_end,
        phasing=phasing_of(goal),
        as_of=as_of,
        thresholds=thresholds,
    )


def goals_with_attainment(
    goals: Sequence[Goal],
    *,
    as_of: dt.date,
    thresholds: Thresholds | PerformanceSettings | None = None,
) -> list[tuple[Goal, Attainment]]:
    """Each goal with its attainment on ``as_of``: the actual counts the credits from the
    period's start up to ``as_of`` (the whole period once it has ended), as expected to
    date and pacing do; one aggregate query per (metric, period) group (none for none)."""
    if not goals:
        return []
    if thresholds is None:
        thresholds = PerformanceSettings.current()
    if isinstance(thresholds, PerformanceSettings):
        thresholds = thresholds_from(thresholds)
    groups: dict[tuple[int, dt.date, dt.date], list[Goal]] = defaultdict(list)
    for goal in goals:
        groups[(goal.metric_id, goal.period_start, goal.period_end)].append(goal)
    actual_by_goal: dict[int, int] = {}
    for (_, start, end), members in groups.items():
        owners = [owner_of(goal) for goal in members]
        found = actuals(members[0].metric, owners, start, end, as_of=as_of)
        actual_by_goal.update({goal.pk: found[owner_of(goal)] for goal in members})
    return [
        (goal, attainment_of(goal, actual_by_goal[goal.pk], as_of=as_of, thresholds=thresholds))
        for goal in goals
    ]


@dataclass(frozen=True)
class CreditLine:
    """One line of "why is my number X?": a credit and the transaction behind it."""

    day: dt.date
    value: int
    kind: str
    person: str
    reference: str
    product_group: str
    account: str
    conversion: str = ""
    """For a sale in another currency: its own amount and the rate that converted it."""


def conversion_text(
    amount_minor: int | None, currency: str | None, rate: Decimal | None, rate_date: dt.date | None
) -> str:
    """``1,000.00 USD at 0.9215 (rate from 2026-03-01)``: how a foreign sale's amount
    became the company-currency amount its credits split; empty when none was needed."""
    if amount_minor is None or not currency or rate is None or rate_date is None:
        return ""
    return (
        f"{currency_amounts(currency).format(amount_minor)} at {rate.normalize():f} "
        f"(rate from {rate_date.isoformat()})"
    )


def credits_behind(
    goal: Goal, *, as_of: dt.date | None = None, offset: int = 0, limit: int = 50
) -> tuple[int, list[CreditLine]]:
    """The credits making up ``goal``'s actual (up to ``as_of`` when given), newest first:
    (total count, one page)."""
    owner: Any = goal.owner_unit or goal.owner_person
    return credits_of(
        goal.metric_id,
        owner,
        goal.period_start,
        counted_until(goal.period_end, as_of),
        offset=offset,
        limit=limit,
    )


def credits_of(
    metric_id: int,
    owner: Unit | Person,
    start: dt.date,
    end: dt.date,
    *,
    offset: int = 0,
    limit: int = 50,
) -> tuple[int, list[CreditLine]]:
    """The credits making up an owner's actual on a metric over [start, end], newest
    first: (total count, one page). A unit's are the direct credits that rolled up to it."""
    condition = Q(metric_id=metric_id, day__range=(start, end))
    if isinstance(owner, Unit):
        condition &= Q(unit_path__startswith=owner.path, kind="direct")
    else:
        condition &= Q(person_id=owner.pk)
    credits = Credit.objects.filter(condition)
    total = credits.count()
    rows = credits.order_by("-day", "-pk").values_list(
        "day", "value", "kind", "person__full_name", "transaction__source", "transaction__external_id",
        "transaction__product_group", "transaction__account", "activity__source", "activity__external_id",
        "activity__account", "transaction__amount_minor", "transaction__currency",
        "transaction__exchange_rate", "transaction__rate_date",
    )[offset : offset + limit]  # fmt: skip
    lines = [
        CreditLine(
            day, value, kind, person,
            f"{t_source}:{t_ext}" if t_ext else f"{a_source}:{a_ext}",
            t_group or "", t_account or a_account or "",
            conversion_text(amount, currency, rate, rate_date),
        )
        for (
            day, value, kind, person, t_source, t_ext, t_group, t_account, a_source, a_ext, a_account,
            amount, currency, rate, rate_date,
        ) in rows
    ]  # fmt: skip
    return total, lines


def change_version(metric_ids: Iterable[int] | None = None) -> int:
    """A number that grows whenever an aggregate of the given metrics (or any) changes."""
    markers = ChangeMarker.objects.all()
    if metric_ids is not None:
        markers = markers.filter(metric_id__in=list(metric_ids))
    return int(markers.aggregate(total=Sum("version"))["total"] or 0)


def resolve_owner(text: str) -> Unit | Person | None:
    """``unit:CODE`` or ``person:EXTERNAL_ID`` → the unit or person, or None."""
    kind, _, key = text.partition(":")
    if kind == "unit":
        return Unit.objects.filter(code=key).first()
    if kind == "person":
        return Person.objects.filter(external_id=key).first()
    return None


def aggregate_snapshot() -> dict[tuple[Any, ...], tuple[int, int]]:
    """Every non-empty aggregate cell (daily and monthly) and distinct-key cell, for
    comparing a rebuild with incremental maintenance."""
    cells: dict[tuple[Any, ...], tuple[int, int]] = {
        (metric_id, owner_type, owner_id, day): (int(value), int(count))
        for metric_id, owner_type, owner_id, day, value, count in DailyAggregate.objects.exclude(
            value=0, count=0
        ).values_list("metric_id", "owner_type", "owner_id", "day", "value", "count")
    }
    for metric_id, owner_type, owner_id, month, value, count in MonthlyAggregate.objects.exclude(
        value=0, count=0
    ).values_list("metric_id", "owner_type", "owner_id", "month", "value", "count"):
        cells[(metric_id, owner_type, owner_id, "month", month)] = (int(value), int(count))
    for metric_id, owner_type, owner_id, day, key, refs in DistinctKeyDay.objects.exclude(
        refs=0
    ).values_list("metric_id", "owner_type", "owner_id", "day", "key", "refs"):
        cells[(metric_id, owner_type, owner_id, day, key)] = (int(refs), 0)
    return cells
