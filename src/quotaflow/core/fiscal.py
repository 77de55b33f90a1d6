"""The fiscal calendar: years, halves, quarters and months from a fiscal-year start month.

Pure Python, no Django. A fiscal year is named after the calendar year in which it *ends*
(the common US convention): with a February start, FY2027 runs 1 Feb 2026 – 31 Jan 2027.
With a January start the fiscal year equals the calendar year.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Literal

PeriodKind = Literal["year", "half", "quarter", "month"]


@dataclass(frozen=True, order=True)
class FiscalPeriod:
    """A closed date range [start, end] with a label such as ``FY2027-Q2``."""

    start: dt.date
    end: dt.date
    kind: PeriodKind
    fiscal_year: int
    index: int  # 1-based position within the fiscal year (Q1 → 1); 1 for a year

    @property
    def label(self) -> str:
        prefix = f"FY{self.fiscal_year}"
        suffix = {
            "year": "",
            "half": f"-H{self.index}",
            "quarter": f"-Q{self.index}",
            "month": f"-M{self.index:02d}",
        }
        return prefix + suffix[self.kind]

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def __str__(self) -> str:
        return self.label


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    total = year * 12 + (month - 1) + months
    return total // 12, total % 12 + 1


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def month_spans(start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The calendar months covering [start, end], clipped to it."""
    spans = []
    cursor = start
    while cursor <= end:
        next_month = (cursor.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        spans.append((cursor, min(end, next_month - dt.timedelta(days=1))))
        cursor = next_month
    return spans


def whole_months(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date] | None:
    """The first days of the first and last calendar months lying wholly inside
    [start, end], or None if there is none."""
    whole = [
        (first, last)
        for first, last in month_spans(start, end)
        if first.day == 1 and (last + dt.timedelta(days=1)).day == 1
    ]
    return (whole[0][0], whole[-1][0]) if whole else None


@dataclass(frozen=True)
class FiscalCalendar:
    """Derives every period from ``start_month`` (1 = January … 12 = December)."""

    start_month: int = 1

    def __post_init__(self) -> None:
        if not 1 <= self.start_month <= 12:
            raise ValueError(f"fiscal-year start month must be 1–12, not {self.start_month}")

    def fiscal_year_of(self, day: dt.date) -> int:
        """The fiscal year that contains ``day``."""
        if self.start_month == 1:
            return day.year
        return day.year + 1 if day.month >= self.start_month else day.year

    def _span(
        self, fiscal_year: int, first_month_offset: int, months: int
    ) -> tuple[dt.date, dt.date]:
        first_calendar_year = fiscal_year if self.start_month == 1 else fiscal_year - 1
        sy, sm = _add_months(first_calendar_year, self.start_month, first_month_offset)
        ey, em = _add_months(sy, sm, months - 1)
        return dt.date(sy, sm, 1), _month_end(ey, em)

    def year(self, fiscal_year: int) -> FiscalPeriod:
        start, end = self._span(fiscal_year, 0, 12)
        return FiscalPeriod(start, end, "year", fiscal_year, 1)

    def halves(self, fiscal_year: int) -> list[FiscalPeriod]:
        return [
            FiscalPeriod(*self._span(fiscal_year, 6 * i, 6), "half", fiscal_year, i + 1)
            for i in range(2)
        ]

    def quarters(self, fiscal_year: int) -> list[FiscalPeriod]:
        return [
            FiscalPeriod(*self._span(fiscal_year, 3 * i, 3), "quarter", fiscal_year, i + 1)
            for i in range(4)
        ]

    def months(self, fiscal_year: int) -> list[FiscalPeriod]:
        return [
            FiscalPeriod(*self._span(fiscal_year, i, 1), "month", fiscal_year, i + 1)
            for i in range(12)
        ]

    def periods(self, fiscal_year: int, kind: PeriodKind) -> list[FiscalPeriod]:
        return {
            "year": lambda fy: [self.year(fy)],
            "half": self.halves,
            "quarter": self.quarters,
            "month": self.months,
        }[kind](fiscal_year)

    def period_containing(self, day: dt.date, kind: PeriodKind) -> FiscalPeriod:
        """The year, half, quarter or month that contains ``day``."""
        for period in self.periods(self.fiscal_year_of(day), kind):
            if period.contains(day):
                return period
        raise AssertionError("unreachable: a fiscal year covers every day")  # pragma: no cover

    def parse(self, label: str) -> FiscalPeriod:
        """Parse ``FY2027``, ``FY2027-H1``, ``FY2027-Q3`` or ``FY2027-M05``."""
        text = label.strip().upper()
        try:
            if not text.startswith("FY"):
                raise ValueError
            year_part, _, rest = text[2:].partition("-")
            fiscal_year = int(year_part)
            if not rest:
                return self.year(fiscal_year)
            kind_letter, number = rest[0], int(rest[1:])
            kind: PeriodKind = {"H": "half", "Q": "quarter", "M": "month"}[kind_letter]  # type: ignore[assignment]
            return self.periods(fiscal_year, kind)[number - 1]
        except (ValueError, KeyError, IndexError):
            raise ValueError(
                f"{label!r} is not a fiscal period; write FY2027, FY2027-H1, FY2027-Q3 or FY2027-M05"
            ) from None
