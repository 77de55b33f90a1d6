"""A record of every import: what came in, what was written, what was rejected and why."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models


class ImportKind(models.TextChoices):
    ORG = "org", "Organisation"
    UNITS = "units", "Units"
    PEOPLE = "people", "People"
    PLACEMENTS = "placements", "Placements"
    TRANSACTIONS = "transactions"
    ACTIVITIES = "activities"
    RATES = "rates", "Exchange rates"


class ImportStatus(models.TextChoices):
    RUNNING = "running"
    FAILED = "failed", "Failed, nothing written"
    SUCCEEDED = "succeeded", "Imported"
    PARTIAL = "partial", "Imported, bad rows skipped"
    REJECTED = "rejected", "Rejected, nothing written"
    PREVIEWED = "previewed", "Previewed, nothing written"


class ImportRun(models.Model):
    """One import of one file. ``errors`` lists ``{row, column, value, reason}`` (the first
    thousand; ``row`` is None for a problem with the whole file); ``rejected_csv`` holds
    every rejected row (with a reason column) for download.

    A run is stored as ``running``, and committed, before the import writes anything;
    ``host`` and ``pid`` name the process doing it. The run's outcome is stored in the
    same database transaction as the imported data, so a process that dies mid-import
    leaves a ``running`` run and no data; the next import (or ``quotaflow import``) finds
    such runs whose process is gone and marks them ``failed``.

    A dry run (organisation files) checks the file and works out every change, then
    writes nothing: it ends ``previewed``, with ``changes`` listing what importing the
    file would do and ``previewed_file`` keeping the file until it is written or
    previewed again; writing it makes a new run from the very same bytes."""

    kind = models.CharField(max_length=20, choices=ImportKind.choices)
    file_name = models.CharField(max_length=255)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    via = models.CharField(max_length=10, default="web", help_text="web, cli or api")
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=ImportStatus.choices)
    host = models.CharField(
        max_length=255, blank=True, help_text="Machine whose process ran the import."
    )
    pid = models.PositiveIntegerField(
        null=True, blank=True, help_text="Id of the process that ran the import, on that host."
    )
    skip_bad_rows = models.BooleanField(default=False)
    total_rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    warnings = models.JSONField(
        default=list,
        blank=True,
        help_text="Notes that did not stop the import, e.g. ignored columns.",
    )
    rejected_csv = models.TextField(blank=True)
    changes = models.JSONField(
        default=list,
        blank=True,
        help_text="What the file changes: {action, subject, old, new, row} per change.",
    )
    previewed_file = models.BinaryField(
        null=True, blank=True, editable=False, help_text="A previewed file, until it is written."
    )
    written_as = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="preview",
        help_text="For a preview: the run that wrote its changes.",
    )
    unplaced_credits = models.PositiveIntegerField(
        default=0,
        help_text="Credited shares of people with no placement on the sale's date, counted "
        "for the company under the Unplaced unit.",
    )
    unplaced_amount_minor = models.BigIntegerField(
        default=0, help_text="Their amount, in minor units of the company currency."
    )

    class Meta:
        ordering: ClassVar = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} import of {self.file_name} ({self.get_status_display()})"
