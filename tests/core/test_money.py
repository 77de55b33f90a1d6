"""Money arithmetic: exact conversion into the company currency, rounded half to even
once, and effective-dated rates (the latest one starting on or before the day)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quotaflow.core.money import (
    DECIMALS,
    AmountError,
    Amounts,
    MissingRate,
    RateBook,
    convert_minor,
    currency_amounts,
    metric_amounts,
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
    assert currency_amounts("KWD").format(4_713_310) == "4,713.310 KWD"
    assert currency_amounts("JPY").format(-4_713) == "-4,713 JPY"
    assert currency_amounts("EUR").format(123_456) == "1,234.56 EUR"
    assert to_major(123_456, "EUR") == Decimal("1234.56")


# Typing and reading amounts ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("currency", "text", "minor"),
    [
        ("EUR", "1,500,000", 150_000_000),
        ("EUR", "1.5M", 150_000_000),
        ("EUR", "950k", 95_000_000),
        ("EUR", "950 000,", 95_000_000),
        ("EUR", "1 234.5", 123_450),
        ("EUR", "0.01", 1),
        ("EUR", ".5", 50),
        ("EUR", "2b", 200_000_000_000),
        ("EUR", "950000 EUR", 95_000_000),
        ("EUR", "eur 12", 1_200),
        ("JPY", "950000", 950_000),
        ("JPY", "1.5M", 1_500_000),
        ("JPY", "1.234k", 1_234),
        ("KWD", "950000", 950_000_000),
        ("KWD", "4,713.310", 4_713_310),
        ("KWD", "1.5k", 1_500_000),
    ],
)
def test_amounts_are_read_as_people_write_them_by_their_own_decimals(
    currency: str, text: str, minor: int
) -> None:
    assert currency_amounts(currency).parse(text) == minor


@pytest.mark.parametrize(
    ("currency", "text", "reason"),
    [
        ("EUR", "0.001", "The amount '0.001' has more than 2 decimals, the most EUR has."),
        ("KWD", "1.0001", "The amount '1.0001' has more than 3 decimals, the most KWD has."),
        ("JPY", "1.5", "The amount '1.5' must be a whole number (JPY has no decimals)."),
        ("JPY", "1.2345k", "The amount '1.2345k' must be a whole number (JPY has no decimals)."),
        ("EUR", "-5", "Enter an amount of zero or more."),
        ("EUR", "lots", "'lots' is not an amount"),
        ("EUR", "1e5", "'1e5' is not an amount"),
        ("EUR", "1.2.3", "'1.2.3' is not an amount"),
        ("EUR", "950 USD", "'950 USD' is not an amount"),
        ("EUR", "NaN", "'NaN' is not an amount"),
        ("EUR", "", "'' is not an amount"),
        ("EUR", "9" * 61, "at most 60 characters"),
        ("EUR", "99999999999999999999", "The amount '99999999999999999999' is too large."),
        ("JPY", "9223372036854775808", "is too large"),
    ],
)
def test_what_is_not_an_amount_is_refused_with_the_reason(
    currency: str, text: str, reason: str
) -> None:
    with pytest.raises(AmountError) as refused:
        currency_amounts(currency).parse(text)
    assert reason in refused.value.message


def test_the_largest_stored_amount_is_accepted_and_negatives_only_when_asked() -> None:
    assert currency_amounts("JPY").parse("9223372036854775807") == 2**63 - 1
    assert currency_amounts("EUR").parse("-1,250.50", allow_negative=True) == -125_050
    assert currency_amounts("EUR").parse_optional("  ") is None


@pytest.mark.parametrize(
    ("currency", "minor", "shown", "plain"),
    [
        ("EUR", 300_000_000, "3,000,000.00 EUR", "3000000"),
        ("EUR", 123_450, "1,234.50 EUR", "1234.50"),
        ("EUR", -5, "-0.05 EUR", "-0.05"),
        ("JPY", 950_000, "950,000 JPY", "950000"),
        ("KWD", 4_713_310, "4,713.310 KWD", "4713.310"),
        ("KWD", 950_000_000, "950,000.000 KWD", "950000"),
    ],
)
def test_amounts_are_shown_for_people_and_typed_back_unchanged(
    currency: str, minor: int, shown: str, plain: str
) -> None:
    amounts = currency_amounts(currency)
    assert amounts.format(minor) == shown
    assert amounts.plain(minor) == plain
    assert amounts.parse(plain, allow_negative=True) == minor


def test_signed_compact_and_missing_amounts() -> None:
    eur = currency_amounts("EUR")
    assert eur.format(150_000, signed=True) == "+1,500.00 EUR"
    assert eur.number(-150_000, signed=True) == "-1,500.00"
    assert eur.format(None) == "—" and eur.plain(None) == ""
    assert eur.compact(103_000_000) == "1.03M EUR"
    assert currency_amounts("JPY").compact(950_000) == "950k JPY"
    assert currency_amounts("KWD").compact(950_000_000) == "950k KWD"
    assert eur.compact(42_000) == "420 EUR"


def test_metrics_that_are_not_money_have_their_own_decimals() -> None:
    assert metric_amounts("percent", "JPY") == Amounts(2)
    assert metric_amounts("score", "KWD") == Amounts(2)
    assert metric_amounts("count", "KWD") == Amounts(0)
    assert metric_amounts("currency", "KWD") == Amounts(3, "KWD")
    assert metric_amounts("percent", "EUR").parse("87.5") == 8_750
    assert metric_amounts("percent", "EUR").format(8_750) == "87.50"
    assert metric_amounts("count", "EUR").format(1_234) == "1,234"
    with pytest.raises(AmountError, match="whole number"):
        metric_amounts("count", "EUR").parse("1.5")


@pytest.mark.parametrize("currency", sorted(DECIMALS))
def test_every_currency_reads_back_what_it_shows(currency: str) -> None:
    amounts = currency_amounts(currency)
    assert amounts.decimals == DECIMALS[currency] and amounts.scale == 10 ** DECIMALS[currency]
    minor = 123_456_789
    assert amounts.parse(amounts.format(minor)) == minor
    assert amounts.parse(amounts.plain(minor)) == minor
    assert amounts.to_major(minor) == to_major(minor, currency)


def test_an_unknown_currency_is_refused() -> None:
    with pytest.raises(ValueError, match="not an ISO 4217 currency"):
        currency_amounts("XXX")


@given(st.integers(min_value=-(2**63), max_value=2**63 - 1), st.sampled_from(["EUR", "JPY", "KWD"]))
def test_formatting_and_parsing_round_trip_exactly(minor: int, currency: str) -> None:
    amounts = currency_amounts(currency)
    assert amounts.parse(amounts.format(minor), allow_negative=True) == minor
    assert amounts.parse(amounts.plain(minor), allow_negative=True) == minor
