"""Goals: one target per owner (a unit or a person) × metric × period, phased by month."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import Q

from quotaflow.metrics.models import Metric
from quotaflow.org.models import Person, Unit


class GoalStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PROPOSED = "proposed", "Proposed"
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    RETURNED = "returned", "Returned"
    PUBLISHED = "published", "Published"
    CLOSED = "closed", "Closed"


class Goal(models.Model):
    """A target for one owner on one metric over one period [period_start, period_end].

    ``target`` is an integer in the metric's base unit: minor currency units (cents) for a
    currency metric, a count for a count metric, hundredths for a percent or score.
    ``phasing`` lists the monthly targets ``[{"start": "2027-02-01", "end": "2027-02-28",
    "target": 12345}, …]``; they sum exactly to ``target``. ``derivation`` holds how the
    number was reached (the planning engine's explanation). ``version`` increases on every
    change, for optimistic concurrency.
    """

    owner_unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="goals")
    owner_person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="goals")
    metric = models.ForeignKey(Metric, on_delete=models.PROTECT, related_name="goals")
    period_start = models.DateField()
    period_end = models.DateField()
    period_label = models.CharField(max_length=20, blank=True, help_text="e.g. FY2027 or FY2027-Q1")
    target = models.BigIntegerField()
    phasing = models.JSONField(default=list, blank=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    status = models.CharField(max_length=20, choices=GoalStatus.choices, default=GoalStatus.DRAFT)
    description = models.TextField(blank=True)
    rationale = models.TextField(blank=True)
    derivation = models.JSONField(default=dict, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering: ClassVar = ["period_start", "pk"]
        indexes: ClassVar = [
            models.Index(fields=["metric", "period_start", "period_end"]),
            models.Index(fields=["owner_person", "period_start"]),
            models.Index(fields=["owner_unit", "period_start"]),
        ]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=(Q(owner_unit__isnull=False) & Q(owner_person__isnull=True))
                | (Q(owner_unit__isnull=True) & Q(owner_person__isnull=False)),
                name="goal_has_exactly_one_owner",
            ),
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="goal_period_is_ordered"),
        ]

    def __str__(self) -> str:
        owner = self.owner_unit or self.owner_person
        return f"{owner} · {self.metric} · {self.period_label or self.period_start}"
