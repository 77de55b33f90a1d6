"""Planning cycles and their goals: one target per owner (a unit or a person) × metric ×
period, phased by month, with the comments exchanged while the numbers were negotiated."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from quotaflow.core.constraints import exactly_one_of
from quotaflow.metrics.models import Metric
from quotaflow.org.models import Person, Unit


class Approach(models.TextChoices):
    TOP_DOWN = "top_down", "Top-down"
    BOTTOM_UP = "bottom_up", "Bottom-up"
    HYBRID = "hybrid"


class ReconcileMethod(models.TextChoices):
    """How a hybrid cycle reconciles its top-down and bottom-up numbers: the one list of
    these names and their labels. The form, the API schema and the engine's names
    (``plans.engine_adapter.ENGINE_RECONCILE``) all follow from it."""

    TOP_DOWN_TOTAL_BOTTOM_UP_SHARES = (
        "top_down_total_bottom_up_shares",
        "Keep the top-down total, share it by the bottom-up numbers",
    )
    KEEP_SUBMITTED = (
        "keep_submitted",
        "Keep submitted numbers, spread the rest by the top-down split",
    )
    WEIGHTED_BLEND = "weighted_blend", "Weighted blend of top-down and bottom-up"
    LEAST_SQUARES = "least_squares", "Closest coherent plan to both (least squares, weighted)"


class CycleStatus(models.TextChoices):
    DRAFT = "draft"
    OPEN = "open", "Open for submissions"
    PUBLISHED = "published"
    SUPERSEDED = "superseded", "Superseded by a newer version"
    CLOSED = "closed"


class CheckinCadence(models.TextChoices):
    """How often owners check in on a cycle's goals ("" = no cadence set). A check-in is
    due at the end of every whole cadence step counted from the goal's period start
    (``quotaflow.feedback.cadence``)."""

    NONE = "", "No cadence"
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly", "Every two weeks"
    MONTHLY = "monthly"


class PlanningCycle(models.Model):
    """One plan: a metric over a fiscal period for the organisation under ``root_unit``.

    The participants are frozen when the cycle is created: a goal is made for every unit
    under ``root_unit`` and every member of those units on ``period_start``, linked into
    the same tree. ``allocation`` holds one rule per level below the root, e.g.
    ``[{"method": "equal", "over_assignment": 0.1, "granularity": 100, "cap": null}]``;
    ``phasing_profile`` holds one weight per month of the period (empty = by days).

    A scenario (``is_scenario``) is a what-if copy of ``based_on`` that can never be
    published. A mid-period change makes a new published version of the plan
    (``plan_version`` + 1: v1, v2, v3…, ``based_on`` = the version it replaces,
    ``effective_from`` and ``change_reason``).

    ``checkin_cadence`` says how often the owners of its goals check in on them (weekly,
    every two weeks, monthly, or not set); unlike the numbers it may be set on a
    published plan, because check-ins happen while the plan runs.

    ``version`` is not the plan's version: it is the row's optimistic-lock counter, raised on
    every change and checked against a write's ``expected_version``.
    """

    name = models.CharField(max_length=200)
    metric = models.ForeignKey(Metric, on_delete=models.PROTECT, related_name="planning_cycles")
    root_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="planning_cycles")
    period_start = models.DateField()
    period_end = models.DateField()
    period_label = models.CharField(max_length=20, blank=True)
    approach = models.CharField(max_length=20, choices=Approach.choices, default=Approach.TOP_DOWN)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="owned_cycles"
    )
    submissions_due = models.DateField(null=True, blank=True)
    approvals_due = models.DateField(null=True, blank=True)
    publish_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=CycleStatus.choices, default=CycleStatus.DRAFT)
    allocation = models.JSONField(default=list, blank=True)
    phasing_profile = models.JSONField(default=list, blank=True)
    gap_tolerance_bp = models.PositiveIntegerField(
        default=500,
        help_text="Hybrid: largest gap between bottom-up and top-down, in basis points.",
    )
    company_target = models.BigIntegerField(null=True, blank=True)
    negotiation_round = models.PositiveIntegerField(default=0)
    reconciliation = models.JSONField(default=dict, blank=True)
    is_scenario = models.BooleanField(default=False)
    based_on = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="derived_cycles"
    )
    plan_version = models.PositiveIntegerField(
        default=1, help_text="The published plan's version: 1, 2, 3… (not the lock counter)."
    )
    effective_from = models.DateField(null=True, blank=True)
    change_reason = models.TextField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    checkin_cadence = models.CharField(
        max_length=20,
        choices=CheckinCadence.choices,
        default=CheckinCadence.NONE,
        blank=True,
        help_text="How often goal owners check in on their progress.",
    )
    version = models.PositiveIntegerField(
        default=1, help_text="Optimistic-lock counter; writes send it as expected_version."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["-period_start", "name", "plan_version"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="cycle_period_is_ordered",
            )
        ]

    def __str__(self) -> str:
        suffix = " (scenario)" if self.is_scenario else ""
        plan_version = f" v{self.plan_version}" if self.plan_version > 1 else ""
        return f"{self.name}{plan_version}{suffix}"

    @property
    def is_frozen(self) -> bool:
        """Published, superseded and closed plans never change again."""
        return self.status in {CycleStatus.PUBLISHED, CycleStatus.SUPERSEDED, CycleStatus.CLOSED}


class GoalStatus(models.TextChoices):
    DRAFT = "draft"
    PROPOSED = "proposed"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    RETURNED = "returned"
    PUBLISHED = "published"
    CLOSED = "closed"


class Goal(models.Model):
    """A target for one owner on one metric over one period [period_start, period_end].

    ``target`` is an integer in the metric's base unit: minor currency units (cents) for a
    currency metric, a count for a count metric, hundredths for a percent or score.
    ``phasing`` lists the monthly targets ``[{"start": "2027-02-01", "end": "2027-02-28",
    "target": 12345}, …]``; they sum exactly to ``target``. ``derivation`` holds how the
    number was reached (the planning engine's explanation). ``version`` is the row's
    optimistic-lock counter: it increases on every change and is checked against a write's
    ``expected_version`` (it is not the plan's version, which is ``cycle.plan_version``).

    Inside a planning cycle, ``guidance`` is the top-down number, ``submitted_target`` the
    owner's bottom-up number, and ``allocated_to_children`` what the goal's children share
    (its target plus any over-assignment): the children always sum to it exactly.
    ``rubric`` describes the scores of a qualitative goal (e.g. customer satisfaction).
    """

    cycle = models.ForeignKey(
        PlanningCycle, null=True, blank=True, on_delete=models.CASCADE, related_name="goals"
    )
    owner_unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="goals"
    )
    owner_person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="goals"
    )
    metric = models.ForeignKey(Metric, on_delete=models.PROTECT, related_name="goals")
    period_start = models.DateField()
    period_end = models.DateField()
    period_label = models.CharField(max_length=20, blank=True, help_text="e.g. FY2027 or FY2027-Q1")
    target = models.BigIntegerField()
    phasing = models.JSONField(default=list, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    status = models.CharField(max_length=20, choices=GoalStatus.choices, default=GoalStatus.DRAFT)
    description = models.TextField(blank=True)
    rationale = models.TextField(blank=True)
    derivation = models.JSONField(default=dict, blank=True)
    guidance = models.BigIntegerField(null=True, blank=True)
    submitted_target = models.BigIntegerField(null=True, blank=True)
    breakdown = models.JSONField(
        default=list, blank=True, help_text='[{"label": "Software", "target": 100}]'
    )
    rubric = models.JSONField(default=list, blank=True, help_text='[{"score": 5, "meaning": "…"}]')
    weight = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="Potential measure for a potential-weighted split."
    )
    locked = models.BooleanField(default=False)
    allocated_to_children = models.BigIntegerField(null=True, blank=True)
    effective_from = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField(
        default=1, help_text="Optimistic-lock counter; writes send it as expected_version."
    )
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
            exactly_one_of("owner_unit", "owner_person", name="goal_has_exactly_one_owner"),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="goal_period_is_ordered"
            ),
            models.UniqueConstraint(
                fields=["cycle", "owner_unit", "metric"],
                condition=Q(cycle__isnull=False, owner_unit__isnull=False),
                name="one_unit_goal_per_cycle_and_metric",
            ),
            models.UniqueConstraint(
                fields=["cycle", "owner_person", "metric"],
                condition=Q(cycle__isnull=False, owner_person__isnull=False),
                name="one_person_goal_per_cycle_and_metric",
            ),
        ]

    def __str__(self) -> str:
        owner = self.owner_unit or self.owner_person
        return f"{owner} · {self.metric} · {self.period_label or self.period_start}"

    @property
    def owner_name(self) -> str:
        """The unit's or the person's name."""
        return str(self.owner_unit or self.owner_person)


class CommentKind(models.TextChoices):
    COMMENT = "comment"
    RETURN = "return", "Returned with a comment"
    NEGOTIATION = "negotiation"
    ADJUSTMENT = "adjustment"


class GoalComment(models.Model):
    """A message on a goal: why it was returned, a negotiation point, an adjustment's reason."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=CommentKind.choices, default=CommentKind.COMMENT)
    negotiation_round = models.PositiveIntegerField(default=0)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.goal}"
