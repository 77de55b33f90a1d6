"""Tracking API: ingest transactions, activities and manual values; read attainment.

Ingest is for administrators and sales operations (tokens need the ``ingest`` scope),
idempotent by ``(source, external_id)``: posting a batch again changes nothing. Reads
need the ``read`` scope and show only owners inside the caller's part of the tree;
anything outside answers 404, like something that does not exist.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import urlencode

from django.http import HttpRequest
from django.urls import reverse
from ninja import Query, Router, Schema
from pydantic import Field

from quotaflow.accounts.models import TokenScope
from quotaflow.api.auth import request_user, require_allowed, require_scope
from quotaflow.api.metrics import RecomputeOut
from quotaflow.api.schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
    BusinessDate,
    Input,
    ObjectId,
    Offset,
    OptionalDay,
    QueryText,
    day_or_today,
)
from quotaflow.core import limits
from quotaflow.core.errors import InvalidInput, NotFound
from quotaflow.core.fiscal import FiscalPeriod
from quotaflow.core.models import Company
from quotaflow.core.money import AmountError, currency_amounts, minor_unit_decimals
from quotaflow.metrics.loaders import metric_by_code
from quotaflow.metrics.models import Metric
from quotaflow.metrics.permissions import sees_recompute_errors
from quotaflow.metrics.queries import latest_recomputes
from quotaflow.org.loaders import owner_for
from quotaflow.org.models import Person, Unit
from quotaflow.org.queries import viewer_scope
from quotaflow.performance import actions
from quotaflow.performance.attainment import Attainment
from quotaflow.performance.models import PerformanceSettings
from quotaflow.performance.permissions import can_feed_numbers
from quotaflow.performance.queries import (
    actuals,
    attainment_of,
    counted_until,
    credits_behind,
    credits_of,
    goals_with_attainment,
    resolve_owner,
    thresholds_from,
)
from quotaflow.plans.in_force import VersionHistory, in_force_goals, version_histories, version_note
from quotaflow.plans.loaders import goal_for
from quotaflow.plans.models import Goal
from quotaflow.plans.visibility import visible_goals
from quotaflow.sales.actions import ActivityRow, CreditShare, TransactionRow

router = Router(tags=["tracking"])

MAX_BATCH = 10_000
AsOf = Annotated[
    OptionalDay,
    Query(
        None,
        description="Business date (YYYY-MM-DD, 1900-01-01 … 2200-12-31) progress is measured "
        "at; today if omitted.",
    ),
]
# Which progress the read endpoints answer about: an owner, a metric and a fiscal period.
OwnerParam = Annotated[
    QueryText, Query(max_length=80, description="unit:CODE or person:EXTERNAL_ID")
]
MetricParam = Annotated[QueryText, Query(max_length=80, description="Metric code")]
PeriodParam = Annotated[
    QueryText, Query(max_length=80, description="Fiscal period, e.g. FY2027 or FY2027-Q1")
]


def _fiscal_period(label: str) -> FiscalPeriod:
    """The fiscal period ``label`` names in the company's calendar (400 when it names none)."""
    try:
        return Company.current().fiscal_calendar.parse(label)
    except ValueError as error:
        raise InvalidInput(str(error), field="period") from None


# Schemas --------------------------------------------------------------------------------


class ShareIn(Input):
    """A credited person and their share of the transaction."""

    person: str = Field(max_length=64, description="External id of the credited person.")
    percent: Decimal = Field(Decimal(100), gt=0, le=100)


class TransactionIn(Input):
    """A sale, correction, cancellation or credit note (negative amount)."""

    external_id: str = Field(min_length=1, max_length=100)
    date: BusinessDate
    amount: Decimal = Field(description="In the currency's major unit, e.g. 1234.50.")
    currency: str = Field(min_length=3, max_length=3)
    credits: list[ShareIn] = Field(min_length=1, description="Percentages must sum to 100.")
    quantity: Decimal = Decimal(1)
    product: str = Field("", max_length=120)
    product_group: str = Field("", max_length=120)
    account: str = Field("", max_length=200)
    deal_type: str = Field("", max_length=60)
    is_cancelled: bool = False
    attributes: dict[str, Any] = Field(default_factory=dict)


class TransactionBatchIn(Input):
    """Up to 10,000 transactions from one source system."""

    source: str = Field(
        "api",
        min_length=1,
        max_length=40,
        description="The source system, e.g. crm or erp: external ids are unique per source. "
        "Send the same source every time (a file import stores 'import' unless its file "
        "says otherwise), or the same sale under two sources counts twice.",
    )
    transactions: list[TransactionIn] = Field(min_length=1, max_length=MAX_BATCH)
    refuse_other_sources: bool = Field(
        False,
        description="Refuse the whole batch (HTTP 400, nothing written) when an external id "
        "already exists under another source; otherwise such rows are stored and listed "
        "in 'warnings'.",
    )


class ActivityIn(Input):
    """A call, meeting, demo … done by one person."""

    external_id: str = Field(min_length=1, max_length=100)
    date: BusinessDate
    person: str = Field(max_length=64, description="External id of the person who did it.")
    activity_type: str = Field(min_length=1, max_length=60)
    quantity: int = Field(1, ge=0, le=limits.BIGINT_MAX)
    account: str = Field("", max_length=200)
    attributes: dict[str, Any] = Field(default_factory=dict)


class ActivityBatchIn(Input):
    """Up to 10,000 activities from one source system."""

    source: str = Field("api", min_length=1, max_length=40)
    activities: list[ActivityIn] = Field(min_length=1, max_length=MAX_BATCH)


class IngestWarningOut(Schema):
    """A row to look at: its external id is already stored under another source."""

    external_id: str
    other_sources: list[str]
    message: str


class IngestOut(Schema):
    """What the batch changed: new, changed and identical rows, and re-credited ones;
    and the credited shares of people with no placement on the sale's date (with their
    amount in minor units of the company currency), counted under the Unplaced unit."""

    created: int
    updated: int
    unchanged: int
    recredited: int
    unplaced_credits: int = 0
    unplaced_amount_minor: int = 0


class TransactionIngestOut(IngestOut):
    """What a batch of transactions changed, and the rows to look at."""

    warnings: list[IngestWarningOut] = Field(
        default_factory=list,
        description="Rows whose external id already exists under another source system: "
        "probably the same sale sent twice, now counted twice.",
    )


class ManualValueIn(Input):
    """A hand-entered value of a manual metric, in the metric's base unit."""

    metric: str = Field(max_length=64)
    owner: str = Field(max_length=80, description="unit:CODE or person:EXTERNAL_ID")
    date: BusinessDate
    value: int = Field(ge=limits.BIGINT_MIN, le=limits.BIGINT_MAX)
    note: str = Field("", max_length=limits.COMMENT_MAX_LENGTH)


class ManualValueOut(ManualValueIn):
    """The stored manual value."""


class ProgressOut(Schema):
    """Progress of one owner on one metric over one period. Amounts are in the metric's
    base unit (minor currency units for money); percentages have two decimals."""

    owner: str
    metric: str
    period_start: dt.date
    period_end: dt.date
    as_of: dt.date
    goal_id: int | None
    target: int | None
    actual: int
    attainment_pct: Decimal | None = None
    expected_to_date: int | None = None
    pacing_pct: Decimal | None = None
    projection: int | None = None
    projected_attainment_pct: Decimal | None = None
    required_per_day: int | None = None
    days_elapsed: int | None = None
    days_left: int | None = None
    status: str | None = None
    why: str | None = Field(None, description="The credits behind the actual.")
    recompute: RecomputeOut | None = Field(
        None,
        description="Set while the metric is being recomputed (or its recompute failed): "
        "the actual is not final until then.",
    )
    goal_version: int | None = Field(
        None, description="The version of the plan the goal (target and phasing) comes from."
    )
    in_force_from: dt.date | None = Field(None, description="First day that version is in force.")
    in_force_until: dt.date | None = Field(
        None, description="Last day that version is in force (the period's end for the latest)."
    )
    superseded_by: int | None = Field(
        None, description="The goal of the next version, when a later version replaced this one."
    )
    target_basis: str | None = Field(
        None,
        description="Which version the target, phasing and expected-to-date come from: the "
        "goal in force on as_of, with that version's own phasing.",
    )


class GoalProgressOut(ProgressOut):
    """A goal's progress with the progress of the goals that serve it."""

    children: list[ProgressOut]


class CreditLineOut(Schema):
    """One credit behind an actual."""

    day: dt.date
    value: int
    kind: str
    person: str
    reference: str = Field(description="source:external_id of the transaction or activity.")
    product_group: str
    account: str
    conversion: str = Field(
        "",
        description="For a sale in another currency: its own amount and the exchange rate "
        "(with the day it took effect) that converted it into the company currency.",
    )


class CreditPageOut(Schema):
    """A page of credits, newest first."""

    total: int
    offset: int
    items: list[CreditLineOut]


# Helpers ----------------------------------------------------------------------------------


def _minor(amount: Decimal, currency: str, index: int) -> int:
    """A transaction's amount in minor units of its currency, through core.money."""
    if minor_unit_decimals(currency) is None:
        raise InvalidInput(
            f"Transaction {index + 1}: '{currency}' is not an ISO 4217 currency code.",
            field="currency",
        )
    try:
        return currency_amounts(currency).from_major(amount)
    except AmountError as error:
        raise InvalidInput(f"Transaction {index + 1}: {error.message}", field="amount") from None


def _person_id(people: dict[str, int], external_id: str, what: str) -> int:
    if external_id not in people:
        raise InvalidInput(f"{what}: nobody has the external id '{external_id}'.", field="person")
    return people[external_id]


def _people(external_ids: set[str]) -> dict[str, int]:
    """Database ids of the people named in a batch, by external id (one query)."""
    return dict(
        Person.objects.filter(external_id__in=list(external_ids)).values_list("external_id", "pk")
    )


def _transaction_rows(payload: TransactionBatchIn) -> list[TransactionRow]:
    people = _people({share.person for item in payload.transactions for share in item.credits})
    rows = []
    for index, item in enumerate(payload.transactions):
        what = f"Transaction {index + 1} ({item.external_id})"
        total = sum((share.percent for share in item.credits), Decimal(0))
        if total != 100:
            raise InvalidInput(
                f"{what}: credit percentages add up to {total}, not 100.", field="credits"
            )
        shares = tuple(
            CreditShare(_person_id(people, share.person, what), share.percent)
            for share in item.credits
        )
        if len({share.person_id for share in shares}) != len(shares):
            raise InvalidInput(f"{what}: a person is credited more than once.", field="credits")
        rows.append(
            TransactionRow(
                external_id=item.external_id,
                date=item.date,
                amount_minor=_minor(item.amount, item.currency.upper(), index),
                currency=item.currency.upper(),
                credits=shares,
                quantity=item.quantity,
                product=item.product,
                product_group=item.product_group,
                account=item.account,
                deal_type=item.deal_type,
                is_cancelled=item.is_cancelled,
                attributes=item.attributes,
            )
        )
    return rows


def _progress(
    *, owner: str, metric: Metric, start: dt.date, end: dt.date, as_of: dt.date, goal: Goal | None, actual: int,
    progress: Attainment | None,
) -> dict[str, Any]:  # fmt: skip
    body: dict[str, Any] = {
        "owner": owner, "metric": metric.code, "period_start": start, "period_end": end, "as_of": as_of,
        "goal_id": goal.pk if goal else None, "target": goal.target if goal else None, "actual": actual,
    }  # fmt: skip
    if progress is not None and goal is not None:
        body.update(
            {
                name: getattr(progress, name)
                for name in (
                    "attainment_pct",
                    "expected_to_date",
                    "pacing_pct",
                    "projection",
                    "projected_attainment_pct",
                    "required_per_day",
                    "days_elapsed",
                    "days_left",
                    "status",
                )  # fmt: skip
            }
        )
        body["why"] = reverse("api:goal_credits", kwargs={"goal_id": goal.pk})
    return body


def _unsettled(request: HttpRequest, metric_ids: list[int]) -> dict[int, RecomputeOut]:
    """The recomputes of ``metric_ids`` whose numbers are not final, by metric id."""
    planner = sees_recompute_errors(request_user(request))
    runs = latest_recomputes(metric_ids, unsettled_only=True)
    return {metric_id: RecomputeOut.of(run, planner=planner) for metric_id, run in runs.items()}


def _version_facts(goal: Goal, history: VersionHistory | None) -> dict[str, Any]:
    """Which version of its plan ``goal`` is and when it is in force (nothing for a goal
    outside any plan)."""
    version = history.of_goal(goal.pk) if history is not None else None
    if history is None or version is None:
        return {}
    following = history.after(goal.pk)
    return {
        "goal_version": version.plan_version,
        "in_force_from": version.in_force_from,
        "in_force_until": version.in_force_until,
        "superseded_by": following.goal_id if following else None,
        "target_basis": version_note(version, history),
    }


def _owner_why(owner: str, metric: Metric, period: str) -> str:
    query = urlencode({"owner": owner, "metric": metric.code, "period": period})
    return f"{reverse('api:owner_credits')}?{query}"


def _owner_label(goal: Goal) -> str:
    if goal.owner_unit is not None:
        return f"unit:{goal.owner_unit.code}"
    return f"person:{goal.owner_person.external_id}" if goal.owner_person else ""


def _visible_goal(request: HttpRequest, goal_id: int) -> Goal:
    """The goal, if the caller may see it today (whatever date its progress is asked at)."""
    return goal_for(request_user(request), goal_id)


def _counts(result: actions.IngestResult) -> dict[str, int]:
    return {name: value for name, value in result.__dict__.items() if name != "elsewhere"}


# Operations -------------------------------------------------------------------------------


@router.post("/ingest/transactions", response={200: TransactionIngestOut, **WRITE_ERRORS})
def ingest_transactions(request: HttpRequest, payload: TransactionBatchIn) -> TransactionIngestOut:
    """Create, update or cancel up to 10,000 transactions; credits and every dashboard
    number are updated in the same database transaction. Safe to retry."""
    require_scope(request, TokenScope.INGEST)
    user = require_allowed(request, can_feed_numbers)
    result = actions.ingest_transactions(
        _transaction_rows(payload), acting_user=user, source=payload.source,
        refuse_elsewhere=payload.refuse_other_sources,
    )  # fmt: skip
    warnings = [
        IngestWarningOut(
            external_id=external_id, other_sources=list(others),
            message=f"external id {external_id} already exists under source {', '.join(others)}; "
            f"stored again under '{payload.source}', so it counts twice unless one is removed",
        )
        for external_id, others in result.elsewhere
    ]  # fmt: skip
    return TransactionIngestOut(**_counts(result), warnings=warnings)


@router.post("/ingest/activities", response={200: IngestOut, **WRITE_ERRORS})
def ingest_activities(request: HttpRequest, payload: ActivityBatchIn) -> IngestOut:
    """Create or update up to 10,000 activities. Safe to retry."""
    require_scope(request, TokenScope.INGEST)
    user = require_allowed(request, can_feed_numbers)
    people = _people({item.person for item in payload.activities})
    rows = [
        ActivityRow(
            external_id=item.external_id,
            date=item.date,
            person_id=_person_id(people, item.person, f"Activity {index + 1} ({item.external_id})"),
            activity_type=item.activity_type,
            quantity=item.quantity,
            account=item.account,
            attributes=item.attributes,
        )
        for index, item in enumerate(payload.activities)
    ]
    result = actions.ingest_activities(rows, acting_user=user, source=payload.source)
    return IngestOut(**_counts(result))


@router.post("/manual-values", response={200: ManualValueOut, **WRITE_ERRORS})
def set_manual_value(request: HttpRequest, payload: ManualValueIn) -> ManualValueOut:
    """Enter or correct the value of a manual metric for one owner on one day."""
    require_scope(request, TokenScope.INGEST)
    user = require_allowed(request, can_feed_numbers)
    owner = resolve_owner(payload.owner)
    if owner is None:
        raise NotFound(
            f"There is no unit or person '{payload.owner}'; write unit:CODE or person:ID.",
            field="owner",
        )
    stored = actions.set_manual_value(
        metric=metric_by_code(payload.metric), owner=owner, day=payload.date, value=payload.value, acting_user=user,
        note=payload.note,
    )  # fmt: skip
    return ManualValueOut(
        metric=payload.metric,
        owner=payload.owner,
        date=stored.day,
        value=stored.value,
        note=stored.note,
    )


@router.get("/attainment", response={200: ProgressOut, **READ_ERRORS})
def attainment(
    request: HttpRequest,
    owner: OwnerParam,
    metric: MetricParam,
    period: PeriodParam,
    as_of: AsOf = None,
) -> dict[str, Any]:
    """Actual of an owner on a metric in a fiscal period, with attainment, pacing and
    status against the owner's goal for exactly that period (when there is one)."""
    require_scope(request, TokenScope.READ)
    day = day_or_today(as_of)
    target = owner_for(viewer_scope(request_user(request)), owner)
    chosen = metric_by_code(metric)
    fiscal = _fiscal_period(period)
    owner_field = "owner_unit" if isinstance(target, Unit) else "owner_person"
    goal = (
        in_force_goals(day)
        .filter(
            metric=chosen,
            period_start=fiscal.start,
            period_end=fiscal.end,
            **{owner_field: target},
        )
        .order_by("pk")
        .first()
    )
    key = ("unit" if isinstance(target, Unit) else "person", target.pk)
    actual = actuals(chosen, [key], fiscal.start, fiscal.end, as_of=day)[key]
    thresholds = thresholds_from(PerformanceSettings.current())
    progress = attainment_of(goal, actual, as_of=day, thresholds=thresholds) if goal else None
    body = _progress(
        owner=owner, metric=chosen, start=fiscal.start, end=fiscal.end, as_of=day, goal=goal, actual=actual,
        progress=progress,
    )  # fmt: skip
    if goal is not None:
        body.update(_version_facts(goal, version_histories([goal]).get(goal.pk)))
    body["why"] = _owner_why(owner, chosen, period)
    body["recompute"] = _unsettled(request, [chosen.pk]).get(chosen.pk)
    return body


@router.get("/credits", response={200: CreditPageOut, **READ_ERRORS}, url_name="owner_credits")
def owner_credits(
    request: HttpRequest,
    owner: OwnerParam,
    metric: MetricParam,
    period: PeriodParam,
    as_of: AsOf = None,
    offset: Offset = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """Why an owner's actual is what it is: the credits behind it up to ``as_of`` (today
    when not given), as ``/attainment`` counts them, newest first."""
    require_scope(request, TokenScope.READ)
    day = day_or_today(as_of)
    target = owner_for(viewer_scope(request_user(request)), owner)
    fiscal = _fiscal_period(period)
    total, lines = credits_of(
        metric_by_code(metric).pk,
        target,
        fiscal.start,
        counted_until(fiscal.end, day),
        offset=offset,
        limit=limit,
    )
    return {"total": total, "offset": offset, "items": [line.__dict__ for line in lines]}


@router.get("/goals/{goal_id}/attainment", response={200: GoalProgressOut, **READ_ERRORS})
def goal_attainment(request: HttpRequest, goal_id: ObjectId, as_of: AsOf = None) -> dict[str, Any]:
    """A goal's full progress breakdown and that of its child goals."""
    require_scope(request, TokenScope.READ)
    day = day_or_today(as_of)
    goal = _visible_goal(request, goal_id)
    children = list(
        visible_goals(request_user(request), Goal.objects.filter(parent=goal))
        .select_related("metric", "owner_unit", "owner_person")
        .order_by("pk")
    )
    assessed = goals_with_attainment([goal, *children], as_of=day)
    histories = version_histories([goal, *children])
    rows = [
        _progress(
            owner=_owner_label(item), metric=item.metric, start=item.period_start, end=item.period_end, as_of=day,
            goal=item, actual=progress.actual, progress=progress,
        ) | _version_facts(item, histories.get(item.pk))
        for item, progress in assessed
    ]  # fmt: skip
    unsettled = _unsettled(request, [item.metric_id for item, _ in assessed])
    for row, (item, _) in zip(rows, assessed, strict=True):
        row["recompute"] = unsettled.get(item.metric_id)
    return {**rows[0], "children": rows[1:]}


@router.get(
    "/goals/{goal_id}/credits",
    response={200: CreditPageOut, **READ_ERRORS},
    url_name="goal_credits",
)
def goal_credits(
    request: HttpRequest,
    goal_id: ObjectId,
    as_of: AsOf = None,
    offset: Offset = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """Why the actual is what it is: the credits behind it up to ``as_of`` (today when
    not given), as the goal's attainment counts them, newest first."""
    require_scope(request, TokenScope.READ)
    goal = _visible_goal(request, goal_id)
    total, lines = credits_behind(goal, as_of=day_or_today(as_of), offset=offset, limit=limit)
    return {"total": total, "offset": offset, "items": [line.__dict__ for line in lines]}
