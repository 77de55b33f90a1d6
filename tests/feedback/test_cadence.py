"""When check-ins are due and overdue, by the rule in ``quotaflow.feedback.cadence``."""

from __future__ import annotations

import datetime as dt

import pytest

from quotaflow.feedback.cadence import boundary, last_due_date, next_due_date, overdue_since

D = dt.date
MONDAY = D(2026, 1, 5)
END = D(2026, 12, 31)


@pytest.mark.parametrize(
    ("cadence", "steps", "expected"),
    [
        ("weekly", 1, D(2026, 1, 12)),
        ("biweekly", 2, D(2026, 2, 2)),
        ("monthly", 1, D(2026, 2, 5)),
        ("monthly", 12, D(2027, 1, 5)),
    ],
)
def test_boundaries_step_from_the_period_start(cadence: str, steps: int, expected: D) -> None:
    assert boundary(MONDAY, cadence, steps) == expected


def test_monthly_steps_end_on_the_same_day_or_the_months_last() -> None:
    start = D(2027, 1, 31)
    assert [boundary(start, "monthly", k) for k in (1, 2, 3)] == [
        D(2027, 2, 28),
        D(2027, 3, 31),
        D(2027, 4, 30),
    ]


def test_the_worked_example_of_the_rule() -> None:
    def overdue(last: D | None, day: D) -> D | None:
        return overdue_since(MONDAY, END, "weekly", last, day)

    assert overdue(None, D(2026, 1, 11)) is None  # the first window has not ended
    assert overdue(None, D(2026, 1, 12)) == D(2026, 1, 11)  # due Sunday, missed
    assert overdue(None, D(2026, 1, 13)) == D(2026, 1, 11)  # still the same due date
    assert overdue(D(2026, 1, 14), D(2026, 1, 14)) is None  # checking in ends it
    assert overdue(D(2026, 1, 14), D(2026, 1, 25)) is None  # and counts for 12–18 Jan
    assert overdue(D(2026, 1, 14), D(2026, 1, 26)) == D(2026, 1, 25)  # 19–25 Jan missed
    assert overdue(D(2026, 1, 5), D(2026, 1, 12)) is None  # on the first day counts


def test_nothing_is_overdue_without_a_cadence_or_after_the_period() -> None:
    assert overdue_since(MONDAY, END, "", None, D(2026, 6, 1)) is None
    assert overdue_since(MONDAY, END, "weekly", None, D(2027, 1, 4)) is None


def test_due_dates_around_a_day() -> None:
    assert last_due_date(MONDAY, "biweekly", D(2026, 1, 18)) is None
    assert last_due_date(MONDAY, "biweekly", D(2026, 1, 19)) == D(2026, 1, 18)
    assert next_due_date(MONDAY, "biweekly", D(2026, 1, 19)) == D(2026, 2, 1)
    assert next_due_date(MONDAY, "monthly", D(2026, 3, 4)) == D(2026, 3, 4)
