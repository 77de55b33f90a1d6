"""Phasing: splitting a period target into months (and months into quarters), exactly.

Every function returns int64 minor units whose months sum exactly to the amount they split,
using largest-remainder rounding (ties go to the earlier month). Months are fiscal months in
order, so quarters are consecutive triples.

Proration for joiners and leavers works month by month: each month's phased amount is
scaled by the share of that month's days the person is in seat (joining and leaving days
included), and the prorated total is the exact, half-up-rounded sum of those amounts. Someone
whose time in seat does not meet the period at all gets zero months and a note saying why
(``prorated_phasing_explained``); only a leaving day before the joining day is an error.

Totals may be anything within ``±MAX_AMOUNT`` (9.2 × 10¹⁸ minor units): month fractions are
formed as quotient and remainder of the common day denominator, so no product passes int64.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import numpy as np
from numpy.typing import ArrayLike

from quotaflow.planning._exact import check_range, narrow, sum_exact
from quotaflow.planning._segments import FloatArray, IntArray
from quotaflow.planning.constraints import BASIS_POINTS
from quotaflow.planning.errors import InvalidInput
from quotaflow.planning.rounding import UNBOUNDED, round_within_groups


def phase(totals: int | ArrayLike, profile: ArrayLike, *, granularity: int = 1) -> IntArray:
    """Split totals over months in proportion to a profile.

    Args:
        totals: an int or shape ``(n,)`` int64 totals in minor units.
        profile: shape ``(m,)`` or ``(n, m)`` non-negative month weights (any scale). A row
            of zeros means even phasing.
        granularity: rounding step per month (minor units); a total that is not a multiple
            leaves its residual on one month.

    Returns:
        Shape ``(m,)`` for a scalar total, else ``(n, m)``; each row sums exactly to its total.
    """
    scalar = np.ndim(totals) == 0
    amounts = _totals(totals)
    # A shared profile stays one row; it broadcasts against the totals below.
    weights = np.atleast_2d(np.asarray(profile, dtype=np.float64))
    if weights.ndim != 2 or weights.shape[0] not in (1, amounts.size):
        raise InvalidInput(f"profile shape {weights.shape} does not fit {amounts.size} totals")
    if not np.isfinite(weights).all() or (weights < 0).any():
        raise InvalidInput("phasing weights must be finite and non-negative")
    if granularity < 1:
        raise InvalidInput(f"granularity must be a positive integer, got {granularity}")
    row_sum = weights.sum(axis=1, keepdims=True)
    shares = np.where(
        row_sum > 0, weights / np.where(row_sum > 0, row_sum, 1.0), 1.0 / weights.shape[1]
    )
    months = _round_rows(amounts[:, None].astype(np.float64) * shares, amounts, granularity)
    return months[0] if scalar else months


def _totals(totals: int | ArrayLike) -> IntArray:
    """Totals as int64 (shape ``(n,)``), refusing non-integers and the out-of-range."""
    given = np.atleast_1d(np.asarray(totals))
    if given.dtype == object or not np.issubdtype(given.dtype, np.integer):
        try:
            given = np.array([int(v) for v in given.reshape(-1).tolist()], dtype=object)
        except (TypeError, ValueError, OverflowError):
            raise InvalidInput("totals must be whole minor units") from None
    check_range(given, "a total to phase")
    if given.dtype != object:
        return given.astype(np.int64).reshape(-1)
    return np.asarray(given.tolist(), dtype=np.int64).reshape(-1)


def _round_rows(
    ideal: FloatArray,
    totals: IntArray,
    granularity: int,
    exact: tuple[IntArray, FloatArray] | None = None,
) -> IntArray:
    """Largest-remainder rounding of each row of ``ideal`` (shape ``(n, m)``) to its total.

    ``exact`` may give each ideal as an exact integer floor and a fraction in ``[0, 1)``
    (both shape ``(n, m)``), which keeps the months exact where float64 cannot (near 10¹⁸).
    """
    n, m = ideal.shape
    step = np.int64(granularity)
    if exact is None:
        base = np.floor(ideal / granularity).astype(np.int64) * step
        remainder = ideal - base
    else:
        floor, fraction = exact
        base = (floor // step) * step
        remainder = (floor - base) + fraction
    need = totals - base.sum(axis=1)
    whole, residual = need // step, need % step
    # Months with nothing left over can only take a step when float noise made the
    # shortfall too large; the general grouped rounding spreads such noise evenly.
    room = (remainder > 0).sum(axis=1)
    if (need < 0).any() or (whole > room).any() or ((whole == room) & (residual > 0)).any():
        # Float noise can push a row outside the one-step-per-month case; the general
        # grouped rounding handles every case exactly.
        group = np.repeat(np.arange(n), m)
        flat = round_within_groups(
            ideal.reshape(-1),
            group,
            totals,
            granularity=granularity,
            lower=np.full(n * m, -UNBOUNDED),
            upper=np.full(n * m, UNBOUNDED),
        )
        return flat.reshape(n, m)
    key = _remainder_keys(remainder, granularity)
    # Months whose key sorts before the row's ``whole``-th key get a whole step; the month
    # holding that key gets the sub-step residual. Keys are unique, so this is exact.
    place = np.minimum(whole, m - 1)[:, None]
    threshold = np.take_along_axis(np.sort(key, axis=1), place, axis=1)
    threshold = np.where(whole[:, None] >= m, np.iinfo(np.int64).max, threshold)
    base += np.where(key < threshold, step, 0)
    base += np.where(key == threshold, residual[:, None], 0)
    return base


def _remainder_keys(remainder: FloatArray, granularity: int) -> IntArray:
    """Unique int64 sort keys per row: larger remainder first, ties to the earlier month.

    Remainders are quantised to 2⁻⁴⁰ of a step (closer ones count as ties) and packed with
    the month index, so plain (unstable, fast) sorts are deterministic.
    """
    n, m = remainder.shape
    if m > 2**16:
        raise InvalidInput("too many periods to phase")
    fraction = np.clip(remainder / granularity, 0.0, 1.0)
    keys: IntArray = (np.floor((1.0 - fraction) * 2.0**40).astype(np.int64) << 16) + np.arange(m)
    return keys


def even_phasing(total: int | ArrayLike, months: int = 12, *, granularity: int = 1) -> IntArray:
    """Equal months: shape ``(months,)`` (or ``(n, months)`` for ``(n,)`` totals), exact sums."""
    return phase(total, np.ones(months), granularity=granularity)


def seasonality_profile(history: ArrayLike) -> FloatArray:
    """Month shares from history.

    Args:
        history: shape ``(years, m)`` (one owner) or ``(n, years, m)`` int64 actuals per
            month, minor units.

    Returns:
        Shape ``(m,)`` or ``(n, m)`` shares summing to 1; an owner with no history gets
        even shares.
    """
    values = np.asarray(history, dtype=np.float64)
    if values.ndim not in (2, 3):
        raise InvalidInput("history must have shape (years, months) or (owners, years, months)")
    if (values < 0).any() or not np.isfinite(values).all():
        raise InvalidInput("history must be finite and non-negative")
    per_month = values.sum(axis=-2)
    total = per_month.sum(axis=-1, keepdims=True)
    even = np.full_like(per_month, 1.0 / per_month.shape[-1])
    shares: FloatArray = np.where(total > 0, per_month / np.where(total > 0, total, 1.0), even)
    return shares


def seasonal_phasing(
    total: int | ArrayLike, history: ArrayLike, *, granularity: int = 1
) -> IntArray:
    """Phase by the seasonality of ``history`` (see ``seasonality_profile``); exact sums."""
    return phase(total, seasonality_profile(history), granularity=granularity)


def custom_phasing(
    total: int | ArrayLike, percentages: Sequence[float | str | Decimal], *, granularity: int = 1
) -> IntArray:
    """Phase by custom month percentages, which must total exactly 100.

    Percentages are read as decimals (``"8.33"`` or ``8.33``) so that "do they add to 100"
    is decided exactly, not in floating point.

    Raises:
        InvalidInput: a percentage is negative or not a number, or they do not total 100.
    """
    try:
        exact = [Decimal(str(p)) for p in percentages]
    except InvalidOperation:
        raise InvalidInput(f"percentages must be numbers, got {list(percentages)}") from None
    if any(not p.is_finite() or p < 0 for p in exact):
        raise InvalidInput("percentages must be non-negative numbers")
    if sum(exact, Decimal(0)) != 100:
        raise InvalidInput(
            f"custom percentages must total 100%, they total {sum(exact, Decimal(0))}%"
        )
    return phase(total, np.array([float(p) for p in exact]), granularity=granularity)


def ramped(
    monthly: ArrayLike,
    ramp: Sequence[float],
    start_month: int | ArrayLike = 0,
    *,
    granularity: int = 1,
) -> IntArray:
    """Apply a new-hire ramp schedule to full monthly quotas.

    Args:
        monthly: shape ``(m,)`` or ``(n, m)`` int64 full (ramped-up) monthly quotas.
        ramp: factors for the first months in seat, e.g. ``(0.25, 0.5, 0.75)``; later
            months are at 100 %. Resolved to basis points.
        start_month: month index (0-based) the person starts, scalar or shape ``(n,)``;
            months before it are 0.
        granularity: rounding step per month.

    Returns:
        Same shape as ``monthly``: ``monthly × ramp factor``, with the row total equal to the
        exact, half-up-rounded sum of the unrounded ramped months.
    """
    given = np.asarray(monthly)
    full = _totals(given).reshape(given.shape)
    rows = np.atleast_2d(full)
    n, m = rows.shape
    steps = np.rint(np.asarray(ramp, dtype=np.float64) * BASIS_POINTS).astype(np.int64)
    if (steps < 0).any() or (steps > BASIS_POINTS).any():
        raise InvalidInput("ramp factors must lie in [0, 1]")
    start = np.broadcast_to(np.asarray(start_month, dtype=np.int64), (n,))
    months_in = np.arange(m)[None, :] - start[:, None]
    factor = np.where(months_in < 0, 0, BASIS_POINTS)
    for k, bp in enumerate(steps):
        factor = np.where(months_in == k, bp, factor)
    return _scaled_months(rows, factor, BASIS_POINTS, granularity).reshape(full.shape)


def _scaled_months(
    rows: IntArray, numerator: IntArray, denominator: int, granularity: int
) -> IntArray:
    """``rows × numerator / denominator`` per month (shape ``(n, m)``), exact row totals.

    ``0 ≤ numerator ≤ denominator``. Each row's total is the half-up-rounded exact sum;
    months are then largest-remainder rounded to it, so no month drifts and the row adds up.
    ``rows = q·d + r`` splits every product into ``q × numerator`` (no larger than the month
    itself) and ``r × numerator`` (below d²), so nothing passes int64 on the way.
    """
    numerator = np.asarray(numerator, dtype=np.int64)
    if (numerator < 0).any() or (numerator > denominator).any() or denominator >= 2**31:
        raise InvalidInput("a month can only be scaled by a fraction between 0 and 1")
    quotient, remainder = np.divmod(rows, denominator)
    whole = quotient * numerator
    part = remainder * numerator
    exact = sum_exact(whole, axis=1) + (2 * part.sum(axis=1) + denominator) // (2 * denominator)
    totals = narrow(exact, "a prorated total")
    floor, left_over = np.divmod(part, denominator)
    fraction = left_over / float(denominator)
    return _round_rows(
        whole + part / float(denominator), totals, granularity, (whole + floor, fraction)
    )


DateOrDates = dt.date | None | ArrayLike


def days_in_seat(
    period_start: dt.date,
    months: int,
    joined: DateOrDates = None,
    left: DateOrDates = None,
) -> tuple[IntArray, IntArray]:
    """Days in seat and calendar days per fiscal month, for one person or many.

    Args:
        period_start: first day of the first fiscal month.
        months: number of months.
        joined, left: first and last day in seat (inclusive); ``None`` = whole period.
            Either a date, or shape ``(n,)`` dates (``datetime64[D]``, with ``NaT`` or
            ``None`` for "whole period") for ``n`` people at once.

    Returns:
        ``(in_seat, days)``: ``in_seat`` shape ``(months,)`` for one person or
        ``(n, months)`` for many; ``days`` shape ``(months,)``; int64.

    Someone whose days in seat fall wholly outside the period has zero days in every month.

    Raises:
        InvalidInput: the period does not start on the 1st, or someone leaves before joining.
    """
    in_seat, days, _ = _seats(period_start, months, joined, left)
    return in_seat, days


def _seats(
    period_start: dt.date, months: int, joined: DateOrDates, left: DateOrDates
) -> tuple[IntArray, IntArray, list[str]]:
    """``days_in_seat`` plus one note per person (``""`` when nothing needs saying)."""
    if period_start.day != 1:
        raise InvalidInput("a phasing period must start on the first day of a month")
    edges = (np.datetime64(period_start, "M") + np.arange(months + 1)).astype("datetime64[D]")
    first, after = edges[:-1], edges[1:]
    start, joined_given = _dates(joined, first[0], shift=0)
    stop, left_given = _dates(left, after[-1], shift=1)
    late = np.flatnonzero(np.atleast_1d(joined_given & left_given & (start >= stop)))
    if late.size:
        raise InvalidInput(
            f"{late.size} people leave before they join (positions {_first_ten(late)})"
        )
    in_seat = np.minimum(after, stop[..., None]) - np.maximum(first, start[..., None])
    in_seat = np.maximum(in_seat.astype(np.int64), 0)
    joins_after = np.atleast_1d(start >= after[-1])
    left_before = np.atleast_1d(stop <= first[0])
    notes = [
        "joins after the period ends: no quota in this period"
        if a
        else ("left before the period starts: no quota in this period" if b else "")
        for a, b in zip(joins_after.tolist(), left_before.tolist(), strict=True)
    ]
    return in_seat, (after - first).astype(np.int64), notes


def _first_ten(positions: np.ndarray) -> str:
    shown = ", ".join(str(int(p)) for p in positions[:10])
    return shown + (f" and {positions.size - 10} more" if positions.size > 10 else "")


def _dates(
    value: DateOrDates, default: np.datetime64, *, shift: int
) -> tuple[np.ndarray, np.ndarray]:
    """Dates as ``datetime64[D]`` (scalar or ``(n,)``), ``None``/``NaT`` → ``default``;
    and where a date was given."""
    if value is None:
        return np.asarray(default), np.asarray(False)
    if isinstance(value, dt.date):
        return np.asarray(np.datetime64(value, "D") + shift), np.asarray(True)
    days = np.array(
        [np.datetime64("NaT") if v is None else v for v in np.asarray(value, dtype=object)],
        dtype="datetime64[D]",
    )
    given = ~np.isnat(days)
    return np.where(given, days + shift, default), given


@dataclass(frozen=True)
class ProratedPhasing:
    """Prorated months and what a reader needs to know about them.

    Attributes:
        months: shape ``(m,)`` or ``(n, m)`` int64 minor units (see ``prorated_phasing``).
        notes: one note per person, ``""`` when none (e.g. "joins after the period ends").
    """

    months: IntArray
    notes: tuple[str, ...]


def prorated_phasing(
    total: int | ArrayLike,
    profile: ArrayLike,
    period_start: dt.date,
    *,
    joined: DateOrDates = None,
    left: DateOrDates = None,
    granularity: int = 1,
) -> IntArray:
    """Phase full-period quotas, then prorate each month by the days in seat.

    Args:
        total: the full-period quota (as if in seat all period), minor units; an int, or
            shape ``(n,)`` for ``n`` people at once.
        profile: shape ``(m,)`` month weights (e.g. ``np.ones(12)`` or a seasonality).
        period_start: first day of the first fiscal month.
        joined, left: first and last day in seat (inclusive), see ``days_in_seat``.
        granularity: rounding step per month.

    Returns:
        Shape ``(m,)`` (or ``(n, m)``) int64 months; each row sums exactly to its prorated
        total, ``round_half_up(Σ month × in_seat / days)``.
    """
    return prorated_phasing_explained(
        total, profile, period_start, joined=joined, left=left, granularity=granularity
    ).months


def prorated_phasing_explained(
    total: int | ArrayLike,
    profile: ArrayLike,
    period_start: dt.date,
    *,
    joined: DateOrDates = None,
    left: DateOrDates = None,
    granularity: int = 1,
) -> ProratedPhasing:
    """``prorated_phasing`` with a note per person (arguments and result shapes the same).

    A person entirely outside the period gets zero in every month and a note, so one such
    person never rejects a whole batch.
    """
    weights = np.asarray(profile, dtype=np.float64).reshape(-1)
    in_seat, days, notes = _seats(period_start, weights.size, joined, left)
    scalar = np.ndim(total) == 0 and in_seat.ndim == 1
    people = in_seat.shape[0] if in_seat.ndim == 2 else np.size(total)
    totals = np.broadcast_to(_totals(total), (people,))
    full = phase(totals, weights)
    # A common denominator keeps the month fractions exact in integers.
    common = int(np.lcm.reduce(days))
    numerator = np.broadcast_to(in_seat * (common // days), full.shape)
    months: IntArray = _scaled_months(full, numerator, common, granularity)
    if in_seat.ndim == 1:
        notes = notes * people
    return ProratedPhasing(months[0] if scalar else months, tuple(notes))


def prorate(total: int, days_in_seat_count: int, days_in_period: int) -> int:
    """``total × days_in_seat / days_in_period`` rounded half up, exact (minor units)."""
    if days_in_period <= 0 or not 0 <= days_in_seat_count <= days_in_period:
        raise InvalidInput("days in seat must lie between 0 and the days in the period")
    check_range([int(total)], "a total to prorate")
    return (2 * int(total) * days_in_seat_count + days_in_period) // (2 * days_in_period)


def months_to_quarters(monthly: ArrayLike) -> IntArray:
    """Sum consecutive month triples: shape ``(..., m)`` → ``(..., m // 3)`` int64."""
    given = np.asarray(monthly)
    values = np.asarray(_totals(given).reshape(np.shape(given)), dtype=np.int64)
    if values.shape[-1] % 3:
        raise InvalidInput(f"{values.shape[-1]} months do not make whole quarters")
    triples = values.reshape(*values.shape[:-1], values.shape[-1] // 3, 3)
    return narrow(sum_exact(triples, axis=-1), "a quarter")
