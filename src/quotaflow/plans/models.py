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


class ReliefPolicy(models.TextChoices):
    """What an approved adjustment request does above the goal it changes."""

    PARENT_ABSORBS = (
        "parent_absorbs",
        "The parent absorbs it: every level above changes by the same prorated amount",
    )
    SIBLINGS_RESPLIT = (
        "siblings_resplit",
        "The siblings re-split it: the other unlocked goals under the same parent take it "
        "back in proportion to their targets, so the parent's number does not move",
    )


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

    The ``relief_*`` settings govern mid-period adjustment requests on the published plan
    (``plans.actions.adjustments``): what happens above the changed goal, the size above
    which sales operations approve too, and how far back a change may take effect.

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
    relief_policy = models.CharField(
        max_length=30,
        choices=ReliefPolicy.choices,
        default=ReliefPolicy.PARENT_ABSORBS,
        help_text="What an approved adjustment request does above the goal it changes.",
    )
    relief_ops_threshold = models.BigIntegerField(
        null=True,
        blank=True,
        help_text="Adjustment requests changing a full-period target by more than this "
        "(stored units) also need sales operations' approval; empty = no amount threshold.",
    )
    relief_ops_threshold_bp = models.PositiveIntegerField(
        null=True,
        blank=True,
        default=1000,
        help_text="… or by more than this share of the target, in basis points (1000 = 10%); "
        "empty = no percentage threshold.",
    )
    relief_backdate_days = models.PositiveIntegerField(
        default=31,
        help_text="How many days before the day it is filed a request may take effect.",
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


class GoalKind(models.TextChoices):
    """How a goal is measured: a number against its metric's actuals, a checklist of
    milestones (progress = the weight of the done ones over the weight of all), or a
    manager's 0–4 score against a written rubric (attainment = score / 4)."""

    NUMERIC = "numeric", "Numeric target"
    MILESTONE = "milestone", "Checklist of milestones"
    RUBRIC = "rubric", "Scored 0–4 against a rubric"


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

    ``kind`` says how the goal is measured (:class:`GoalKind`): a numeric goal by its
    metric's actuals against ``target``; a milestone goal by its :class:`Milestone`
    checklist; a rubric goal by the latest :class:`RubricScore` against ``rubric``, which
    then holds exactly the five levels 0–4, each with its meaning written.
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
    kind = models.CharField(
        max_length=20,
        choices=GoalKind.choices,
        default=GoalKind.NUMERIC,
        help_text="How the goal is measured: a number, a checklist, or a 0–4 rubric score.",
    )
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


# Mid-period adjustment (quota-relief) requests ------------------------------------------


class AdjustmentReason(models.TextChoices):
    LEAVE = "leave", "Leave"
    TERRITORY_CHANGE = "territory_change", "Territory change"
    LOST_ACCOUNT = "lost_account", "Lost account"
    GAINED_ACCOUNT = "gained_account", "Gained account"
    MARKET_SHIFT = "market_shift", "Market shift"
    OTHER = "other", "Other"


class AdjustmentStatus(models.TextChoices):
    PENDING_MANAGER = "pending_manager", "Waiting for the manager"
    PENDING_SALES_OPS = "pending_sales_ops", "Waiting for sales operations"
    RETURNED = "returned", "Returned for more information"
    APPROVED = "approved", "Approved and applied"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


#: A request still waiting for a decision (the requester may withdraw it).
ADJUSTMENT_PENDING = frozenset(
    {AdjustmentStatus.PENDING_MANAGER, AdjustmentStatus.PENDING_SALES_OPS}
)
#: A request that is still alive: pending, or returned to its requester.
ADJUSTMENT_OPEN = ADJUSTMENT_PENDING | {AdjustmentStatus.RETURNED}
#: The longest evidence text, reason for a decision or answer, in characters.
ADJUSTMENT_TEXT_MAX_LENGTH = 4_000


class AdjustmentRequest(models.Model):
    """A mid-period request to change one published goal's number (quota relief, or a
    raise for a gained account), from its owner or their manager.

    The requester gives either ``proposed_target`` (the new full-period number) or
    ``relief_amount`` (how much less, full-period), both in the metric's stored units, an
    ``effective_from`` date inside the period and evidence. The request goes up the tree:
    a manager above the goal, then sales operations when its size passes the cycle's
    thresholds (``requires_sales_ops``, decided when it is filed). The final approval makes
    a new effective-dated version of the plan (``plans.actions.versions``) and records it in
    ``applied_cycle`` / ``applied_goal`` and ``impact`` (the before and after that was
    applied); ``AdjustmentEffect`` rows name every goal it changed.

    ``version`` is the row's optimistic-lock counter, raised on every step.
    """

    goal = models.ForeignKey(Goal, on_delete=models.PROTECT, related_name="adjustment_requests")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=30, choices=AdjustmentReason.choices)
    proposed_target = models.BigIntegerField(null=True, blank=True)
    relief_amount = models.BigIntegerField(null=True, blank=True)
    target_at_filing = models.BigIntegerField(
        help_text="The goal's target when the request was filed (stored units)."
    )
    effective_from = models.DateField()
    evidence = models.TextField(max_length=ADJUSTMENT_TEXT_MAX_LENGTH, blank=True)
    status = models.CharField(
        max_length=30, choices=AdjustmentStatus.choices, default=AdjustmentStatus.PENDING_MANAGER
    )
    requires_sales_ops = models.BooleanField(default=False)
    returned_from = models.CharField(
        max_length=30, choices=AdjustmentStatus.choices, blank=True,
        help_text="The step that returned the request, which takes it back on resubmission.",
    )  # fmt: skip
    applied_cycle = models.ForeignKey(
        PlanningCycle, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    applied_goal = models.ForeignKey(
        Goal, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    impact = models.JSONField(default=dict, blank=True)
    version = models.PositiveIntegerField(
        default=1, help_text="Optimistic-lock counter; writes send it as expected_version."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at", "-pk"]
        indexes: ClassVar = [models.Index(fields=["status", "goal"])]
        constraints: ClassVar = [
            exactly_one_of("proposed_target", "relief_amount", name="adjustment_has_one_amount"),
            models.CheckConstraint(
                condition=Q(proposed_target__isnull=True) | Q(proposed_target__gte=0),
                name="adjustment_target_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(relief_amount__isnull=True) | Q(relief_amount__gt=0),
                name="adjustment_relief_is_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"Adjustment request #{self.pk} on {self.goal}"

    def new_full_target(self, current: int) -> int:
        """The full-period target asked for, given the goal's ``current`` target."""
        if self.proposed_target is not None:
            return self.proposed_target
        return current - int(self.relief_amount or 0)

    @property
    def asked_full_target(self) -> int:
        """The full-period target asked for, against the target when it was filed."""
        return self.new_full_target(self.target_at_filing)

    @property
    def is_pending(self) -> bool:
        return self.status in ADJUSTMENT_PENDING


class AdjustmentDecisionKind(models.TextChoices):
    FILED = "filed"
    APPROVED = "approved"
    REJECTED = "rejected"
    RETURNED = "returned", "Returned for more information"
    RESUBMITTED = "resubmitted"
    WITHDRAWN = "withdrawn"


class AdjustmentDecision(models.Model):
    """One step in a request's life: filed, approved or rejected at a step, returned for
    more information, resubmitted with an answer, withdrawn — who, when and why."""

    request = models.ForeignKey(
        AdjustmentRequest, on_delete=models.CASCADE, related_name="decisions"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=AdjustmentDecisionKind.choices)
    step = models.CharField(max_length=30, choices=AdjustmentStatus.choices, blank=True)
    note = models.TextField(max_length=ADJUSTMENT_TEXT_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.request}"


class AdjustmentEvidence(models.Model):
    """A file backing a request (a leave letter, a territory map, a lost-account e-mail),
    kept in the database so it works on SQLite and PostgreSQL with no file server, and
    served only to those who may see the request."""

    request = models.ForeignKey(
        AdjustmentRequest, on_delete=models.CASCADE, related_name="evidence_files"
    )
    file_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    data = models.BinaryField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.size} bytes) for {self.request}"


class AdjustmentEffect(models.Model):
    """One goal of the new plan version that an approved request changed: the goal itself,
    a sibling that took part of it back, or a level above that absorbed it, with its
    target before and after — what the goal pages show as "changed on … because of
    request #N"."""

    request = models.ForeignKey(AdjustmentRequest, on_delete=models.CASCADE, related_name="effects")
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="adjustment_effects")
    role = models.CharField(max_length=20)  # "goal", "sibling" or "above"
    before = models.BigIntegerField()
    after = models.BigIntegerField()

    class Meta:
        ordering: ClassVar = ["pk"]

    def __str__(self) -> str:
        return f"{self.goal}: {self.before} → {self.after} by {self.request}"


#: The most milestones one checklist holds.
MILESTONES_MAX = 50
#: The longest milestone title, evidence note and link.
MILESTONE_TITLE_MAX = 200
EVIDENCE_MAX_LENGTH = 4_000
LINK_MAX_LENGTH = 500
#: Rubric scores run from 0 to this.
RUBRIC_TOP_SCORE = 4


class Milestone(models.Model):
    """One item of a milestone goal's checklist: what is to be done (``title``), by when
    (``due``, optional), how much it counts (``weight``, 1 unless set), and whether it is
    done — ticked by the goal's owner with evidence (a note and/or a link), and confirmed
    (or unticked) by a manager above the goal. ``version`` is the optimistic-lock counter
    of the tick state."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="milestones")
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=MILESTONE_TITLE_MAX)
    due = models.DateField(null=True, blank=True)
    weight = models.PositiveIntegerField(default=1)
    done = models.BooleanField(default=False)
    evidence = models.TextField(max_length=EVIDENCE_MAX_LENGTH, blank=True)
    link = models.CharField(max_length=LINK_MAX_LENGTH, blank=True)
    ticked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ticked_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering: ClassVar = ["goal_id", "position", "pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["goal", "position"], name="one_milestone_per_position"),
            models.CheckConstraint(condition=Q(weight__gte=1), name="milestone_weight_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({'done' if self.done else 'open'}) on {self.goal_id}"


class RubricScore(models.Model):
    """A manager's score of a rubric goal, 0–4, with the comment that explains it. Scores
    are kept: the latest is the goal's score, the earlier ones its history."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="rubric_scores")
    score = models.PositiveSmallIntegerField()
    comment = models.TextField(max_length=EVIDENCE_MAX_LENGTH)
    scored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["created_at", "pk"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(score__lte=RUBRIC_TOP_SCORE), name="rubric_score_is_0_to_4"
            )
        ]

    def __str__(self) -> str:
        return f"{self.score}/{RUBRIC_TOP_SCORE} on goal {self.goal_id}"
