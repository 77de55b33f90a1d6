"""``/metrics``: the metrics catalogue. Everyone signed in may read it; administrators and
sales operations change it (tokens need the ``manage`` scope)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.db.models import Q
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from quotaflow.accounts.models import TokenScope
from quotaflow.api.auth import request_user, require_allowed, require_scope
from quotaflow.api.schemas import READ_ERRORS, WRITE_ERRORS, Code, Input, Search, patch_changes
from quotaflow.core import limits
from quotaflow.metrics import actions
from quotaflow.metrics.loaders import metric_by_code
from quotaflow.metrics.models import (
    Aggregation,
    Direction,
    Metric,
    MetricRecompute,
    MetricUnit,
    RecomputeStatus,
    Source,
)
from quotaflow.metrics.permissions import (
    can_define_metrics,
    can_recompute,
    sees_recompute_errors,
)
from quotaflow.metrics.queries import latest_recomputes

router = Router(tags=["metrics"])

Filters = dict[str, list[str]]
FILTERS_DOC = (
    "Transaction fields (product, product_group, account, deal_type, source) mapped to the "
    'values that count, e.g. {"product_group": ["Software", "Services"]}.'
)


class RecomputeOut(Schema):
    """A background recompute of a metric's credits and aggregates, asked for when the
    metric was created or its definition changed. While it is queued or running the
    metric's numbers are not final; ``percent`` is how far it is."""

    status: RecomputeStatus
    reason: str
    percent: int = Field(description="0–100; 100 only once it is done.")
    done: int
    total: int
    requested_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    error: str = Field("", description="Why it failed (shown to planners only).")

    @staticmethod
    def of(run: MetricRecompute, *, planner: bool) -> RecomputeOut:
        """The schema for ``run``; its error only for administrators and sales operations."""
        return RecomputeOut(
            status=RecomputeStatus(run.status),
            reason=run.reason,
            percent=run.percent,
            done=run.done,
            total=run.total,
            requested_at=run.requested_at,
            started_at=run.started_at,
            finished_at=run.finished_at,
            error=run.error if planner else "",
        )

    @staticmethod
    def maybe(run: MetricRecompute | None, *, planner: bool) -> RecomputeOut | None:
        """:meth:`of`, or None when there is no run."""
        return RecomputeOut.of(run, planner=planner) if run is not None else None


RECOMPUTE_DOC = (
    "The metric's latest recompute; its numbers are final only when this is null or done."
)


class MetricOut(Schema):
    """A metric: what is counted, from which source and how."""

    code: str
    name: str
    description: str
    unit: MetricUnit = Field(description="currency amounts are in minor units (cents).")
    direction: Direction
    source: Source
    aggregation: Aggregation
    value_field: str = Field(
        description="Field summed or averaged, or whose distinct values are counted."
    )
    filters: Filters = Field(description=FILTERS_DOC)
    activity_type: str
    is_active: bool
    definition: str = Field(description="The definition in plain words.")
    recompute: RecomputeOut | None = Field(None, description=RECOMPUTE_DOC)
    version: int = Field(description="Send it back as expected_version when changing the metric.")

    @staticmethod
    def of(
        metric: Metric, run: MetricRecompute | None = None, *, planner: bool = False
    ) -> MetricOut:
        """The schema for ``metric``, with its plain-words definition and ``run``, its
        latest recompute."""
        return MetricOut(
            code=metric.code,
            name=metric.name,
            description=metric.description,
            unit=MetricUnit(metric.unit),
            direction=Direction(metric.direction),
            source=Source(metric.source),
            aggregation=Aggregation(metric.aggregation),
            value_field=metric.value_field,
            filters=metric.filters or {},
            activity_type=metric.activity_type,
            is_active=metric.is_active,
            definition=metric.definition(),
            recompute=RecomputeOut.maybe(run, planner=planner),
            version=metric.version,
        )

    @staticmethod
    def with_recompute(request: HttpRequest, metric: Metric) -> MetricOut:
        """The schema for ``metric`` with its latest recompute, as the caller may see it."""
        run = latest_recomputes([metric.pk]).get(metric.pk)
        return MetricOut.of(metric, run, planner=sees_recompute_errors(request_user(request)))


class MetricIn(Input):
    """A new metric."""

    code: str = Field(
        max_length=64, description="Short identifier: letters, digits, hyphens, underscores."
    )
    name: str = Field(max_length=200)
    description: str = Field("", max_length=limits.COMMENT_MAX_LENGTH)
    unit: MetricUnit = MetricUnit.CURRENCY
    direction: Direction = Direction.HIGHER
    source: Source = Source.TRANSACTIONS
    aggregation: Aggregation = Aggregation.SUM
    value_field: str = Field(
        "amount", max_length=40, description="amount or quantity; for distinct_count e.g. account."
    )
    filters: Filters = Field(default_factory=dict, description=FILTERS_DOC)
    activity_type: str = Field("", max_length=60, description="For activity metrics, e.g. call.")


class MetricPatch(Input):
    """Changes to a metric; only the fields sent are changed."""

    expected_version: int = Field(
        ge=0,
        le=limits.BIGINT_MAX,
        description="The version you read (required); 409 if the metric changed since.",
    )
    code: str | None = Field(None, max_length=64)
    name: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=limits.COMMENT_MAX_LENGTH)
    unit: MetricUnit | None = None
    direction: Direction | None = None
    source: Source | None = None
    aggregation: Aggregation | None = None
    value_field: str | None = Field(None, max_length=40)
    filters: Filters | None = Field(None, description=FILTERS_DOC)
    activity_type: str | None = Field(None, max_length=60)
    is_active: bool | None = None
    reason: str = Field(
        "", max_length=limits.COMMENT_MAX_LENGTH, description="Why, for the audit trail."
    )


@router.get("/metrics", response={200: list[MetricOut], **READ_ERRORS}, summary="List metrics")
def list_metrics(
    request: HttpRequest,
    q: Search = None,
    active: Annotated[
        bool | None, Query(description="Only active (true) or retired (false) metrics.")
    ] = None,
) -> list[MetricOut]:
    """The metrics catalogue."""
    require_scope(request, TokenScope.READ)
    metrics = Metric.objects.order_by("name")
    if q:
        metrics = metrics.filter(Q(code__icontains=q) | Q(name__icontains=q))
    if active is not None:
        metrics = metrics.filter(is_active=active)
    found = list(metrics)
    runs = latest_recomputes(metric.pk for metric in found)
    planner = sees_recompute_errors(request_user(request))
    return [MetricOut.of(metric, runs.get(metric.pk), planner=planner) for metric in found]


@router.get("/metrics/{code}", response={200: MetricOut, **READ_ERRORS}, summary="One metric")
def get_metric(request: HttpRequest, code: Code) -> MetricOut:
    """One metric with its definition in plain words."""
    require_scope(request, TokenScope.READ)
    return MetricOut.with_recompute(request, metric_by_code(code))


@router.post("/metrics", response={201: MetricOut, **WRITE_ERRORS}, summary="Create a metric")
def create_metric(request: HttpRequest, payload: MetricIn) -> Status[MetricOut]:
    """Add a metric (administrators and sales operations)."""
    user = require_allowed(request, can_define_metrics, scope=TokenScope.MANAGE)
    metric = actions.create_metric(**payload.model_dump(), acting_user=user)
    return Status(201, MetricOut.with_recompute(request, metric))


@router.patch(
    "/metrics/{code}", response={200: MetricOut, **WRITE_ERRORS}, summary="Change a metric"
)
def update_metric(request: HttpRequest, code: Code, payload: MetricPatch) -> MetricOut:
    """Change a metric; the result must still be a valid definition. Name the
    ``version`` you read as ``expected_version``: a metric changed since is refused (409)
    and nothing is written."""
    user = require_allowed(request, can_define_metrics, scope=TokenScope.MANAGE)
    metric = metric_by_code(code)
    changes, reason = patch_changes(payload)
    metric = actions.update_metric(
        metric,
        acting_user=user,
        expected_version=changes.pop("expected_version"),
        reason=reason,
        **changes,
    )
    return MetricOut.with_recompute(request, metric)


class RecomputeIn(Input):
    """Why the metric is recomputed again."""

    reason: str = Field("", max_length=200, description="For the audit trail.")


@router.post(
    "/metrics/{code}/recompute",
    response={202: MetricOut, **WRITE_ERRORS},
    summary="Recompute a metric again",
)
def recompute_metric(request: HttpRequest, code: Code, payload: RecomputeIn) -> Status[MetricOut]:
    """Queue a fresh recompute of the metric's credits and aggregates (after one failed,
    say); the answer carries it, queued."""
    user = require_allowed(request, can_recompute, scope=TokenScope.MANAGE)
    metric = metric_by_code(code)
    actions.recompute_metric(metric, acting_user=user, reason=payload.reason.strip())
    return Status(202, MetricOut.with_recompute(request, metric))
