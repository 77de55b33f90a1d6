"""The metrics catalogue: what is counted, from which source, and how."""

from __future__ import annotations

from typing import ClassVar

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
