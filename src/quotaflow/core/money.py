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

Amounts people type and read go through :class:`Amounts`, the one parser and formatter:
``metric_amounts(unit, currency)`` gives it for a metric (money by the currency's own
decimals, percentages and scores in hundredths, counts in whole units), and every form,
page, export, explanation and API message uses it. ``parse`` reads what a sales person
writes ("1,500,000", "1.5M", "950k", "1 234.50 EUR") exactly; ``format`` writes
"3,000,000.00 EUR"; ``plain`` writes the number to type
back ("3000000"). Every amount people read has the number first and the currency code
after it, in sentences, tables, exports and e-mails.

Why a kept table and not Babel: stored amounts are ISO 4217 minor units, and Babel's
``get_currency_precision`` gives CLDR's digits, which differ from ISO 4217 for 15 of the
156 currencies below (measured with Babel 2.19: IQD 3 → 0; AFN, ALL, COP, HUF, IDR, IRR,
KPW, LAK, LBP, MGA, MMK, SOS, SYP and YER 2 → 0). Reading stored amounts by CLDR digits
would change what existing data means (an IQD amount 1,000 times off), and formatting by
them while parsing by ISO would bring back two sources that disagree. The product has no
locale setting yet (English everywhere), so Babel's locale formatting would buy nothing
today; when a locale arrives, Babel can format with these decimals
(``currency_digits=False``) without changing storage.
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_right
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal, InvalidOperation

from quotaflow.core.errors import InvalidInput

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


# Stored amounts are signed 64-bit integers (the database's bigint).
MINOR_MIN = -(2**63)
MINOR_MAX = 2**63 - 1
# Longer than any amount a person types, short enough that no input costs real work.
MAX_TYPED_LENGTH = 60
# Percentages and scores are stored in hundredths (87.50 % → 8750).
HUNDREDTHS = 2

_SUFFIXES = {"": 0, "k": 3, "m": 6, "b": 9}
_TYPED = re.compile(r"^(?P<sign>[-+]?)(?P<number>\d+(?:\.\d*)?|\.\d+)(?P<suffix>[kmb]?)$")
# Separators people put between digit groups: comma, space, no-break and thin spaces, "_".
_SEPARATORS = re.compile(r"[,\s\u00a0\u2009\u202f_']")
_COMPACT = ((9, "B"), (6, "M"), (3, "k"))


class AmountError(InvalidInput):
    """Text that is not an amount of its currency or metric; the message says why."""


@dataclass(frozen=True)
class Amounts:
    """How one metric's amounts are typed and shown: stored as integers with ``decimals``
    hidden (cents for EUR, none for JPY, fils for KWD, hundredths for a percentage), and
    shown with ``currency`` after the number when they are money."""

    decimals: int
    currency: str = ""

    @property
    def scale(self) -> int:
        """Stored units per shown unit (100 for EUR, 1 for JPY, 1,000 for KWD)."""
        return 10**self.decimals

    def to_major(self, amount_minor: int) -> Decimal:
        """The stored integer as an exact Decimal with every decimal shown (12340 → 123.40)."""
        return (
            Decimal(amount_minor).scaleb(-self.decimals).quantize(Decimal(1).scaleb(-self.decimals))
        )

    def from_major(self, value: Decimal, *, text: str | None = None) -> int:
        """An exact Decimal in shown units as the stored integer (``Decimal("1250.50")`` →
        125050 for EUR); refuses, never rounds, more decimals than the currency has
        (trailing zeros are fine: "1250.500" EUR is exactly 125050 cents), and amounts
        beyond the bigint range. ``text`` is how the amount is named in the refusal."""
        shown = text if text is not None else f"{value:f}"
        if not value.is_finite():
            raise AmountError(f"'{shown}' is not an amount.")
        scaled = value.scaleb(self.decimals)
        if scaled != scaled.to_integral_value():
            if self.decimals == 0:
                raise AmountError(f"The amount '{shown}' must be a whole number{self._of()}.")
            most = f", the most {self.currency} has" if self.currency else ""
            raise AmountError(f"The amount '{shown}' has more than {self.decimals} decimals{most}.")
        minor = int(scaled)
        if not MINOR_MIN <= minor <= MINOR_MAX:
            raise AmountError(f"The amount '{shown}' is too large.")
        return minor

    def parse(self, text: str, *, allow_negative: bool = False) -> int:
        """What a person typed, as the stored integer, exactly: ``"1,500,000"``, ``"1.5M"``,
        ``"950k"``, ``"1 234.50"``, optionally with the currency's own code
        (``"950000 JPY"``). Raises :class:`AmountError` with the reason otherwise."""
        if len(text) > MAX_TYPED_LENGTH:
            raise AmountError(f"An amount has at most {MAX_TYPED_LENGTH} characters.")
        cleaned = _SEPARATORS.sub("", text).lower()
        if self.currency:
            code = self.currency.lower()
            cleaned = cleaned.removeprefix(code).removesuffix(code)
        match = _TYPED.match(cleaned)
        if not match:
            raise AmountError(
                f"'{text.strip()}' is not an amount: write a number such as 950000, 950k, "
                "1.2M or 1,250,000.50."
            )
        try:
            value = Decimal(match["sign"] + match["number"]).scaleb(_SUFFIXES[match["suffix"]])
        except InvalidOperation:  # pragma: no cover - the pattern only lets digits through
            raise AmountError(f"'{text.strip()}' is not a number.") from None
        if value < 0 and not allow_negative:
            raise AmountError("Enter an amount of zero or more.")
        return self.from_major(value, text=_SEPARATORS.sub("", text))

    def parse_optional(self, text: str | None, *, allow_negative: bool = False) -> int | None:
        """Like :meth:`parse`; empty text is ``None``."""
        if text is None or not text.strip():
            return None
        return self.parse(text, allow_negative=allow_negative)

    def plain(self, amount_minor: int | None) -> str:
        """The number to type back into a form: no separators, no code, no zero decimals
        (``3000000``, ``1234.50``; empty for no amount)."""
        if amount_minor is None:
            return ""
        if amount_minor % self.scale == 0:
            return str(amount_minor // self.scale)
        return f"{self.to_major(amount_minor):f}"

    def number(self, amount_minor: int | None, *, signed: bool = False) -> str:
        """The grouped number without the code, for tables with the currency in the
        heading (``3,000,000.00``; ``+1,500.00`` when ``signed``; ``—`` for none)."""
        if amount_minor is None:
            return "—"
        sign = "+" if signed else ""
        return f"{self.to_major(amount_minor):{sign},.{self.decimals}f}"

    def format(self, amount_minor: int | None, *, signed: bool = False) -> str:
        """The amount for people: ``3,000,000.00 EUR``, ``950,000 JPY``, ``87.50`` (a
        percentage or score), ``1,234`` (a count); ``—`` for none."""
        shown = self.number(amount_minor, signed=signed)
        return f"{shown} {self.currency}" if self.currency and amount_minor is not None else shown

    def compact(self, amount_minor: float) -> str:
        """A rounded amount for a sentence, the code after the number as in :meth:`format`:
        ``1.03M EUR``, ``950k JPY``, ``420 EUR``, ``42``, ``87.5``."""
        major = amount_minor / self.scale
        code = f" {self.currency}" if self.currency else ""
        for power, suffix in _COMPACT:
            if abs(major) >= 10**power:
                return f"{major / 10**power:.3g}{suffix}{code}"
        if self.currency:
            return f"{major:.0f}{code}"
        return (
            f"{major:.{self.decimals}f}".rstrip("0").rstrip(".")
            if self.decimals
            else f"{major:,.0f}"
        )

    def _of(self) -> str:
        return f" ({self.currency} has no decimals)" if self.currency else ""


def currency_amounts(currency: str) -> Amounts:
    """How amounts of ``currency`` are typed and shown (raises ValueError if unknown)."""
    return Amounts(_decimals(currency), currency)


def metric_amounts(unit: str, currency: str) -> Amounts:
    """How a metric of ``unit`` (``currency``, ``percent``, ``score``, ``count``) is typed
    and shown in a company whose currency is ``currency``: money by the currency's own
    ISO 4217 decimals, percentages and scores in hundredths, counts in whole units."""
    if unit == "currency":
        return currency_amounts(currency)
    if unit in {"percent", "score"}:
        return Amounts(HUNDREDTHS)
    return Amounts(0)
