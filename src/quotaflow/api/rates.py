"""Exchange rates and what the company total holds outside the tree.

``/rates``: the effective-dated rates that convert sales in other currencies into the
company currency. Everyone signed in may read them; administrators and sales operations
store them (tokens need the ``ingest`` scope). Storing a new or corrected rate converts
and re-credits the sales it applies to in the same database transaction.

``/tracking/unplaced``: for administrators and sales operations, the credits of people
with no placement on their sale's date (counted under the company's Unplaced unit) and
foreign sales not yet converted.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from quotaflow.accounts.models import TokenScope
from quotaflow.api.auth import require_allowed, require_scope
from quotaflow.api.schemas import READ_ERRORS, WRITE_ERRORS
from quotaflow.core.models import Company
from quotaflow.performance.actions import store_exchange_rates
from quotaflow.performance.permissions import can_feed_numbers
from quotaflow.performance.unplaced import unplaced_summary
from quotaflow.sales.actions import RateRow
from quotaflow.sales.models import ExchangeRate

router = Router(tags=["rates"])

MAX_RATES = 10_000


class RateIn(Schema):
    """A rate of one foreign currency from one day (a monthly rate: from the 1st)."""

    currency: str = Field(min_length=3, max_length=3, description="ISO 4217 code, e.g. USD.")
    valid_from: dt.date = Field(description="First day the rate applies.")
    rate: Decimal = Field(
        description="Company-currency units for one unit of the currency, e.g. 0.9215."
    )


class RateBatchIn(Schema):
    """Up to 10,000 rates; a rate already stored for the same currency and day is corrected."""

    rates: list[RateIn] = Field(min_length=1, max_length=MAX_RATES)


class RateOut(Schema):
    """A stored rate into the company currency."""

    currency: str
    valid_from: dt.date
    rate: Decimal
    company_currency: str


class RatesStoredOut(Schema):
    """What the batch changed: new, corrected and identical rates, and the stored sales
    converted again (and re-credited) because the rate in force on their date changed."""

    created: int
    updated: int
    unchanged: int
    reconverted: int


class UnplacedMetricOut(Schema):
    """One metric's total under Unplaced, in its base unit (minor units for money)."""

    metric: str
    name: str
    value: int
    count: int


class UnplacedOut(Schema):
    """Credits counted for the company under the Unplaced unit because nobody was placed
    for the sale's date, and foreign sales without a company-currency amount."""

    unit: str | None = Field(description="Code of the Unplaced unit, once it exists.")
    people: int
    metrics: list[UnplacedMetricOut]
    unconverted: dict[str, int] = Field(
        description="Sales per currency stored without a rate; they count for no money metric."
    )


@router.get("/rates", response={200: list[RateOut], **READ_ERRORS})
def list_rates(
    request: HttpRequest,
    currency: Annotated[str | None, Query(max_length=3, description="Only this currency.")] = None,
) -> list[RateOut]:
    """The stored exchange rates, by currency and newest first."""
    require_scope(request, TokenScope.READ)
    company_currency = Company.current().currency
    rows = ExchangeRate.objects.order_by("currency", "-valid_from")
    if currency:
        rows = rows.filter(currency=currency.upper())
    return [
        RateOut(currency=code, valid_from=valid_from, rate=rate, company_currency=company_currency)
        for code, valid_from, rate in rows.values_list("currency", "valid_from", "rate")[:MAX_RATES]
    ]


@router.post("/rates", response={200: RatesStoredOut, **WRITE_ERRORS})
def store_rates(request: HttpRequest, payload: RateBatchIn) -> RatesStoredOut:
    """Store new or corrected rates; sales they apply to are converted and re-credited
    in the same database transaction. Safe to retry."""
    require_scope(request, TokenScope.INGEST)
    user = require_allowed(request, can_feed_numbers)
    result = store_exchange_rates(
        [RateRow(item.currency.upper(), item.valid_from, item.rate) for item in payload.rates],
        acting_user=user,
    )
    return RatesStoredOut(**result.__dict__)


@router.get("/tracking/unplaced", response={200: UnplacedOut, **READ_ERRORS})
def unplaced(request: HttpRequest) -> UnplacedOut:
    """What the company total holds for people placed nowhere on their sale's date."""
    require_scope(request, TokenScope.READ)
    require_allowed(request, can_feed_numbers)
    summary = unplaced_summary()
    return UnplacedOut(
        unit=summary.unit.code if summary.unit else None,
        people=summary.people,
        metrics=[
            UnplacedMetricOut(metric=row.code, name=row.name, value=row.value, count=row.count)
            for row in summary.metrics
        ],
        unconverted=summary.unconverted,
    )
