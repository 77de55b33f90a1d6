"""Finance's first page in a real browser: the period's bookings in the company currency,
with the sales in other currencies shown in their own currency as detail."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from quotaflow.sales.models import Transaction
from tests.conftest import SmallOrg

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_finance_reads_the_bookings_in_the_company_currency(
    small_org: SmallOrg, page: Any, live_server: Any, login_as: Callable[[Any, str], None]
) -> None:
    today = timezone.localdate()
    Transaction.objects.create(external_id="A", date=today, amount_minor=123456, currency="EUR")
    Transaction.objects.create(external_id="Y", date=today, amount_minor=5000, currency="JPY",
                               company_amount_minor=3050, exchange_rate=Decimal("0.0061"),
                               rate_date=today)  # fmt: skip

    login_as(page, "finance_fay")

    year = page.locator("section[aria-labelledby=booked-year]")
    assert year.locator("[data-booked-total]").inner_text() == "1,265.06 EUR"
    yen = year.get_by_role("row").filter(has_text="JPY")
    assert yen.locator("td").all_inner_texts() == ["JPY", "5,000 JPY", "30.50 EUR", "1"]
