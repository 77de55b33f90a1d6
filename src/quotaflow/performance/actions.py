"""Every write of the tracking side: ingest, manual values, rebuilding aggregates,
period close, at-risk alerts and the tracking settings.

Crediting itself lives in :mod:`quotaflow.performance.recrediting` (re-exported here as
``apply_transaction_changes`` / ``apply_activity_changes``) so that the sales write path
can call it without importing this module.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence, Sized
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from django.conf import settings as django_settings
from django.db import connection, models, transaction
from django.db.models import F, Q
from django.utils import timezone

from quotaflow.accounts.models import User
from quotaflow.core.actions import (
    locked_settings,
    refuse_unknown_settings,
    require_settings_writer,
    save_settings,
)
from quotaflow.core.audit import record
from quotaflow.core.concurrency import retry_lost_races
from quotaflow.core.due import DueItem, summarise
from quotaflow.core.due import as_text as due_as_text
from quotaflow.core.due import collect as collect_due
from quotaflow.core.errors import InvalidInput, NotAllowed
from quotaflow.core.models import Company, Notification
from quotaflow.core.money import Amounts, metric_amounts
from quotaflow.core.notify import email, notify_each
from quotaflow.metrics.models import Metric, Source
from quotaflow.org.models import Assignment, AssignmentRole, Person, Unit
from quotaflow.org.paths import path_ids
from quotaflow.performance import setbased
from quotaflow.performance.aggregates import apply_cells, manual_cells
from quotaflow.performance.attainment import Attainment
from quotaflow.performance.models import (
    Credit,
    DailyAggregate,
    DigestCadence,
    DistinctKeyDay,
    GoalAlert,
    GoalResult,
    ManualValue,
    MonthlyAggregate,
    PerformanceSettings,
    StatusBasis,
    UnplacedCredit,
    Visibility,
)
from quotaflow.performance.permissions import (
    FEED_REFUSED,
    MANUAL_VALUE_REFUSED,
    can_enter_manual_value,
    can_feed_numbers,
)
from quotaflow.performance.queries import goals_with_attainment
from quotaflow.performance.recrediting import (
    ACTIVITY,
    CHUNK,
    TRANSACTION,
    UnplacedShares,
    apply_activity_changes,
    apply_transaction_changes,
    chunked,
    recredit,
    unplaced_shares,
)
from quotaflow.performance.signals import numbers_changed
from quotaflow.plans.in_force import in_force_goals
from quotaflow.plans.models import Goal, GoalStatus
from quotaflow.sales.actions import (
    DEFAULT_SOURCE,
    ActivityRow,
    RateResult,
    RateRow,
    TransactionRow,
    UpsertResult,
    record_upsert,
    upsert_activities,
    upsert_exchange_rates,
    upsert_transactions,
    with_company_amounts,
)
from quotaflow.sales.models import Activity, Transaction
from quotaflow.sales.queries import sources_elsewhere


@dataclass(frozen=True)
class IngestResult:
    """What an ingest call did: the upsert counts, how many rows changed credits, and
    how many credited shares (and their amount in company minor units) went to people
    with no placement on the sale's date, counted under the Unplaced unit."""

    created: int
    updated: int
    unchanged: int
    recredited: int
    unplaced_credits: int = 0
    unplaced_amount_minor: int = 0
    elsewhere: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """Rows whose external id already exists under another source system (external id,
    those sources): probably the same sale sent twice under two source names."""


def require_feeder(acting_user: Any) -> None:
    """Refuse a caller who may not feed numbers in (``performance.permissions``)."""
    if not can_feed_numbers(acting_user):
        raise NotAllowed(FEED_REFUSED)


def _ingest_result(
    result: UpsertResult, recredited: int, unplaced: UnplacedShares | None = None
) -> IngestResult:
    found = unplaced or UnplacedShares()
    return IngestResult(
        result.created,
        result.updated,
        result.unchanged,
        recredited,
        found.credits,
        found.amount_minor,
    )


def _refuse_unplaced(found: UnplacedShares) -> None:
    """Under the "refuse" setting, refuse a batch with a share nobody is placed for."""
    if not found.credits or (
        PerformanceSettings.current().unplaced_credit != UnplacedCredit.REFUSE
    ):
        return
    names = dict(
        Person.objects.filter(pk__in={person for _, person, _ in found.examples}).values_list(
            "pk", "external_id"
        )
    )
    listed = ", ".join(
        f"{external_id} (person {names.get(person, person)} on {day.isoformat()})"
        for external_id, person, day in found.examples
    )
    more = f" and {found.credits - len(found.examples)} more" if found.credits > 5 else ""
    raise InvalidInput(
        f"{found.credits} credited share{'s name' if found.credits != 1 else ' names'} people with no "
        f"placement on the sale's date: {listed}{more}. Place them in the organisation for "
        "those dates first; nothing was written.",
        field="credits",
    )


def _converted_and_counted(
    rows: Iterable[TransactionRow], found: UnplacedShares
) -> Iterator[TransactionRow]:
    """``rows`` converted to the company currency chunk by chunk, their unplaced shares
    added to ``found`` (and refused under the "refuse" setting)."""
    for chunk in chunked(rows):
        converted = with_company_amounts(chunk)
        counted = unplaced_shares(converted)
        _refuse_unplaced(counted)
        found.add(counted)
        yield from converted


# Rows per set-based chunk: large enough that the fixed cost of its statements fades,
# small enough that its scratch tables stay in memory.
SET_BASED_CHUNK = 50_000
# Below this many rows the row-by-row path is faster: the set-based one has a fixed cost
# of scratch tables and statements (tens of milliseconds) that one posted sale should not
# pay. Both store the same result.
SET_BASED_MIN_ROWS = 1_000


@transaction.atomic
def store_transactions(
    rows: Iterable[TransactionRow],
    *,
    acting_user: Any,
    source: str = DEFAULT_SOURCE,
    progress: Callable[[int], None] | None = None,
) -> IngestResult:
    """Create, update or leave alone each transaction and bring credits and aggregates in
    line, in one database transaction; the write path of the API and of file imports.

    On PostgreSQL a stream or a batch of ``SET_BASED_MIN_ROWS`` or more is set-based
    (:mod:`quotaflow.performance.setbased`): a chunk of any size is a fixed number of
    statements. Smaller batches, and everything on SQLite, go through the sales upsert
    and are re-credited chunk by chunk. Both give the same stored result.
    ``progress`` is told how many rows are done after each chunk.
    """
    small = isinstance(rows, Sized) and len(rows) < SET_BASED_MIN_ROWS
    found = UnplacedShares()
    if small or not setbased.available():
        recredited: list[int] = []
        result = upsert_transactions(
            _converted_and_counted(rows, found),
            acting_user=acting_user,
            source=source,
            progress=progress,
            on_written=lambda ids: recredited.append(apply_transaction_changes(ids)),
        )
        numbers_changed.send(sender=Transaction, metric_ids=None)
        return _ingest_result(result, sum(recredited), found)
    result, total_recredited = UpsertResult(), 0
    load = setbased.Load(source=source)
    for chunk in chunked(rows, SET_BASED_CHUNK):
        converted = with_company_amounts(chunk)
        _refuse_unplaced(unplaced_shares(converted))
        done = load.add(converted)
        result.add(UpsertResult(done.created, done.updated, done.unchanged))
        total_recredited += done.recredited
        found.add(done.unplaced)
        if progress is not None:
            progress(result.total)
    load.finish()
    record_upsert("transaction", result, acting_user=acting_user, source=source)
    numbers_changed.send(sender=Transaction, metric_ids=None)
    return _ingest_result(result, total_recredited, found)


@retry_lost_races
def ingest_transactions(
    rows: Sequence[TransactionRow], *, acting_user: Any, source: str, refuse_elsewhere: bool = False
) -> IngestResult:
    """Store a batch of transactions (new, changed, cancelled, credit notes) and update
    credits and aggregates in the same database transaction. Replaying a batch is a no-op,
    and so is posting it while another writer stores overlapping rows: the loser of such a
    race is rolled back and run again, and then finds the winner's rows stored.

    A row whose external id is already stored under another source system is reported in
    ``elsewhere``; with ``refuse_elsewhere`` the batch is refused instead, naming the rows,
    and nothing is written."""
    require_feeder(acting_user)
    others = sources_elsewhere(source, {row.external_id for row in rows})
    if others and refuse_elsewhere:
        named = [f"{ext} (under {', '.join(found)})" for ext, found in sorted(others.items())]
        more = f" and {len(named) - 10} more" if len(named) > 10 else ""
        raise InvalidInput(
            f"{len(named)} external id{'s' if len(named) > 1 else ''} already exist under another "
            f"source than '{source}', so these sales would count twice: {'; '.join(named[:10])}"
            f"{more}. Send them with the source they were stored under.",
            field="source",
        )
    result = store_transactions(rows, acting_user=acting_user, source=source)
    if others:
        result = replace(
            result, elsewhere=tuple((ext, tuple(found)) for ext, found in sorted(others.items()))
        )
    record(
        actor=acting_user,
        action="performance.transactions.ingested",
        object_type="sales.transaction",
        object_id=source,
        changes={
            "rows": len(rows),
            "recredited": result.recredited,
            "unplaced_credits": result.unplaced_credits,
            "unplaced_amount_minor": result.unplaced_amount_minor,
            "under_other_sources": len(result.elsewhere),
        },
    )
    return result


@transaction.atomic
def store_exchange_rates(rows: Sequence[RateRow], *, acting_user: Any) -> RateResult:
    """Store new or corrected exchange rates; the sales whose rate in force changed are
    converted again and re-credited in the same database transaction, so every total
    moves with the rate (the write path of the API and of rate files). Sales operations
    only (:func:`~quotaflow.performance.permissions.can_feed_numbers`)."""
    require_feeder(acting_user)
    result = upsert_exchange_rates(
        rows, acting_user=acting_user, on_reconverted=apply_transaction_changes
    )
    numbers_changed.send(sender=Transaction, metric_ids=None)
    return result


@retry_lost_races
def ingest_activities(
    rows: Sequence[ActivityRow], *, acting_user: Any, source: str
) -> IngestResult:
    """Store a batch of activities and update credits and aggregates in the same
    database transaction. Replaying a batch is a no-op, also while another writer stores
    overlapping rows (see :func:`ingest_transactions`)."""
    require_feeder(acting_user)
    recredited: list[int] = []
    result = upsert_activities(
        rows,
        acting_user=acting_user,
        source=source,
        on_written=lambda ids: recredited.append(apply_activity_changes(ids)),
    )
    record(
        actor=acting_user,
        action="performance.activities.ingested",
        object_type="sales.activity",
        object_id=source,
        changes={"rows": len(rows), "recredited": sum(recredited)},
    )
    numbers_changed.send(sender=Activity, metric_ids=None)
    return _ingest_result(result, sum(recredited))


@transaction.atomic
def set_manual_value(
    *,
    metric: Metric,
    owner: Unit | Person,
    day: dt.date,
    value: int,
    acting_user: Any,
    note: str = "",
) -> ManualValue:
    """Enter (or correct) the value of a manual metric for one owner on one day: sales
    operations, or the owner reporting their own (``performance.permissions.
    can_enter_manual_value``; a check-in's author is its goal's owner)."""
    if not can_enter_manual_value(acting_user, owner):
        raise NotAllowed(MANUAL_VALUE_REFUSED)
    if metric.source != Source.MANUAL:
        raise InvalidInput(
            f"{metric.name} is computed from {metric.get_source_display().lower()}; it cannot be entered by hand.",
            field="metric",
        )
    owner_filter = {"owner_unit": owner} if isinstance(owner, Unit) else {"owner_person": owner}
    existing = (
        ManualValue.objects.select_for_update()
        .filter(metric=metric, day=day, **owner_filter)
        .first()
    )
    old = existing.value if existing else None
    if existing is None:
        existing = ManualValue(metric=metric, day=day, **owner_filter)
    existing.value, existing.note, existing.entered_by = value, note, acting_user
    existing.save()
    unit_id = owner.pk if isinstance(owner, Unit) else None
    person_id = owner.pk if isinstance(owner, Person) else None
    apply_cells(
        manual_cells(
            [(unit_id, person_id, metric.pk, day, value - (old or 0), 0 if old is not None else 1)]
        )
    )
    record(
        actor=acting_user,
        action="performance.manual_value.set",
        obj=existing,
        changes={"value": [old, value]},
        reason=note,
    )
    numbers_changed.send(sender=ManualValue, metric_ids=[metric.pk])
    return existing


@dataclass(frozen=True)
class RebuildResult:
    """How many credits and aggregate cells a rebuild produced."""

    credits: int
    cells: int


@transaction.atomic
def rebuild_aggregates(
    *, acting_user: Any = None, progress: Callable[[int], object] | None = None
) -> RebuildResult:
    """Throw away every credit and aggregate and compute them again from the sales data,
    manual values and the organisation as it is now. The result equals what incremental
    maintenance produced, unless the organisation or the metrics changed since.
    ``progress`` is told how many transactions or activities each chunk covered."""
    for projection in (Credit, DailyAggregate, MonthlyAggregate, DistinctKeyDay):
        projection.objects.all().delete()
    for source, kind in ((Transaction, TRANSACTION), (Activity, ACTIVITY)):
        ids = source.objects.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=CHUNK)
        for chunk in chunked(ids):
            recredit(kind, chunk, none_stored=True)
            if progress is not None:
                progress(len(chunk))
    manual = ManualValue.objects.filter(metric__is_active=True).values_list(
        "owner_unit_id", "owner_person_id", "metric_id", "day", "value"
    )
    apply_cells(manual_cells((*row, 1) for row in manual))
    if connection.vendor == "postgresql":
        # Every row was just replaced: fresh statistics keep the dashboards' plans indexed.
        with connection.cursor() as cursor:
            for model in (Credit, DailyAggregate, MonthlyAggregate, DistinctKeyDay):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    result = RebuildResult(
        Credit.objects.count(), DailyAggregate.objects.exclude(value=0, count=0).count()
    )
    record(
        actor=acting_user,
        action="performance.aggregates.rebuilt",
        object_type="performance.dailyaggregate",
        object_id="*",
        changes={"credits": result.credits, "cells": result.cells},
    )
    numbers_changed.send(sender=Credit, metric_ids=None)
    return result


@transaction.atomic
def close_periods(*, as_of: dt.date, acting_user: Any = None) -> int:
    """Finalise every published goal whose period ended before ``as_of`` as reached or
    missed, and mark it closed, so no goal stays "in progress" after its period. Returns
    how many. Drafts, unapproved submissions and what-if scenarios were never in
    progress, so they are left to their plan's own workflow."""
    open_goals = list(
        Goal.objects.filter(period_end__lt=as_of, result__isnull=True, status=GoalStatus.PUBLISHED)
        .exclude(cycle__is_scenario=True)
        .select_related("metric", "owner_unit", "owner_person")
    )
    if not open_goals:
        return 0
    results = []
    for goal, progress in goals_with_attainment(
        open_goals, as_of=as_of, thresholds=PerformanceSettings.current()
    ):
        outcome = "reached" if progress.actual >= goal.target else "missed"
        results.append(
            GoalResult(goal=goal, outcome=outcome, actual=progress.actual, target=goal.target)
        )
    GoalResult.objects.bulk_create(results)
    Goal.objects.filter(pk__in=[goal.pk for goal in open_goals]).update(
        status=GoalStatus.CLOSED, version=F("version") + 1
    )
    for result in results:
        record(
            actor=acting_user,
            action="performance.goal.closed",
            obj=result.goal,
            changes={
                "status": [result.goal.status, GoalStatus.CLOSED],
                "outcome": [None, result.outcome],
                "actual": [None, result.actual],
            },
        )
    return len(results)


def _managers_by_unit(unit_ids: set[int], day: dt.date) -> dict[int, list[Person]]:
    managers: dict[int, list[Person]] = defaultdict(list)
    rows = Assignment.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=day),
        valid_from__lte=day,
        unit_id__in=unit_ids,
        role=AssignmentRole.MANAGER,
    ).select_related("person__user")
    for assignment in rows:
        managers[assignment.unit_id].append(assignment.person)
    return managers


def _nearest_managers(
    path: str, managers: dict[int, list[Person]], *, skip: int | None = None
) -> list[Person]:
    """Managers of the lowest unit on ``path`` that has any (ignoring unit ``skip``)."""
    for unit_id in reversed(path_ids(path)):
        if unit_id != skip and managers.get(unit_id):
            return managers[unit_id]
    return []


def _alert_recipients(
    goal: Goal, homes: dict[int, Unit], managers: dict[int, list[Person]]
) -> list[Any]:
    """A person goal's owner and their line manager (the nearest manager above them); a
    unit goal's managers and the manager of the unit above."""
    people: list[Person] = []
    if goal.owner_person is not None:
        people.append(goal.owner_person)
        home = homes.get(goal.owner_person.pk)
        if home is not None:
            people += _nearest_managers(home.path, managers)
    elif goal.owner_unit is not None:
        people += managers.get(goal.owner_unit.pk, [])
        people += _nearest_managers(goal.owner_unit.path, managers, skip=goal.owner_unit.pk)
    return [person.user for person in people if person.user is not None]


def _at_risk_body(progress: Attainment, amounts: Amounts, as_of: dt.date) -> str:
    """Where an at-risk goal stands, in the metric's units with the currency for money
    ("Actual 300.00 EUR against 511.11 EUR expected …"), for the alert and the digest."""
    return (
        f"Actual {amounts.format(progress.actual)} against "
        f"{amounts.format(progress.expected_to_date)} expected by {as_of:%d %b %Y} "
        f"(pacing {progress.pacing_pct}%); {amounts.format(progress.required_per_day)} a day "
        "is needed from here."
    )


@transaction.atomic
def send_at_risk_alerts(*, as_of: dt.date, acting_user: Any = None) -> int:
    """Notify owners and their managers in-app when a running goal turns at risk or off
    track (once per change of status). Returns how many goals were reported."""
    goals = list(
        # The version in force on the day: a goal superseded later in the period is
        # closed but still the one tracked until the new version takes effect.
        in_force_goals(as_of)
        .filter(period_start__lte=as_of, period_end__gte=as_of)
        .exclude(status=GoalStatus.DRAFT)
        .select_related("metric", "owner_unit", "owner_person__user", "alert")
    )
    assessed = goals_with_attainment(goals, as_of=as_of, thresholds=PerformanceSettings.current())
    worrying = [
        (goal, progress)
        for goal, progress in assessed
        if progress.status in {"at_risk", "off_track"}
        and getattr(getattr(goal, "alert", None), "status", None) != progress.status
    ]
    if not worrying:
        return 0
    person_ids = [goal.owner_person_id for goal, _ in worrying if goal.owner_person_id is not None]
    homes: dict[int, Unit] = {}
    for assignment in Assignment.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=as_of),
        valid_from__lte=as_of,
        person_id__in=person_ids,
        role=AssignmentRole.MEMBER,
    ).select_related("unit"):
        homes.setdefault(assignment.person_id, assignment.unit)
    unit_ids = {unit_id for unit in homes.values() for unit_id in path_ids(unit.path)}
    for goal, _ in worrying:
        if goal.owner_unit is not None:
            unit_ids |= set(path_ids(goal.owner_unit.path))
    managers = _managers_by_unit(unit_ids, as_of)
    currency = Company.current().currency
    notify_each(
        {
            "user_id": user_id,
            "kind": "goal.at_risk",
            "title": f"{goal} is {progress.status.replace('_', ' ')}"[:200],
            "body": _at_risk_body(progress, metric_amounts(goal.metric.unit, currency), as_of),
            "url": f"/performance/goals/{goal.pk}/",
        }
        for goal, progress in worrying
        for user_id in {user.pk: user for user in _alert_recipients(goal, homes, managers)}
    )
    GoalAlert.objects.filter(goal__in=[goal for goal, _ in worrying]).delete()
    GoalAlert.objects.bulk_create(
        GoalAlert(goal=goal, status=progress.status) for goal, progress in worrying
    )
    record(
        actor=acting_user,
        action="performance.alerts.sent",
        object_type="plans.goal",
        object_id=",".join(str(goal.pk) for goal, _ in worrying)[:64],
        changes={"goals": len(worrying)},
    )
    return len(worrying)


def digest_due(cadence: str, as_of: dt.date) -> bool:
    """Whether a digest goes out on ``as_of`` under ``cadence`` (weekly ones on Mondays)."""
    if cadence == DigestCadence.DAILY:
        return True
    return cadence == DigestCadence.WEEKLY and as_of.weekday() == 0


def _digest(user: Any, alerts: Sequence[Notification], due: Sequence[DueItem]) -> dict[str, Any]:
    """One person's digest e-mail: the goals that turned at risk since the last one, then
    what is due from them (``core.due``: the same items as their home's action centre)."""
    sections = []
    subject = []
    if alerts:
        lines = [f"- {item.title}\n  {item.body}\n  {item.url}" for item in alerts]
        sections.append("These goals need attention:\n\n" + "\n\n".join(lines) + "\n")
        subject.append(f"{len(alerts)} goal{'s' if len(alerts) > 1 else ''} at risk")
    if due:
        text = due_as_text(summarise(due), base_url=django_settings.PUBLIC_URL)
        sections.append(f"What is due:\n\n{text}")
        subject.append(f"{len(due)} thing{'s' if len(due) > 1 else ''} due")
    return {
        "subject": f"Quotaflow: {', '.join(subject)}",
        "body": "\n".join(sections),
        "to": [user.email],
    }


@transaction.atomic
def send_digests(*, as_of: dt.date, acting_user: Any = None, force: bool = False) -> int:
    """E-mail each active user with an address one digest when the configured cadence says
    one is due (or ``force``): their unread, not yet e-mailed goal alerts, and what is due
    from them on ``as_of`` (``core.due.collect``, the providers of the action centre).
    Nobody with neither gets an e-mail. Returns the e-mails sent.

    The digests are built and the alerts marked as e-mailed under row locks; the mail
    server is only spoken to after the commit, by the ``send_emails`` task. What is due is
    read per recipient (a fixed number of queries each)."""
    if not force and not digest_due(PerformanceSettings.current().digest_cadence, as_of):
        return 0
    pending = list(
        Notification.objects.select_for_update()
        .filter(kind="goal.at_risk", read_at__isnull=True, emailed_at__isnull=True)
        .select_related("user")
        .order_by("user_id", "created_at")
    )
    by_user: dict[int, list[Notification]] = defaultdict(list)
    for notification in pending:
        by_user[notification.user_id].append(notification)
    recipients = User.objects.filter(is_active=True).exclude(email="").order_by("pk")
    messages = []
    emailed: list[int] = []
    for user in recipients:
        alerts = by_user.get(user.pk, [])
        due = collect_due(user, as_of)
        if not alerts and not due:
            continue
        messages.append(_digest(user, alerts, due))
        emailed += [item.pk for item in alerts]
    email(messages)
    Notification.objects.filter(pk__in=emailed).update(emailed_at=timezone.now())
    record(
        actor=acting_user,
        action="performance.digests.sent",
        object_type="core.notification",
        object_id=as_of.isoformat(),
        changes={"emails": len(messages), "notifications": len(emailed)},
    )
    return len(messages)


# The tracking settings -----------------------------------------------------------------

TRACKING_SETTINGS = (
    "status_basis",
    "at_risk_below",
    "off_track_below",
    "leaderboard_visibility",
    "digest_cadence",
    "unplaced_credit",
)
# Status thresholds are percentages of pacing or projected attainment, with two decimals.
THRESHOLD_MAX = Decimal("200")
_CHOICES: dict[str, type[models.TextChoices]] = {
    "status_basis": StatusBasis,
    "leaderboard_visibility": Visibility,
    "digest_cadence": DigestCadence,
    "unplaced_credit": UnplacedCredit,
}


def _clean_choice(field: str, value: Any) -> str:
    choices = _CHOICES[field]
    if value not in choices.values:
        raise InvalidInput(
            f"{field.replace('_', ' ').capitalize()} is one of {', '.join(choices.values)}, "
            f"not {value!r}.",
            field=field,
        )
    return str(value)


def _clean_threshold(field: str, value: Any) -> Decimal:
    try:
        number = Decimal(str(value).strip()) if not isinstance(value, bool) else None
    except ArithmeticError:
        number = None
    label = "At risk below" if field == "at_risk_below" else "Off track below"
    if number is None or not number.is_finite() or not 0 <= number <= THRESHOLD_MAX:
        raise InvalidInput(
            f"{label} is a percentage from 0 to {THRESHOLD_MAX}, e.g. 95 or 87.5; not {value!r}.",
            field=field,
        )
    if number != number.quantize(Decimal("0.01")):
        raise InvalidInput(f"{label} has at most two decimals, not {value!r}.", field=field)
    return number.quantize(Decimal("0.01"))


def _stored(value: Any) -> Any:
    """A stored setting as the cleaners give it (thresholds with two decimals)."""
    return Decimal(value).quantize(Decimal("0.01")) if isinstance(value, Decimal) else value


def _clean_tracking_setting(field: str, value: Any) -> Any:
    if field in _CHOICES:
        return _clean_choice(field, value)
    return _clean_threshold(field, value)


@transaction.atomic
def update_tracking_settings(
    *, acting_user: Any, expected_version: int | None, reason: str = "", **changes: Any
) -> PerformanceSettings:
    """Change the tracking settings named in ``changes`` (any of :data:`TRACKING_SETTINGS`).

    Administrators and sales operations only. Refused with nothing written: a stale
    ``expected_version`` (409), an unknown setting or choice, a threshold outside 0–200%
    or with more than two decimals, and an off-track threshold above the at-risk one (a
    goal would be off track before it is at risk). A change is one audit event
    ``performance.performancesettings.changed`` with every field's old and new value, and raises
    the version; sending the current values changes nothing.
    """
    require_settings_writer(acting_user)
    refuse_unknown_settings(changes, TRACKING_SETTINGS, "tracking setting")
    settings = locked_settings(PerformanceSettings, expected_version, what="The tracking settings")
    wanted = {field: _clean_tracking_setting(field, value) for field, value in changes.items()}
    old = {field: _stored(getattr(settings, field)) for field in TRACKING_SETTINGS}
    new = {**old, **wanted}
    if new["off_track_below"] > new["at_risk_below"]:
        raise InvalidInput(
            f"Off track below ({new['off_track_below']}%) cannot be above at risk below "
            f"({new['at_risk_below']}%): a goal would be off track before it is at risk.",
            field="off_track_below" if "off_track_below" in wanted else "at_risk_below",
        )
    return save_settings(settings, old, wanted, acting_user=acting_user, reason=reason)
