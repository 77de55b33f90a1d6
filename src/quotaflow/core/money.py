"""Money: the decimals of each currency and the conversion of amounts into the company's.

Amounts are integer minor units of their currency everywhere (cents for EUR, yen for
JPY, fils for KWD). This module is where the arithmetic on them that depends on the
currency lives; it imports no Django, so every layer may use it.

Conversion (:func:`convert_minor`) is exact: ``rate`` is a :class:`~decimal.Decimal`
number of company-currency major units per one major unit of the foreign currency (a
USD rate of 0.9215 in a EUR company: one dollar is 0.9215 euro). The amount is scaled
from the foreign currency's minor units to the company currency's, multiplied by the
rate in exact decimal arithmetic, and rounded once, half to even, to a whole minor unit
of the company currency. Half-even rounding keeps the sum of many converted amounts
free of the upward drift that half-up would give.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal

_ZERO_DECIMALS = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX VND VUV XAF XOF XPF"
_THREE_DECIMALS = "BHD IQD JOD KWD LYD OMR TND"
_TWO_DECIMALS = (
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN BWP "
    "BYN BZD CAD CDF CHF CNY COP CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP "
    "GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT "
    "LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN "
    "NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP "
    "SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD UYU UZS VED "
    "VES WST XCD YER ZAR ZMW ZWG"
)

#: ISO 4217 currencies in circulation and their minor-unit decimals (ISO's own figure,
#: which is what amounts are stored in; fund codes, metals and test codes are left out).
DECIMALS: dict[str, int] = {
    **dict.fromkeys(_TWO_DECIMALS.split(), 2),
    **dict.fromkeys(_ZERO_DECIMALS.split(), 0),
    **dict.fromkeys(_THREE_DECIMALS.split(), 3),
}

# Room for the largest stored amount (19 digits) times a rate of up to 28 significant
# digits, so the product is exact before the one rounding.
_EXACT = Context(prec=60)
# Rates are stored with this many decimals and at most this many digits in all.
RATE_DECIMALS = 10
RATE_DIGITS = 24
MAX_RATE = Decimal(10) ** (RATE_DIGITS - RATE_DECIMALS)


def minor_unit_decimals(code: str) -> int | None:
    """Decimals of the currency ``code`` (e.g. 2 for EUR, 0 for JPY), or None if unknown."""
    return DECIMALS.get(code)


def _decimals(code: str) -> int:
    decimals = minor_unit_decimals(code)
    if decimals is None:
        raise ValueError(f"'{code}' is not an ISO 4217 currency in circulation")
    return decimals


def rate_problem(rate: Decimal) -> str | None:
    """Why ``rate`` cannot be used as an exchange rate, or None if it can: it must be a
    finite positive number below ``MAX_RATE`` with at most ``RATE_DECIMALS`` decimals."""
    if not rate.is_finite() or rate <= 0:
        return f"{rate} is not a positive number"
    if rate >= MAX_RATE:
        return f"{rate} is too large (a rate must be below {MAX_RATE:,})"
    exponent = rate.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > RATE_DECIMALS:
        return f"{rate} has more than {RATE_DECIMALS} decimals"
    return None


def convert_minor(amount_minor: int, currency: str, rate: Decimal, company_currency: str) -> int:
    """``amount_minor`` of ``currency`` in minor units of ``company_currency`` at ``rate``
    (company major units per foreign major unit), rounded half to even.

    >>> convert_minor(4713, "JPY", Decimal("0.0061"), "EUR")  # 4,713 yen → 28.75 euro
    2875
    >>> convert_minor(4713310, "KWD", Decimal("2.98"), "EUR")  # 4,713.310 KWD → 14,045.66
    1404566
    """
    shift = _decimals(company_currency) - _decimals(currency)
    exact = _EXACT.multiply(Decimal(amount_minor), rate).scaleb(shift, _EXACT)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_EVEN, context=_EXACT))


@dataclass(frozen=True)
class Conversion:
    """How one amount reached the company currency: the result in company minor units,
    and the rate with the first day it was valid (both None when no rate was needed)."""

    company_amount_minor: int
    rate: Decimal | None
    rate_date: dt.date | None


def to_major(amount_minor: int, currency: str) -> Decimal:
    """``amount_minor`` as an exact Decimal in major units of ``currency`` (1234 → 12.34)."""
    return Decimal(amount_minor).scaleb(-_decimals(currency))


class MissingRate(LookupError):
    """No exchange rate of ``currency`` is in force on ``day``."""

    def __init__(self, currency: str, day: dt.date) -> None:
        super().__init__(f"no {currency} exchange rate is in force on {day.isoformat()}")
        self.currency = currency
        self.day = day


class RateBook:
    """Effective-dated exchange rates into ``company_currency``, for converting amounts.

    ``rates`` maps a currency to ``(valid_from, rate)`` pairs in any order; the rate in
    force on a day is the one with the latest ``valid_from`` on or before it.
    """

    def __init__(
        self, company_currency: str, rates: dict[str, list[tuple[dt.date, Decimal]]]
    ) -> None:
        self.company_currency = company_currency
        self._starts: dict[str, list[dt.date]] = {}
        self._rates: dict[str, list[Decimal]] = {}
        for currency, pairs in rates.items():
            ordered = sorted(pairs)
            self._starts[currency] = [start for start, _ in ordered]
            self._rates[currency] = [rate for _, rate in ordered]

    def rate_on(self, currency: str, day: dt.date) -> tuple[dt.date, Decimal]:
        """The first day and value of the ``currency`` rate in force on ``day``; raises
        :class:`MissingRate` if there is none."""
        starts = self._starts.get(currency, [])
        index = bisect_right(starts, day) - 1
        if index < 0:
            raise MissingRate(currency, day)
        return starts[index], self._rates[currency][index]

    def convert(self, amount_minor: int, currency: str, day: dt.date) -> Conversion:
        """``amount_minor`` of ``currency`` booked on ``day`` in the company currency."""
        if currency == self.company_currency:
            return Conversion(amount_minor, None, None)
        start, rate = self.rate_on(currency, day)
        return Conversion(
            convert_minor(amount_minor, currency, rate, self.company_currency), rate, start
        )


def format_minor(amount_minor: int, currency: str) -> str:
    """``amount_minor`` for people: the code and the amount with its own decimals and
    thousands separators (``EUR 1,234.56``, ``JPY 4,713``, ``KWD 4,713.310``)."""
    decimals = _decimals(currency)
    return f"{currency} {to_major(amount_minor, currency):,.{decimals}f}"
