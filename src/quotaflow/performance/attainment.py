"""Attainment, pacing and projection of one goal: pure functions, no Django, no I/O.

Targets and actuals are integers in the metric's base unit (minor currency units for
money). Ratios are ``Decimal`` percentages rounded to two places; amounts derived from
them (expected to date, projection, required per day) are rounded to whole base units,
half up. Days are counted inclusively: a period from 1 to 31 January has 31 days, and on
10 January 10 of them have elapsed (the as-of day counts as elapsed).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

HUNDRED = Decimal(100)
BANDS = ("<50%", "50–80%", "80–100%", "100–120%", ">120%")


@dataclass(frozen=True)
class PhaseSlice:
    """The part of a goal's target due within [start, end] (usually a month)."""

    start: dt.date
    end: dt.date
    target: int


@dataclass(frozen=True)
class Thresholds:
    """Status rules: ``basis`` is ``pacing`` or ``projection``; a goal whose basis ratio
    (percent) is below ``at_risk_below`` is at risk, below ``off_track_below`` off track."""

    at_risk_below: Decimal = Decimal(95)
    off_track_below: Decimal = Decimal(80)
    basis: str = "pacing"


@dataclass(frozen=True)
class Attainment:
    """Everything a goal page shows about progress; ratios are percentages or None
    when their denominator is zero."""

    target: int
    actual: int
    attainment_pct: Decimal | None
    expected_to_date: int
    pacing_pct: Decimal | None
    projection: int
    projected_attainment_pct: Decimal | None
    required_per_day: int
    days_total: int
    days_elapsed: int
    days_left: int
    status: str


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def percent(part: int, whole: int) -> Decimal | None:
    """``part / whole`` in percent, two decimals; None when ``whole`` is zero."""
    if whole == 0:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


def days_elapsed(period_start: dt.date, period_end: dt.date, as_of: dt.date) -> int:
    """Days of [period_start, period_end] up to and including ``as_of`` (0 before, all after)."""
    if as_of < period_start:
        return 0
    return (min(as_of, period_end) - period_start).days + 1


def expected_to_date(
    target: int,
    period_start: dt.date,
    period_end: dt.date,
    phasing: Sequence[PhaseSlice],
    as_of: dt.date,
) -> int:
    """The part of ``target`` due by ``as_of``: whole phased slices that have ended, plus
    the current slice prorated by its elapsed days. Without phasing, the target is spread
    evenly over the period's days."""
    slices = list(phasing) or [PhaseSlice(period_start, period_end, target)]
    expected = Decimal(0)
    for piece in slices:
        total = (piece.end - piece.start).days + 1
        elapsed = days_elapsed(piece.start, piece.end, as_of)
        expected += Decimal(piece.target) * elapsed / total
    return _round(expected)


def status_for(
    ratio_pct: Decimal | None, thresholds: Thresholds, *, started: bool, ended: bool, reached: bool
) -> str:
    """``not_started``, ``reached``/``missed`` after the period, else ``on_track``,
    ``at_risk`` or ``off_track`` by comparing ``ratio_pct`` with the thresholds."""
    if ended:
        return "reached" if reached else "missed"
    if not started:
        return "not_started"
    if ratio_pct is None or ratio_pct >= thresholds.at_risk_below:
        return "on_track"
    if ratio_pct >= thresholds.off_track_below:
        return "at_risk"
    return "off_track"


def compute_attainment(
    *,
    target: int,
    actual: int,
    period_start: dt.date,
    period_end: dt.date,
    phasing: Sequence[PhaseSlice],
    as_of: dt.date,
    thresholds: Thresholds,
) -> Attainment:
    """Attainment, pacing, run-rate projection, required per remaining day and status."""
    total = (period_end - period_start).days + 1
    elapsed = days_elapsed(period_start, period_end, as_of)
    left = total - elapsed
    expected = expected_to_date(target, period_start, period_end, phasing, as_of)
    projection = _round(Decimal(actual) * total / elapsed) if elapsed else 0
    remaining = max(target - actual, 0)
    required = _round(Decimal(remaining) / left) if left else remaining
    pacing = percent(actual, expected)
    projected = percent(projection, target)
    basis = projected if thresholds.basis == "projection" else pacing
    status = status_for(
        basis, thresholds, started=elapsed > 0, ended=left == 0, reached=actual >= target
    )
    return Attainment(
        target=target,
        actual=actual,
        attainment_pct=percent(actual, target),
        expected_to_date=expected,
        pacing_pct=pacing,
        projection=projection,
        projected_attainment_pct=projected,
        required_per_day=required,
        days_total=total,
        days_elapsed=elapsed,
        days_left=left,
        status=status,
    )


def band_of(attainment_pct: Decimal | None) -> str:
    """The distribution band of an attainment percentage (None counts as 0%)."""
    value = attainment_pct if attainment_pct is not None else Decimal(0)
    if value < 50:
        return BANDS[0]
    if value < 80:
        return BANDS[1]
    if value < 100:
        return BANDS[2]
    if value <= 120:
        return BANDS[3]
    return BANDS[4]


def distribution(attainments: Sequence[Decimal | None]) -> dict[str, int]:
    """How many attainments fall in each band, in band order."""
    counts = dict.fromkeys(BANDS, 0)
    for value in attainments:
        counts[band_of(value)] += 1
    return counts


def cumulative(daily: Sequence[tuple[dt.date, int]]) -> list[tuple[dt.date, int]]:
    """Running totals of ``(day, value)`` pairs sorted by day."""
    running = 0
    series = []
    for day, value in sorted(daily):
        running += value
        series.append((day, running))
    return series


def phased_cumulative(
    target: int, period_start: dt.date, period_end: dt.date, phasing: Sequence[PhaseSlice]
) -> list[tuple[dt.date, int]]:
    """The expected-to-date curve at each slice end (and at the period start), for charts."""
    slices = list(phasing) or [PhaseSlice(period_start, period_end, target)]
    points = [(period_start, 0)]
    points += [
        (piece.end, expected_to_date(target, period_start, period_end, slices, piece.end))
        for piece in sorted(slices, key=lambda item: item.start)
    ]
    return points
