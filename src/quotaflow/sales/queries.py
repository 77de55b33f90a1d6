"""Read-side queries over sales data, shaped for bulk comparison by the write path.

Each function is a fixed number of queries for the ids it is given, so callers can look up
a whole chunk of incoming rows at once instead of one row at a time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count

from quotaflow.core.models import Company
from quotaflow.core.money import RateBook
from quotaflow.org.models import Person
from quotaflow.sales.models import Activity, ExchangeRate, Transaction, TransactionCredit


@dataclass(frozen=True)
class StoredTransaction:
    """A stored transaction as plain values, with its credits as ``{person_id: percent}``."""

    credits: dict[int, Decimal]
    pk: int
    external_id: str
    date: dt.date
    amount_minor: int
    currency: str
    company_amount_minor: int | None
    exchange_rate: Decimal | None
    rate_date: dt.date | None
    quantity: Decimal
    product: str
    product_group: str
    account: str
    deal_type: str
    is_cancelled: bool
    attributes: dict[str, Any]


@dataclass(frozen=True)
class StoredActivity:
    """A stored activity as plain values."""

    pk: int
    external_id: str
    date: dt.date
    person_id: int
    activity_type: str
    quantity: int
    account: str
    attributes: dict[str, Any]


def person_ids_by_external_id() -> dict[str, int]:
    """Every person's database id keyed by their external (HR/CRM) id, in one query."""
    return dict(Person.objects.values_list("external_id", "pk"))


def stored_transactions(source: str, external_ids: Collection[str]) -> dict[str, StoredTransaction]:
    """Transactions of ``source`` with the given external ids, keyed by external id.

    Two queries whatever the number of ids: the transactions, then all their credits.
    """
    fields = (
        "pk", "external_id", "date", "amount_minor", "currency", "company_amount_minor",
        "exchange_rate", "rate_date", "quantity", "product", "product_group", "account",
        "deal_type", "is_cancelled", "attributes",
    )  # fmt: skip
    rows = list(
        Transaction.objects.filter(source=source, external_id__in=list(external_ids)).values_list(
            *fields
        )
    )
    credits: dict[int, dict[int, Decimal]] = {row[0]: {} for row in rows}
    if rows:
        credit_rows = TransactionCredit.objects.filter(
            transaction_id__in=list(credits)
        ).values_list("transaction_id", "person_id", "percent")
        for transaction_id, person_id, percent in credit_rows:
            credits[transaction_id][person_id] = percent
    return {row[1]: StoredTransaction(credits[row[0]], *row) for row in rows}


def stored_activities(source: str, external_ids: Collection[str]) -> dict[str, StoredActivity]:
    """Activities of ``source`` with the given external ids, keyed by external id (one query)."""
    fields = (
        "pk",
        "external_id",
        "date",
        "person_id",
        "activity_type",
        "quantity",
        "account",
        "attributes",
    )
    rows = Activity.objects.filter(source=source, external_id__in=list(external_ids)).values_list(
        *fields
    )
    return {row[1]: StoredActivity(*row) for row in rows}


def rate_book(currencies: Collection[str] | None = None) -> RateBook:
    """The stored exchange rates into the company currency (of ``currencies`` only, when
    given), ready to convert amounts; one query, two with the company settings."""
    company_currency = Company.current().currency
    rows = ExchangeRate.objects.exclude(currency=company_currency)
    if currencies is not None:
        rows = rows.filter(currency__in=sorted(set(currencies)))
    rates: dict[str, list[tuple[dt.date, Decimal]]] = {}
    for currency, valid_from, rate in rows.values_list("currency", "valid_from", "rate"):
        rates.setdefault(currency, []).append((valid_from, rate))
    return RateBook(company_currency, rates)


def unconverted_transactions() -> dict[str, int]:
    """How many stored transactions per foreign currency have no company-currency amount
    yet (stored before a rate of theirs was known); they credit no money metric until
    converted. Cancelled ones count for nothing either way and are left out."""
    rows = (
        Transaction.objects.filter(company_amount_minor__isnull=True, is_cancelled=False)
        .values_list("currency")
        .annotate(count=Count("pk"))
        .order_by("currency")
    )
    return dict(rows)


def latest_rates() -> list[ExchangeRate]:
    """The newest stored rate of each currency (one query)."""
    newest: dict[str, ExchangeRate] = {}
    for rate in ExchangeRate.objects.order_by("currency", "-valid_from"):
        newest.setdefault(rate.currency, rate)
    return list(newest.values())


def sources_elsewhere(source: str, external_ids: Collection[str]) -> dict[str, list[str]]:
    """For each of ``external_ids`` already stored under another source system than
    ``source``: those sources, sorted (one query). The same sale sent by two systems
    under two source names would be counted twice."""
    found: dict[str, list[str]] = {}
    rows = (
        Transaction.objects.filter(external_id__in=list(external_ids))
        .exclude(source=source)
        .order_by("external_id", "source")
        .values_list("external_id", "source")
    )
    for external_id, other in rows:
        found.setdefault(external_id, []).append(other)
    return found
