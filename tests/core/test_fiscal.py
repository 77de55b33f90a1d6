import datetime as dt

import pytest

from quotaflow.core.fiscal import FiscalCalendar


def test_calendar_year_when_fiscal_year_starts_in_january() -> None:
    cal = FiscalCalendar(1)
    assert cal.year(2027).start == dt.date(2027, 1, 1)
    assert cal.year(2027).end == dt.date(2027, 12, 31)
    assert [q.label for q in cal.quarters(2027)] == [
        "FY2027-Q1",
        "FY2027-Q2",
        "FY2027-Q3",
        "FY2027-Q4",
    ]


def test_february_start_names_the_year_it_ends_in() -> None:
    cal = FiscalCalendar(2)
    assert cal.fiscal_year_of(dt.date(2026, 2, 1)) == 2027
    assert cal.fiscal_year_of(dt.date(2026, 1, 31)) == 2026
    fy = cal.year(2027)
    assert (fy.start, fy.end) == (dt.date(2026, 2, 1), dt.date(2027, 1, 31))
    q4 = cal.quarters(2027)[3]
    assert (q4.start, q4.end) == (dt.date(2026, 11, 1), dt.date(2027, 1, 31))
    h2 = cal.halves(2027)[1]
    assert (h2.start, h2.end) == (dt.date(2026, 8, 1), dt.date(2027, 1, 31))


@pytest.mark.parametrize("start_month", range(1, 13))
def test_months_tile_the_year_without_gaps(start_month: int) -> None:
    cal = FiscalCalendar(start_month)
    months = cal.months(2027)
    assert months[0].start == cal.year(2027).start and months[-1].end == cal.year(2027).end
    for earlier, later in zip(months, months[1:], strict=False):
        assert later.start - earlier.end == dt.timedelta(days=1)
    assert sum(m.days for m in months) == cal.year(2027).days
    assert cal.period_containing(months[5].start, "month") == months[5]


def test_parse_labels_and_reject_nonsense() -> None:
    cal = FiscalCalendar(4)
    assert cal.parse("fy2027-q2") == cal.quarters(2027)[1]
    assert cal.parse("FY2027-M12") == cal.months(2027)[11]
    with pytest.raises(ValueError, match="not a fiscal period"):
        cal.parse("2027Q2")
    with pytest.raises(ValueError, match="1–12"):
        FiscalCalendar(13)
