"""Users with a role, and API tokens for integrations."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    """What a user does in Quotaflow; managers and reps are further limited by the tree."""

    ADMIN = "admin", "Administrator"
    SALES_OPS = "sales_ops", "Sales operations"
    MANAGER = "manager", "Sales manager"
    REP = "rep", "Sales rep"
    FINANCE = "finance", "Finance"


class User(AbstractUser):
    """A person who logs in. What they may see and change follows from ``role`` and,
    for managers and reps, from their place in the organisation (``person``)."""

    role = models.CharField(max_length=20, choices=Role.choices, default=Role.REP)
    version = models.BigIntegerField(
        default=0, help_text="Raised on every change; a write naming an older one is refused."
    )

    @property
    def is_planner(self) -> bool:
        """Admins and sales ops own the organisation, metrics, imports and plans (the rule
        is :func:`quotaflow.accounts.permissions.is_planner`; templates read it here)."""
        from quotaflow.accounts.permissions import is_planner

        return is_planner(self)


class TokenScope(models.TextChoices):
    """What an API token may do, on top of what its user's role allows."""

    READ = "read", "Read organisation, metrics and results"
    INGEST = "ingest", "Push transactions and activities"
    IMPORT = "import", "Import organisation files"
    MANAGE = "manage", "Change the organisation, metrics and plans (planners only)"
    # Any role: submit, approve, return, adjust, roll up, re-split, comment, bulk review.
    WORKFLOW = "workflow", "Take your own planning steps, where your place in the tree allows"


class ApiToken(models.Model):
    """A bearer token for the REST API. Only a SHA-256 digest is stored; the full token
    is shown once, when it is created."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text="What uses this token, e.g. 'CRM sync'.")
    prefix = models.CharField(
        max_length=12, unique=True, help_text="Visible start of the token, for recognition."
    )
    digest = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        """True until the token is revoked."""
        return self.revoked_at is None
