"""Incentive plans and payout runs.

An :class:`IncentivePlan` covers one fiscal period and is known by its versions: the
definition (the engine's plan document, ``incentives.engine.plan_from_document``) lives in
a :class:`PlanVersion`; a published version never changes, a change makes the next
version. People are assigned to a plan (:class:`PlanAssignment`) and acknowledge the
version they were shown (:class:`Acknowledgement`, with its date and number).

A :class:`PayoutRun` computes every assigned rep's :class:`Statement` for one pay period of
the plan's period: preview → approved (finance) → locked. The run keeps the exact inputs
it computed from (``inputs``, with their SHA-256 ``fingerprint``), so a locked run can be
re-computed and gives the identical statements; a locked run never changes.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from quotaflow.org.models import Person

NAME_MAX_LENGTH = 200
REASON_MAX_LENGTH = 2000


class IncentivePlan(models.Model):
    """A named incentive plan for the fiscal period ``[period_start, period_end]``."""

    name = models.CharField(max_length=NAME_MAX_LENGTH)
    period_start = models.DateField()
    period_end = models.DateField()
    period_label = models.CharField(max_length=20, blank=True, help_text="e.g. FY2027-Q1")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(
        default=0, help_text="Raised on every change; a write naming an older one is refused."
    )

    class Meta:
        ordering: ClassVar = ["-period_start", "name"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="incentive_plan_period_in_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.period_label or self.period_start.isoformat()})"


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class PlanVersion(models.Model):
    """One version of a plan's definition. ``document`` is the engine's plan document;
    a published version is immutable."""

    plan = models.ForeignKey(IncentivePlan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    document = models.JSONField()
    status = models.CharField(
        max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    change_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        ordering: ClassVar = ["plan", "-number"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["plan", "number"], name="one_plan_version_number"),
            models.UniqueConstraint(
                fields=["plan"],
                condition=models.Q(status="draft"),
                name="one_draft_version_per_plan",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan.name} v{self.number}"


class PlanAssignment(models.Model):
    """``person`` is paid under ``plan`` for the plan's period."""

    plan = models.ForeignKey(IncentivePlan, on_delete=models.CASCADE, related_name="assignments")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="incentive_plans")
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["plan", "person__full_name"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["plan", "person"], name="one_assignment_per_plan")
        ]

    def __str__(self) -> str:
        return f"{self.person} → {self.plan}"


class Acknowledgement(models.Model):
    """``person`` acknowledged version ``plan_version`` of their plan on ``acknowledged_at``."""

    plan_version = models.ForeignKey(
        PlanVersion, on_delete=models.PROTECT, related_name="acknowledgements"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    acknowledged_at = models.DateTimeField()
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering: ClassVar = ["-acknowledged_at"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["plan_version", "person"], name="one_acknowledgement_per_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} acknowledged {self.plan_version}"


class RunStatus(models.TextChoices):
    PREVIEW = "preview", "Preview"
    APPROVED = "approved", "Approved"
    LOCKED = "locked", "Locked"


class PayoutRun(models.Model):
    """The payout of ``plan`` for the pay period ``[period_start, period_end]``.

    ``inputs`` is everything the statements were computed from (the plan version's
    document, each rep's credits, targets and what the previous locked run left), as
    canonical JSON whose SHA-256 is ``fingerprint``."""

    plan = models.ForeignKey(IncentivePlan, on_delete=models.PROTECT, related_name="runs")
    plan_version = models.ForeignKey(PlanVersion, on_delete=models.PROTECT, related_name="runs")
    period_start = models.DateField()
    period_end = models.DateField()
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.PREVIEW)
    inputs = models.JSONField(default=dict)
    fingerprint = models.CharField(max_length=64)
    currency = models.CharField(
        max_length=3,
        blank=True,
        help_text="The currency of the inputs (as in inputs['currency']), kept beside them so "
        "pages can format amounts without reading a snapshot of every credit.",
    )
    previous_run = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    computed_at = models.DateTimeField()
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    locked_at = models.DateTimeField(null=True, blank=True)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    version = models.PositiveIntegerField(
        default=0, help_text="Raised on every change; a write naming an older one is refused."
    )

    class Meta:
        ordering: ClassVar = ["plan", "-period_start"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["plan", "period_start"], name="one_payout_run_per_plan_and_period"
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="payout_run_period_in_order",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.plan.name} payout {self.period_start.isoformat()}–{self.period_end.isoformat()}"
        )


class Statement(models.Model):
    """One rep's statement in a run: ``total_minor`` payable (the sum of its lines),
    the earnings to date and balance owed after it, the refs of the credits counted
    (what the next run's clawbacks are measured against) and the SPIF pay per sale (what
    the next run counts as spent from each SPIF's budget)."""

    run = models.ForeignKey(PayoutRun, on_delete=models.CASCADE, related_name="statements")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="statements")
    total_minor = models.BigIntegerField()
    earned_minor = models.BigIntegerField()
    balance_minor = models.BigIntegerField()
    counted_refs = models.JSONField(default=list)
    excluded = models.JSONField(default=list, blank=True)
    spif_paid = models.JSONField(
        default=dict,
        blank=True,
        help_text="Per SPIF, what this run pays for each of the rep's sales (ref → minor units): "
        "spent from the SPIF's budget for the next run.",
    )

    class Meta:
        ordering: ClassVar = ["run", "person__full_name"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["run", "person"], name="one_statement_per_run_and_rep")
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.run}"


class StatementLine(models.Model):
    """A statement line: its rounded amount, the sentence that explains it, and the data
    behind the sentence (the credited sales, tier, rate, milestone or reversed sale)."""

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()
    kind = models.CharField(max_length=20)
    component = models.CharField(max_length=120, blank=True)
    amount_minor = models.BigIntegerField()
    words = models.TextField()
    detail = models.JSONField(default=dict)

    class Meta:
        ordering: ClassVar = ["statement", "position"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["statement", "position"], name="one_statement_line_per_position"
            )
        ]

    def __str__(self) -> str:
        return f"{self.statement} #{self.position}: {self.amount_minor}"


QUESTION_MAX_LENGTH = 2000
ANSWER_MAX_LENGTH = 2000


class InquiryStatus(models.TextChoices):
    OPEN = "open", "Open"
    ANSWERED = "answered", "Answered"
    ADJUSTED = "adjusted", "Adjusted"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Inquiry(models.Model):
    """A rep's question about one line of their statement (raised by the rep, or by their
    manager on their behalf), and how sales operations resolved it: answered with no
    change, or adjusted by a signed amount (minor units of the run's currency) that lands
    in the next payout run of the plan (``applied_run``) as its own statement line; or
    withdrawn by the rep. ``read_at`` is when the rep read the resolution."""

    line = models.ForeignKey(StatementLine, on_delete=models.PROTECT, related_name="inquiries")
    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="inquiries")
    question = models.TextField(max_length=QUESTION_MAX_LENGTH)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=InquiryStatus.choices, default=InquiryStatus.OPEN
    )
    answer = models.TextField(blank=True, max_length=ANSWER_MAX_LENGTH)
    adjustment_minor = models.BigIntegerField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    applied_run = models.ForeignKey(
        PayoutRun, on_delete=models.PROTECT, related_name="applied_inquiries", null=True, blank=True
    )
    version = models.PositiveIntegerField(
        default=0, help_text="Raised on every change; a write naming an older one is refused."
    )

    class Meta:
        ordering: ClassVar = ["-raised_at", "-pk"]
        verbose_name_plural = "inquiries"
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["line"],
                condition=models.Q(status="open"),
                name="one_open_inquiry_per_statement_line",
            ),
            models.CheckConstraint(
                condition=models.Q(status="adjusted", adjustment_minor__isnull=False)
                | (~models.Q(status="adjusted") & models.Q(adjustment_minor__isnull=True)),
                name="inquiry_adjustment_only_when_adjusted",
            ),
        ]

    def __str__(self) -> str:
        return f"Inquiry #{self.pk} on {self.line}"
