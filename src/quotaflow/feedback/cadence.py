"""When check-ins are due, counted from a goal's period start.

A cadence cuts the period into steps from its first day S: weekly steps of 7 days, two-weekly
steps of 14 days, monthly steps ending on the same day of a later month (S = 31 Jan: 28 Feb,
31 Mar, 30 Apr …, clamped to the month's last day). Boundary k is B(k) = S + k steps, and
window k is the days [B(k−1), B(k)). Each window's check-in is **due** on its last day,
B(k) − 1 day.

On day d, the goal's check-in is **overdue** when the latest window that has ended
(the largest k with B(k) ≤ d) holds no check-in and none came after it: the last
check-in's day is before B(k−1), or there is none. Nothing is overdue before the first
window ends, nor after the period's last day.

Example, weekly from Monday 5 Jan 2026: the first check-in is due Sunday 11 Jan; on
Monday 12 Jan a goal without a check-in since 5 Jan is overdue, and stays so (due date
11 Jan) until its owner checks in. A check-in on 14 Jan ends that (it came after the
missed window) and counts for the window 12–18 Jan, so the next reminder can come on
26 Jan (for the window 19–25 Jan, due 25 Jan).
"""

from __future__ import annotations

import calendar
import datetime as dt

WEEKLY = "weekly"
BIWEEKLY = "biweekly"
MONTHLY = "monthly"


def boundary(start: dt.date, cadence: str, steps: int) -> dt.date:
    """B(steps): the day ``steps`` whole cadence steps after ``start``."""
    if cadence == WEEKLY:
        return start + dt.timedelta(days=7 * steps)
    if cadence == BIWEEKLY:
        return start + dt.timedelta(days=14 * steps)
    if cadence == MONTHLY:
        months = start.month - 1 + steps
        year, month = start.year + months // 12, months % 12 + 1
        return dt.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))
    raise ValueError(f"Unknown check-in cadence {cadence!r}.")


def _ended_steps(start: dt.date, cadence: str, day: dt.date) -> int:
    """How many whole windows have ended by ``day`` (the largest k with B(k) ≤ day)."""
    if day < start:
        return 0
    # A first guess from the shortest step length, then walk to the exact count.
    per_step = {WEEKLY: 7, BIWEEKLY: 14, MONTHLY: 31}[cadence]
    steps = (day - start).days // per_step
    while boundary(start, cadence, steps + 1) <= day:
        steps += 1
    return steps


def last_due_date(start: dt.date, cadence: str, day: dt.date) -> dt.date | None:
    """The due date of the latest window ended by ``day`` (None before the first ends)."""
    steps = _ended_steps(start, cadence, day)
    return boundary(start, cadence, steps) - dt.timedelta(days=1) if steps else None


def next_due_date(start: dt.date, cadence: str, day: dt.date) -> dt.date:
    """The due date of the window ``day`` lies in."""
    return current_window(start, cadence, day)[1]


def current_window(start: dt.date, cadence: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The window ``day`` lies in: its first day B(k) and its due date B(k+1) − 1 day."""
    steps = _ended_steps(start, cadence, day)
    return boundary(start, cadence, steps), boundary(start, cadence, steps + 1) - dt.timedelta(
        days=1
    )


def overdue_since(
    start: dt.date, end: dt.date, cadence: str, last_check_in: dt.date | None, day: dt.date
) -> dt.date | None:
    """The due date missed on ``day`` by a goal running [start, end] whose last check-in
    was on ``last_check_in``; None when nothing is overdue (or no cadence is set)."""
    if not cadence or day > end:
        return None
    steps = _ended_steps(start, cadence, day)
    if steps == 0:
        return None
    window_start = boundary(start, cadence, steps - 1)
    if last_check_in is not None and last_check_in >= window_start:
        return None
    return boundary(start, cadence, steps) - dt.timedelta(days=1)
