"""``/metrics``: the metrics catalogue. Everyone signed in may read it; administrators and
sales operations change it (tokens need the ``manage`` scope)."""

from __future__ import annotations

from typing import Annotated

from django.db.models import Q
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from quotaflow.accounts.models import TokenScope
from quotaflow.api.auth import require_planner_with, require_scope
from quotaflow.api.schemas import READ_ERRORS, WRITE_ERRORS, Code, Input, Search, patch_changes
from quotaflow.core import limits
from quotaflow.core.errors import NotFound
from quotaflow.metrics import actions
from quotaflow.metrics.models import Aggregation, Direction, Metric, MetricUnit, Source

router = Router(tags=["metrics"])

Filters = dict[str, list[str]]
FILTERS_DOC = (
    "Transaction fields (product, product_group, account, deal_type, source) mapped to the "
    'values that count, e.g. {"product_group": ["Software", "Services"]}.'
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

    @staticmethod
    def of(metric: Metric) -> MetricOut:
        """The schema for ``metric``, with its plain-words definition."""
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
        )


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
    reason: str = Field("", description="Why, for the audit trail.")


def _metric(code: str) -> Metric:
    metric = Metric.objects.filter(code=code).first()
    if metric is None:
        raise NotFound(f"There is no metric with the code {code!r}.")
    return metric


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
    return [MetricOut.of(metric) for metric in metrics]


@router.get("/metrics/{code}", response={200: MetricOut, **READ_ERRORS}, summary="One metric")
def get_metric(request: HttpRequest, code: Code) -> MetricOut:
    """One metric with its definition in plain words."""
    require_scope(request, TokenScope.READ)
    return MetricOut.of(_metric(code))


@router.post("/metrics", response={201: MetricOut, **WRITE_ERRORS}, summary="Create a metric")
def create_metric(request: HttpRequest, payload: MetricIn) -> Status[MetricOut]:
    """Add a metric (administrators and sales operations)."""
    user = require_planner_with(request, TokenScope.MANAGE)
    metric = actions.create_metric(**payload.model_dump(), acting_user=user)
    return Status(201, MetricOut.of(metric))


@router.patch(
    "/metrics/{code}", response={200: MetricOut, **WRITE_ERRORS}, summary="Change a metric"
)
def update_metric(request: HttpRequest, code: Code, payload: MetricPatch) -> MetricOut:
    """Change a metric; the result must still be a valid definition."""
    user = require_planner_with(request, TokenScope.MANAGE)
    metric = _metric(code)
    changes, reason = patch_changes(payload)
    return MetricOut.of(actions.update_metric(metric, acting_user=user, reason=reason, **changes))
