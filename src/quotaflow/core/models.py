"""Company-wide settings and the audit trail shared by every app."""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True)
class Kind:
    """A kind of notification as people choose how to receive it."""

    label: str
    email_by_default: bool = False


#: Every kind of notification, with whether it is e-mailed by default. A reminder goes by
#: e-mail too unless its recipient says otherwise, so that it reaches people who have not
#: opened Quotaflow lately.
KINDS: dict[str, Kind] = {
    "checkin.created": Kind("A check-in on a goal you manage"),
    "checkin.replied": Kind("A reply in a check-in's thread"),
    "checkin.reminder": Kind("A check-in of yours is overdue", email_by_default=True),
    "comment.mentioned": Kind("Someone mentioned you in a comment"),
    "goal.commented": Kind("A comment on a goal you own or review"),
    "goal.at_risk": Kind("A goal turned at risk or off track (also in the digest)"),
    "plan.published": Kind("A plan with your goals was published"),
    "plan.submission": Kind("A target was submitted for your review"),
    "plan.returned": Kind("Your target was returned"),
    "plan.reminder": Kind("A target of yours is waiting to be submitted"),
    "adjustment.waiting": Kind("An adjustment request waits for your decision"),
    "adjustment.decided": Kind("A decision on an adjustment request of yours"),
    "adjustment.applied": Kind("Your target changed because of a colleague's adjustment request"),
    "review.shared": Kind("Your performance review is ready for your self-assessment"),
    "review.self_assessed": Kind("A rep wrote the self-assessment of a review of yours"),
    "review.finalised": Kind("Your performance review is final and awaits your acknowledgement"),
    "review.acknowledged": Kind("A rep acknowledged a review of yours"),
    "recognition.kudos": Kind("Someone gave you kudos"),
    "recognition.awarded": Kind("You earned a badge, club or rank"),
    "recognition.revoked": Kind("A badge of yours was withdrawn after a reversal"),
    "inquiry.raised": Kind("A rep asked about a line of their payout statement"),
    "inquiry.resolved": Kind("Your inquiry about a statement line was answered or adjusted"),
}


class NotificationPreference(models.Model):
    """Whether ``user`` also gets notifications of ``kind`` by e-mail (``email``) or in the
    app only. Without a row the kind's default applies (:data:`KINDS`)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=60)
    email = models.BooleanField(default=False, help_text="Send an e-mail too.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering: ClassVar = ["user_id", "kind"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind} {'by e-mail too' if self.email else 'in the app only'}"


class ScheduledRun(models.Model):
    """That the scheduled job ``job`` was queued for ``day``: the unique pair lets any
    number of ``quotaflow worker`` processes share a schedule, each job once a day."""

    job = models.CharField(max_length=80)
    day = models.DateField()
    queued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["-day", "job"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["job", "day"], name="one_scheduled_run_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.job} for {self.day:%Y-%m-%d}"
