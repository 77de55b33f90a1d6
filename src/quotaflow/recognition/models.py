"""Recognition: the rules sales operations define (clubs and badges by attainment, ranks
within a team, streaks of periods), the awards the numbers earn under them — earned and,
when a reversal takes the numbers back, revoked, never deleted — and kudos."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from quotaflow.metrics.models import Metric
from quotaflow.org.models import Person
from quotaflow.plans.models import Goal

RULE_NAME_MAX_LENGTH = 80
KUDOS_MAX_LENGTH = 280
MAX_TOP_N = 50
MAX_STREAK = 12


class RuleKind(models.TextChoices):
    CLUB = "club", "Club or badge: attainment at or above a threshold"
    RANK = "rank", "Rank: the top N of each team"
    STREAK = "streak", "Streak: K consecutive periods at or above a threshold"


class PeriodKind(models.TextChoices):
    YEAR = "year", "Fiscal year"
    HALF = "half", "Fiscal half"
    QUARTER = "quarter", "Fiscal quarter"
    MONTH = "month", "Fiscal month"


class RecognitionRule(models.Model):
    """A rule sales operations define: who earns ``name`` on the goals of ``metric`` for
    fiscal periods of ``period_kind``.

    * club: attainment ≥ ``threshold_pct`` (e.g. 100% of the annual revenue goal);
    * rank: among the members of a team, the ``top_n`` highest attainments (ties share a
      rank; at least ``threshold_pct`` and a positive actual);
    * streak: ``streak_length`` consecutive periods each ≥ ``threshold_pct``.
    """

    name = models.CharField(max_length=RULE_NAME_MAX_LENGTH)
    kind = models.CharField(max_length=10, choices=RuleKind.choices)
    metric = models.ForeignKey(Metric, on_delete=models.PROTECT, related_name="+")
    period_kind = models.CharField(max_length=10, choices=PeriodKind.choices)
    threshold_pct = models.DecimalField(
        max_digits=6, decimal_places=2, default=100, help_text="Attainment percent."
    )
    top_n = models.PositiveIntegerField(null=True, blank=True)
    streak_length = models.PositiveIntegerField(null=True, blank=True)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    version = models.BigIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering: ClassVar = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class Award(models.Model):
    """That ``person`` earned ``rule`` for the fiscal period ``[period_start, period_end]``
    (for a streak, its last period): when, and the figures that earned it. Revoked when a
    later evaluation finds the figures below the rule (a credit note, a cancelled sale):
    when, and the figures then. An award is never deleted; earning it again after a
    revocation is a new award."""

    rule = models.ForeignKey(RecognitionRule, on_delete=models.PROTECT, related_name="awards")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="awards")
    goal = models.ForeignKey(Goal, on_delete=models.SET_NULL, null=True, related_name="+")
    period_start = models.DateField()
    period_end = models.DateField()
    period_label = models.CharField(max_length=20)
    earned_at = models.DateTimeField()
    earned_on = models.DateField(help_text="The business date the figures were measured at.")
    earned_figures = models.JSONField(default=dict)
    earned_why = models.TextField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_figures = models.JSONField(default=dict, blank=True)
    revoked_why = models.TextField(blank=True)

    class Meta:
        ordering: ClassVar = ["-earned_at", "pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["rule", "person", "period_start", "period_end"],
                condition=Q(revoked_at__isnull=True),
                name="one_standing_award_per_rule_person_period",
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule.name} — {self.person.full_name} ({self.period_label})"

    @property
    def standing(self) -> bool:
        return self.revoked_at is None


class Kudos(models.Model):
    """A short thank-you from ``giver`` to ``person``, optionally about one of their goals."""

    giver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="kudos")
    goal = models.ForeignKey(
        Goal, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    message = models.CharField(max_length=KUDOS_MAX_LENGTH)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["-created_at", "-pk"]
        verbose_name_plural = "kudos"

    def __str__(self) -> str:
        return f"Kudos to {self.person.full_name}"
