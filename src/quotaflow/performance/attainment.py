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

import numpy as np

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


def distribution_of_hundredths(values: np.ndarray) -> dict[str, int]:
    """:func:`distribution` for attainments in hundredths of a percent (``NO_RATIO``,
    being below every edge, counts as 0 % like None does)."""
    edges = [
        values < 5_000,
        (values >= 5_000) & (values < 8_000),
        (values >= 8_000) & (values < 10_000),
        (values >= 10_000) & (values <= 12_000),
        values > 12_000,
    ]
    return {band: int(mask.sum()) for band, mask in zip(BANDS, edges, strict=True)}


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


# Many goals at once ---------------------------------------------------------------------
#
# A board over a large subtree needs, for every rep goal, only three things: attainment %
# (bands, % at quota, leaderboard), pacing % and status (the at-risk list). Computing a
# full ``Attainment`` per goal costs tens of microseconds in ``Decimal``; the functions
# below compute the same three values for arrays of goals with exact integer arithmetic
# in NumPy. Percentages are in hundredths (``12345`` is 123.45 %), rounded half away from
# zero exactly as :func:`percent` rounds; ``NO_RATIO`` stands for "no denominator".

NO_RATIO = np.iinfo(np.int64).min
# |part| × 10,000 × 2 must fit in int64; larger values take the exact per-goal path.
_SAFE_MAGNITUDE = 10**14
_STATUS_NAMES = np.array(["on_track", "at_risk", "off_track", "not_started", "reached", "missed"])


def hundredths(value: Decimal | None) -> int:
    """A percentage as :func:`percent` gives it, in hundredths (``NO_RATIO`` for None)."""
    return NO_RATIO if value is None else int(value * 100)


@dataclass(frozen=True)
class Ratios:
    """Per goal, in input order: attainment and pacing in hundredths of a percent
    (``NO_RATIO`` without a denominator) and the status name."""

    attainment: np.ndarray
    pacing: np.ndarray
    status: np.ndarray


def _divide_half_up(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """``numerator / denominator`` rounded half away from zero (denominator ≠ 0)."""
    sign = np.sign(numerator) * np.sign(denominator)
    top, bottom = np.abs(numerator), np.abs(denominator)
    return sign * ((2 * top + bottom) // (2 * bottom))


def _percent_many(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    result = np.full(part.shape, NO_RATIO, dtype=np.int64)
    has = whole != 0
    result[has] = _divide_half_up(part[has] * 10_000, whole[has])
    return result


def expected_many(
    shapes: Sequence[tuple[tuple[dt.date, dt.date], ...]],
    slice_targets: Sequence[Sequence[int]],
    as_of: dt.date,
) -> np.ndarray:
    """:func:`expected_to_date` for many goals: goal ``i`` has slices with the bounds
    ``shapes[i]`` and the targets ``slice_targets[i]``. Goals are grouped by their slice
    bounds, so the day arithmetic happens once per group, not once per goal.

    Within a group the sum of target × elapsed / days is one exact fraction: every slice
    that has ended weighs 1, every slice not begun 0, and the one running slice its
    elapsed days over its length. Groups with more than one running slice (overlapping
    slices) or very large targets are computed goal by goal instead.
    """
    expected = np.zeros(len(shapes), dtype=np.int64)
    groups: dict[tuple[tuple[dt.date, dt.date], ...], list[int]] = {}
    for index, shape in enumerate(shapes):
        groups.setdefault(shape, []).append(index)
    for shape, members in groups.items():
        lengths = [(end - start).days + 1 for start, end in shape]
        elapsed = [days_elapsed(start, end, as_of) for start, end in shape]
        running = [
            length for length, done in zip(lengths, elapsed, strict=True) if 0 < done < length
        ]
        targets = np.array([slice_targets[index] for index in members], dtype=np.int64).reshape(
            len(members), len(shape)
        )
        if len(running) > 1 or (targets.size and int(np.abs(targets).max()) >= _SAFE_MAGNITUDE):
            for index in members:
                slices = [
                    PhaseSlice(start, end, target)
                    for (start, end), target in zip(shape, slice_targets[index], strict=True)
                ]
                expected[index] = expected_to_date(0, as_of, as_of, slices, as_of)
            continue
        denominator = running[0] if running else 1
        weights = np.array(
            [denominator * done // length for length, done in zip(lengths, elapsed, strict=True)],
            dtype=np.int64,
        )
        numerator = targets @ weights
        expected[members] = _divide_half_up(numerator, np.full(len(members), denominator))
    return expected


def ratios_many(
    targets: np.ndarray,
    actuals: np.ndarray,
    expected: np.ndarray,
    *,
    period_start: dt.date,
    period_end: dt.date,
    as_of: dt.date,
    thresholds: Thresholds,
) -> Ratios | None:
    """Attainment %, pacing % and status of many goals of one period, equal to what
    :func:`compute_attainment` gives each; None when a value is too large for exact
    int64 arithmetic (the caller then computes goal by goal)."""
    magnitude = max(
        (int(np.abs(array).max()) for array in (targets, actuals, expected) if array.size),
        default=0,
    )
    if magnitude >= _SAFE_MAGNITUDE:
        return None
    total = (period_end - period_start).days + 1
    elapsed = days_elapsed(period_start, period_end, as_of)
    attainment = _percent_many(actuals, targets)
    pacing = _percent_many(actuals, expected)
    if thresholds.basis == "projection":
        projection = (
            _divide_half_up(actuals * total, np.full(actuals.shape, elapsed))
            if elapsed
            else np.zeros(actuals.shape, np.int64)
        )
        if projection.size and int(np.abs(projection).max()) >= _SAFE_MAGNITUDE:
            return None
        basis = _percent_many(projection, targets)
    else:
        basis = pacing
    if elapsed == total:
        codes = np.where(actuals >= targets, 4, 5)
    elif elapsed == 0:
        codes = np.full(actuals.shape, 3)
    else:
        at_risk = int(thresholds.at_risk_below * 100)
        off_track = int(thresholds.off_track_below * 100)
        exact = thresholds.at_risk_below * 100 == at_risk
        exact = exact and thresholds.off_track_below * 100 == off_track
        if not exact:
            return None  # thresholds finer than hundredths: leave it to the exact path
        codes = np.where(
            (basis == NO_RATIO) | (basis >= at_risk), 0, np.where(basis >= off_track, 1, 2)
        )
    return Ratios(attainment, pacing, _STATUS_NAMES[codes])
