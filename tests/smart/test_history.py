"""History loading: credited actuals per person and fiscal period, in a fixed number of
queries, with split credit, cancellations and seats respected."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import numpy as np
import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from quotaflow.core.fiscal import FiscalCalendar
from quotaflow.metrics.models import Metric
from quotaflow.sales.models import Transaction, TransactionCredit
from quotaflow.smart.history import (
    comparable_periods,
    load_full_history,
    load_panel,
    monthly_actuals,
)
from tests.conftest import SmallOrg
from tests.smart.conftest import SmartWorld

pytestmark = pytest.mark.django_db


def test_split_credit_and_cancellations(small_org: SmallOrg, revenue: Metric) -> None:
    sale = Transaction.objects.create(
        source="t", external_id="1", date=dt.date(2025, 2, 3), amount_minor=10_000, currency="EUR"
    )
    TransactionCredit.objects.create(
        transaction=sale, person=small_org.people["ria"], percent=Decimal(60)
    )
    TransactionCredit.objects.create(
        transaction=sale, person=small_org.people["rob"], percent=Decimal(40)
    )
    cancelled = Transaction.objects.create(
        source="t",
        external_id="2",
        date=dt.date(2025, 2, 4),
        amount_minor=99_999,
        currency="EUR",
        is_cancelled=True,
    )
    TransactionCredit.objects.create(transaction=cancelled, person=small_org.people["ria"])
    rows = {
        person: value
        for person, _, value in monthly_actuals(revenue, dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    }
    assert rows == {small_org.people["ria"].pk: 6_000.0, small_org.people["rob"].pk: 4_000.0}


def test_comparable_periods_end_before_the_given_day() -> None:
    periods = comparable_periods(FiscalCalendar(2), "quarter", dt.date(2026, 2, 1), 5)
    assert [period.label for period in periods] == [
        "FY2025-Q4",
        "FY2026-Q1",
        "FY2026-Q2",
        "FY2026-Q3",
        "FY2026-Q4",
    ]


def test_panel_sums_quarters_in_two_queries(smart_world: SmartWorld) -> None:
    first_after = smart_world.history[-1].end + dt.timedelta(days=1)
    with CaptureQueriesContext(connection) as queries:
        history = load_panel(
            smart_world.revenue,
            kind="quarter",
            before=first_after,
            periods=12,
            calendar=FiscalCalendar(1),
        )
    assert len(queries) == 2
    assert history.panel.actuals.shape == (3, 12)
    ria = history.row_of(smart_world.org.people["ria"].pk)
    assert ria is not None
    assert np.nanmean(history.panel.actuals[ria]) == pytest.approx(100_000_000, rel=0.15)
    assert list(history.panel.season[:4]) == [p.index - 1 for p in smart_world.history[:4]]


def test_periods_before_hire_or_after_leaving_are_missing_not_zero(smart_world: SmartWorld) -> None:
    rob = smart_world.org.people["rob"]
    rob.termination_date = smart_world.history[5].start + dt.timedelta(days=10)
    rob.save()
    sue = smart_world.org.people["sue"]
    sue.hire_date = smart_world.history[3].start + dt.timedelta(days=20)
    sue.save()
    history = load_panel(
        smart_world.revenue, kind="quarter", before=smart_world.history[-1].end + dt.timedelta(days=1),
        periods=12, calendar=FiscalCalendar(1),
    )  # fmt: skip
    rob_row = history.panel.actuals[history.row_of(rob.pk)]  # type: ignore[index]
    assert math.isnan(rob_row[5]) and not math.isnan(rob_row[4])
    sue_row = history.row_of(sue.pk)
    assert sue_row is not None
    assert math.isnan(history.panel.actuals[sue_row, 2]) and not math.isnan(
        history.panel.actuals[sue_row, 3]
    )
    assert history.panel.hire_index[sue_row] == 3


def test_full_history_spans_every_complete_quarter(smart_world: SmartWorld) -> None:
    history = load_full_history(smart_world.revenue)
    assert history is not None
    assert history.columns[0] == smart_world.history[0]
    assert history.columns[-1] == smart_world.history[-1]


def test_backtest_command_prints_a_table_and_ends_with_json(
    smart_world: SmartWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    call_command("backtest_attainability", "--min-band-samples", "5")
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[1].startswith("band")
    summary = json.loads(lines[-1])
    assert summary["predictions"] > 0
    assert summary["brier"] < summary["baseline_brier"]


def test_backtest_command_names_an_unknown_metric(db: None) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no metric with the code 'nope'"):
        call_command("backtest_attainability", "--metric", "nope")


def test_activity_metrics_count_the_persons_activities(small_org: SmallOrg) -> None:
    from quotaflow.sales.models import Activity

    calls = Metric.objects.create(
        code="calls",
        name="Calls",
        unit="count",
        source="activities",
        value_field="quantity",
        activity_type="call",
    )
    ria = small_org.people["ria"]
    Activity.objects.create(
        external_id="a1", date=dt.date(2025, 3, 3), person=ria, activity_type="call", quantity=4
    )
    Activity.objects.create(
        external_id="a2", date=dt.date(2025, 3, 9), person=ria, activity_type="call", quantity=2
    )
    Activity.objects.create(
        external_id="a3", date=dt.date(2025, 3, 9), person=ria, activity_type="meeting", quantity=9
    )
    rows = monthly_actuals(calls, dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert rows == [(ria.pk, dt.date(2025, 3, 1), 6.0)]


def test_an_annual_goal_is_judged_on_years(smart_world: SmartWorld) -> None:
    from quotaflow.plans.models import Goal
    from quotaflow.smart.facts import smart_report

    start = smart_world.cycle.period_start
    goal = Goal.objects.create(
        owner_person=smart_world.org.people["ria"], metric=smart_world.revenue, period_start=start,
        period_end=start.replace(year=start.year + 1) - dt.timedelta(days=1), target=1_000_000_000,
    )  # fmt: skip
    report = smart_report(goal)  # 10M EUR a year for someone who sells about 4M
    assert report.attainable.status == "fail", report.attainable.reason
    assert "year" in report.attainable.reason
