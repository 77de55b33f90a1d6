"""Sales data from outside: transactions (with split credit) and activities.

Every row carries an ``external_id`` unique per ``source`` system, so that importing or
posting the same data again updates in place and never double-counts.
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from django.db import models

from quotaflow.org.models import Person


class Transaction(models.Model):
    """A booked sale, credit note or cancellation. ``amount_minor`` is in minor units of
    ``currency`` (cents); a credit note is a negative amount."""

    source = models.CharField(max_length=40, default="import")
    external_id = models.CharField(max_length=100)
    date = models.DateField(db_index=True)
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    quantity = models.DecimalField(max_digits=14, decimal_places=4, default=Decimal(1))
    product = models.CharField(max_length=120, blank=True)
    product_group = models.CharField(max_length=120, blank=True)
    account = models.CharField(max_length=200, blank=True)
    deal_type = models.CharField(max_length=60, blank=True)
    is_cancelled = models.BooleanField(default=False)
    attributes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering: ClassVar = ["-date", "external_id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["source", "external_id"], name="transaction_unique_per_source"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id}"


class TransactionCredit(models.Model):
    """The share of a transaction credited to one person; shares of a transaction sum to 100%."""

    # No single-column indexes: the unique (transaction, person) and the (person,
    # transaction) index already serve both look-ups, and every index slows bulk ingest.
    transaction = models.ForeignKey(
        Transaction, on_delete=models.CASCADE, related_name="credits", db_index=False
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="transaction_credits", db_index=False
    )
    percent = models.DecimalField(max_digits=7, decimal_places=4, default=Decimal(100))

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["transaction", "person"], name="one_credit_per_person_per_transaction"
            )
        ]
        indexes: ClassVar = [models.Index(fields=["person", "transaction"])]

    def __str__(self) -> str:
        return f"{self.transaction} → {self.person} {self.percent}%"


class Activity(models.Model):
    """A sales activity such as a call, meeting or demo, done by one person."""

    source = models.CharField(max_length=40, default="import")
    external_id = models.CharField(max_length=100)
    date = models.DateField(db_index=True)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="activities")
    activity_type = models.CharField(max_length=60)
    quantity = models.PositiveIntegerField(default=1)
    account = models.CharField(max_length=200, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering: ClassVar = ["-date", "external_id"]
        verbose_name_plural = "activities"
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["source", "external_id"], name="activity_unique_per_source"
            )
        ]
        indexes: ClassVar = [models.Index(fields=["person", "date"])]

    def __str__(self) -> str:
        return f"{self.activity_type} {self.source}:{self.external_id}"
