"""Sales data from outside: transactions (with split credit) and activities.

Every row carries an ``external_id`` unique per ``source`` system, so that importing or
posting the same data again updates in place and never double-counts.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django.db import models

from quotaflow.core.models import Company
from quotaflow.core.money import RATE_DECIMALS, RATE_DIGITS
from quotaflow.org.models import Person


class ExchangeRate(models.Model):
    """How many company-currency major units one major unit of ``currency`` is worth,
    from ``valid_from`` until the next rate of the same currency starts.

    The rate in force on a day is the one with the latest ``valid_from`` on or before it;
    a monthly rate is one valid from the first of its month, a daily rate one per day.
    """

    currency = models.CharField(max_length=3)
    valid_from = models.DateField()
    rate = models.DecimalField(max_digits=RATE_DIGITS, decimal_places=RATE_DECIMALS)
    source = models.CharField(max_length=40, default="import")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering: ClassVar = ["currency", "-valid_from"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["currency", "valid_from"], name="one_rate_per_currency_and_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.rate} from {self.valid_from.isoformat()}"


class IngestedRecord(models.Model):
    """A dated row that arrives from a CRM or ERP, by file or through the API. It is known
    by ``external_id`` within its ``source``, so sending it again updates it rather than
    counting it twice; ``attributes`` keeps the source's further columns."""

    source = models.CharField(max_length=40, default="import")
    external_id = models.CharField(max_length=100)
    date = models.DateField(db_index=True)
    attributes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        ordering: ClassVar = ["-date", "external_id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["source", "external_id"], name="%(class)s_unique_per_source"
            )
        ]


class Transaction(IngestedRecord):
    """A booked sale, credit note or cancellation. ``amount_minor`` is in minor units of
    ``currency`` (cents); a credit note is a negative amount.

    ``company_amount_minor`` is the same amount in minor units of the company currency,
    converted at ingest at ``exchange_rate`` (the :class:`ExchangeRate` in force on the
    sale's date, valid from ``rate_date``); credits and every total read it. A sale in
    the company currency needs no rate (both stay empty). It is empty only for a foreign
    sale stored before rates existed and not yet converted: such a sale credits nothing
    until a rate for its currency and date is imported, and ops are told about it.
    """

    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    company_amount_minor = models.BigIntegerField(null=True, blank=True)
    exchange_rate = models.DecimalField(
        max_digits=RATE_DIGITS, decimal_places=RATE_DECIMALS, null=True, blank=True
    )
    rate_date = models.DateField(null=True, blank=True)
    quantity = models.DecimalField(max_digits=14, decimal_places=4, default=Decimal(1))
    product = models.CharField(max_length=120, blank=True)
    product_group = models.CharField(max_length=120, blank=True)
    account = models.CharField(max_length=200, blank=True)
    deal_type = models.CharField(max_length=60, blank=True)
    is_cancelled = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """A sale saved one at a time (admin, fixtures) in the company currency gets its
        converted amount as it is; the ingest paths convert in bulk themselves."""
        if self.company_amount_minor is None and self.currency == Company.current().currency:
            self.company_amount_minor = self.amount_minor
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "company_amount_minor"}
        super().save(*args, **kwargs)


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


class Activity(IngestedRecord):
    """A sales activity such as a call, meeting or demo, done by one person."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="activities")
    activity_type = models.CharField(max_length=60)
    quantity = models.PositiveIntegerField(default=1)
    account = models.CharField(max_length=200, blank=True)

    class Meta(IngestedRecord.Meta):
        verbose_name_plural = "activities"
        indexes: ClassVar = [models.Index(fields=["person", "date"])]

    def __str__(self) -> str:
        return f"{self.activity_type} {self.source}:{self.external_id}"
