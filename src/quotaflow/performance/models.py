"""Tracking: credits, maintained aggregates, manual values, thresholds and closed goals.

The read side never scans raw transactions. Every transaction or activity is turned into
``Credit`` rows (one per credited person and metric), and the credits are folded into
``DailyAggregate`` cells (owner × metric × day) in the same database transaction as the
ingest.

Credits and aggregates are a projection of the sales data, the organisation and the
metric catalogue, which ``rebuild_aggregates`` reproduces from scratch. Their foreign keys
are therefore not enforced by the database (``db_constraint=False``): a foreign-key check
per written row was a third of the cost of a bulk ingest. Deleting a person, metric, unit
or transaction through the application still cascades to them, and the tests hold the
projection equal to a rebuild. Distinct counts are not additive across days, so for those metrics the distinct
keys themselves are kept per owner and day (``DistinctKeyDay``) and counted at read time.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from quotaflow.core.constraints import exactly_one_of
from quotaflow.metrics.models import Metric
from quotaflow.org.models import Person, Unit
from quotaflow.plans.models import Goal
from quotaflow.sales.models import Activity, Transaction


def projection_key(to: type[models.Model], **options: Any) -> models.ForeignKey:
    """A foreign key of the projection: deleting the row it names deletes the projected
    rows too (``on_delete`` may say otherwise), but the database neither checks nor
    indexes it (see the module's docstring)."""
    options.setdefault("on_delete", models.CASCADE)
    return models.ForeignKey(to, db_index=False, db_constraint=False, **options)


class OwnerType(models.TextChoices):
    UNIT = "unit"
    PERSON = "person"


class CreditKind(models.TextChoices):
    DIRECT = "direct"
    OVERLAY = "overlay"


class Credit(models.Model):
    """What one transaction or activity counts for one person on one metric.

    ``value`` is in the metric's base unit after the split (minor currency units for
    amounts; the splits of one transaction sum exactly to its amount). ``unit`` and
    ``unit_path`` are the person's unit on ``day`` and its ancestors: the units the
    credit rolled up to. Overlay credits count for the specialist only and never roll up,
    so unit totals are not counted twice.

    Every index costs each ingested sale a write, so there are only those the reads
    need: by transaction and by activity (each only where set), and the two composite
    indexes of the dashboards' "why" listings. Deleting a person or a unit, which a
    sale's share or an assignment normally prevents, scans the table instead.
    """

    transaction = projection_key(
        Transaction, null=True, blank=True, related_name="performance_credits"
    )
    activity = projection_key(Activity, null=True, blank=True, related_name="performance_credits")
    person = projection_key(Person, related_name="performance_credits")
    # Indexed through the composite indexes below, which all start with the metric.
    metric = projection_key(Metric, related_name="credits")
    kind = models.CharField(max_length=10, choices=CreditKind.choices, default=CreditKind.DIRECT)
    day = models.DateField()
    value = models.BigIntegerField()
    distinct_key = models.CharField(max_length=200, blank=True)
    unit = projection_key(Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    unit_path = models.CharField(max_length=1000, blank=True)

    class Meta:
        ordering: ClassVar = ["-day", "pk"]
        indexes: ClassVar = [
            models.Index(fields=["metric", "person", "day"]),
            models.Index(fields=["metric", "unit_path", "day"]),
            models.Index(
                fields=["transaction"],
                condition=Q(transaction__isnull=False),
                name="credit_by_transaction",
            ),
            models.Index(
                fields=["activity"], condition=Q(activity__isnull=False), name="credit_by_activity"
            ),
        ]
        constraints: ClassVar = [
            exactly_one_of("transaction", "activity", name="credit_has_exactly_one_source")
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.metric} · {self.day}: {self.value}"


class RunningTotal(models.Model):
    """The running total of one owner (unit or person) on one metric over one span of
    time, which the concrete models name.

    ``value`` sums credited values; ``count`` counts the transactions or activities behind
    them (for averages). Maintained by upserts that add deltas, never by rescanning.
    """

    owner_type = models.CharField(max_length=6, choices=OwnerType.choices)
    owner_id = models.BigIntegerField()
    # The unique constraint starts with the metric, so no index of its own.
    metric = projection_key(Metric, related_name="+")
    value = models.BigIntegerField(default=0)
    count = models.BigIntegerField(default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.owner_type}:{self.owner_id} · {self.metric_id} · {self.span_label()}: {self.value}"

    @staticmethod
    def one_per_owner_and_metric(span: str) -> list[models.BaseConstraint]:
        """The constraint of a concrete running total: one row per owner, metric and
        ``span`` (the name of its date field)."""
        return [
            models.UniqueConstraint(
                fields=["metric", "owner_type", "owner_id", span],
                name=f"one_aggregate_per_owner_metric_{span}",
            )
        ]

    def span_label(self) -> str:
        """The span of time this total covers, as people read it."""
        raise NotImplementedError


class DailyAggregate(RunningTotal):
    """The running total of one owner on one metric on one day."""

    day = models.DateField()

    class Meta:
        constraints: ClassVar = RunningTotal.one_per_owner_and_metric("day")

    def span_label(self) -> str:
        return str(self.day)


class MonthlyAggregate(RunningTotal):
    """The same running totals as :class:`DailyAggregate`, per calendar month (``month``
    is its first day), maintained in the same database transaction by the same deltas.

    Actuals over whole months — fiscal years, quarters and months are whole months —
    read at most one row per owner and month instead of one per day: a year is 12 rows,
    and a board over 100,000 reps sums 1.1 million cells rather than 8.6 million.
    Days at the edges of a period that is not month-aligned come from the daily cells.
    Distinct counts are not additive across days, so they have no monthly cells.
    """

    month = models.DateField()

    class Meta:
        constraints: ClassVar = RunningTotal.one_per_owner_and_metric("month")

    def span_label(self) -> str:
        return f"{self.month:%Y-%m}"


class DistinctKeyDay(models.Model):
    """For distinct-count metrics: how many credited rows of one owner on one day carry
    ``key`` (e.g. an account). The actual over a period is the number of keys with
    ``refs`` > 0 on some day in it — exact, unlike summing daily distinct counts."""

    owner_type = models.CharField(max_length=6, choices=OwnerType.choices)
    owner_id = models.BigIntegerField()
    metric = projection_key(Metric, related_name="+")
    day = models.DateField()
    key = models.CharField(max_length=200)
    refs = models.BigIntegerField(default=0)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["metric", "owner_type", "owner_id", "day", "key"],
                name="one_distinct_key_per_owner_day",
            )
        ]

    def __str__(self) -> str:
        return f"{self.owner_type}:{self.owner_id} · {self.key} · {self.day}"


class ManualValue(models.Model):
    """A value entered by hand for a manual metric (e.g. a satisfaction score), in the
    metric's base unit, for one owner on one day. Counted for that owner only."""

    owner_unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    owner_person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    metric = models.ForeignKey(Metric, on_delete=models.CASCADE, related_name="manual_values")
    day = models.DateField()
    value = models.BigIntegerField()
    note = models.TextField(blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    entered_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering: ClassVar = ["-day"]
        constraints: ClassVar = [
            exactly_one_of("owner_unit", "owner_person", name="manual_value_has_exactly_one_owner"),
            models.UniqueConstraint(
                fields=["metric", "owner_unit", "day"],
                condition=Q(owner_unit__isnull=False),
                name="one_manual_value_per_unit_day",
            ),
            models.UniqueConstraint(
                fields=["metric", "owner_person", "day"],
                condition=Q(owner_person__isnull=False),
                name="one_manual_value_per_person_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.owner_unit or self.owner_person} · {self.metric} · {self.day}: {self.value}"


class OverlayRule(models.Model):
    """Credits a specialist with ``percent`` of every transaction in ``product_group``
    dated within [valid_from, valid_to], on top of the direct credit."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="overlay_rules")
    product_group = models.CharField(max_length=120)
    percent = models.DecimalField(
        max_digits=7,
        decimal_places=4,
        default=Decimal(100),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["product_group", "valid_from"]

    def __str__(self) -> str:
        return f"{self.person} overlays {self.product_group} ({self.percent}%)"


class ChangeMarker(models.Model):
    """A counter per metric, increased whenever its aggregates change; open dashboards
    poll it to know cheaply whether to refresh."""

    metric = models.OneToOneField(Metric, on_delete=models.CASCADE, related_name="+")
    version = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.metric_id}@{self.version}"


class StatusBasis(models.TextChoices):
    PACING = "pacing", "Pacing (actual against expected to date)"
    PROJECTION = "projection", "Projected attainment at period end"


class Visibility(models.TextChoices):
    """Who sees the leaderboards (and the recognition wall)."""

    EVERYONE = "everyone", "Everyone: every rep sees every team's ranks"
    TEAM = "team", "Own team: a rep sees their own team's ranks"
    MANAGERS = "managers", "Off for reps: managers (their part of the tree) and sales operations"
    PLANNERS = "planners", "Sales operations only"


class DigestCadence(models.TextChoices):
    OFF = "off"
    DAILY = "daily"
    WEEKLY = "weekly", "Weekly (Mondays)"


class UnplacedCredit(models.TextChoices):
    BUCKET = "bucket", "Count it under the company's Unplaced unit until the person is placed"
    REFUSE = "refuse", "Refuse the sale: every credited person must be placed on its date"


class PerformanceSettings(models.Model):
    """Company-wide tracking settings (one row): status thresholds, leaderboard
    visibility, the e-mail digest cadence, and what happens to a sale credited to
    someone with no placement on its date."""

    status_basis = models.CharField(
        max_length=12, choices=StatusBasis.choices, default=StatusBasis.PACING
    )
    at_risk_below = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("95"),
        help_text="Percent: below this a goal is at risk.",
    )
    off_track_below = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("80"),
        help_text="Percent: below this a goal is off track.",
    )
    leaderboard_visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.MANAGERS
    )
    digest_cadence = models.CharField(
        max_length=10, choices=DigestCadence.choices, default=DigestCadence.DAILY
    )
    unplaced_credit = models.CharField(
        max_length=10,
        choices=UnplacedCredit.choices,
        default=UnplacedCredit.BUCKET,
        help_text="A sale credited to someone with no placement on its date.",
    )
    version = models.BigIntegerField(
        default=0, help_text="Raised on every change; a write naming an older one is refused."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "performance settings"

    def __str__(self) -> str:
        return "Performance settings"

    @classmethod
    def current(cls) -> PerformanceSettings:
        """The settings row, created with defaults on first use."""
        found = cls.objects.order_by("pk").first()
        return found if found is not None else cls.objects.create()


class Outcome(models.TextChoices):
    REACHED = "reached"
    MISSED = "missed"


class GoalResult(models.Model):
    """The final result of a goal whose period has ended, fixed at period close."""

    goal = models.OneToOneField(Goal, on_delete=models.CASCADE, related_name="result")
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    actual = models.BigIntegerField()
    target = models.BigIntegerField()
    closed_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.goal}: {self.get_outcome_display()}"


class GoalAlert(models.Model):
    """The last status an owner and manager were told about for a goal, so a goal that
    stays at risk is reported once, not on every check."""

    goal = models.OneToOneField(Goal, on_delete=models.CASCADE, related_name="alert")
    status = models.CharField(max_length=12)
    notified_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.goal}: {self.status}"
