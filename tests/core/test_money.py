"""Money arithmetic: exact conversion into the company currency, rounded half to even
once, and effective-dated rates (the latest one starting on or before the day)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quotaflow.core.money import (
    MissingRate,
    RateBook,
    convert_minor,
    format_minor,
    rate_problem,
    to_major,
)


def test_each_currency_is_scaled_by_its_own_decimals() -> None:
    # 4,713 yen at 0.0061 €/¥ is 28.7493 € → 28.75 €, not 47.13 €.
    assert convert_minor(4_713, "JPY", Decimal("0.0061"), "EUR") == 2_875
    # 4,713.310 KWD at 2.98 €/KWD is 14,045.6638 € → 14,045.66 €, not 47,133.10 €.
    assert convert_minor(4_713_310, "KWD", Decimal("2.98"), "EUR") == 1_404_566
    # 1,000.00 USD at 0.9215 is 921.50 €.
    assert convert_minor(100_000, "USD", Decimal("0.9215"), "EUR") == 92_150
    # Into a currency without decimals: 12.34 € at 161.2 ¥/€ is 1,989.208 ¥ → 1,989 ¥.
    assert convert_minor(1_234, "EUR", Decimal("161.2"), "JPY") == 1_989


def test_halves_round_to_even_and_credit_notes_mirror_sales() -> None:
    assert convert_minor(5, "EUR", Decimal("0.5"), "USD") == 2  # 2.5 cents → 2
    assert convert_minor(15, "EUR", Decimal("0.5"), "USD") == 8  # 7.5 cents → 8
    assert convert_minor(-5, "EUR", Decimal("0.5"), "USD") == -2


@given(
    amount=st.integers(min_value=-(10**12), max_value=10**12),
    rate=st.decimals(min_value=Decimal("0.0000000001"), max_value=Decimal("10000"), places=10),
)
def test_conversion_is_the_exact_product_rounded_once(amount: int, rate: Decimal) -> None:
    converted = convert_minor(amount, "KWD", rate, "EUR")  # 3 decimals → 2 decimals
    exact = Decimal(amount) * rate / 10
    assert abs(Decimal(converted) - exact) <= Decimal("0.5")
    assert convert_minor(-amount, "KWD", rate, "EUR") == -converted


def test_the_rate_in_force_is_the_latest_that_started_on_or_before_the_day() -> None:
    book = RateBook(
        "EUR",
        {
            "USD": [
                (dt.date(2026, 3, 16), Decimal("0.93")),  # a daily correction mid-month
                (dt.date(2026, 3, 1), Decimal("0.92")),  # the monthly rate
            ]
        },
    )
    assert book.rate_on("USD", dt.date(2026, 3, 15)) == (dt.date(2026, 3, 1), Decimal("0.92"))
    assert book.rate_on("USD", dt.date(2026, 3, 16)) == (dt.date(2026, 3, 16), Decimal("0.93"))
    assert book.rate_on("USD", dt.date(2027, 1, 1))[1] == Decimal("0.93")
    conversion = book.convert(100_00, "USD", dt.date(2026, 3, 20))
    assert (conversion.company_amount_minor, conversion.rate, conversion.rate_date) == (
        93_00, Decimal("0.93"), dt.date(2026, 3, 16),
    )  # fmt: skip
    with pytest.raises(MissingRate, match="no USD exchange rate is in force on 2026-02-28"):
        book.convert(100, "USD", dt.date(2026, 2, 28))
    with pytest.raises(MissingRate):
        book.convert(100, "JPY", dt.date(2026, 3, 20))
    # The company's own currency needs no rate.
    assert book.convert(123, "EUR", dt.date(1990, 1, 1)).rate is None


def test_rates_must_be_positive_finite_and_at_most_ten_decimals() -> None:
    assert rate_problem(Decimal("0.9215000000")) is None
    assert rate_problem(Decimal("0")) == "0 is not a positive number"
    assert rate_problem(Decimal("-1")) == "-1 is not a positive number"
    assert rate_problem(Decimal("NaN")) == "NaN is not a positive number"
    assert rate_problem(Decimal("0.00000000001")) == "1E-11 has more than 10 decimals"
    assert "too large" in (rate_problem(Decimal("100000000000000")) or "")


def test_amounts_are_shown_with_their_currencys_decimals() -> None:
    assert format_minor(4_713_310, "KWD") == "KWD 4,713.310"
    assert format_minor(-4_713, "JPY") == "JPY -4,713"
    assert format_minor(123_456, "EUR") == "EUR 1,234.56"
    assert to_major(123_456, "EUR") == Decimal("1234.56")
