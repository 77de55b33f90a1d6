"""Check-ins on goals, the thread of replies under each, and the reminders sent when a
check-in is overdue."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from quotaflow.org.models import Person
from quotaflow.plans.models import Goal, PlanningCycle

#: Confidence is a whole number from 1 (will miss) to 5 (certain).
CONFIDENCE_MIN = 1
CONFIDENCE_MAX = 5
#: The longest progress note, blocker or next step, in characters.
NOTE_MAX_LENGTH = 4_000


class CheckIn(models.Model):
    """An owner's report on a goal: how it goes (``note``), how confident they are of
    reaching it (1–5), what blocks them and what they do next. On a manual metric the
    owner also reports its ``value`` (in the metric's stored units), which is entered as
    the metric's value for the day (``performance.actions.set_manual_value``).

    ``day`` is the business date the check-in counts for: the cadence's due dates are
    measured against it (``quotaflow.feedback.cadence``)."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="check_ins")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    day = models.DateField()
    note = models.TextField(max_length=NOTE_MAX_LENGTH)
    confidence = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(CONFIDENCE_MIN), MaxValueValidator(CONFIDENCE_MAX)]
    )
    blockers = models.TextField(max_length=NOTE_MAX_LENGTH, blank=True)
    next_step = models.TextField(max_length=NOTE_MAX_LENGTH, blank=True)
    value = models.BigIntegerField(
        null=True, blank=True, help_text="A manual metric's value, in its stored units."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["created_at", "pk"]
        indexes: ClassVar = [models.Index(fields=["goal", "day"])]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(confidence__gte=CONFIDENCE_MIN, confidence__lte=CONFIDENCE_MAX),
                name="check_in_confidence_is_1_to_5",
            )
        ]

    def __str__(self) -> str:
        return f"Check-in on {self.goal} ({self.day:%d %b %Y}, confidence {self.confidence}/5)"


class CheckInReply(models.Model):
    """A message in a check-in's thread: the manager's answer, or the owner's follow-up."""

    check_in = models.ForeignKey(CheckIn, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(max_length=NOTE_MAX_LENGTH)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Reply on {self.check_in}"


class CheckInReminder(models.Model):
    """That ``user`` was reminded of the check-ins due on ``due_on``: at most one reminder
    per owner per due date, however often the reminders run."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="check_in_reminders"
    )
    due_on = models.DateField()
    goals = models.PositiveIntegerField(help_text="How many overdue goals the reminder named.")
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["-due_on", "user_id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["user", "due_on"], name="one_reminder_per_due_date")
        ]

    def __str__(self) -> str:
        return f"{self.user} reminded of check-ins due {self.due_on:%d %b %Y}"


#: The most people one message may mention.
MENTIONS_MAX = 20


class Mention(models.Model):
    """That a goal's comment (``comment``) or a check-in's reply (``reply``) names
    ``user`` with ``@username``: resolved when the message is saved, only to someone who
    may see the goal, and notified after the commit."""

    comment = models.ForeignKey(
        "plans.GoalComment", null=True, on_delete=models.CASCADE, related_name="mentions"
    )
    reply = models.ForeignKey(
        CheckInReply, null=True, on_delete=models.CASCADE, related_name="mentions"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering: ClassVar = ["pk"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(comment__isnull=False, reply__isnull=True)
                | Q(comment__isnull=True, reply__isnull=False),
                name="mention_in_one_message",
            ),
            models.UniqueConstraint(fields=["comment", "user"], name="one_mention_per_comment"),
            models.UniqueConstraint(fields=["reply", "user"], name="one_mention_per_reply"),
        ]

    def __str__(self) -> str:
        return f"@{self.user} in {self.comment or self.reply}"


#: The most components one scorecard weighs.
SCORECARD_COMPONENTS_MAX = 20


class Scorecard(models.Model):
    """One person's balanced scorecard for a planning cycle: components (goals) with
    weights in percent that sum exactly to 100, whose weighted, capped attainments add up
    to one overall score (``feedback.scoring``). ``version`` is the optimistic-lock
    counter: a redefinition names the version it read."""

    cycle = models.ForeignKey(PlanningCycle, on_delete=models.CASCADE, related_name="scorecards")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="scorecards")
    name = models.CharField(max_length=200)
    defined_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering: ClassVar = ["cycle_id", "person__full_name", "pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["cycle", "person"], name="one_scorecard_per_cycle")
        ]

    def __str__(self) -> str:
        return f"{self.name} · {self.person}"


class ScorecardComponent(models.Model):
    """One weighted goal of a scorecard: ``weight`` in percent (two decimals), and an
    optional ``cap`` on the attainment it counts with, in percent (e.g. 150.00)."""

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="components")
    goal = models.ForeignKey(Goal, on_delete=models.PROTECT, related_name="scorecard_components")
    label = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField()
    weight = models.DecimalField(max_digits=5, decimal_places=2)
    cap = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["scorecard_id", "position", "pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["scorecard", "goal"], name="one_component_per_goal"),
            models.CheckConstraint(
                condition=Q(weight__gt=0, weight__lte=100), name="component_weight_is_a_percent"
            ),
            models.CheckConstraint(
                condition=Q(cap__isnull=True) | Q(cap__gt=0), name="component_cap_is_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} {self.weight}% of {self.scorecard}"


#: Ratings of a goal and of the whole review: a whole number on this scale.
RATING_LABELS: dict[int, str] = {
    1: "Did not meet expectations",
    2: "Partly met expectations",
    3: "Met expectations",
    4: "Exceeded expectations",
    5: "Far exceeded expectations",
}
RATING_MIN = min(RATING_LABELS)
RATING_MAX = max(RATING_LABELS)
#: The longest strengths, areas to improve, agreed actions or self-assessment, in characters.
REVIEW_TEXT_MAX_LENGTH = 5_000
#: The longest period label (``FY2027-Q1`` or a cycle's label).
PERIOD_LABEL_MAX_LENGTH = 60


class ReviewStatus(models.TextChoices):
    """The steps of a review, in order."""

    DRAFT = "draft", "Draft (the manager's)"
    SHARED = "shared", "Shared with the rep"
    SELF_ASSESSED = "self_assessed", "Self-assessment written"
    FINAL = "final", "Finalised by the manager"
    ACKNOWLEDGED = "acknowledged", "Acknowledged by the rep"


class Review(models.Model):
    """A performance review of one rep (``person``) for one period — a fiscal quarter by
    default, or a planning cycle's period.

    ``snapshot`` is what the review was assembled from (``feedback.review_assembly``): the
    rep's goals with attainment and pacing history, check-ins and confidence, SMART status
    and the comparison with their team, each figure with how it was computed. It is taken
    when the review is opened and kept as it is, so a review read a year later shows the
    numbers it was written about; while the review is a draft the manager may refresh it.

    The manager (``reviewer``) rates each goal (``goal_ratings``: goal id → 1–5) and the
    whole (``overall_rating``) and writes strengths, areas to improve and agreed actions;
    the rep writes a self-assessment and acknowledges the final review
    (``acknowledged_at``). ``version`` rises with every change (optimistic locking)."""

    person = models.ForeignKey(
        "org.Person", on_delete=models.PROTECT, related_name="performance_reviews"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    cycle = models.ForeignKey(
        "plans.PlanningCycle", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    period_label = models.CharField(max_length=PERIOD_LABEL_MAX_LENGTH)
    period_start = models.DateField()
    period_end = models.DateField()
    status = models.CharField(
        max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT
    )
    version = models.PositiveIntegerField(default=1)
    snapshot = models.JSONField(default=dict)
    assembled_at = models.DateTimeField()
    goal_ratings = models.JSONField(default=dict, blank=True)
    overall_rating = models.PositiveSmallIntegerField(null=True, blank=True)
    strengths = models.TextField(max_length=REVIEW_TEXT_MAX_LENGTH, blank=True)
    improvements = models.TextField(max_length=REVIEW_TEXT_MAX_LENGTH, blank=True)
    agreed_actions = models.TextField(max_length=REVIEW_TEXT_MAX_LENGTH, blank=True)
    self_assessment = models.TextField(max_length=REVIEW_TEXT_MAX_LENGTH, blank=True)
    shared_at = models.DateTimeField(null=True, blank=True)
    self_assessed_at = models.DateTimeField(null=True, blank=True)
    finalised_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering: ClassVar = ["-period_start", "person_id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["person", "period_start", "period_end"], name="one_review_per_period"
            ),
            models.CheckConstraint(
                condition=Q(overall_rating__isnull=True)
                | Q(overall_rating__gte=RATING_MIN, overall_rating__lte=RATING_MAX),
                name="review_rating_is_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="review_period_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"Review of {self.person} for {self.period_label}"

    @property
    def overall_label(self) -> str:
        """The overall rating in words ("" when not rated yet)."""
        return RATING_LABELS.get(self.overall_rating or 0, "")
