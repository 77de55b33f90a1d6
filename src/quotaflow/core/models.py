"""Company-wide settings and the audit trail shared by every app."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from quotaflow.core.fiscal import FiscalCalendar


class Company(models.Model):
    """The one organisation this installation serves: name, currency and fiscal calendar."""

    name = models.CharField(max_length=200, default="My company")
    currency = models.CharField(
        max_length=3,
        default="USD",
        validators=[
            RegexValidator(r"^[A-Z]{3}$", "Use a three-letter ISO 4217 code such as USD or EUR.")
        ],
        help_text="Reporting currency (ISO 4217). Amounts are stored in its minor units (cents).",
    )
    fiscal_year_start_month = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text="1 = January … 12 = December. Years, halves, quarters and months derive from it.",
    )
    version = models.BigIntegerField(
        default=0, help_text="Raised on every change; a write naming an older one is refused."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "company"

    def __str__(self) -> str:
        return self.name

    @property
    def fiscal_calendar(self) -> FiscalCalendar:
        return FiscalCalendar(self.fiscal_year_start_month)

    @classmethod
    def current(cls) -> Company:
        """The settings row, created with defaults on first use."""
        company = cls.objects.order_by("pk").first()
        return company if company is not None else cls.objects.create()


class AuditEvent(models.Model):
    """One recorded change: who did what to which object, old → new values, and why."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=80, help_text="e.g. org.unit.moved, import.transactions")
    object_type = models.CharField(max_length=80)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict, blank=True, help_text="{field: [old, new]}")
    reason = models.TextField(blank=True)

    class Meta:
        ordering: ClassVar = ["-at", "-pk"]
        indexes: ClassVar = [models.Index(fields=["object_type", "object_id", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"


class Notification(models.Model):
    """An in-app message to one user (a published plan, an at-risk goal, a returned
    submission …); e-mail digests are built from the unread ones."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    kind = models.CharField(max_length=60, help_text="e.g. plan.published, goal.at_risk")
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at", "-pk"]
        indexes: ClassVar = [models.Index(fields=["user", "read_at", "created_at"])]

    def __str__(self) -> str:
        return f"{self.user}: {self.title}"
