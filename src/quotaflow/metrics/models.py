"""The metrics catalogue: what is counted, from which source, and how."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models


class MetricUnit(models.TextChoices):
    """What a metric's numbers are: money (minor units), a count, a percentage or a score."""

    CURRENCY = "currency"
    COUNT = "count"
    PERCENT = "percent"
    SCORE = "score"


class Direction(models.TextChoices):
    """Whether more is better (revenue) or less is better (churn, discount)."""

    HIGHER = "higher", "Higher is better"
    LOWER = "lower", "Lower is better"


class Source(models.TextChoices):
    """Where a metric's numbers come from."""

    TRANSACTIONS = "transactions"
    ACTIVITIES = "activities"
    MANUAL = "manual", "Manual entry"


class Aggregation(models.TextChoices):
    """How source rows become one number."""

    SUM = "sum"
    COUNT = "count"
    DISTINCT_COUNT = "distinct_count", "Distinct count"
    AVERAGE = "average"


class Metric(models.Model):
    """A measurable quantity such as revenue, new logos or calls.

    ``filters`` restricts the source rows, e.g. ``{"product_group": ["Software"],
    "deal_type": ["new_business"]}``; ``value_field`` says which field is aggregated
    (``amount`` or ``quantity`` for transactions; ``quantity`` for activities); for a
    distinct count it names the field whose distinct values are counted (e.g. ``account``).
    """

    code = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(
        blank=True, help_text="Definition and scope: what counts and what does not."
    )
    unit = models.CharField(max_length=20, choices=MetricUnit.choices, default=MetricUnit.CURRENCY)
    direction = models.CharField(max_length=10, choices=Direction.choices, default=Direction.HIGHER)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.TRANSACTIONS)
    aggregation = models.CharField(
        max_length=20, choices=Aggregation.choices, default=Aggregation.SUM
    )
    value_field = models.CharField(max_length=40, default="amount")
    filters = models.JSONField(default=dict, blank=True)
    activity_type = models.CharField(
        max_length=60, blank=True, help_text="For activity metrics, e.g. 'call'."
    )
    is_active = models.BooleanField(default=True)
    version = models.BigIntegerField(
        default=0, help_text="Raised on every change; a write naming an older one is refused."
    )

    class Meta:
        ordering: ClassVar = ["name"]

    def __str__(self) -> str:
        return self.name

    def definition(self) -> str:
        """What the metric counts, in plain words, e.g. "Sum of amount of transactions
        where product group is Software or Services"."""
        if self.source == Source.MANUAL:
            return "Entered by hand for each owner and period"
        rows = "transactions" if self.source == Source.TRANSACTIONS else "activities"
        what = {
            Aggregation.SUM: f"Sum of {self.value_field} of {rows}",
            Aggregation.AVERAGE: f"Average {self.value_field} of {rows}",
            Aggregation.COUNT: f"Number of {rows}",
            Aggregation.DISTINCT_COUNT: f"Number of distinct {_FIELD_LABELS.get(self.value_field, self.value_field)} values in {rows}",
        }.get(Aggregation(self.aggregation), f"{self.aggregation} of {rows}")
        conditions = []
        if self.source == Source.ACTIVITIES and self.activity_type:
            conditions.append(f"activity type is {self.activity_type}")
        for key, values in sorted((self.filters or {}).items()):
            label = _FIELD_LABELS.get(key, key)
            conditions.append(f"{label} is {' or '.join(str(value) for value in values)}")
        return what + (" where " + " and ".join(conditions) if conditions else "")


_FIELD_LABELS = {
    "product": "product",
    "product_group": "product group",
    "account": "account",
    "deal_type": "deal type",
    "source": "source system",
    "amount": "amount",
    "quantity": "quantity",
}


class RecomputeStatus(models.TextChoices):
    """Where a metric's recompute stands."""

    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    # A newer change of the same metric asked for a fresh run, which does the whole job.
    SUPERSEDED = "superseded", "Superseded"


ACTIVE_RECOMPUTE = (RecomputeStatus.QUEUED, RecomputeStatus.RUNNING)


class MetricRecompute(models.Model):
    """One background recompute of a metric's credits and aggregates, asked for when the
    metric is created or its definition changes (or again by a planner after a failure).

    ``done`` of ``total`` is the progress: the sales and activities looked at so far, and
    the final step that adds the metric's credits up into its aggregates. Until the
    metric's latest recompute is done, its numbers are not final and every page and API
    answer that shows them says so.
    """

    metric = models.ForeignKey(Metric, on_delete=models.CASCADE, related_name="recomputes")
    status = models.CharField(
        max_length=12, choices=RecomputeStatus.choices, default=RecomputeStatus.QUEUED
    )
    reason = models.CharField(max_length=200, help_text="What asked for it.")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    done = models.BigIntegerField(default=0)
    total = models.BigIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering: ClassVar = ["-pk"]
        indexes: ClassVar = [models.Index(fields=["metric", "-id"], name="recompute_latest")]

    def __str__(self) -> str:
        return f"{self.metric} · {self.status} · {self.percent}%"

    @property
    def is_active(self) -> bool:
        """Queued or running: the metric's numbers are still being recomputed."""
        return self.status in ACTIVE_RECOMPUTE

    @property
    def percent(self) -> int:
        """Whole per cent done, rounded down (100 only once it is done)."""
        if self.status == RecomputeStatus.DONE:
            return 100
        if not self.total:
            return 0
        return min(99, self.done * 100 // self.total)
