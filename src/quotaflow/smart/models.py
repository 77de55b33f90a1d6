"""SMART policy: the attainability band, thresholds and approval rule, per cycle or default."""

from __future__ import annotations

from typing import ClassVar

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from quotaflow.plans.models import PlanningCycle
from quotaflow.smart.evaluator import Thresholds

_PERCENT = [MinValueValidator(0), MaxValueValidator(100)]


class SmartPolicy(models.Model):
    """How strict the SMART check is. The row without a cycle is the company default; a
    row linked to a cycle overrides it for that cycle's goals.

    Probabilities are whole percents: a target whose chance of attainment lies within
    [band_low, band_high] is "challenging yet achievable"; outside it is a warning, and below
    ``fail_below`` or above ``fail_above`` a failure. With ``block_approval_on_fail`` a goal
    with any failing letter cannot be approved through the SMART-checked approval.
    """

    cycle = models.OneToOneField(
        PlanningCycle, null=True, blank=True, on_delete=models.CASCADE, related_name="smart_policy"
    )
    band_low = models.PositiveSmallIntegerField(default=20, validators=_PERCENT)
    band_high = models.PositiveSmallIntegerField(default=90, validators=_PERCENT)
    fail_below = models.PositiveSmallIntegerField(default=5, validators=_PERCENT)
    fail_above = models.PositiveSmallIntegerField(default=99, validators=_PERCENT)
    suggested_probability = models.PositiveSmallIntegerField(
        default=60, validators=[MinValueValidator(1), MaxValueValidator(99)],
        help_text="Suggested targets aim at this chance of attainment (%).",
    )  # fmt: skip
    max_over_assignment = models.PositiveSmallIntegerField(
        default=20, validators=[MaxValueValidator(500)]
    )
    block_approval_on_fail = models.BooleanField(default=False)
    checkin_cadence = models.CharField(
        max_length=60,
        blank=True,
        help_text="How often progress is checked, e.g. 'every two weeks'.",
    )
    company_objective = models.TextField(blank=True, help_text="What top-level goals serve.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "SMART policies"
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["cycle"], condition=Q(cycle__isnull=True), name="one_default_smart_policy"
            ),
            models.CheckConstraint(
                condition=Q(fail_below__lte=models.F("band_low"))
                & Q(band_low__lte=models.F("band_high"))
                & Q(band_high__lte=models.F("fail_above")),
                name="smart_policy_bands_are_ordered",
            ),
        ]

    def __str__(self) -> str:
        scope = f"cycle {self.cycle}" if self.cycle_id else "default"
        return f"SMART policy ({scope}): {self.band_low}–{self.band_high}%"

    @property
    def thresholds(self) -> Thresholds:
        """The evaluator's view of this policy."""
        return Thresholds(
            band_low=self.band_low / 100,
            band_high=self.band_high / 100,
            fail_below=self.fail_below / 100,
            fail_above=self.fail_above / 100,
            suggested_probability=self.suggested_probability / 100,
            max_over_assignment=self.max_over_assignment / 100,
        )

    @classmethod
    def for_cycle(cls, cycle: PlanningCycle | None) -> SmartPolicy:
        """The cycle's policy, else the default, else an unsaved one with the defaults."""
        policies = cls.objects.filter(
            Q(cycle__isnull=True) | Q(cycle=cycle) if cycle else Q(cycle__isnull=True)
        )
        chosen = sorted(policies, key=lambda policy: policy.cycle_id is None)
        return chosen[0] if chosen else cls(cycle=None)
