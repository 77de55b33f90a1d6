"""What sits in the company's Unplaced unit: credits of people who had no placement on
their sale's date, counted for the company so its totals stay whole until someone places
them (a back-dated assignment re-credits those sales to the right units)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Sum

from quotaflow.metrics.models import Metric
from quotaflow.org.models import Unit
from quotaflow.performance.models import Credit, MonthlyAggregate, OwnerType
from quotaflow.performance.recrediting import unplaced_unit
from quotaflow.sales.queries import unconverted_transactions


@dataclass(frozen=True)
class UnplacedMetric:
    """One metric's total in the Unplaced unit: ``value`` in the metric's base unit (minor
    units of the company currency for money) over ``count`` sales or activities."""

    code: str
    name: str
    unit: str
    value: int
    count: int


@dataclass(frozen=True)
class UnplacedSummary:
    """The Unplaced unit (None until first needed), what it holds per metric, how many
    people are behind it, and foreign sales stored without a company-currency amount
    (per currency), which count for no money metric until a rate is imported."""

    unit: Unit | None
    metrics: list[UnplacedMetric] = field(default_factory=list)
    people: int = 0
    unconverted: dict[str, int] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return not any(metric.count for metric in self.metrics) and not self.unconverted


def unplaced_summary() -> UnplacedSummary:
    """The Unplaced unit's totals per active metric (read from the monthly cells, one
    query), the people credited there (one query) and unconverted sales (one query)."""
    unconverted = unconverted_transactions()
    unit = unplaced_unit()
    if unit is None:
        return UnplacedSummary(None, unconverted=unconverted)
    metrics = {metric.pk: metric for metric in Metric.objects.filter(is_active=True)}
    totals = (
        MonthlyAggregate.objects.filter(
            metric_id__in=list(metrics), owner_type=OwnerType.UNIT, owner_id=unit.pk
        )
        .values("metric_id")
        .annotate(value=Sum("value"), count=Sum("count"))
        .order_by("metric_id")
    )
    rows = [
        UnplacedMetric(
            metrics[row["metric_id"]].code,
            metrics[row["metric_id"]].name,
            metrics[row["metric_id"]].unit,
            int(row["value"] or 0),
            int(row["count"] or 0),
        )
        for row in totals
        if row["value"] or row["count"]
    ]
    people = (
        Credit.objects.filter(metric_id__in=list(metrics), unit_path=unit.path)
        .aggregate(people=Count("person_id", distinct=True))
        .get("people")
    )
    return UnplacedSummary(unit, rows, int(people or 0), unconverted)
